/*
 * store-sqlite: the SQLite backend of store.h (a file path as target): WAL,
 * one connection and one prepared statement per query for the life of the
 * process.  This file: the connection, migrations, the statements'
 * runners and the backend's table of operations; the table groups are in
 * store-sqlite-*.c (users, posts, throttle, sessions, audit, e-mail
 * tokens, TOTP, the file watch, and copies of the database: backup, to
 * PostgreSQL).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "schema.h"
#include "store-sqlite.h"
#include "util.h"

static const struct litestore_sql litestore_main_sql[] = {
	/* Take the write lock now, not at the first write. */
	{ STMT_BEGIN, "BEGIN IMMEDIATE" },
	{ STMT_COMMIT, "COMMIT" },
	{ STMT_ROLLBACK, "ROLLBACK" },
	{ STMT_SYNC_NORMAL, "PRAGMA synchronous = NORMAL" },
	{ STMT_SYNC_FULL, "PRAGMA synchronous = FULL" },
	{ STMT__MAX, NULL }
};

/* Every statement of the backend, by the file that holds it. */
static const struct litestore_sql *const litestore_sql_tables[] = {
	litestore_main_sql,
	litestore_users_sql,
	litestore_posts_sql,
	litestore_throttle_sql,
	litestore_sessions_sql,
	litestore_audit_sql,
	litestore_email_sql,
	litestore_totp_sql,
};

/*
 * SQLite refused to write: the file, its -wal or -shm, or the directory it
 * makes them in is not writable by us (a database created by root for
 * programs that run as www-data).  Say so once, in words that name the
 * fix.  Until a write succeeds, store_ready() opens the connection again
 * each time: one that SQLite opened read-only stays so after the
 * permissions are fixed, and the programs should not need a restart.
 */
static enum store_rc
litestore_readonly(struct litestore *s)
{
	if (s->down != DOWN_READONLY && s->db != NULL &&
	    sqlite3_system_errno(s->db) == EROFS)
		log_msg(NULL, "database %s is on a read-only filesystem (an "
		    "error, or remounted so): 503 until it is read-write again",
		    s->path);
	else if (s->down != DOWN_READONLY)
		log_msg(NULL, "database %s is read-only for this process (uid "
		    "%lu): the database file, its -wal and -shm files and its "
		    "directory must be writable by the user the programs run as",
		    s->path, (unsigned long)geteuid());
	s->down = DOWN_READONLY;
	return STORE_DOWN;
}

/* A write went through: a read-only database has been fixed. */
static void
litestore_writable(struct litestore *s)
{
	if (s->down != DOWN_READONLY)
		return;
	log_msg(NULL, "database %s is writable again: serving", s->path);
	s->down = DOWN_NONE;
}

