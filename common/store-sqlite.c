/*
 * store-sqlite: the SQLite backend of store.h (a file path as target): WAL,
 * one connection and one prepared statement per query for the life of the process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "schema.h"
#include "store-backend.h"
#include "util.h"

enum stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_USER_INSERT,
	STMT_USER_BY_EMAIL,
	STMT_USER_SET_PASSWORD,
	STMT_USER_DELETE,
	STMT_SESSION_INSERT,
	STMT_SESSION_PRUNE,
	STMT_SESSION_USER,
	STMT_SESSION_DELETE,
	STMT_POSTS_PAGE,
	STMT_POST_GET,
	STMT_POST_INSERT,
	STMT_POST_AUTHOR,
	STMT_POST_UPDATE,
	STMT_POST_DELETE,
	STMT_THROTTLE_GET,
	STMT_THROTTLE_PUT,
	STMT_THROTTLE_DELETE,
	STMT_THROTTLE_PRUNE,
	STMT__MAX
};

static const char *const stmt_sql[STMT__MAX] = {
	/* STMT_BEGIN: take the write lock now, not at the first write. */
	"BEGIN IMMEDIATE",
	/* STMT_COMMIT */
	"COMMIT",
	/* STMT_ROLLBACK */
	"ROLLBACK",
	/* STMT_USER_INSERT */
	"INSERT INTO users (email, name, password, created_at) "
	"VALUES (?1, ?2, ?3, ?4)",
	/* STMT_USER_BY_EMAIL: the column's NOCASE collation applies. */
	"SELECT id, email, name, password FROM users WHERE email = ?1",
	/* STMT_USER_SET_PASSWORD */
	"UPDATE users SET password = ?2 WHERE id = ?1",
	/* STMT_USER_DELETE: sessions go with the user (ON DELETE CASCADE). */
	"DELETE FROM users WHERE email = ?1",
	/* STMT_SESSION_INSERT */
	"INSERT INTO sessions (id, user_id, created_at, expires_at) "
	"VALUES (?1, ?2, ?3, ?4)",
	/* STMT_SESSION_PRUNE */
	"DELETE FROM sessions WHERE expires_at <= ?1",
	/* STMT_SESSION_USER */
	"SELECT u.id, u.email, u.name FROM sessions AS s "
	"JOIN users AS u ON u.id = s.user_id "
	"WHERE s.id = ?1 AND s.user_id = ?2 AND s.expires_at > ?3",
	/* STMT_SESSION_DELETE */
	"DELETE FROM sessions WHERE id = ?1 AND user_id = ?2",
	/* STMT_POSTS_PAGE: walks the primary key from the cursor on. */
	"SELECT p.id, p.title, p.content, u.id, u.name FROM posts AS p "
	"JOIN users AS u ON u.id = p.author_id "
	"WHERE p.id > ?1 ORDER BY p.id LIMIT ?2",
	/* STMT_POST_GET */
	"SELECT p.id, p.title, p.content, u.id, u.name FROM posts AS p "
	"JOIN users AS u ON u.id = p.author_id WHERE p.id = ?1",
	/* STMT_POST_INSERT */
	"INSERT INTO posts (author_id, title, content, created_at, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?4)",
	/* STMT_POST_AUTHOR */
	"SELECT author_id FROM posts WHERE id = ?1",
	/* STMT_POST_UPDATE: a NULL parameter keeps the column as it is. */
	"UPDATE posts SET title = coalesce(?2, title), "
	"content = coalesce(?3, content), updated_at = ?4 WHERE id = ?1",
	/* STMT_POST_DELETE */
	"DELETE FROM posts WHERE id = ?1",
	/* STMT_THROTTLE_GET */
	"SELECT count, level, last_at, blocked_until, pending FROM throttle "
	"WHERE key = ?1",
	/* STMT_THROTTLE_PUT */
	"INSERT OR REPLACE INTO throttle (key, count, level, last_at, blocked_until, "
	"pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* STMT_THROTTLE_DELETE */
	"DELETE FROM throttle WHERE key = ?1",
	/* STMT_THROTTLE_PRUNE */
	"DELETE FROM throttle WHERE last_at < ?1 AND blocked_until < ?1",
};

