/*
 * Unit tests for common/store.c against both backends: a real SQLite file
 * in a fresh directory, and (when TEST_DATABASE_URL names a PostgreSQL
 * server where we may create databases) a fresh PostgreSQL database per
 * case: migrations, readiness, users, sessions, posts, pruning, locking,
 * and for PostgreSQL reconnection and the copy from SQLite.
 */
#include "store-fixture.h"

#include <sys/stat.h>

#include <signal.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/wait.h>

#include <sqlite3.h>

#include "log.h"
#include "schema.h"
#include "store.h"
#include "store-backend.h"
#include "util.h"

/* --- migrations and readiness */

static void
migrate_creates_database(void **state)
{
	struct fixture	*f = *state;

	assert_false(exists(f->path));
	assert_int_equal(store_migrate(f->path), schema_version);
	assert_true(exists(f->path));
	assert_int_equal(count(f,
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
	assert_int_equal(count(f, f->pg ? "SELECT max(version) FROM "
	    "schema_version" : "PRAGMA user_version"), schema_version);
}

static void
schema_version_of_missing_file(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(store_schema_version(f->path), -1);
	assert_false(exists(f->path));
}

/* Make the case's database exist, with a table of its own and no migration. */
static void
empty_database(struct fixture *f)
{
	sqlite3		*db;
#ifdef HAVE_POSTGRESQL
	char		 state[8];

	if (f->pg) {
		pg_sql(f->path, "CREATE TABLE t (x integer)", state,
		    sizeof(state));
		assert_string_equal(state, "");
		return;
	}
#endif
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
schema_version_of_empty_database(void **state)
{
	struct fixture	*f = *state;

	empty_database(f);
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

	empty_database(f);
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

/* A store on target is down three times over, which log (its stderr) tells once. */
static void
down_logged_once(struct fixture *f, const char *target, char *log,
    size_t logsz)
{
	FILE		*tmp;
	int		 saved;
	enum store_rc	 rc1, rc2, rc3;

	assert_non_null(f->store = store_new(target));
	saved = start_capture(&tmp);
	rc1 = store_ready(f->store);
	rc2 = store_ready(f->store);
	rc3 = store_ready(f->store);
	stop_capture(tmp, saved, log, logsz);
	assert_int_equal(rc1, STORE_DOWN);
	assert_int_equal(rc2, STORE_DOWN);
	assert_int_equal(rc3, STORE_DOWN);
	assert_int_equal(lines(log), 1);
}

static void
ready_down_is_logged_once(void **state)
{
	struct fixture	*f = *state;
	char		 log[4096];

	down_logged_once(f, f->path, log, sizeof(log));
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

static int
count_user(void *arg, const struct user *u, int64_t sessions)
{
	(void)u;
	(void)sessions;
	(*(int *)arg)++;
	return 0;
}

/* What reading every user adds to SQLite's heap, with a cache of kib (0: SQLite's). */
static int64_t
list_users_memory(struct fixture *f, int64_t kib)
{
	int64_t	 before;
	int	 n = 0;

	store_free(f->store);
	assert_non_null(f->store = store_new(f->path));
	store_set_cache(f->store, kib);
	assert_int_equal(store_ready(f->store), STORE_OK);
	before = sqlite3_memory_used();
	assert_int_equal(store_user_list(f->store, 0, NOW, count_user, &n),
	    STORE_OK);
	assert_int_equal(n, 20000);
	return sqlite3_memory_used() - before;
}

/*
 * SQLITE_CACHE_SIZE bounds what a process keeps of a database larger than
 * the cache: 20,000 users are some 4 MiB of pages, which SQLite's default
 * cache keeps 2 MiB of and a 64 KiB one next to nothing.
 */
static void
ready_with_a_cache_size_keeps_to_it(void **state)
{
	struct fixture	*f = *state;
	sqlite3		*db;

	assert_int_equal(store_migrate(f->path), schema_version);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 "
	    "UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
	    "INSERT INTO users (email, name, password, created_at) "
	    "SELECT 'user' || i || '@example.com', printf('%0100d', i), '"
	    HASH_A "', 0 FROM n", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_true(list_users_memory(f, 0) > 1024 * 1024);
	assert_true(list_users_memory(f, 64) < 256 * 1024);
}

static void
ready_recovers_once_migrated(void **state)
{
	struct fixture	*f = *state;

	empty_database(f);
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
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 0);
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
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 1);
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
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 2);
}

/*
 * Issue 20: a taken e-mail uses up an id, as a new one does, and changes
 * nothing else: the next id does not tell which it was.
 */
static void
user_duplicate_uses_up_an_id(void **state)
{
	struct fixture	*f = *state;
	struct user	 u, stored;

	with_alice(f);
	assert_int_equal(store_user_insert(f->store, "ALICE@example.com",
	    "Other", HASH_B, NOW + 1, &u), STORE_EXISTS);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &u), STORE_OK);
	assert_int_equal(u.id, f->alice.id + 2);
	assert_int_equal(store_user_by_email(f->store, "alice@example.com",
	    &stored), STORE_OK);
	assert_int_equal(stored.id, f->alice.id);
	assert_string_equal(stored.name, "Alice");
	assert_string_equal(stored.password, HASH_A);
	assert_int_equal(stored.created_at, NOW);
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 2);
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(add_session(f->store, SID_2, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(add_session(f->store, SID_3, bob.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(store_user_delete(f->store, "alice@example.com"),
	    STORE_OK);
	assert_int_equal(store_session_user(f->store, SID_1, f->alice.id, NOW,
	    &u), STORE_NOTFOUND);
	/* Deleted, not merely hidden by the join. */
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 1);
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(add_session(f->store, SID_2, f->alice.id,
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_ERR);
	/* And the store is still usable afterwards. */
	assert_int_equal(add_session(f->store, SID_2, f->alice.id,
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
	    NOW, NOW + 3600), STORE_OK);
	saved = start_capture(&tmp);
	rc = add_session(f->store, SID_1, f->alice.id, NOW, NOW + 3600);
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
	assert_int_equal(add_session(f->store, SID_1, f->alice.id + 100,
	    NOW, NOW + 3600), STORE_ERR);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 0);
}

static void
session_insert_prunes_expired(void **state)
{
	struct fixture	*f = *state;

	with_alice(f);
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
	    NOW, NOW + 100), STORE_OK);
	assert_int_equal(add_session(f->store, SID_2, f->alice.id,
	    NOW, NOW + 200), STORE_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 2);
	/* At NOW + 100 the first has expired; the second has not. */
	assert_int_equal(add_session(f->store, SID_3, f->alice.id,
	    NOW + 100, NOW + 3700), STORE_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE id = '" SID_1 "'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE id = '" SID_2 "'"), 1);
}

/* --- locking */

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
	assert_int_equal(add_session(f->store, SID_1, u.id, NOW,
	    NOW + 3600), STORE_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 2);
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
	int	 enough;	/* stop (1) after this many, 0: never */
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
	return s->enough > 0 && s->n >= s->enough ? 1 : 0;
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
		    "content", NOW, NULL, &id), STORE_OK);
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
	    "First post", NOW, NULL, &id), STORE_OK);
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
	assert_int_equal(store_post_insert(f->store, 999, "t", "c", NOW, NULL, &id),
	    STORE_ERR);
	assert_int_equal(count(f, "SELECT count(*) FROM posts"), 0);
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