enum store_rc
litestore_rc(struct litestore *s, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return STORE_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		log_msg(NULL, "database busy: %s", what);
		return STORE_BUSY;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:	/* a write that needs a -wal it cannot make */
		return litestore_readonly(s);
	case SQLITE_FULL:
		return store_full(s->path, s->db != NULL ?
		    sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	case SQLITE_IOERR:
		/*
		 * Growing the -shm or syncing on a full disk is an I/O error
		 * whose errno says what it is.
		 */
		if (s->db != NULL && (sqlite3_system_errno(s->db) == ENOSPC ||
		    sqlite3_system_errno(s->db) == EDQUOT))
			return store_full(s->path, strerror(
			    sqlite3_system_errno(s->db)));
		/* A filesystem remounted read-only under open files. */
		if (s->db != NULL && sqlite3_system_errno(s->db) == EROFS)
			return litestore_readonly(s);
		/* FALLTHROUGH */
	case SQLITE_CONSTRAINT:
		/* Only a duplicate key is an ordinary answer; a broken foreign key is not. */
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return STORE_EXISTS;
		/* FALLTHROUGH */
	default:
		log_msg(NULL, "database error: %s: %s", what,
		    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		return STORE_ERR;
	}
}

void
litestore_done(struct litestore *s, enum stmt i)
{
	sqlite3_reset(s->stmt[i]);
	sqlite3_clear_bindings(s->stmt[i]);
}

int
litestore_text(sqlite3_stmt *st, int col, char *dst, size_t dstsz)
{
	const unsigned char	*v = sqlite3_column_text(st, col);
	int			 n = sqlite3_column_bytes(st, col);

	if (v == NULL || n < 0 || (size_t)n >= dstsz)
		return -1;
	memcpy(dst, v, (size_t)n);
	dst[n] = '\0';
	return 0;
}

/*
 * The log is checkpointed once it holds LITESTORE_CHECKPOINT_FRAMES pages
 * (SQLite's default); see litestore_wal_hook().
 */
#define LITESTORE_CHECKPOINT_FRAMES	1000
#define LITESTORE_CHECKPOINT_STEP	250
#define LITESTORE_CHECKPOINT_WAIT_MS	2

/*
 * Wait up to limit_ms from the first call (count 0, which sets *start), in
 * steps of 50 us at first, then 1 ms; 0 once the time is up.  SQLite's own
 * busy timeout sleeps 1, 2, 5, 10 ... ms, which for transactions that hold
 * the lock for a few tens of microseconds (a refresh, an audit line)
 * wastes most of the wait: two processes writing in turn then ran at half
 * the speed of one.
 */
static int
litestore_wait(struct timespec *start, int count, int64_t limit_ms)
{
	struct timespec	 now, pause = { 0, 50000 };
	int64_t		 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (count == 0)
		*start = now;
	ms = (int64_t)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
	if (ms >= limit_ms)
		return 0;
	if (ms >= 10)
		pause.tv_nsec = 1000000;
	nanosleep(&pause, NULL);
	return 1;
}

/*
 * One process waits for one lock at a time: the handlers' start time can
 * be shared.
 */
static struct timespec	 litestore_busy_start;

/* Another process's lock: wait up to STORE_BUSY_TIMEOUT_MS. */
static int
litestore_busy(void *arg, int count)
{
	(void)arg;
	return litestore_wait(&litestore_busy_start, count,
	    STORE_BUSY_TIMEOUT_MS);
}

/* Readers of the log a checkpoint would start over: wait a moment only. */
static int
litestore_busy_brief(void *arg, int count)
{
	(void)arg;
	return litestore_wait(&litestore_busy_start, count,
	    LITESTORE_CHECKPOINT_WAIT_MS);
}

/*
 * SQLite's own automatic checkpoint is PASSIVE: while other processes
 * read (as they always do under load) it cannot start the log over, so
 * once the log passes its size every commit checkpoints again, with two
 * fsyncs each: a refresh ran at a third of its speed.  A RESTART
 * checkpoint waits for the readers of the old log, which take
 * microseconds, so the next writer starts the log from its head; it waits
 * briefly, as it holds back every writer meanwhile (a long reader, such as
 * a backup, must not stall them), and if readers remain it checkpoints
 * what it can and the next try comes LITESTORE_CHECKPOINT_STEP pages
 * later, not at the next commit.
 */
static int
litestore_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	static int	 tried;	/* the log's size when it could not restart */
	int		 rc;

	(void)arg;
	if (frames < tried)
		tried = 0;	/* it did restart since */
	if (frames < LITESTORE_CHECKPOINT_FRAMES ||
	    (tried != 0 && frames - tried < LITESTORE_CHECKPOINT_STEP))
		return SQLITE_OK;
	sqlite3_busy_handler(db, litestore_busy_brief, NULL);
	rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART,
	    NULL, NULL);
	sqlite3_busy_handler(db, litestore_busy, NULL);
	tried = rc == SQLITE_OK ? 0 : frames;
	return SQLITE_OK;
}

/*
 * The busy handler comes first so that even the journal_mode switch waits
 * for other processes' locks.
 */
