/*
 * Unit tests for common/store.c against a real SQLite file in a fresh
 * directory: migrations, readiness, users, sessions, posts, pruning and
 * locking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "schema.h"
#include "store.h"

#define HASH_A	"$2b$04$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y"
#define HASH_B	"$2b$05$abcdefghijklmnopqrstuuH5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y"
#define SID_1	"11111111111111111111111111111111"
#define SID_2	"22222222222222222222222222222222"
#define SID_3	"33333333333333333333333333333333"
#define NOW	INT64_C(1700000000)

struct fixture {
	char		 dir[256];
	char		 path[320];
	struct store	*store;
	struct user	 alice;		/* set by with_alice() */
};

static int
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

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 p[400];

	store_free(f->store);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int
exists(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0;
}

/*
 * Migrate, then open a store that is ready to use.  A fresh database gets
 * every migration: schema_version of them.
 */
static void
ready(struct fixture *f)
{
	assert_int_equal(store_migrate(f->path), schema_version);
	assert_non_null(f->store = store_new(f->path));
	assert_int_equal(store_ready(f->store), STORE_OK);
}

/* A ready store with alice@example.com in it. */
static void
with_alice(struct fixture *f)
{
	ready(f);
	assert_int_equal(store_user_insert(f->store, "alice@example.com",
	    "Alice", HASH_A, NOW, &f->alice), STORE_OK);
}

/* Run a query returning one integer on a connection of our own. */
static int64_t
count(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 n = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/*
 * Start sending stderr to a temporary file; returns the saved descriptor.
 * stop_capture() puts stderr back and returns what was written.
 */
static int
start_capture(FILE **tmp)
{
	int	 saved;

	fflush(stderr);
	assert_non_null(*tmp = tmpfile());
	assert_true((saved = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fileno(*tmp), STDERR_FILENO) != -1);
	return saved;
}

static void
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

/* --- migrations and readiness */

static void
migrate_creates_database(void **state)
{
	struct fixture	*f = *state;

	assert_false(exists(f->path));
	assert_int_equal(store_migrate(f->path), schema_version);
	assert_true(exists(f->path));
	assert_int_equal(count(f->path,
	    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
	    "AND name IN ('users', 'sessions')"), 2);
}

static void
migrate_twice_applies_nothing(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(store_migrate(f->path), schema_version);
	assert_int_equal(store_migrate(f->path), 0);
	assert_int_equal(store_schema_version(f->path), schema_version);
}

static void
migrate_in_missing_directory_fails(void **state)
{
	struct fixture	*f = *state;
	char		 p[400];

	snprintf(p, sizeof(p), "%s/no/such/dir/auth.sqlite", f->dir);
	assert_int_equal(store_migrate(p), -1);
}

static void
schema_version_after_migrate(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(store_migrate(f->path), schema_version);
	assert_true(schema_version >= 1);
	assert_int_equal(store_schema_version(f->path), schema_version);
	assert_int_equal(count(f->path, "PRAGMA user_version"), schema_version);
}

static void
schema_version_of_missing_file(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(store_schema_version(f->path), -1);
	assert_false(exists(f->path));
}

static void
schema_version_of_empty_database(void **state)
{
	struct fixture	*f = *state;
	sqlite3		*db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_schema_version(f->path), 0);
}

static void
ready_on_missing_file_is_down(void **state)
{
	struct fixture	*f = *state;

	assert_non_null(f->store = store_new(f->path));
	assert_int_equal(store_ready(f->store), STORE_DOWN);
	assert_false(exists(f->path));
	/* Still down, still not created, when asked again. */
	assert_int_equal(store_ready(f->store), STORE_DOWN);
	assert_false(exists(f->path));
}

static void
ready_on_unmigrated_file_is_down(void **state)
{
	struct fixture	*f = *state;
	sqlite3		*db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_non_null(f->store = store_new(f->path));
	assert_int_equal(store_ready(f->store), STORE_DOWN);
}