/* A callback that has enough stops the read, and the call succeeds. */
static void
posts_page_callback_can_stop(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s = { .enough = 2 };
	int64_t		 ids[4];

	with_alice(f);
	add_posts(f, f->alice.id, 4, ids);
	assert_int_equal(store_posts_page(f->store, 0, 20, see, &s), STORE_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[1], ids[1]);
	/* The statement was reset: the next read starts afresh. */
	s.enough = 0;
	s.n = 0;
	assert_int_equal(store_posts_page(f->store, ids[1], 20, see, &s), STORE_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ids[0], ids[2]);
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
	    NULL, NOW + 1, NULL), STORE_OK);
	assert_int_equal(store_post_get(f->store, id, see, &s), STORE_OK);
	assert_string_equal(s.title, "New");
	assert_string_equal(s.content, "content");
	assert_int_equal(store_post_update(f->store, id, f->alice.id, NULL,
	    "Body", NOW + 2, NULL), STORE_OK);
	assert_int_equal(store_post_get(f->store, id, see, &s), STORE_OK);
	assert_string_equal(s.title, "New");
	assert_string_equal(s.content, "Body");
	assert_int_equal(count(f, "SELECT updated_at FROM posts"), NOW + 2);
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
	    NOW, NULL), STORE_DENIED);
	assert_int_equal(store_post_get(f->store, id, see, &s), STORE_OK);
	assert_string_equal(s.title, "post 0");
	assert_int_equal(s.author_id, f->alice.id);
	assert_int_equal(store_post_update(f->store, id + 1, f->alice.id, "x",
	    NULL, NOW, NULL), STORE_NOTFOUND);
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

/* --- post quotas (issue 20) */

/* The count cap: the next post past it is refused, others' are not. */
static void
post_quota_caps_the_count(void **state)
{
	struct fixture		*f = *state;
	struct post_quota	 q = { 2, 0, 0 };
	struct user		 bob;
	int64_t			 id;

	with_alice(f);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &bob), STORE_OK);
	assert_int_equal(store_post_insert(f->store, f->alice.id, "t", "c", NOW,
	    &q, &id), STORE_OK);
	assert_int_equal(store_post_insert(f->store, f->alice.id, "t", "c", NOW,
	    &q, &id), STORE_OK);
	assert_int_equal(store_post_insert(f->store, f->alice.id, "t", "c", NOW,
	    &q, &id), STORE_QUOTA);
	assert_int_equal(q.by_count, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM posts"), 2);
	assert_int_equal(store_post_insert(f->store, bob.id, "t", "c", NOW, &q,
	    &id), STORE_OK);
	/* An edit adds no post. */
	assert_int_equal(store_post_update(f->store, id, bob.id, "title", NULL,
	    NOW, &q), STORE_OK);
	/* Without a quota, no cap; and the store is usable after a refusal. */
	assert_int_equal(store_post_insert(f->store, f->alice.id, "t", "c", NOW,
	    NULL, &id), STORE_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM posts"), 4);
}

/* The bytes cap counts titles and contents in UTF-8, edits included. */
static void
post_quota_caps_the_bytes(void **state)
{
	struct fixture		*f = *state;
	struct post_quota	 q = { 0, 10, 0 };
	struct seen		 s = { 0 };
	int64_t			 id, first;

	with_alice(f);
	assert_int_equal(store_post_insert(f->store, f->alice.id, "ab", "cde",
	    NOW, &q, &first), STORE_OK);
	/* "é" is 2 bytes: 5 + 5 is the cap exactly. */
	assert_int_equal(store_post_insert(f->store, f->alice.id, "\xc3\xa9",
	    "xyz", NOW, &q, &id), STORE_OK);
	assert_int_equal(count(f, "SELECT sum(size) FROM posts"), 10);
	assert_int_equal(store_post_insert(f->store, f->alice.id, "t", "", NOW,
	    &q, &id), STORE_QUOTA);
	assert_int_equal(q.by_count, 0);
	/* Growing by one byte is refused and changes nothing ... */
	assert_int_equal(store_post_update(f->store, first, f->alice.id, NULL,
	    "cdef", NOW, &q), STORE_QUOTA);
	assert_int_equal(store_post_get(f->store, first, see, &s), STORE_OK);
	assert_string_equal(s.content, "cde");
	/* ... keeping the size or shrinking passes, at the cap. */
	assert_int_equal(store_post_update(f->store, first, f->alice.id, "xy",
	    "fgh", NOW, &q), STORE_OK);
	assert_int_equal(store_post_update(f->store, first, f->alice.id, "x",
	    NULL, NOW, &q), STORE_OK);
	assert_int_equal(count(f, "SELECT sum(size) FROM posts"), 9);
	/* A title that grows while the content shrinks: the sum counts. */
	assert_int_equal(store_post_update(f->store, first, f->alice.id, "xyz",
	    "f", NOW, &q), STORE_OK);
	assert_int_equal(count(f, "SELECT sum(size) FROM posts"), 9);
	assert_int_equal(store_post_insert(f->store, f->alice.id, "t", "", NOW,
	    &q, &id), STORE_OK);
	assert_int_equal(count(f, "SELECT sum(size) FROM posts"), 10);
}

/* A cap lowered below what a user has: no new post, but edits that do not grow. */
static void
post_quota_lowered_cap(void **state)
{
	struct fixture		*f = *state;
	struct post_quota	 q = { 1, 3, 0 };
	int64_t			 ids[3], id;

	with_alice(f);
	add_posts(f, f->alice.id, 3, ids);
	assert_int_equal(store_post_insert(f->store, f->alice.id, "t", "c", NOW,
	    &q, &id), STORE_QUOTA);
	assert_int_equal(q.by_count, 1);
	assert_int_equal(store_post_update(f->store, ids[0], f->alice.id, "p",
	    NULL, NOW, &q), STORE_OK);
	assert_int_equal(store_post_update(f->store, ids[1], f->alice.id, NULL,
	    "contents", NOW, &q), STORE_QUOTA);
	assert_int_equal(q.by_count, 0);
	/* The owner and existence checks come first. */
	assert_int_equal(store_post_update(f->store, ids[1] + 100, f->alice.id,
	    NULL, "contents", NOW, &q), STORE_NOTFOUND);
}

/*
 * Writers at once cannot pass the cap together: 8 processes, 5 posts
 * each, a cap of 12.  On PostgreSQL this needs the user's row lock (READ
 * COMMITTED counts without the others' uncommitted posts).
 */
static void
post_quota_holds_under_concurrent_writers(void **state)
{
	struct fixture	*f = *state;
	pid_t		 pid[8];
	int		 i, k, status, ok = 0;

	with_alice(f);
	for (i = 0; i < 8; i++) {
		assert_true((pid[i] = fork()) != -1);
		if (pid[i] == 0) {
			struct post_quota	 q = { 12, 0, 0 };
			struct store		*st;
			int64_t			 id;
			int			 n = 0;
			enum store_rc		 rc;

			if ((st = store_new(f->path)) == NULL ||
			    store_ready(st) != STORE_OK)
				_exit(99);
			for (k = 0; k < 5; k++) {
				rc = store_post_insert(st, f->alice.id, "t", "c",
				    NOW, &q, &id);
				if (rc == STORE_OK)
					n++;
				else if (rc != STORE_QUOTA)
					_exit(98);
			}
			store_free(st);
			_exit(n);
		}
	}
	for (i = 0; i < 8; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) <= 5);
		ok += WEXITSTATUS(status);
	}
	assert_int_equal(ok, 12);
	assert_int_equal(count(f, "SELECT count(*) FROM posts"), 12);
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
	assert_int_equal(count(f, "SELECT count(*) FROM posts"), 2);
	assert_int_equal(count(f,
	    "SELECT count(*) FROM posts WHERE author_id <> (SELECT id FROM users)"), 0);
}

