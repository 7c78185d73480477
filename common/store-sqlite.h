/*
 * store-sqlite: what the files of the SQLite backend (store-sqlite*.c)
 * share: the connection, its statements and the helpers that run them.
 */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

#include <sys/types.h>

#include <sqlite3.h>

#include "store-backend.h"

/*
 * Every statement of the backend, grouped by the file that runs it and
 * holds its SQL (a litestore_sql table); store-sqlite.c prepares them all
 * once per connection.
 */
enum stmt {
	/* store-sqlite.c */
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SYNC_NORMAL,
	STMT_SYNC_FULL,
	/* store-sqlite-users.c */
	STMT_USER_INSERT,
	STMT_USER_SKIP_ID,
	STMT_USER_BY_EMAIL,
	STMT_USER_SET_PASSWORD,
	STMT_USER_DELETE,
	/* store-sqlite-posts.c */
	STMT_POSTS_PAGE,
	STMT_POST_GET,
	STMT_POST_INSERT,
	STMT_POST_AUTHOR,
	STMT_POST_UPDATE,
	STMT_POST_DELETE,
	STMT_POST_QUOTA,
	/* store-sqlite-throttle.c */
	STMT_THROTTLE_GET,
	STMT_THROTTLE_PUT,
	STMT_THROTTLE_DELETE,
	STMT_THROTTLE_PRUNE,
	STMT_THROTTLE_LIST,
	/* store-sqlite-sessions.c */
	STMT_SESSION_INSERT,
	STMT_SESSION_PRUNE,
	STMT_SESSION_CAP,
	STMT_SESSION_USER,
	STMT_SESSION_DELETE,
	STMT_SESSION_DELETE_USER,
	STMT_SESSION_DELETE_ALL,
	STMT_SESSION_LIST_USER,
	STMT_SESSION_LIST_ALL,
	STMT_REFRESH_FIND,
	STMT_REFRESH_RETIRED,
	STMT_REFRESH_ROTATE,
	STMT_REFRESH_RETIRE,
	STMT_USER_LOCK,
	STMT_USER_LIST,
	STMT_USER_COST_MAX,
	/* store-sqlite-audit.c */
	STMT_AUDIT_INSERT,
	STMT_AUDIT_OLD,
	STMT_AUDIT_PRUNE,
	STMT_AUDIT_LIST,
	STMT_AUDIT_LIST_USER,
	STMT_AUDIT_SAVEPOINT,
	STMT_AUDIT_ROLLBACK,
	STMT_AUDIT_RELEASE,
	/* store-sqlite-email.c */
	STMT_EMAIL_TOKEN_RETIRE,
	STMT_EMAIL_TOKEN_PRUNE,
	STMT_EMAIL_TOKEN_INSERT,
	STMT_EMAIL_TOKEN_TAKE,
	STMT_EMAIL_USER,
	STMT_EMAIL_CONFIRM,
	STMT_EMAIL_CHANGE,
	/* store-sqlite-totp.c */
	STMT_TOTP_GET,
	STMT_TOTP_ENROL,
	STMT_TOTP_STEP,
	STMT_TOTP_ENABLE,
	STMT_TOTP_DISABLE,
	STMT_RECOVERY_CLEAR,
	STMT_RECOVERY_INSERT,
	STMT_RECOVERY_USE,
	STMT__MAX
};

/* One statement's SQL; a table of them ends with { STMT__MAX, NULL }. */
struct litestore_sql {
	enum stmt	 id;
	const char	*sql;
};

extern const struct litestore_sql litestore_users_sql[];
extern const struct litestore_sql litestore_posts_sql[];
extern const struct litestore_sql litestore_throttle_sql[];
extern const struct litestore_sql litestore_sessions_sql[];
extern const struct litestore_sql litestore_audit_sql[];
extern const struct litestore_sql litestore_email_sql[];
extern const struct litestore_sql litestore_totp_sql[];

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
	int64_t		 cache_kib;	/* page cache bound, 0: SQLite's */
	dev_t		 dev;		/* the file the connection opened, */
	ino_t		 ino;		/* to see it replaced or deleted */
	char		 path[];
};