static void
ready_on_file_that_is_not_a_database_is_down(void **state)
{
	struct fixture	*f = *state;
	FILE		*fp;

	assert_non_null(fp = fopen(f->path, "w"));
	fputs("this is not an SQLite database, just some text in a file\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(f->store = store_new(f->path));
	assert_int_equal(store_ready(f->store), STORE_DOWN);
}

static size_t
lines(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

static void
ready_down_is_logged_once(void **state)
{
	struct fixture	*f = *state;
	char		 log[4096];
	FILE		*tmp;
	int		 saved;
	enum store_rc	 rc1, rc2, rc3;

	assert_non_null(f->store = store_new(f->path));
	saved = start_capture(&tmp);
	rc1 = store_ready(f->store);
	rc2 = store_ready(f->store);
	rc3 = store_ready(f->store);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc1, STORE_DOWN);
	assert_int_equal(rc2, STORE_DOWN);
	assert_int_equal(rc3, STORE_DOWN);
	assert_int_equal(lines(log), 1);
	assert_non_null(strstr(log, f->path));
}

static void
ready_new_down_cause_is_logged(void **state)
{
	struct fixture	*f = *state;
	char		 log[4096];
	FILE		*tmp;
	sqlite3		*db;
	int		 saved;
	enum store_rc	 rc;

	/* First the file is missing ... */
	assert_non_null(f->store = store_new(f->path));
	saved = start_capture(&tmp);
	rc = store_ready(f->store);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, STORE_DOWN);
	/* ... then it exists but was never migrated: a new cause. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_close(db);
	saved = start_capture(&tmp);
	rc = store_ready(f->store);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, STORE_DOWN);
	/* store.h: STORE_DOWN is "logged once per cause". */
	assert_string_not_equal(log, "");
	assert_non_null(strstr(log, "schema version 0"));
}

static void
ready_after_migrate_is_ok(void **state)
{
	struct fixture	*f = *state;

	ready(f);
	/* Cheap and still fine the second time. */
	assert_int_equal(store_ready(f->store), STORE_OK);
}

static void
ready_recovers_once_migrated(void **state)
{
	struct fixture	*f = *state;
	sqlite3		*db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_close(db);
	assert_non_null(f->store = store_new(f->path));
	assert_int_equal(store_ready(f->store), STORE_DOWN);
	/* The operator runs migrate while the program is up. */
	assert_int_equal(store_migrate(f->path), schema_version);
	assert_int_equal(store_ready(f->store), STORE_OK);
}

static void
free_null_is_fine(void **state)
{
	(void)state;
	store_free(NULL);
}

/* --- users */

static void
user_insert_fills_out(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	ready(f);
	memset(&u, 'Z', sizeof(u));
	assert_int_equal(store_user_insert(f->store, "alice@example.com",
	    "Alice", HASH_A, NOW, &u), STORE_OK);
	assert_true(u.id > 0);
	assert_string_equal(u.email, "alice@example.com");
	assert_string_equal(u.name, "Alice");
	assert_string_equal(u.password, "");
}

static void
user_insert_too_long_is_rolled_back(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;
	char		 name[sizeof(u.name) + 1];

	ready(f);
	/* One byte more than struct user can hold. */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(store_user_insert(f->store, "alice@example.com",
	    name, HASH_A, NOW, &u), STORE_ERR);
	assert_int_equal(count(f->path, "SELECT count(*) FROM users"), 0);
	assert_int_equal(store_user_insert(f->store, "alice@example.com",
	    "Alice", HASH_A, NOW, &u), STORE_OK);
}

static void
user_insert_error_is_logged(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;
	char		 name[sizeof(u.name) + 1], log[4096];
	FILE		*tmp;
	int		 saved;
	enum store_rc	 rc;

	ready(f);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	saved = start_capture(&tmp);
	rc = store_user_insert(f->store, "alice@example.com", name, HASH_A,
	    NOW, &u);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, STORE_ERR);
	/* store.h: STORE_ERR is "anything else (logged)". */
	assert_string_not_equal(log, "");
}

static void
user_ids_differ(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &u), STORE_OK);
	assert_true(u.id != f->alice.id);
}

static void
user_by_email_any_case(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	memset(&u, 0, sizeof(u));
	assert_int_equal(store_user_by_email(f->store, "ALICE@EXAMPLE.COM", &u),
	    STORE_OK);
	assert_true(u.id == f->alice.id);
	/* The stored spelling comes back, not the one asked for. */
	assert_string_equal(u.email, "alice@example.com");
	assert_string_equal(u.name, "Alice");
}

static void
user_by_email_returns_hash(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_user_by_email(f->store, "alice@example.com", &u),
	    STORE_OK);
	assert_string_equal(u.password, HASH_A);
}