/* --- PostgreSQL: fixtures and cases of its own */

#ifdef HAVE_POSTGRESQL
/* End every connection to the case's database but ours, and wait until they are gone. */
static void
pg_terminate(const struct fixture *f)
{
	char	 sql[256];
	int	 i;

	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM "
	    "pg_stat_activity WHERE datname = '%s'", f->dbname);
	pg_admin_sql(sql);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity "
	    "WHERE datname = '%s'", f->dbname);
	for (i = 0; i < 100 && pg_count(pg_base, sql) != 0; i++)
		usleep(50000);
}

static void
pg_migrate_creates_tables(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(store_schema_version(f->path), 0);
	assert_int_equal(store_migrate(f->path), schema_version);
	assert_int_equal(count(f, "SELECT count(*) FROM information_schema.tables "
	    "WHERE table_name IN ('users', 'sessions', 'posts', 'throttle', "
	    "'schema_version')"), 5);
	assert_int_equal(count(f, "SELECT count(*) FROM schema_version"),
	    schema_version);
}

static void
pg_concurrent_migrates_apply_each_once(void **state)
{
	struct fixture	*f = *state;
	pid_t		 pid[2];
	int		 i, status, applied = 0;

	for (i = 0; i < 2; i++) {
		assert_true((pid[i] = fork()) != -1);
		if (pid[i] == 0)
			_exit(store_migrate(f->path) + 1);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) >= 1);
		applied += WEXITSTATUS(status) - 1;
	}
	assert_int_equal(applied, schema_version);
	assert_int_equal(store_schema_version(f->path), schema_version);
}

static void
pg_unusable_url_is_down_and_logged_once(void **state)
{
	struct fixture	*f = *state;
	char		 base[4096], url[4200], log[4096];
	const char	*host, *at;

	/* A password in the URL must never reach the log. */
	pg_url(base, sizeof(base), "no_such_database");
	host = strstr(base, "://") + 3;
	if ((at = strchr(host, '@')) != NULL && at < host + strcspn(host, "/?"))
		host = at + 1;
	snprintf(url, sizeof(url), "postgresql://u:hunter2pw@%s", host);
	down_logged_once(f, url, log, sizeof(log));
	assert_null(strstr(log, "hunter2pw"));
	assert_non_null(strstr(log, "u:***@"));
	assert_int_equal(store_migrate(url), -1);
	assert_int_equal(store_schema_version(url), -1);
}

static void
pg_server_gone_is_down(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;
	char		 sql[128];

	/* Nobody listens on port 1: refused at once, a 503 not a 500. */
	assert_non_null(f->store = store_new(
	    "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2"));
	assert_int_equal(store_ready(f->store), STORE_DOWN);
	store_free(f->store);

	/* A live store whose database vanishes: one reconnection, then down. */
	with_alice(f);
	snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", f->dbname);
	pg_admin_sql(sql);
	assert_int_equal(store_user_by_email(f->store, "alice@example.com", &u),
	    STORE_DOWN);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &u), STORE_DOWN);
	assert_int_equal(store_ready(f->store), STORE_DOWN);
}

static void
pg_dropped_connection_reconnects_once(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;
	char		 log[4096];
	FILE		*tmp;
	int		 saved;
	enum store_rc	 rc;

	with_alice(f);
	/* A read: the statement runs again on a new connection. */
	pg_terminate(f);
	saved = start_capture(&tmp);
	rc = store_user_by_email(f->store, "alice@example.com", &u);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, STORE_OK);
	assert_true(u.id == f->alice.id);
	assert_non_null(strstr(log, "connection lost"));
	/* A write: its BEGIN finds the connection gone, so it all runs again. */
	pg_terminate(f);
	saved = start_capture(&tmp);
	rc = store_user_insert(f->store, "bob@example.com", "Bob", HASH_A, NOW,
	    &u);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, STORE_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 2);
	/* And the statements were prepared again: everything works. */
	assert_int_equal(add_session(f->store, SID_1, u.id, NOW,
	    NOW + 3600), STORE_OK);
	assert_int_equal(store_session_user(f->store, SID_1, u.id, NOW, &u),
	    STORE_OK);
}

static void
pg_unique_lower_email_in_database(void **state)
{
	struct fixture	*f = *state;
	char		 st[8];

	ready(f);
	/* Straight into the table, past the store's code: the index refuses. */
	pg_sql(f->path, "INSERT INTO users (email, name, password, created_at) "
	    "VALUES ('carol@example.com', 'C', 'x', 1)", st, sizeof(st));
	assert_string_equal(st, "");
	pg_sql(f->path, "INSERT INTO users (email, name, password, created_at) "
	    "VALUES ('Carol@EXAMPLE.com', 'C', 'x', 1)", st, sizeof(st));
	assert_string_equal(st, "23505");
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 1);
}