/*
 * Open a connection to path with our pragmas (WAL, foreign keys ...) and a
 * page cache of at most cache_kib KiB (0: SQLite's default).  On failure
 * the reason is copied to err for the caller to log (or not).
 */
int		 litestore_connect(const char *path, int flags,
		    int64_t cache_kib, sqlite3 **out, char *err, size_t errsz);

/* Finalize the statements and close the connection: not ready. */
void		 litestore_disconnect(struct litestore *s);

/*
 * store-sqlite-file.c.  Close the connection of a file that is no longer
 * at the path: without the checkpoint and clean-up the last connection
 * otherwise does, which would write into the deleted file and remove the
 * -wal that by now may be the restored database's.
 */
void		 litestore_abandon(struct litestore *s);

/*
 * Is the open connection still on the file at the path?  An operator may
 * delete it, or move a restored backup over it, while the programs run:
 * a connection to the old file would go on serving (and accepting writes
 * into) a file nobody will read again.  One stat(2) per request.  STORE_OK
 * if it is (or nothing is open; a replaced file's connection is closed,
 * for the caller to open the new one); STORE_DOWN, the connection closed
 * and logged once, for a file that is gone.
 */
enum store_rc	 litestore_same_file(struct litestore *s);

/*
 * Is the file at path there, but it, its directory or its -wal or -shm
 * (those that exist) not writable by this process?  SQLite then fails to
 * open it in WAL mode with a bare "unable to open database file".
 */
int		 litestore_unwritable(const char *path);

/* PRAGMA user_version of db, or -1. */
int		 litestore_user_version(sqlite3 *db);

/* Turn an SQLite result code into ours, logging the unexpected (what: SQL). */
enum store_rc	 litestore_rc(struct litestore *s, int rc, const char *what);

/* Reset statement i for its next use and drop its bindings. */
void		 litestore_done(struct litestore *s, enum stmt i);

/* Run statement i, which gives no rows (BEGIN, COMMIT, a write), and reset it. */
enum store_rc	 litestore_exec(struct litestore *s, enum stmt i);

/*
 * Step statement i that gives at most one row: STORE_OK with the row
 * there to read (then litestore_done() it), STORE_NOTFOUND or an error
 * (both already reset).
 */
enum store_rc	 litestore_row(struct litestore *s, enum stmt i);

/* Finish a write transaction: commit on STORE_OK, else roll back and keep rc. */
enum store_rc	 litestore_end(struct litestore *s, enum store_rc rc);

/* Within a transaction: set user id's hash; STORE_NOTFOUND if none. */
enum store_rc	 litestore_set_hash(struct litestore *s, int64_t id,
		    const char *hash);

/*
 * A light write transaction: BEGIN IMMEDIATE with the commit not synced
 * to disk (synchronous = NORMAL until litestore_end_light()).  In WAL mode
 * it is still atomic and survives the process dying; only a power cut or
 * a kernel crash may roll it back, and the next ordinary commit syncs it
 * too.  For the bookkeeping whose loss costs at most a fresh log-in (a
 * refresh token's rotation) or the newest audit lines, so that it does not
 * pay a disk flush per request.
 */
enum store_rc	 litestore_begin_light(struct litestore *s);
enum store_rc	 litestore_end_light(struct litestore *s, enum store_rc rc);

/* Copy a text column; a NULL or over-long value is -1. */
int		 litestore_text(sqlite3_stmt *st, int col, char *dst,
		    size_t dstsz);

/* Copy id, email, name from columns 0-2 of a user row (no hash, no times). */
int		 litestore_user_row(sqlite3_stmt *st, struct user *out);

/* The backend's operations that live outside store-sqlite.c. */
enum store_rc	 litestore_user_insert(void *h, const char *email,
		    const char *name, const char *hash, int64_t now,
		    struct user *out);
enum store_rc	 litestore_user_by_email(void *h, const char *email,
		    struct user *out);
enum store_rc	 litestore_user_set_password(void *h, int64_t id,
		    const char *hash);
