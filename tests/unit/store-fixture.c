/*
 * store-fixture: the fixture the store's unit tests share (see
 * store-fixture.h).
 */
#include "store-fixture.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schema.h"

int
setup(void **state)
{
	struct fixture	*f;
	const char	*tmp = getenv("TMPDIR");

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/test-store.XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 200 ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/auth.sqlite", f->dir);
	*state = f;
	return 0;
}

int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 p[sizeof(f->path) + 16];

	/* A read-only case that failed half-way is still someone else. */
	if (getuid() == 0 && geteuid() != 0 && (seteuid(0) == -1 ||
	    setegid(0) == -1))
		abort();
	if (getuid() != 0)
		chmod(f->dir, 0700);
	store_free(f->store);
	if (!f->pg) {
		unlink(f->path);
		snprintf(p, sizeof(p), "%s-wal", f->path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", f->path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-journal", f->path);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

int
exists(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0;
}

void
ready(struct fixture *f)
{
	assert_int_equal(store_migrate(f->path), schema_version);
	assert_non_null(f->store = store_new(f->path));
	assert_int_equal(store_ready(f->store), STORE_OK);
}

void
with_alice(struct fixture *f)
{
	ready(f);
	assert_int_equal(store_user_insert(f->store, "alice@example.com",
	    "Alice", HASH_A, NOW, &f->alice), STORE_OK);
}

enum store_rc
add_session(struct store *s, const char *id, int64_t user_id, int64_t now,
    int64_t expires_at)
{
	struct session_start	 st = {
		.id = id,
		.user_id = user_id,
		.now = now,
		.expires_at = expires_at,
		.ends_at = expires_at,
		.user_agent = "",
		.refresh_digest = NULL,
	};

	return store_session_insert(s, &st, NULL);
}

int64_t
count(const struct fixture *f, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 n = -1;

#ifdef HAVE_POSTGRESQL
	if (f->pg)
		return pg_count(f->path, sql);
#endif
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

int
start_capture(FILE **tmp)
{
	int	 saved;

	fflush(stderr);
	assert_non_null(*tmp = tmpfile());
	assert_true((saved = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fileno(*tmp), STDERR_FILENO) != -1);
	return saved;
}

void
stop_capture(FILE *tmp, int saved, char *buf, size_t bufsz)
{
	size_t	 n;

	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, bufsz - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

size_t
lines(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

double
elapsed(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

#ifdef HAVE_POSTGRESQL
PGconn	*pg_admin;
char	 pg_base[4096];

void
pg_url(char *out, size_t outsz, const char *name)
{
	const char	*auth = strstr(pg_base, "://") + 3;
	const char	*query = strchr(auth, '?');
	size_t		 host = strcspn(auth, "/?");

	snprintf(out, outsz, "%.*s/%s%s", (int)(auth - pg_base + host), pg_base,
	    name, query != NULL ? query : "");
}

void
pg_sql(const char *url, const char *sql, char *state, size_t statesz)
{
	PGconn		*conn = PQconnectdb(url);
	PGresult	*res;
	const char	*st;

	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	res = PQexec(conn, sql);
	st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	snprintf(state, statesz, "%s", st != NULL ? st : "");
	PQclear(res);
	PQfinish(conn);
}

int64_t
pg_count(const char *url, const char *sql)
{
	PGconn		*conn = PQconnectdb(url);
	PGresult	*res;
	int64_t		 n = -1;

	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	PQfinish(conn);
	return n;
}

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

void
pg_admin_sql(const char *sql)
{
	PGresult	*res = PQexec(pg_admin, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg_admin));
	PQclear(res);
}

int
pg_setup(void **state)
{
	static int	 n;
	struct fixture	*f;
	char		 sql[128];

	if (setup(state) == -1)
		return -1;
	f = *state;
	f->pg = 1;
	snprintf(f->dbname, sizeof(f->dbname), "fcgi_auth_test_%ld_%d",
	    (long)getpid(), ++n);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->dbname);
	pg_admin_sql(sql);
	pg_url(f->path, sizeof(f->path), f->dbname);
	return 0;
}

int
pg_teardown(void **state)
{
	struct fixture	*f = *state;
	char		 sql[128];

	store_free(f->store);
	f->store = NULL;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    f->dbname);
	pg_admin_sql(sql);
	return teardown(state);
}
#endif

int
fixture_run(const char *name, const struct CMUnitTest *lite, size_t nlite,
    const struct CMUnitTest *pg, size_t npg)
{
#ifdef HAVE_POSTGRESQL
	char		 pgname[128];
	int		 rc;
#endif
	const char	*url = getenv("TEST_DATABASE_URL");
	int		 want_pg = 0;

#ifdef TEST_STORE_PG
	want_pg = 1;
#endif
	if (!want_pg)
		return _cmocka_run_group_tests(name, lite, nlite, NULL, NULL);
#ifdef HAVE_POSTGRESQL
	if (url == NULL || *url == '\0') {
		printf("1..0 # SKIP TEST_DATABASE_URL is not set: no PostgreSQL "
		    "server to test on\n");
		return 0;
	}
	if (strlen(url) >= sizeof(pg_base) || strstr(url, "://") == NULL) {
		fprintf(stderr, "TEST_DATABASE_URL must be a postgresql:// URL\n");
		return 99;
	}
	snprintf(pg_base, sizeof(pg_base), "%s", url);
	if (PQstatus(pg_admin = PQconnectdb(url)) != CONNECTION_OK) {
		fprintf(stderr, "TEST_DATABASE_URL: %s", PQerrorMessage(pg_admin));
		return 99;
	}
	/* "database ... does not exist, skipping" is no news. */
	PQsetNoticeProcessor(pg_admin, quiet, NULL);
	snprintf(pgname, sizeof(pgname), "%s-postgresql", name);
	rc = _cmocka_run_group_tests(pgname, pg, npg, NULL, NULL);
	PQfinish(pg_admin);
	return rc;
#else
	(void)url;
	(void)pg;
	(void)npg;
	printf("1..0 # SKIP built without PostgreSQL support\n");
	return 0;
#endif
}