static void
pg_write_while_locked_is_busy(void **state)
{
	struct fixture	*f = *state;
	struct timespec	 t0;
	struct user	 u;
	PGconn		*other;
	PGresult	*res;
	double		 waited;

	with_alice(f);
	other = PQconnectdb(f->path);
	assert_int_equal(PQstatus(other), CONNECTION_OK);
	res = PQexec(other, "BEGIN; LOCK TABLE users IN EXCLUSIVE MODE");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &u), STORE_BUSY);
	waited = elapsed(&t0);
	/* It waited for the lock (lock_timeout) before giving up. */
	assert_true(waited >= (STORE_BUSY_TIMEOUT_MS / 1000.0) * 0.9);
	/* Reads are not blocked by that lock. */
	assert_int_equal(store_user_by_email(f->store, "alice@example.com", &u),
	    STORE_OK);

	res = PQexec(other, "COMMIT");
	PQclear(res);
	PQfinish(other);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &u), STORE_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 2);
}

/* A store_throttle_fn counting one event. */
static int
bump(void *arg, size_t i, struct throttle_row *row)
{
	(void)arg;
	(void)i;
	row->count++;
	row->last_at = NOW;
	return 0;
}

static void
pg_throttle_update_takes_turns(void **state)
{
	struct fixture		*f = *state;
	struct throttle_row	 row;
	const char *const	 keys[] = { "login-pair 1 a", "login-account a" };
	const char *const	 others[] = { "login-pair 2 b", "login-account b" };
	struct timespec		 t0;
	PGconn			*other;
	PGresult		*res;

	ready(f);
	assert_int_equal(store_throttle_update(f->store, keys, 2, NOW - 3600,
	    bump, NULL), STORE_OK);
	assert_int_equal(store_throttle_update(f->store, keys, 2, NOW - 3600,
	    bump, NULL), STORE_OK);
	assert_int_equal(store_throttle_get(f->store, keys[1], &row), STORE_OK);
	assert_int_equal(row.count, 2);
	/*
	 * Another node inside its update of one of our keys: ours waits, then
	 * gives up busy, and so does a delete (it must not undo that
	 * update).  A client with other keys goes on meanwhile.
	 */
	other = PQconnectdb(f->path);
	assert_int_equal(PQstatus(other), CONNECTION_OK);
	res = PQexec(other, "SELECT pg_advisory_lock(hashtextextended("
	    "'login-account a', 0))");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	assert_int_equal(store_throttle_update(f->store, keys, 2, NOW - 3600,
	    bump, NULL), STORE_BUSY);
	assert_int_equal(store_throttle_delete(f->store, keys, 2), STORE_BUSY);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_throttle_update(f->store, others, 2, NOW - 3600,
	    bump, NULL), STORE_OK);
	assert_int_equal(store_throttle_delete(f->store, others, 2), STORE_OK);
	assert_true(elapsed(&t0) < 1.0);
	/* Unlock, not just hang up: the server may end that session later. */
	res = PQexec(other, "SELECT pg_advisory_unlock_all()");
	PQclear(res);
	PQfinish(other);
	assert_int_equal(store_throttle_update(f->store, keys, 2, NOW - 3600,
	    bump, NULL), STORE_OK);
	assert_int_equal(store_throttle_get(f->store, keys[0], &row), STORE_OK);
	assert_int_equal(row.count, 3);
	assert_int_equal(store_throttle_delete(f->store, keys, 2), STORE_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM throttle"), 0);
}

/* Present refresh token digest of session sid at now on store s. */
static enum store_rc
copy_refresh(struct store *s, const char *sid, const char *digest,
    const char *new_digest, int64_t now, struct session_refreshed *out)
{
	struct session_refresh	 r = {
		.session_id = sid,
		.digest = digest,
		.new_digest = new_digest,
		.now = now,
		.ttl = 2000,
		.grace = 10,
	};

	return store_session_refresh(s, &r, out);
}