static void
user_by_email_unknown(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_user_by_email(f->store, "bob@example.com", &u),
	    STORE_NOTFOUND);
	assert_int_equal(store_user_by_email(f->store, "alice@example.co", &u),
	    STORE_NOTFOUND);
	assert_int_equal(store_user_by_email(f->store, "", &u), STORE_NOTFOUND);
}

static void
user_duplicate_in_other_case_exists(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_user_insert(f->store, "Alice@Example.COM",
	    "Other", HASH_B, NOW, &u), STORE_EXISTS);
	assert_int_equal(store_user_insert(f->store, "alice@example.com",
	    "Other", HASH_B, NOW, &u), STORE_EXISTS);
	assert_int_equal(count(f->path, "SELECT count(*) FROM users"), 1);
}

static void
user_insert_after_duplicate_still_works(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_user_insert(f->store, "ALICE@example.com",
	    "Other", HASH_B, NOW, &u), STORE_EXISTS);
	/* The failed insert's transaction is gone: the next one commits. */
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &u), STORE_OK);
	assert_int_equal(count(f->path, "SELECT count(*) FROM users"), 2);
}

static void
user_set_password(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_user_set_password(f->store, f->alice.id, HASH_B),
	    STORE_OK);
	assert_int_equal(store_user_by_email(f->store, "alice@example.com", &u),
	    STORE_OK);
	assert_string_equal(u.password, HASH_B);
}

static void
user_set_password_unknown_id(void **state)
{
	struct fixture	*f = *state;

	with_alice(f);
	assert_int_equal(store_user_set_password(f->store, f->alice.id + 1,
	    HASH_B), STORE_NOTFOUND);
}

static void
user_delete_any_case(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_user_delete(f->store, "ALICE@EXAMPLE.com"),
	    STORE_OK);
	assert_int_equal(store_user_by_email(f->store, "alice@example.com", &u),
	    STORE_NOTFOUND);
	assert_int_equal(store_user_delete(f->store, "alice@example.com"),
	    STORE_NOTFOUND);
}

static void
user_delete_removes_sessions(void **state)
{
	struct fixture	*f = *state;
	struct user	 u, bob;

	with_alice(f);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &bob), STORE_OK);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_insert(f->store, SID_2, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_insert(f->store, SID_3, bob.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_user_delete(f->store, "alice@example.com"),
	    STORE_OK);
	assert_int_equal(store_session_user(f->store, SID_1, f->alice.id, NOW,
	    &u), STORE_NOTFOUND);
	/* Deleted, not merely hidden by the join. */
	assert_int_equal(count(f->path, "SELECT count(*) FROM sessions"), 1);
	assert_int_equal(store_session_user(f->store, SID_3, bob.id, NOW, &u),
	    STORE_OK);
}

/* --- sessions */

static void
session_user_of_live_session(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	memset(&u, 'Z', sizeof(u));
	assert_int_equal(store_session_user(f->store, SID_1, f->alice.id,
	    NOW + 1, &u), STORE_OK);
	assert_true(u.id == f->alice.id);
	assert_string_equal(u.email, "alice@example.com");
	assert_string_equal(u.name, "Alice");
	/* No hash is read for a session. */
	assert_string_equal(u.password, "");
}

static void
session_user_wrong_user(void **state)
{
	struct fixture	*f = *state;
	struct user	 u, bob;

	with_alice(f);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &bob), STORE_OK);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_user(f->store, SID_1, bob.id, NOW, &u),
	    STORE_NOTFOUND);
	assert_int_equal(store_session_user(f->store, SID_1, 9999, NOW, &u),
	    STORE_NOTFOUND);
}

static void
session_user_unknown_id(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_user(f->store, SID_2, f->alice.id, NOW,
	    &u), STORE_NOTFOUND);
}

static void
session_user_expired(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_user(f->store, SID_1, f->alice.id,
	    NOW + 3599, &u), STORE_OK);
	assert_int_equal(store_session_user(f->store, SID_1, f->alice.id,
	    NOW + 3600, &u), STORE_NOTFOUND);
	assert_int_equal(store_session_user(f->store, SID_1, f->alice.id,
	    NOW + 7200, &u), STORE_NOTFOUND);
}

static void
session_delete(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_delete(f->store, SID_1, f->alice.id),
	    STORE_OK);
	assert_int_equal(store_session_user(f->store, SID_1, f->alice.id, NOW,
	    &u), STORE_NOTFOUND);
}