struct litestore {
	sqlite3		*db;
	sqlite3_stmt	*stmt[STMT__MAX];
	int		 ready;
	enum {
		DOWN_NONE,
		DOWN_OPEN,	/* the file cannot be opened */
		DOWN_SCHEMA,	/* its schema is behind */
		DOWN_READONLY,	/* we may not write it: reopen at each ready */
	}		 down;		/* the cause last logged: once per cause */
	char		 path[];
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
	if (s->down != DOWN_READONLY)
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

/* Turn an SQLite result code into ours, logging the unexpected. */
static enum store_rc
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

/* Reset a statement for its next use and drop its bindings. */
static void
litestore_done(struct litestore *s, enum stmt i)
{
	sqlite3_reset(s->stmt[i]);
	sqlite3_clear_bindings(s->stmt[i]);
}

/* Copy a text column; a NULL or over-long value is a store error. */
static int
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

/* Copy id, email, name from columns 0-2 of a user row. */
static int
litestore_user_row(sqlite3_stmt *st, struct user *out)
{
	out->id = sqlite3_column_int64(st, 0);
	out->password[0] = '\0';
	if (litestore_text(st, 1, out->email, sizeof(out->email)) == -1 ||
	    litestore_text(st, 2, out->name, sizeof(out->name)) == -1)
		return -1;
	return 0;
}

/*
 * Open a connection with our pragmas.  busy_timeout comes first so that
 * even the journal_mode switch waits for other processes' locks.  On
 * failure the reason is copied to err for the caller to log (or not).
 */
static int
litestore_connect(const char *path, int flags, sqlite3 **out, char *err,
    size_t errsz)
{
	static const char *const pragmas =
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA trusted_schema = OFF;";
	sqlite3		*db = NULL;
	int		 rc;

	rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_extended_result_codes(db, 1);
	if ((rc = sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS)) != SQLITE_OK)
		goto fail;
	/* Refuse writes that would corrupt the file even via a bad schema. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	if ((rc = sqlite3_exec(db, pragmas, NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	*out = db;
	return SQLITE_OK;
fail:
	snprintf(err, errsz, "database %s: %s", path,
	    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_close(db);
	return rc == SQLITE_OK ? SQLITE_ERROR : rc;
}

static int
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

/* Finalize the statements and close the connection: not ready. */
static void
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

static enum store_rc
litestore_ready(void *h)
{
	struct litestore	*s = h;
	char			 err[512];
	int			 rc, version, i;

	if (s->down == DOWN_READONLY)
		litestore_disconnect(s);
	if (s->ready)
		return STORE_OK;
	if (s->db == NULL) {
		/* Never create: a missing file is a deployment error to report. */
		rc = litestore_connect(s->path, SQLITE_OPEN_READWRITE, &s->db,
		    err, sizeof(err));
		if ((rc & 0xff) == SQLITE_BUSY)
			return STORE_BUSY;
		/* Switching to WAL, or starting one, is a write. */
		if ((rc & 0xff) == SQLITE_READONLY)
			return litestore_readonly(s);
		if (rc != SQLITE_OK) {
			if (s->down != DOWN_OPEN)
				log_msg(NULL, "%s", err);
			s->down = DOWN_OPEN;
			return STORE_DOWN;
		}
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
	for (i = 0; i < STMT__MAX; i++) {
		/* PERSISTENT: these live as long as the process. */
		rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL);
		if (rc != SQLITE_OK) {
			enum store_rc src = litestore_rc(s, rc, stmt_sql[i]);

			while (i >= 0) {
				sqlite3_finalize(s->stmt[i]);
				s->stmt[i--] = NULL;
			}
			return src == STORE_BUSY ? STORE_BUSY : STORE_DOWN;
		}
	}
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

	if (litestore_connect(path, SQLITE_OPEN_READWRITE, &db, err,
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
	    SQLITE_OPEN_NOFOLLOW, &db, err, sizeof(err)) != SQLITE_OK) {
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

/* Run a statement without results (BEGIN, COMMIT, a write). */
static enum store_rc
litestore_exec(struct litestore *s, enum stmt i)
{
	int	 rc = sqlite3_step(s->stmt[i]);

	litestore_done(s, i);
	return litestore_rc(s, rc, stmt_sql[i]);
}

/* Finish a write transaction: commit on STORE_OK, else roll back and keep rc. */
static enum store_rc
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

static enum store_rc
litestore_user_insert(void *h, const char *email, const char *name,
    const char *hash, int64_t now, struct user *out)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_USER_INSERT];
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = litestore_exec(s, STMT_USER_INSERT);
	if (rc == STORE_OK) {
		out->id = sqlite3_last_insert_rowid(s->db);
		out->password[0] = '\0';
		if (strlen(email) >= sizeof(out->email) ||
		    strlen(name) >= sizeof(out->name)) {
			log_msg(NULL, "database: refusing a user whose e-mail or name "
			    "exceeds the store's limits");
			rc = STORE_ERR;
		}
		else {
			strcpy(out->email, email);
			strcpy(out->name, name);
		}
	}
	return litestore_end(s, rc);
}

static enum store_rc
litestore_user_by_email(void *h, const char *email, struct user *out)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_USER_BY_EMAIL];
	enum store_rc		 rc = STORE_NOTFOUND;
	int			 step;

	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		rc = STORE_OK;
		if (litestore_user_row(st, out) == -1 ||
		    litestore_text(st, 3, out->password, sizeof(out->password)) == -1) {
			log_msg(NULL, "database: user row %lld has an over-long field",
			    (long long)out->id);
			rc = STORE_ERR;
		}
	} else if (step != SQLITE_DONE)
		rc = litestore_rc(s, step, stmt_sql[STMT_USER_BY_EMAIL]);
	litestore_done(s, STMT_USER_BY_EMAIL);
	return rc;
}