static void
pg_copy_from_sqlite(void **state)
{
	static const char	 d1[] =
	    "1111111111111111111111111111111111111111111111111111111111111111";
	static const char	 d2[] =
	    "2222222222222222222222222222222222222222222222222222222222222222";
	static const char	 d3[] =
	    "3333333333333333333333333333333333333333333333333333333333333333";
	static const char	 d4[] =
	    "4444444444444444444444444444444444444444444444444444444444444444";
	struct fixture		*f = *state;
	struct fixture		 lite;
	struct store_copied	 n;
	struct session_start	 st = {
		.id = SID_3,
		.now = NOW,
		.expires_at = NOW + 2000,
		.ends_at = NOW + 100000,
		.user_agent = "curl/8.0",
		.refresh_digest = d1,
	};
	struct session_refreshed r;
	struct seen		 s = { 0 };
	struct user		 alice, bob, u;
	int64_t			 post;

	/* An SQLite database with two users (a third deleted), a post, sessions. */
	memset(&lite, 0, sizeof(lite));
	snprintf(lite.path, sizeof(lite.path), "%s/old.sqlite", f->dir);
	ready(&lite);
	assert_int_equal(store_user_insert(lite.store, "alice@example.com",
	    "Alice", HASH_A, NOW, &alice), STORE_OK);
	assert_int_equal(store_user_insert(lite.store, "bob@example.com", "Bob",
	    HASH_B, NOW, &bob), STORE_OK);
	assert_int_equal(store_user_insert(lite.store, "gone@example.com",
	    "Gone", HASH_B, NOW, &u), STORE_OK);
	assert_int_equal(store_user_delete(lite.store, "gone@example.com"),
	    STORE_OK);
	assert_int_equal(store_post_insert(lite.store, bob.id, "Hi", "there",
	    NOW, NULL, &post), STORE_OK);
	assert_int_equal(add_session(lite.store, SID_1, alice.id, NOW,
	    NOW + 100), STORE_OK);
	assert_int_equal(add_session(lite.store, SID_2, bob.id, NOW,
	    NOW + 7200), STORE_OK);
	/* One with refresh tokens: d1, d2 retired, d3 current. */
	st.user_id = alice.id;
	assert_int_equal(store_session_insert(lite.store, &st, NULL), STORE_OK);
	assert_int_equal(copy_refresh(lite.store, SID_3, d1, d2, NOW + 10, &r),
	    STORE_OK);
	assert_int_equal(copy_refresh(lite.store, SID_3, d2, d3, NOW + 20, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	store_free(lite.store);

	/* Into an unmigrated database: refused. */
	assert_int_equal(store_copy(lite.path, f->path, NOW + 1000, &n), -1);
	ready(f);
	assert_int_equal(store_copy(lite.path, f->path, NOW + 1000, &n), 0);
	assert_int_equal(n.users, 2);
	assert_int_equal(n.posts, 1);
	assert_int_equal(n.sessions, 2);	/* SID_1 had expired */
	assert_int_equal(n.retired_tokens, 2);
	assert_int_equal(n.throttle, 0);
	assert_int_equal(n.audit, 0);
	/* Ids, hashes and authors as they were. */
	assert_int_equal(store_user_by_email(f->store, "BOB@example.com", &u),
	    STORE_OK);
	assert_true(u.id == bob.id);
	assert_string_equal(u.password, HASH_B);
	assert_int_equal(store_post_get(f->store, post, see, &s), STORE_OK);
	assert_int_equal(s.author_id, bob.id);
	assert_string_equal(s.author_name, "Bob");
	assert_int_equal(store_session_user(f->store, SID_2, bob.id, NOW + 1000,
	    &u), STORE_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions WHERE id = '"
	    SID_2 "' AND refresh_digest IS NULL"), 1);
	/* The refresh tokens go on as they were: retired when they were. */
	assert_int_equal(copy_refresh(f->store, SID_3, d2, d4, NOW + 25, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_GRACE);
	assert_int_equal(copy_refresh(f->store, SID_3, d3, d4, NOW + 1000, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_ROTATED);
	assert_true(r.user.id == alice.id);
	assert_int_equal(r.expires_at, NOW + 3000);
	assert_int_equal(copy_refresh(f->store, SID_3, d1, d3, NOW + 1001, &r),
	    STORE_OK);
	assert_int_equal(r.outcome, REFRESH_REUSED);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions WHERE id = '"
	    SID_3 "'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM retired_refresh_tokens"),
	    0);
	/* New ids go past every id SQLite gave, the deleted user's too. */
	assert_int_equal(store_user_insert(f->store, "carol@example.com",
	    "Carol", HASH_A, NOW, &u), STORE_OK);
	assert_true(u.id > bob.id + 1);
	assert_int_equal(store_post_insert(f->store, u.id, "t", "c", NOW, NULL, &post),
	    STORE_OK);
	/* Into a database that is no longer empty: refused, nothing changed. */
	assert_int_equal(store_copy(lite.path, f->path, NOW + 1000, &n), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 3);
	/* Only SQLite to PostgreSQL. */
	assert_int_equal(store_copy(f->path, lite.path, NOW, &n), -1);
	unlink(lite.path);
}

/* Updates of the same keys by several processes at once: none is lost. */
static void
pg_throttle_parallel_updates_lose_nothing(void **state)
{
	struct fixture		*f = *state;
	struct throttle_row	 row;
	const char *const	 keys[] = { "login-address 10.0.0.1",
	    "login-pair 10.0.0.1 \"odd\\\\key\"", "login-account a" };
	struct store		*st;
	pid_t			 pid[4];
	int			 i, j, status, failed;

	ready(f);
	for (i = 0; i < 4; i++) {
		assert_true((pid[i] = fork()) != -1);
		if (pid[i] != 0)
			continue;
		failed = 0;
		if ((st = store_new(f->path)) == NULL ||
		    store_ready(st) != STORE_OK)
			_exit(99);
		for (j = 0; j < 10; j++)
			if (store_throttle_update(st, keys, 3, NOW - 3600, bump,
			    NULL) != STORE_OK)
				failed++;
		store_free(st);
		_exit(failed);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(store_throttle_get(f->store, keys[i], &row),
		    STORE_OK);
		assert_int_equal(row.count, 40);
	}
}

/* The server process of the store's connection (application_name fcgi-auth). */
static int64_t
pg_store_backend(const struct fixture *f)
{
	char	 sql[256];

	snprintf(sql, sizeof(sql), "SELECT pid FROM pg_stat_activity WHERE "
	    "application_name = 'fcgi-auth' AND datname = '%s'", f->dbname);
	return pg_count(pg_base, sql);
}

/*
 * A server that stops answering (SIGSTOP: statement_timeout cannot fire)
 * costs a request the deadline, not forever: STORE_DOWN, and the next
 * request connects afresh.
 */
static void
pg_stopped_server_times_out(void **state)
{
	struct fixture	*f = *state;
	struct timespec	 t0;
	struct user	 u;
	char		 log[4096];
	FILE		*tmp;
	int64_t		 pid;
	int		 saved, deadline = pgstore_deadline_ms;
	enum store_rc	 rc;
	double		 waited;

	with_alice(f);
	assert_true((pid = pg_store_backend(f)) > 0);
	pgstore_deadline_ms = 1500;
	assert_int_equal(kill((pid_t)pid, SIGSTOP), 0);
	saved = start_capture(&tmp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_user_by_email(f->store, "alice@example.com", &u);
	waited = elapsed(&t0);
	stop_capture(tmp, saved, log, sizeof(log));
	kill((pid_t)pid, SIGCONT);
	pgstore_deadline_ms = deadline;
	assert_int_equal(rc, STORE_DOWN);
	assert_true(waited >= 1.4 && waited < 5.0);
	assert_non_null(strstr(log, "no answer"));
	assert_int_equal(store_user_by_email(f->store, "alice@example.com", &u),
	    STORE_OK);
	assert_true(pg_store_backend(f) != pid);
}

/* A URL libpq cannot parse: a fixed message, nothing of the password. */
static void
pg_malformed_url_is_not_logged(void **state)
{
	static const char	 url[] =
	    "postgresql://app:Secr%zzet@127.0.0.1:1/db";
	struct fixture		*f = *state;
	char			 log[4096];
	FILE			*tmp;
	int			 saved;

	assert_non_null(f->store = store_new(url));
	saved = start_capture(&tmp);
	assert_int_equal(store_ready(f->store), STORE_DOWN);
	assert_int_equal(store_migrate(url), -1);
	assert_int_equal(store_schema_version(url), -1);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_non_null(strstr(log, "DATABASE_URL is malformed"));
	assert_non_null(strstr(log, "app:***@"));
	assert_null(strstr(log, "Secr"));
	assert_null(strstr(log, "zzet"));
}

/* Run sqls (our own text) on url and say whether any row of the last result holds want. */
static int
pg_output_has(const char *url, const char *sql, const char *want)
{
	PGconn		*conn = PQconnectdb(url);
	PGresult	*res;
	int		 r, found = 0;

	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	res = PQexec(conn, sql);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	for (r = 0; r < PQntuples(res); r++)
		if (strstr(PQgetvalue(res, r, 0), want) != NULL)
			found = 1;
	PQclear(res);
	PQfinish(conn);
	return found;
}

/*
 * Under a Turkish locale lower('I') is a dotless i: e-mail addresses fold
 * ASCII only, whatever the database's locale.
 */
static void
pg_email_case_ignores_database_locale(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;
	PGresult	*res;
	char		 sql[256];

	snprintf(sql, sizeof(sql), "DROP DATABASE %s", f->dbname);
	pg_admin_sql(sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE template0 "
	    "ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'tr-TR' "
	    "LOCALE 'C.UTF-8'", f->dbname);
	res = PQexec(pg_admin, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQclear(res);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->dbname);
		pg_admin_sql(sql);
		skip();
	}
	PQclear(res);
	ready(f);
	assert_true(pg_output_has(f->path, "SELECT lower('I')", "\xc4\xb1"));
	assert_int_equal(store_user_insert(f->store, "ILSE@example.com", "I",
	    HASH_A, NOW, &u), STORE_OK);
	assert_int_equal(store_user_insert(f->store, "ilse@example.com", "i",
	    HASH_A, NOW, &u), STORE_EXISTS);
	assert_int_equal(store_user_by_email(f->store, "Ilse@Example.COM", &u),
	    STORE_OK);
	assert_string_equal(u.email, "ILSE@example.com");
	assert_int_equal(store_user_delete(f->store, "ilse@EXAMPLE.com"),
	    STORE_OK);
	/* The lookups' expression is the index's: it serves them. */
	assert_true(pg_output_has(f->path, "SET enable_seqscan = off; "
	    "EXPLAIN SELECT id FROM users WHERE lower(email COLLATE \"C\") = "
	    "lower('a@b'::text COLLATE \"C\")", "users_email"));
}

/* Ids handed out and deleted before a copy are not handed out again. */
static void
pg_copy_never_moves_sequences_back(void **state)
{
	struct fixture		*f = *state;
	struct fixture		 lite;
	struct store_copied	 n;
	struct user		 u;
	char			 email[64];
	int			 i;

	memset(&lite, 0, sizeof(lite));
	snprintf(lite.path, sizeof(lite.path), "%s/old.sqlite", f->dir);
	ready(&lite);
	assert_int_equal(store_user_insert(lite.store, "alice@example.com",
	    "Alice", HASH_A, NOW, &u), STORE_OK);
	store_free(lite.store);

	ready(f);
	for (i = 1; i <= 5; i++) {
		snprintf(email, sizeof(email), "u%d@example.com", i);
		assert_int_equal(store_user_insert(f->store, email, "U", HASH_A,
		    NOW, &u), STORE_OK);
		assert_int_equal(store_user_delete(f->store, email), STORE_OK);
	}
	assert_true(u.id == 5);
	assert_int_equal(store_copy(lite.path, f->path, NOW, &n), 0);
	assert_int_equal(n.users, 1);
	assert_int_equal(store_user_insert(f->store, "bob@example.com", "Bob",
	    HASH_A, NOW, &u), STORE_OK);
	assert_true(u.id > 5);
	unlink(lite.path);
}

/* A copy waits lock_timeout for tables in use, not forever. */
static void
pg_copy_into_busy_database_gives_up(void **state)
{
	struct fixture		*f = *state;
	struct fixture		 lite;
	struct store_copied	 n;
	struct timespec		 t0;
	char			 log[4096];
	FILE			*tmp;
	PGconn			*other;
	PGresult		*res;
	int			 saved, rc;

	memset(&lite, 0, sizeof(lite));
	snprintf(lite.path, sizeof(lite.path), "%s/old.sqlite", f->dir);
	ready(&lite);
	store_free(lite.store);
	ready(f);
	other = PQconnectdb(f->path);
	assert_int_equal(PQstatus(other), CONNECTION_OK);
	res = PQexec(other, "BEGIN; LOCK TABLE throttle IN ROW EXCLUSIVE MODE");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	saved = start_capture(&tmp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_copy(lite.path, f->path, NOW, &n);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(rc, -1);
	assert_true(elapsed(&t0) < (STORE_BUSY_TIMEOUT_MS / 1000.0) * 2);
	assert_non_null(strstr(log, "is in use"));
	PQfinish(other);
	unlink(lite.path);
}

/* A migrate waits for another's lock in rounds of lock_timeout, then goes on. */
static void
pg_migrate_retries_a_held_lock(void **state)
{
	struct fixture	*f = *state;
	char		 logpath[4096 + 16], log[4096];
	FILE		*fp;
	PGconn		*other;
	PGresult	*res;
	pid_t		 pid;
	int		 status, waits, waiting = 0;
	size_t		 len;

	other = PQconnectdb(f->path);
	assert_int_equal(PQstatus(other), CONNECTION_OK);
	res = PQexec(other, "SELECT pg_advisory_lock(7268190001)");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	snprintf(logpath, sizeof(logpath), "%s/migrate.log", f->dir);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if (freopen(logpath, "w", stderr) == NULL)
			_exit(99);
		status = store_migrate(f->path) + 1;
		/* _exit() does not flush, and the file is buffered. */
		fflush(stderr);
		_exit(status);
	}
	/*
	 * Held past the first lock_timeout, released before the last: counted
	 * from when the child waits for it (a loaded machine may take seconds
	 * to start it and connect).
	 */
	for (waits = 0; waits < 600; waits++) {
		res = PQexec(other, "SELECT count(*) FROM pg_locks "
		    "WHERE locktype = 'advisory' AND NOT granted");
		assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
		waiting = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
		PQclear(res);
		if (waiting)
			break;
		usleep(50 * 1000);
	}
	assert_true(waiting);
	usleep((STORE_BUSY_TIMEOUT_MS + 1000) * 1000);
	PQfinish(other);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), schema_version + 1);
	assert_non_null(fp = fopen(logpath, "r"));
	len = fread(log, 1, sizeof(log) - 1, fp);
	log[len] = '\0';
	fclose(fp);
	unlink(logpath);
	assert_non_null(strstr(log, "trying again"));
}