static void
session_delete_twice(void **state)
{
	struct fixture	*f = *state;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_delete(f->store, SID_1, f->alice.id),
	    STORE_OK);
	assert_int_equal(store_session_delete(f->store, SID_1, f->alice.id),
	    STORE_NOTFOUND);
}

static void
session_delete_needs_its_user(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_delete(f->store, SID_1, f->alice.id + 1),
	    STORE_NOTFOUND);
	assert_int_equal(store_session_user(f->store, SID_1, f->alice.id, NOW,
	    &u), STORE_OK);
}

static void
session_delete_leaves_others(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_insert(f->store, SID_2, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_delete(f->store, SID_1, f->alice.id),
	    STORE_OK);
	assert_int_equal(store_session_user(f->store, SID_2, f->alice.id, NOW,
	    &u), STORE_OK);
}

static void
session_duplicate_id_is_error(void **state)
{
	struct fixture	*f = *state;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_ERR);
	/* And the store is still usable afterwards. */
	assert_int_equal(store_session_insert(f->store, SID_2, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
}

static void
session_duplicate_id_error_is_logged(void **state)
{
	struct fixture	*f = *state;
	char		 log[4096];
	FILE		*tmp;
	int		 saved;
	enum store_rc	 rc;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	saved = start_capture(&tmp);
	rc = store_session_insert(f->store, SID_1, f->alice.id, NOW, NOW + 3600);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, STORE_ERR);
	/* store.h: STORE_ERR is "anything else (logged)". */
	assert_string_not_equal(log, "");
}

static void
session_for_missing_user_is_error(void **state)
{
	struct fixture	*f = *state;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id + 100,
	    NOW, NOW + 3600), STORE_ERR);
	assert_int_equal(count(f->path, "SELECT count(*) FROM sessions"), 0);
}

static void
session_insert_prunes_expired(void **state)
{
	struct fixture	*f = *state;

	with_alice(f);
	assert_int_equal(store_session_insert(f->store, SID_1, f->alice.id,
	    NOW, NOW + 100), STORE_OK);
	assert_int_equal(store_session_insert(f->store, SID_2, f->alice.id,
	    NOW, NOW + 200), STORE_OK);
	assert_int_equal(count(f->path, "SELECT count(*) FROM sessions"), 2);
	/* At NOW + 100 the first has expired; the second has not. */
	assert_int_equal(store_session_insert(f->store, SID_3, f->alice.id,
	    NOW + 100, NOW + 3700), STORE_OK);
	assert_int_equal(count(f->path, "SELECT count(*) FROM sessions"), 2);
	assert_int_equal(count(f->path, "SELECT count(*) FROM sessions "
	    "WHERE id = '" SID_1 "'"), 0);
	assert_int_equal(count(f->path, "SELECT count(*) FROM sessions "
	    "WHERE id = '" SID_2 "'"), 1);
}

/* --- locking */

static double
elapsed(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
write_while_locked_is_busy(void **state)
{
	struct fixture	*f = *state;
	struct timespec	 t0;
	struct user	 u;
	sqlite3		*other;
	double		 waited;

	with_alice(f);
	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &u), STORE_BUSY);
	waited = elapsed(&t0);
	/* It waited for the lock (the busy timeout) before giving up. */
	assert_true(waited >= (STORE_BUSY_TIMEOUT_MS / 1000.0) * 0.9);
	/* Reads are not blocked by another connection's write lock (WAL). */
	assert_int_equal(store_user_by_email(f->store, "alice@example.com", &u),
	    STORE_OK);

	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &u), STORE_OK);
	assert_int_equal(store_session_insert(f->store, SID_1, u.id, NOW,
	    NOW + 3600), STORE_OK);
	assert_int_equal(count(f->path, "SELECT count(*) FROM users"), 2);
}

/* --- posts */

/* A store_post_fn that records what it was given, for the tests below. */
struct seen {
	int	 n;
	int64_t	 ids[64];
	int64_t	 author_id;
	char	 title[64];
	char	 content[64];
	char	 author_name[64];
	int	 stop_after;	/* fail the callback after this many, 0: never */
};