static enum store_rc
litestore_user_set_password(void *h, int64_t id, const char *hash)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_USER_SET_PASSWORD];
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	rc = litestore_exec(s, STMT_USER_SET_PASSWORD);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		rc = STORE_NOTFOUND;
	return litestore_end(s, rc);
}

static enum store_rc
litestore_user_delete(void *h, const char *email)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_text(s->stmt[STMT_USER_DELETE], 1, email, -1, SQLITE_STATIC);
	rc = litestore_exec(s, STMT_USER_DELETE);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		rc = STORE_NOTFOUND;
	return litestore_end(s, rc);
}

static enum store_rc
litestore_session_insert(void *h, const char *id, int64_t user_id,
    int64_t now, int64_t expires_at)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_SESSION_INSERT];
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(s->stmt[STMT_SESSION_PRUNE], 1, now);
	if ((rc = litestore_exec(s, STMT_SESSION_PRUNE)) == STORE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, user_id);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, expires_at);
		rc = litestore_exec(s, STMT_SESSION_INSERT);
		/* A jti collision is a store fault here, not an answer. */
		if (rc == STORE_EXISTS) {
			log_msg(NULL, "database: session id collision");
			rc = STORE_ERR;
		}
	}
	return litestore_end(s, rc);
}

static enum store_rc
litestore_session_user(void *h, const char *id, int64_t user_id,
    int64_t now, struct user *out)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_SESSION_USER];
	enum store_rc		 rc = STORE_NOTFOUND;
	int			 step;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_int64(st, 3, now);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = litestore_user_row(st, out) == 0 ? STORE_OK : STORE_ERR;
	else if (step != SQLITE_DONE)
		rc = litestore_rc(s, step, stmt_sql[STMT_SESSION_USER]);
	litestore_done(s, STMT_SESSION_USER);
	return rc;
}

static enum store_rc
litestore_session_delete(void *h, const char *id, int64_t user_id)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_SESSION_DELETE];
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	rc = litestore_exec(s, STMT_SESSION_DELETE);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		rc = STORE_NOTFOUND;
	return litestore_end(s, rc);
}

/* Run a post SELECT and hand each row to fn. */
static enum store_rc
litestore_post_rows(struct litestore *s, enum stmt i, store_post_fn fn, void *arg)
{
	sqlite3_stmt	*st = s->stmt[i];
	struct post	 p;
	enum store_rc	 rc = STORE_NOTFOUND;
	int		 step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		p.id = sqlite3_column_int64(st, 0);
		p.title = (const char *)sqlite3_column_text(st, 1);
		p.content = (const char *)sqlite3_column_text(st, 2);
		p.author_id = sqlite3_column_int64(st, 3);
		p.author_name = (const char *)sqlite3_column_text(st, 4);
		if (p.title == NULL || p.content == NULL || p.author_name == NULL ||
		    fn(arg, &p) == -1) {
			rc = STORE_ERR;
			break;
		}
		rc = STORE_OK;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = litestore_rc(s, step, stmt_sql[i]);
	litestore_done(s, i);
	return rc;
}