/*
 * While the schema is behind, the store keeps its connection and reads
 * the version again on each store_ready(); a version it cannot read is
 * reported as such, not as "behind".
 */
static void
pg_schema_behind_keeps_connection(void **state)
{
	struct fixture	*f = *state;
	char		 log[4096], st[8];
	FILE		*tmp;
	int64_t		 pid;
	int		 saved;

	assert_non_null(f->store = store_new(f->path));
	assert_int_equal(store_ready(f->store), STORE_DOWN);
	assert_true((pid = pg_store_backend(f)) > 0);
	assert_int_equal(store_ready(f->store), STORE_DOWN);
	assert_int_equal(store_ready(f->store), STORE_DOWN);
	assert_true(pg_store_backend(f) == pid);
	assert_int_equal(store_migrate(f->path), schema_version);
	assert_int_equal(store_ready(f->store), STORE_OK);
	assert_true(pg_store_backend(f) == pid);
	store_free(f->store);

	/* A schema_version table the query cannot read. */
	f->store = NULL;
	pg_sql(f->path, "DROP TABLE schema_version", st, sizeof(st));
	assert_string_equal(st, "");
	pg_sql(f->path, "CREATE TABLE schema_version (version text)", st,
	    sizeof(st));
	assert_string_equal(st, "");
	pg_sql(f->path, "INSERT INTO schema_version VALUES ('x')", st,
	    sizeof(st));
	assert_string_equal(st, "");
	assert_non_null(f->store = store_new(f->path));
	saved = start_capture(&tmp);
	assert_int_equal(store_ready(f->store), STORE_DOWN);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_non_null(strstr(log, "cannot read the schema version: "));
	assert_null(strstr(log, "run the admin"));
}