static int
see(void *arg, const struct post *p)
{
	struct seen	*s = arg;

	if (s->stop_after > 0 && s->n >= s->stop_after)
		return -1;
	assert_true(s->n < 64);
	s->ids[s->n++] = p->id;
	s->author_id = p->author_id;
	snprintf(s->title, sizeof(s->title), "%s", p->title);
	snprintf(s->content, sizeof(s->content), "%s", p->content);
	snprintf(s->author_name, sizeof(s->author_name), "%s", p->author_name);
	return 0;
}

/* Insert n posts by author; their ids go to ids (if not NULL). */
static void
add_posts(struct fixture *f, int64_t author, int n, int64_t *ids)
{
	char	 title[32];
	int64_t	 id;
	int	 i;

	for (i = 0; i < n; i++) {
		snprintf(title, sizeof(title), "post %d", i);
		assert_int_equal(store_post_insert(f->store, author, title,
		    "content", NOW, &id), STORE_OK);
		if (ids != NULL)
			ids[i] = id;
	}
}

static void
post_insert_then_get(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s = { 0 };
	int64_t		 id;

	with_alice(f);
	assert_int_equal(store_post_insert(f->store, f->alice.id, "Hello",
	    "First post", NOW, &id), STORE_OK);
	assert_int_equal(store_post_get(f->store, id, see, &s), STORE_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ids[0], id);
	assert_string_equal(s.title, "Hello");
	assert_string_equal(s.content, "First post");
	assert_int_equal(s.author_id, f->alice.id);
	assert_string_equal(s.author_name, "Alice");
}

static void
post_get_missing(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s = { 0 };

	with_alice(f);
	assert_int_equal(store_post_get(f->store, 42, see, &s), STORE_NOTFOUND);
	assert_int_equal(s.n, 0);
}

static void
post_insert_for_missing_user_is_error(void **state)
{
	struct fixture	*f = *state;
	int64_t		 id = -1;

	ready(f);
	/* The foreign key holds: no post without its author. */
	assert_int_equal(store_post_insert(f->store, 999, "t", "c", NOW, &id),
	    STORE_ERR);
	assert_int_equal(count(f->path, "SELECT count(*) FROM posts"), 0);
}

static void
posts_page_walks_in_order(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s = { 0 };
	int64_t		 ids[7];
	int		 i;

	with_alice(f);
	add_posts(f, f->alice.id, 7, ids);
	assert_int_equal(store_posts_page(f->store, 0, 3, see, &s), STORE_OK);
	assert_int_equal(s.n, 3);
	assert_int_equal(store_posts_page(f->store, s.ids[2], 3, see, &s),
	    STORE_OK);
	assert_int_equal(store_posts_page(f->store, s.ids[5], 3, see, &s),
	    STORE_OK);
	/* Every post once, in ascending id order. */
	assert_int_equal(s.n, 7);
	for (i = 0; i < 7; i++)
		assert_int_equal(s.ids[i], ids[i]);
}

static void
posts_page_empty_is_ok(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s = { 0 };

	with_alice(f);
	assert_int_equal(store_posts_page(f->store, 0, 20, see, &s), STORE_OK);
	assert_int_equal(s.n, 0);
	add_posts(f, f->alice.id, 2, NULL);
	assert_int_equal(store_posts_page(f->store, INT64_MAX - 1, 20, see, &s),
	    STORE_OK);
	assert_int_equal(s.n, 0);
}

static void
posts_page_callback_failure_is_error(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s = { .stop_after = 2 };

	with_alice(f);
	add_posts(f, f->alice.id, 4, NULL);
	assert_int_equal(store_posts_page(f->store, 0, 20, see, &s), STORE_ERR);
	assert_int_equal(s.n, 2);
	/* The statement was reset: the next read works. */
	s.stop_after = 0;
	s.n = 0;
	assert_int_equal(store_posts_page(f->store, 0, 20, see, &s), STORE_OK);
	assert_int_equal(s.n, 4);
}

static void
post_update_by_author(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s = { 0 };
	int64_t		 id;

	with_alice(f);
	add_posts(f, f->alice.id, 1, &id);
	/* NULL keeps a column; the other changes. */
	assert_int_equal(store_post_update(f->store, id, f->alice.id, "New",
	    NULL, NOW + 1), STORE_OK);
	assert_int_equal(store_post_get(f->store, id, see, &s), STORE_OK);
	assert_string_equal(s.title, "New");
	assert_string_equal(s.content, "content");
	assert_int_equal(store_post_update(f->store, id, f->alice.id, NULL,
	    "Body", NOW + 2), STORE_OK);
	assert_int_equal(store_post_get(f->store, id, see, &s), STORE_OK);
	assert_string_equal(s.title, "New");
	assert_string_equal(s.content, "Body");
	assert_int_equal(count(f->path, "SELECT updated_at FROM posts"), NOW + 2);
}