static enum store_rc
litestore_posts_page(void *h, int64_t after, int64_t limit,
    store_post_fn fn, void *arg)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	sqlite3_bind_int64(s->stmt[STMT_POSTS_PAGE], 1, after);
	sqlite3_bind_int64(s->stmt[STMT_POSTS_PAGE], 2, limit);
	rc = litestore_post_rows(s, STMT_POSTS_PAGE, fn, arg);
	/* An empty page is an ordinary answer. */
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

static enum store_rc
litestore_post_get(void *h, int64_t id, store_post_fn fn, void *arg)
{
	struct litestore	*s = h;

	sqlite3_bind_int64(s->stmt[STMT_POST_GET], 1, id);
	return litestore_post_rows(s, STMT_POST_GET, fn, arg);
}

static enum store_rc
litestore_post_insert(void *h, int64_t author_id, const char *title,
    const char *content, int64_t now, int64_t *id)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_POST_INSERT];
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, author_id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, content, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if ((rc = litestore_exec(s, STMT_POST_INSERT)) == STORE_OK)
		*id = sqlite3_last_insert_rowid(s->db);
	return litestore_end(s, rc);
}

/* Inside a write transaction: is post id there, and did author_id write it? */
static enum store_rc
litestore_post_owned(struct litestore *s, int64_t id, int64_t author_id)
{
	sqlite3_stmt	*st = s->stmt[STMT_POST_AUTHOR];
	enum store_rc	 rc = STORE_NOTFOUND;
	int		 step;

	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = sqlite3_column_int64(st, 0) == author_id ? STORE_OK : STORE_DENIED;
	else if (step != SQLITE_DONE)
		rc = litestore_rc(s, step, stmt_sql[STMT_POST_AUTHOR]);
	litestore_done(s, STMT_POST_AUTHOR);
	return rc;
}

static enum store_rc
litestore_post_update(void *h, int64_t id, int64_t author_id,
    const char *title, const char *content, int64_t now)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_POST_UPDATE];
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	if ((rc = litestore_post_owned(s, id, author_id)) == STORE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (title != NULL)
			sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
		if (content != NULL)
			sqlite3_bind_text(st, 3, content, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		rc = litestore_exec(s, STMT_POST_UPDATE);
	}
	return litestore_end(s, rc);
}

static enum store_rc
litestore_post_delete(void *h, int64_t id, int64_t author_id)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	if ((rc = litestore_post_owned(s, id, author_id)) == STORE_OK) {
		sqlite3_bind_int64(s->stmt[STMT_POST_DELETE], 1, id);
		rc = litestore_exec(s, STMT_POST_DELETE);
	}
	return litestore_end(s, rc);
}

static enum store_rc
litestore_throttle_get(void *h, const char *key, struct throttle_row *row)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_THROTTLE_GET];
	enum store_rc		 rc = STORE_OK;
	int			 step;

	memset(row, 0, sizeof(*row));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		row->count = sqlite3_column_int64(st, 0);
		row->level = sqlite3_column_int64(st, 1);
		row->last_at = sqlite3_column_int64(st, 2);
		row->blocked_until = sqlite3_column_int64(st, 3);
		row->pending = sqlite3_column_int64(st, 4);
	} else if (step != SQLITE_DONE)
		rc = litestore_rc(s, step, stmt_sql[STMT_THROTTLE_GET]);
	litestore_done(s, STMT_THROTTLE_GET);
	return rc;
}