/* Pruning inside a log-in skips rows another session holds. */
static void
pg_session_prune_skips_locked_rows(void **state)
{
	struct fixture	*f = *state;
	struct timespec	 t0;
	PGconn		*other;
	PGresult	*res;

	with_alice(f);
	assert_int_equal(add_session(f->store, SID_1, f->alice.id,
	    NOW, NOW + 100), STORE_OK);
	other = PQconnectdb(f->path);
	assert_int_equal(PQstatus(other), CONNECTION_OK);
	res = PQexec(other, "BEGIN; SELECT id FROM sessions FOR UPDATE");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(add_session(f->store, SID_2, f->alice.id,
	    NOW + 200, NOW + 3600), STORE_OK);
	assert_true(elapsed(&t0) < 1.0);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions"), 2);
	/* COMMIT, not just a hang-up: the server may end that session later. */
	res = PQexec(other, "COMMIT");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(other);
	assert_int_equal(add_session(f->store, SID_3, f->alice.id,
	    NOW + 200, NOW + 3600), STORE_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM sessions "
	    "WHERE id = '" SID_1 "'"), 0);
}

/* The store speaks UTF-8 whatever the environment asks for. */
static void
pg_client_encoding_is_utf8(void **state)
{
	struct fixture	*f = *state;
	struct user	 u;

	assert_int_equal(setenv("PGCLIENTENCODING", "LATIN1", 1), 0);
	ready(f);
	assert_int_equal(store_user_insert(f->store, "jose@example.com",
	    "Jos\xc3\xa9", HASH_A, NOW, &u), STORE_OK);
	assert_int_equal(unsetenv("PGCLIENTENCODING"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM users "
	    "WHERE name = 'Jos\xc3\xa9'"), 1);
}
#endif

/* --- a database this process may not write (issue 19) */

#define NOBODY	65534

/*
 * Take away our right to write f->path (migrated): as root, become nobody
 * (the effective ids only, so that as_writer() can come back) with the file
 * still root's, mode 0644; as anyone else, make it 0444.  With dir_writable
 * we may still make files in its directory (-wal, -shm).
 */
static void
as_reader(struct fixture *f, int dir_writable)
{
	if (getuid() == 0) {
		assert_int_equal(chmod(f->dir, 0755), 0);
		assert_int_equal(chmod(f->path, 0644), 0);
		if (dir_writable)
			assert_int_equal(chown(f->dir, NOBODY, NOBODY), 0);
		assert_int_equal(setegid(NOBODY), 0);
		assert_int_equal(seteuid(NOBODY), 0);
	} else {
		assert_int_equal(chmod(f->path, 0444), 0);
		if (!dir_writable)
			assert_int_equal(chmod(f->dir, 0555), 0);
	}
}

/* The operator fixes it: the file (and its -wal, -shm) become ours. */
static void
as_writer(struct fixture *f)
{
	char	 p[sizeof(f->path) + 16];

	if (getuid() == 0) {
		assert_int_equal(seteuid(0), 0);
		assert_int_equal(setegid(0), 0);
		assert_int_equal(chown(f->path, NOBODY, NOBODY), 0);
		snprintf(p, sizeof(p), "%s-wal", f->path);
		assert_true(chown(p, NOBODY, NOBODY) == 0 || !exists(p));
		snprintf(p, sizeof(p), "%s-shm", f->path);
		assert_true(chown(p, NOBODY, NOBODY) == 0 || !exists(p));
		assert_int_equal(setegid(NOBODY), 0);
		assert_int_equal(seteuid(NOBODY), 0);
	} else {
		/* SQLite gave them the database's mode: read-only too. */
		assert_int_equal(chmod(f->dir, 0700), 0);
		assert_int_equal(chmod(f->path, 0644), 0);
		snprintf(p, sizeof(p), "%s-wal", f->path);
		assert_true(chmod(p, 0644) == 0 || !exists(p));
		snprintf(p, sizeof(p), "%s-shm", f->path);
		assert_true(chmod(p, 0644) == 0 || !exists(p));
	}
}

/* Ready the store, then try a write; the write's result (or ready's). */
static enum store_rc
try_write(struct fixture *f, const char *email)
{
	struct user	 u;
	enum store_rc	 rc;

	if ((rc = store_ready(f->store)) != STORE_OK)
		return rc;
	return store_user_insert(f->store, email, "R", HASH_A, NOW, &u);
}

/*
 * Writes to a file we may not write are STORE_DOWN (503), not STORE_ERR
 * (500), logged once in words that name the fix; once fixed, the same
 * store writes again, without a restart.
 */
static void
readonly_file_is_down_logged_once(void **state)
{
	struct fixture	*f = *state;
	char		 log[8192], want[sizeof(f->path) + 64];
	FILE		*tmp;
	int		 saved;

	assert_int_equal(store_migrate(f->path), schema_version);
	as_reader(f, 1);
	assert_non_null(f->store = store_new(f->path));
	saved = start_capture(&tmp);
	assert_int_equal(try_write(f, "r1@example.com"), STORE_DOWN);
	assert_int_equal(try_write(f, "r2@example.com"), STORE_DOWN);
	assert_int_equal(try_write(f, "r3@example.com"), STORE_DOWN);
	/* Reads go on. */
	assert_int_equal(store_ready(f->store), STORE_OK);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(lines(log), 1);
	snprintf(want, sizeof(want), "database %s is read-only for this "
	    "process (uid %lu): ", f->path, (unsigned long)geteuid());
	assert_non_null(strstr(log, want));
	assert_non_null(strstr(log, "the database file, its -wal and -shm "
	    "files and its directory must be writable by the user the "
	    "programs run as"));
	assert_null(strstr(log, "database error"));

	as_writer(f);
	saved = start_capture(&tmp);
	/* A read finds it fixed, without a write. */
	assert_int_equal(store_ready(f->store), STORE_OK);
	assert_int_equal(try_write(f, "r4@example.com"), STORE_OK);
	assert_int_equal(try_write(f, "r5@example.com"), STORE_OK);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(lines(log), 1);
	assert_non_null(strstr(log, "is writable again"));
	assert_int_equal(count(f, "SELECT count(*) FROM users"), 2);
}