int
litestore_connect(const char *path, int flags, int64_t cache_kib,
    sqlite3 **out, char *err, size_t errsz)
{
	static const char *const pragmas =
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA trusted_schema = OFF;";
	sqlite3			*db = NULL;
	char			 cache[64];
	int			 rc;

	rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_extended_result_codes(db, 1);
	if ((rc = sqlite3_busy_handler(db, litestore_busy, NULL)) !=
	    SQLITE_OK)
		goto fail;
	/* Refuse writes that would corrupt the file even via a bad schema. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	if ((rc = sqlite3_exec(db, pragmas, NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	/* Negative: a size in KiB rather than in pages of whatever size. */
	if (cache_kib > 0) {
		snprintf(cache, sizeof(cache), "PRAGMA cache_size = -%lld",
		    (long long)cache_kib);
		if ((rc = sqlite3_exec(db, cache, NULL, NULL, NULL)) !=
		    SQLITE_OK)
			goto fail;
	}
	sqlite3_wal_hook(db, litestore_wal_hook, NULL);
	*out = db;
	return SQLITE_OK;
fail:
	snprintf(err, errsz, "database %s: %s", path,
	    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_close(db);
	return rc == SQLITE_OK ? SQLITE_ERROR : rc;
}

int
litestore_user_version(sqlite3 *db)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void *
litestore_new(const char *path)
{
	size_t		 len = strlen(path) + 1;
	struct litestore	*s = calloc(1, sizeof(*s) + len);

	if (s != NULL)
		memcpy(s->path, path, len);
	return s;
}

/*
 * Would a write go through?  A write transaction that changes nothing
 * (BEGIN IMMEDIATE alone takes a lock a read-only file still grants),
 * rolled back whatever happens.
 */
static int
litestore_can_write(struct litestore *s)
{
	int	 rc;

	rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE; DELETE FROM users WHERE 0",
	    NULL, NULL, NULL);
	if (sqlite3_get_autocommit(s->db) == 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc == SQLITE_OK;
}

void
litestore_disconnect(struct litestore *s)
{
	int	 i;

	for (i = 0; i < STMT__MAX; i++) {
		sqlite3_finalize(s->stmt[i]);
		s->stmt[i] = NULL;
	}
	/* Every statement is finalized: only a bug leaves it open. */
	if (sqlite3_close(s->db) != SQLITE_OK)
		log_msg(NULL, "database %s: cannot close: %s", s->path,
		    sqlite3_errmsg(s->db));
	s->db = NULL;
	s->ready = 0;
}

/*
 * Prepare every statement of every litestore_sql table, PERSISTENT: they
 * live as long as the connection.  On failure none is left prepared.
 */
static enum store_rc
litestore_prepare(struct litestore *s)
{
	const struct litestore_sql	*q;
	enum store_rc			 rc = STORE_OK;
	size_t				 t;
	int				 i, step;

	for (t = 0; t < NITEMS(litestore_sql_tables) && rc == STORE_OK; t++)
		for (q = litestore_sql_tables[t]; q->sql != NULL; q++) {
			/* Each statement given once, or one would leak. */
			if (q->id >= STMT__MAX || s->stmt[q->id] != NULL) {
				log_msg(NULL, "database: statement %d given twice",
				    (int)q->id);
				rc = STORE_ERR;
				break;
			}
			step = sqlite3_prepare_v3(s->db, q->sql, -1,
			    SQLITE_PREPARE_PERSISTENT, &s->stmt[q->id], NULL);
			if (step != SQLITE_OK) {
				rc = litestore_rc(s, step, q->sql);
				break;
			}
		}
	/* One that no table gives would fail only at its first use: now. */
	for (i = 0; i < STMT__MAX && rc == STORE_OK; i++)
		if (s->stmt[i] == NULL) {
			log_msg(NULL, "database: statement %d has no SQL", i);
			rc = STORE_ERR;
		}
	if (rc != STORE_OK)
		for (i = 0; i < STMT__MAX; i++) {
			sqlite3_finalize(s->stmt[i]);
			s->stmt[i] = NULL;
		}
	return rc;
}

static enum store_rc
litestore_ready(void *h)
{
	struct litestore	*s = h;
	struct stat		 st;
	char			 err[512];
	enum store_rc		 src;
	int			 rc, version;

	if (s->down == DOWN_READONLY)
		litestore_disconnect(s);
	if (litestore_same_file(s) != STORE_OK)
		return STORE_DOWN;
	if (s->ready)
		return STORE_OK;
	if (s->db == NULL) {
		/* Never create: a missing file is a deployment error to report. */
		rc = litestore_connect(s->path, SQLITE_OPEN_READWRITE,
		    s->cache_kib, &s->db, err, sizeof(err));
		if ((rc & 0xff) == SQLITE_BUSY)
			return STORE_BUSY;
		/*
		 * Switching to WAL, or starting one, is a write; so is making
		 * the -shm that a file we may only read cannot open without.
		 */
		if ((rc & 0xff) == SQLITE_READONLY ||
		    ((rc & 0xff) == SQLITE_CANTOPEN &&
		    litestore_unwritable(s->path)))
			return litestore_readonly(s);
		if (rc != SQLITE_OK) {
			if (s->down != DOWN_OPEN)
				log_msg(NULL, "%s", err);
			s->down = DOWN_OPEN;
			return STORE_DOWN;
		}
		/* The file just opened (a swap in between is caught next time). */
		if (stat(s->path, &st) == -1) {
			litestore_abandon(s);
			return STORE_DOWN;
		}
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	version = litestore_user_version(s->db);
	if (version < schema_version) {
		if (s->down != DOWN_SCHEMA)
			log_msg(NULL, "database %s has schema version %d, need %d: "
			    "run the admin program's migrate command", s->path,
			    version, schema_version);
		s->down = DOWN_SCHEMA;
		return STORE_DOWN;
	}
	if ((src = litestore_prepare(s)) != STORE_OK)
		return src == STORE_BUSY ? STORE_BUSY : STORE_DOWN;
	/*
	 * Read-only is over when a write goes through: try one here, or a
	 * process that only reads would open the file again for every request
	 * long after the permissions were fixed.
	 */
	if (s->down == DOWN_READONLY && litestore_can_write(s))
		litestore_writable(s);
	if (s->down != DOWN_NONE && s->down != DOWN_READONLY) {
		log_msg(NULL, "database %s is at schema version %d: serving",
		    s->path, version);
		s->down = DOWN_NONE;
	}
	s->ready = 1;
	return STORE_OK;
}

/* From the next connection on: a connection's cache is set as it opens. */
static void
litestore_set_cache(void *h, int64_t kib)
{
	struct litestore	*s = h;

	s->cache_kib = kib;
}

static void
litestore_free(void *h)
{
	struct litestore	*s = h;

	if (s == NULL)
		return;
	litestore_disconnect(s);
	free(s);
}

static int
litestore_schema_version(const char *path)
{
	sqlite3	*db;
	char	 err[512];
	int	 v;

	if (litestore_connect(path, SQLITE_OPEN_READWRITE, 0, &db, err,
	    sizeof(err)) != SQLITE_OK) {
		log_msg(NULL, "%s", err);
		return -1;
	}
	v = litestore_user_version(db);
	sqlite3_close(db);
	return v;
}

static int
litestore_migrate(const char *path)
{
	sqlite3	*db = NULL;
	char	 sql[64], err[512];
	int	 version, applied = 0, i;

	/*
	 * Never through a symlink: migrate runs as root, and the directory
	 * may belong to the programs' user, who could point it anywhere.
	 */
	if (litestore_connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOFOLLOW, 0, &db, err, sizeof(err)) != SQLITE_OK) {
		log_msg(NULL, "%s", err);
		return -1;
	}
	/* Each migration and its version number commit together or not at all. */
	for (i = 0; i < schema_version; i++) {
		const struct schema_migration *m = &schema_migrations[i];

		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		/* Read inside the lock, so two concurrent migrates apply once. */
		if ((version = litestore_user_version(db)) < 0)
			goto fail;
		if (version >= m->version) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			continue;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", m->version);
		if (sqlite3_exec(db, m->sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		log_msg(NULL, "database %s: applied %s", path, m->name);
		applied++;
	}
	sqlite3_close(db);
	return applied;
fail:
	log_msg(NULL, "database %s: migration failed: %s", path, sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return -1;
}

enum store_rc
litestore_exec(struct litestore *s, enum stmt i)
{
	int	 rc = sqlite3_step(s->stmt[i]);

	litestore_done(s, i);
	return litestore_rc(s, rc, sqlite3_sql(s->stmt[i]));
}

enum store_rc
litestore_row(struct litestore *s, enum stmt i)
{
	int	 rc = sqlite3_step(s->stmt[i]);

	if (rc == SQLITE_ROW)
		return STORE_OK;
	litestore_done(s, i);
	return rc == SQLITE_DONE ? STORE_NOTFOUND :
	    litestore_rc(s, rc, sqlite3_sql(s->stmt[i]));
}

enum store_rc
litestore_begin_light(struct litestore *s)
{
	enum store_rc	 rc;

	if ((rc = litestore_exec(s, STMT_SYNC_NORMAL)) != STORE_OK)
		return rc;
	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		litestore_exec(s, STMT_SYNC_FULL);
	return rc;
}

enum store_rc
litestore_end_light(struct litestore *s, enum store_rc rc)
{
	rc = litestore_end(s, rc);
	/* Every other transaction is synced again, whatever happened. */
	if (litestore_exec(s, STMT_SYNC_FULL) != STORE_OK && rc == STORE_OK)
		rc = STORE_ERR;
	return rc;
}

enum store_rc
litestore_end(struct litestore *s, enum store_rc rc)
{
	enum store_rc	 crc;

	if (rc == STORE_OK) {
		if ((crc = litestore_exec(s, STMT_COMMIT)) == STORE_OK) {
			litestore_writable(s);
			return rc;
		}
		rc = crc;
	}
	if (sqlite3_get_autocommit(s->db) == 0)
		litestore_exec(s, STMT_ROLLBACK);
	return rc;
}

const struct store_backend litestore_backend = {
	.name = "SQLite",
	.open = litestore_new,
	.set_cache = litestore_set_cache,
	.ready = litestore_ready,
	.close = litestore_free,
	.migrate = litestore_migrate,
	.schema_version = litestore_schema_version,
	.backup = litestore_backup,
	.user_insert = litestore_user_insert,
	.user_by_email = litestore_user_by_email,
	.user_set_password = litestore_user_set_password,
	.user_delete = litestore_user_delete,
	.user_list = litestore_user_list,
	.user_cost_max = litestore_user_cost_max,
	.user_change_password = litestore_user_change_password,
	.user_lock = litestore_user_lock,
	.session_insert = litestore_session_insert,
	.session_user = litestore_session_user,
	.session_refresh = litestore_session_refresh,
	.session_list = litestore_session_list,
	.session_delete = litestore_session_delete,
	.session_delete_user = litestore_session_delete_user,
	.posts_page = litestore_posts_page,
	.post_get = litestore_post_get,
	.post_insert = litestore_post_insert,
	.post_update = litestore_post_update,
	.post_delete = litestore_post_delete,
	.throttle_get = litestore_throttle_get,
	.throttle_update = litestore_throttle_update,
	.throttle_delete = litestore_throttle_delete,
	.throttle_list = litestore_throttle_list,
	.audit_insert = litestore_audit_insert,
	.audit_list = litestore_audit_list,
	.email_token_insert = litestore_email_token_insert,
	.email_token_use = litestore_email_token_use,
	.user_confirmed = litestore_user_confirmed,
	.totp_get = litestore_totp_get,
	.totp_enrol = litestore_totp_enrol,
	.totp_step = litestore_totp_step,
	.totp_enable = litestore_totp_enable,
	.totp_recovery_use = litestore_totp_recovery_use,
	.totp_disable = litestore_totp_disable,
};