enum store_rc	 litestore_user_delete(void *h, const char *email);
int		 litestore_backup(const char *path, const char *dest);
enum store_rc	 litestore_session_insert(void *h,
		    const struct session_start *start, int64_t *ended);
enum store_rc	 litestore_session_user(void *h, const char *id,
		    int64_t user_id, int64_t now, struct user *out);
enum store_rc	 litestore_session_refresh(void *h,
		    const struct session_refresh *r,
		    struct session_refreshed *out);
enum store_rc	 litestore_session_list(void *h, int64_t user_id, int64_t now,
		    int64_t limit, store_session_fn fn, void *arg);
enum store_rc	 litestore_session_delete(void *h, const char *id,
		    int64_t user_id);
enum store_rc	 litestore_session_delete_user(void *h, int64_t user_id,
		    const char *keep, int64_t *ended);
enum store_rc	 litestore_user_list(void *h, int locked_only, int64_t now,
		    store_user_fn fn, void *arg);
enum store_rc	 litestore_user_cost_max(void *h, int *cost);
enum store_rc	 litestore_user_change_password(void *h, int64_t id,
		    const char *hash, const char *keep_session);
enum store_rc	 litestore_user_lock(void *h, const char *email, int locked,
		    int64_t now, struct user *out);
enum store_rc	 litestore_posts_page(void *h, int64_t after, int64_t limit,
		    store_post_fn fn, void *arg);
enum store_rc	 litestore_post_get(void *h, int64_t id, store_post_fn fn,
		    void *arg);
enum store_rc	 litestore_post_insert(void *h, int64_t author_id,
		    const char *title, const char *content, int64_t now,
		    struct post_quota *quota, int64_t *id);
enum store_rc	 litestore_post_update(void *h, int64_t id, int64_t author_id,
		    const char *title, const char *content, int64_t now,
		    struct post_quota *quota);
enum store_rc	 litestore_post_delete(void *h, int64_t id, int64_t author_id);
enum store_rc	 litestore_throttle_get(void *h, const char *key,
		    struct throttle_row *row);
enum store_rc	 litestore_throttle_update(void *h, const char *const *keys,
		    size_t n, int64_t forget_before, store_throttle_fn fn,
		    void *arg);
enum store_rc	 litestore_throttle_delete(void *h, const char *const *keys,
		    size_t n);
enum store_rc	 litestore_throttle_list(void *h, store_throttle_row_fn fn,
		    void *arg);
void		 litestore_audit_write(struct litestore *s,
		    const struct audit_event *e, int64_t prune_before);
enum store_rc	 litestore_audit_insert(void *h, const struct audit_event *e,
		    int64_t prune_before);
enum store_rc	 litestore_audit_list(void *h, const struct audit_filter *f,
		    store_audit_fn fn, void *arg);
enum store_rc	 litestore_email_token_insert(void *h,
		    const struct email_token *t);
enum store_rc	 litestore_email_token_use(void *h, const char *purpose,
		    const char *digest, int64_t now, const char *new_hash,
		    enum email_outcome *outcome, int64_t *user_id);
enum store_rc	 litestore_end_sessions(struct litestore *s, int64_t user_id,
		    const char *keep, int64_t *ended);
enum store_rc	 litestore_user_confirmed(void *h, int64_t id,
		    int64_t *confirmed_at);
enum store_rc	 litestore_totp_get(void *h, int64_t user_id,
		    struct totp_state *out);
enum store_rc	 litestore_totp_enrol(void *h, int64_t user_id,
		    const char *secret);
enum store_rc	 litestore_totp_step(void *h, int64_t user_id, int64_t step);
enum store_rc	 litestore_totp_enable(void *h, int64_t user_id, int64_t step,
		    const char *const *digests, size_t n, int64_t now,
		    const char *keep_session);
enum store_rc	 litestore_totp_recovery_use(void *h, int64_t user_id,
		    const char *digest);
enum store_rc	 litestore_totp_disable(void *h, int64_t user_id,
		    int *was_on);

#endif