static enum store_rc
litestore_throttle_update(void *h, const char *const *keys, size_t n,
    int64_t forget_before, store_throttle_fn fn, void *arg)
{
	struct litestore	*s = h;
	sqlite3_stmt		*put = s->stmt[STMT_THROTTLE_PUT];
	struct throttle_row	 row;
	enum store_rc		 rc;
	size_t			 i;

	/* IMMEDIATE: read-modify-write by many processes at once. */
	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(s->stmt[STMT_THROTTLE_PRUNE], 1, forget_before);
	rc = litestore_exec(s, STMT_THROTTLE_PRUNE);
	for (i = 0; i < n && rc == STORE_OK; i++) {
		if ((rc = litestore_throttle_get(s, keys[i], &row)) != STORE_OK)
			break;
		if (fn(arg, i, &row) == -1) {
			rc = STORE_DENIED;
			break;
		}
		sqlite3_bind_text(put, 1, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(put, 2, row.count);
		sqlite3_bind_int64(put, 3, row.level);
		sqlite3_bind_int64(put, 4, row.last_at);
		sqlite3_bind_int64(put, 5, row.blocked_until);
		sqlite3_bind_int64(put, 6, row.pending);
		rc = litestore_exec(s, STMT_THROTTLE_PUT);
	}
	return litestore_end(s, rc);
}

static enum store_rc
litestore_throttle_delete(void *h, const char *const *keys, size_t n)
{
	struct litestore	*s = h;
	enum store_rc		 rc;
	size_t			 i;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	for (i = 0; i < n && rc == STORE_OK; i++) {
		sqlite3_bind_text(s->stmt[STMT_THROTTLE_DELETE], 1, keys[i], -1,
		    SQLITE_STATIC);
		rc = litestore_exec(s, STMT_THROTTLE_DELETE);
	}
	return litestore_end(s, rc);
}

/* store_copy(): what each table gives, in the order of enum copy_table. */
static const char *const copy_sql[COPY__MAX] = {
	/* COPY_USERS */
	"SELECT id, email, name, password, created_at FROM users ORDER BY id",
	/* COPY_POSTS */
	"SELECT id, author_id, title, content, created_at, updated_at FROM posts "
	"ORDER BY id",
	/* COPY_SESSIONS: a dead session is worth nothing on the new store. */
	"SELECT id, user_id, created_at, expires_at FROM sessions "
	"WHERE expires_at > ?1",
	/* COPY_THROTTLE: an address blocked here stays blocked there. */
	"SELECT key, count, level, last_at, blocked_until, pending FROM throttle",
	/* COPY_SEQUENCE */
	"SELECT name, seq FROM sqlite_sequence WHERE name IN ('users', 'posts')",
};

/* Hand every row of one copy_sql query to fn; 0, or -1 with err set. */
static int
litestore_copy_table(sqlite3 *db, enum copy_table t, int64_t now,
    copy_row_fn fn, void *arg, char *err, size_t errsz)
{
	sqlite3_stmt	*st;
	const char	*values[COPY_COLUMNS_MAX];
	int		 step, n, i, rc = -1;

	if (sqlite3_prepare_v2(db, copy_sql[t], -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_bind_parameter_count(st) == 1)
		sqlite3_bind_int64(st, 1, now);
	n = sqlite3_column_count(st);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < n && i < COPY_COLUMNS_MAX; i++)
			values[i] = (const char *)sqlite3_column_text(st, i);
		if (fn(arg, t, values, n) == -1) {
			snprintf(err, errsz, "the copy was abandoned");
			goto done;
		}
	}
	if (step == SQLITE_DONE)
		rc = 0;
	else
		snprintf(err, errsz, "%s", sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	return rc;
}

int
litestore_copy_out(const char *path, int64_t now, copy_row_fn fn, void *arg)
{
	sqlite3	*db;
	char	 err[512];
	int	 version, t, rc = -1;

	if (litestore_connect(path, SQLITE_OPEN_READWRITE, &db, err,
	    sizeof(err)) != SQLITE_OK) {
		log_msg(NULL, "%s", err);
		return -1;
	}
	if ((version = litestore_user_version(db)) < schema_version) {
		log_msg(NULL, "database %s has schema version %d, need %d: "
		    "migrate it before copying", path, version, schema_version);
		goto done;
	}
	/* One read transaction: every table from the same snapshot. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, sizeof(err), "%s", sqlite3_errmsg(db));
		goto fail;
	}
	for (t = 0; t < COPY__MAX; t++)
		if (litestore_copy_table(db, t, now, fn, arg, err,
		    sizeof(err)) == -1)
			goto fail;
	rc = 0;
	goto done;
fail:
	log_msg(NULL, "database %s: copy failed: %s", path, err);
done:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

const struct store_backend litestore_backend = {
	.name = "SQLite",
	.open = litestore_new,
	.ready = litestore_ready,
	.close = litestore_free,
	.migrate = litestore_migrate,
	.schema_version = litestore_schema_version,
	.user_insert = litestore_user_insert,
	.user_by_email = litestore_user_by_email,
	.user_set_password = litestore_user_set_password,
	.user_delete = litestore_user_delete,
	.session_insert = litestore_session_insert,
	.session_user = litestore_session_user,
	.session_delete = litestore_session_delete,
	.posts_page = litestore_posts_page,
	.post_get = litestore_post_get,
	.post_insert = litestore_post_insert,
	.post_update = litestore_post_update,
	.post_delete = litestore_post_delete,
	.throttle_get = litestore_throttle_get,
	.throttle_update = litestore_throttle_update,
	.throttle_delete = litestore_throttle_delete,
};