static void
post_update_by_other_is_denied(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s = { 0 };
	struct user	 bob;
	int64_t		 id;

	with_alice(f);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &bob), STORE_OK);
	add_posts(f, f->alice.id, 1, &id);
	assert_int_equal(store_post_update(f->store, id, bob.id, "Mine", "now",
	    NOW), STORE_DENIED);
	assert_int_equal(store_post_get(f->store, id, see, &s), STORE_OK);
	assert_string_equal(s.title, "post 0");
	assert_int_equal(s.author_id, f->alice.id);
	assert_int_equal(store_post_update(f->store, id + 1, f->alice.id, "x",
	    NULL, NOW), STORE_NOTFOUND);
}

static void
post_delete_by_author_and_other(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s = { 0 };
	struct user	 bob;
	int64_t		 id;

	with_alice(f);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &bob), STORE_OK);
	add_posts(f, f->alice.id, 1, &id);
	assert_int_equal(store_post_delete(f->store, id, bob.id), STORE_DENIED);
	assert_int_equal(store_post_get(f->store, id, see, &s), STORE_OK);
	assert_int_equal(store_post_delete(f->store, id, f->alice.id), STORE_OK);
	assert_int_equal(store_post_get(f->store, id, see, &s), STORE_NOTFOUND);
	assert_int_equal(store_post_delete(f->store, id, f->alice.id),
	    STORE_NOTFOUND);
}

static void
user_delete_removes_posts(void **state)
{
	struct fixture	*f = *state;
	struct user	 bob;

	with_alice(f);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &bob), STORE_OK);
	add_posts(f, f->alice.id, 3, NULL);
	add_posts(f, bob.id, 2, NULL);
	assert_int_equal(store_user_delete(f->store, "alice@example.com"),
	    STORE_OK);
	assert_int_equal(count(f->path, "SELECT count(*) FROM posts"), 2);
	assert_int_equal(count(f->path,
	    "SELECT count(*) FROM posts WHERE author_id <> (SELECT id FROM users)"), 0);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(migrate_creates_database),
		T(migrate_twice_applies_nothing),
		T(migrate_in_missing_directory_fails),
		T(schema_version_after_migrate),
		T(schema_version_of_missing_file),
		T(schema_version_of_empty_database),
		T(ready_on_missing_file_is_down),
		T(ready_on_unmigrated_file_is_down),
		T(ready_on_file_that_is_not_a_database_is_down),
		T(ready_down_is_logged_once),
		T(ready_new_down_cause_is_logged),
		T(ready_after_migrate_is_ok),
		T(ready_recovers_once_migrated),
		cmocka_unit_test(free_null_is_fine),
		T(user_insert_fills_out),
		T(user_insert_too_long_is_rolled_back),
		T(user_insert_error_is_logged),
		T(user_ids_differ),
		T(user_by_email_any_case),
		T(user_by_email_returns_hash),
		T(user_by_email_unknown),
		T(user_duplicate_in_other_case_exists),
		T(user_insert_after_duplicate_still_works),
		T(user_set_password),
		T(user_set_password_unknown_id),
		T(user_delete_any_case),
		T(user_delete_removes_sessions),
		T(session_user_of_live_session),
		T(session_user_wrong_user),
		T(session_user_unknown_id),
		T(session_user_expired),
		T(session_delete),
		T(session_delete_twice),
		T(session_delete_needs_its_user),
		T(session_delete_leaves_others),
		T(session_duplicate_id_is_error),
		T(session_duplicate_id_error_is_logged),
		T(session_for_missing_user_is_error),
		T(session_insert_prunes_expired),
		T(post_insert_then_get),
		T(post_get_missing),
		T(post_insert_for_missing_user_is_error),
		T(posts_page_walks_in_order),
		T(posts_page_empty_is_ok),
		T(posts_page_callback_failure_is_error),
		T(post_update_by_author),
		T(post_update_by_other_is_denied),
		T(post_delete_by_author_and_other),
		T(user_delete_removes_posts),
		T(write_while_locked_is_busy),
	};

	log_init("test-store");
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