/* Nor may we make its -wal and -shm: the same answer, from store_ready(). */
static void
readonly_file_and_directory_is_down_logged_once(void **state)
{
	struct fixture	*f = *state;
	char		 log[4096];
	FILE		*tmp;
	int		 saved;

	assert_int_equal(store_migrate(f->path), schema_version);
	as_reader(f, 0);
	assert_non_null(f->store = store_new(f->path));
	saved = start_capture(&tmp);
	assert_int_equal(try_write(f, "r1@example.com"), STORE_DOWN);
	assert_int_equal(try_write(f, "r2@example.com"), STORE_DOWN);
	assert_int_equal(try_write(f, "r3@example.com"), STORE_DOWN);
	stop_capture(tmp, saved, log, sizeof(log));
	assert_int_equal(lines(log), 1);
	assert_non_null(strstr(log, "is read-only for this process"));
}

/*
 * Built twice: test-store runs every case on SQLite; test-store-pg
 * (TEST_STORE_PG) runs the cases both backends share, then PostgreSQL's
 * own, on the server TEST_DATABASE_URL names, and skips as a whole (TAP
 * "1..0 # SKIP") without one.
 */
int
main(void)
{
	const struct CMUnitTest lite[] = {
		T(migrate_creates_database),
		T(migrate_in_missing_directory_fails),
		T(schema_version_of_missing_file),
		T(ready_on_missing_file_is_down),
		T(ready_with_a_cache_size_keeps_to_it),
		T(ready_on_file_that_is_not_a_database_is_down),
		T(ready_down_is_logged_once),
		T(ready_new_down_cause_is_logged),
		T(write_while_locked_is_busy),
		T(readonly_file_is_down_logged_once),
		T(readonly_file_and_directory_is_down_logged_once),
		cmocka_unit_test(free_null_is_fine),
		T(migrate_twice_applies_nothing),
		T(schema_version_after_migrate),
		T(schema_version_of_empty_database),
		T(ready_on_unmigrated_file_is_down),
		T(ready_after_migrate_is_ok),
		T(ready_recovers_once_migrated),
		T(user_insert_fills_out),
		T(user_insert_too_long_is_rolled_back),
		T(user_insert_error_is_logged),
		T(user_ids_differ),
		T(user_by_email_any_case),
		T(user_by_email_returns_hash),
		T(user_by_email_unknown),
		T(user_duplicate_in_other_case_exists),
		T(user_insert_after_duplicate_still_works),
		T(user_duplicate_uses_up_an_id),
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
		T(posts_page_callback_can_stop),
		T(post_update_by_author),
		T(post_update_by_other_is_denied),
		T(post_delete_by_author_and_other),
		T(post_quota_caps_the_count),
		T(post_quota_caps_the_bytes),
		T(post_quota_lowered_cap),
		T(post_quota_holds_under_concurrent_writers),
		T(user_delete_removes_posts),
	};
#ifdef HAVE_POSTGRESQL
	const struct CMUnitTest pg[] = {
		P(migrate_twice_applies_nothing),
		P(schema_version_after_migrate),
		P(schema_version_of_empty_database),
		P(ready_on_unmigrated_file_is_down),
		P(ready_after_migrate_is_ok),
		P(ready_recovers_once_migrated),
		P(user_insert_fills_out),
		P(user_insert_too_long_is_rolled_back),
		P(user_insert_error_is_logged),
		P(user_ids_differ),
		P(user_by_email_any_case),
		P(user_by_email_returns_hash),
		P(user_by_email_unknown),
		P(user_duplicate_in_other_case_exists),
		P(user_insert_after_duplicate_still_works),
		P(user_duplicate_uses_up_an_id),
		P(user_set_password),
		P(user_set_password_unknown_id),
		P(user_delete_any_case),
		P(user_delete_removes_sessions),
		P(session_user_of_live_session),
		P(session_user_wrong_user),
		P(session_user_unknown_id),
		P(session_user_expired),
		P(session_delete),
		P(session_delete_twice),
		P(session_delete_needs_its_user),
		P(session_delete_leaves_others),
		P(session_duplicate_id_is_error),
		P(session_duplicate_id_error_is_logged),
		P(session_for_missing_user_is_error),
		P(session_insert_prunes_expired),
		P(post_insert_then_get),
		P(post_get_missing),
		P(post_insert_for_missing_user_is_error),
		P(posts_page_walks_in_order),
		P(posts_page_empty_is_ok),
		P(posts_page_callback_failure_is_error),
		P(posts_page_callback_can_stop),
		P(post_update_by_author),
		P(post_update_by_other_is_denied),
		P(post_delete_by_author_and_other),
		P(post_quota_caps_the_count),
		P(post_quota_caps_the_bytes),
		P(post_quota_lowered_cap),
		P(post_quota_holds_under_concurrent_writers),
		P(user_delete_removes_posts),
		P(pg_migrate_creates_tables),
		P(pg_concurrent_migrates_apply_each_once),
		P(pg_unusable_url_is_down_and_logged_once),
		P(pg_server_gone_is_down),
		P(pg_dropped_connection_reconnects_once),
		P(pg_unique_lower_email_in_database),
		P(pg_write_while_locked_is_busy),
		P(pg_throttle_update_takes_turns),
		P(pg_copy_from_sqlite),
		P(pg_throttle_parallel_updates_lose_nothing),
		P(pg_stopped_server_times_out),
		P(pg_malformed_url_is_not_logged),
		P(pg_email_case_ignores_database_locale),
		P(pg_copy_never_moves_sequences_back),
		P(pg_copy_into_busy_database_gives_up),
		P(pg_migrate_retries_a_held_lock),
		P(pg_schema_behind_keeps_connection),
		P(pg_session_prune_skips_locked_rows),
		P(pg_client_encoding_is_utf8),
	};
#endif

	log_init("test-store");
#ifdef HAVE_POSTGRESQL
	return fixture_run("store", lite, NITEMS(lite), pg, NITEMS(pg));
#else
	return fixture_run("store", lite, NITEMS(lite), NULL, 0);
#endif
}
