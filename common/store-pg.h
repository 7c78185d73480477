/*
 * store-pg: what the files of the PostgreSQL backend (store-pg*.c) share:
 * the connection, its statements and the helpers that run them.
 */
#ifndef STORE_PG_H
#define STORE_PG_H

#include <libpq-fe.h>

#include "store-backend.h"

/* Rows one prune deletes at most: a log-in never does a big delete. */
#define PGSTORE_PRUNE_MAX	"100"

/* pgstore_simple(): the statement waited lock_timeout for a lock in vain. */
#define PGSTORE_LOCKED		(-2)

#define PGSTORE_PARAMS_MAX	8
#define PGSTORE_INT_LEN		24	/* "-9223372036854775808" and a NUL */

/*
 * Every statement of the backend, grouped by the file that runs it and
 * holds its SQL (a pgstmt table); store-pg.c prepares them all once per
 * connection.
 */
enum stmt {
	/* store-pg.c */
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	/* store-pg-users.c */
	STMT_USER_INSERT,
	STMT_USER_BY_EMAIL,
	STMT_USER_SET_PASSWORD,
	STMT_USER_DELETE,
	/* store-pg-posts.c */
	STMT_POSTS_PAGE,
	STMT_POST_GET,
	STMT_POST_INSERT,
	STMT_POST_AUTHOR,
	STMT_POST_UPDATE,
	STMT_POST_DELETE,
	STMT_POST_QUOTA_LOCK,
	STMT_POST_QUOTA,
	/* store-pg-throttle.c */
	STMT_THROTTLE_LOCK,
	STMT_THROTTLE_GET,
	STMT_THROTTLE_PUT,
	STMT_THROTTLE_DELETE,
	STMT_THROTTLE_PRUNE,
	STMT_THROTTLE_LIST,
	/* store-pg-sessions.c */
	STMT_SESSION_INSERT,
	STMT_SESSION_PRUNE,
	STMT_SESSION_OWNER_LOCK,
	STMT_SESSION_CAP,
	STMT_SESSION_USER,
	STMT_SESSION_DELETE,
	STMT_SESSION_DELETE_USER,
	STMT_SESSION_DELETE_ALL,
	STMT_SESSION_LIST_USER,
	STMT_SESSION_LIST_ALL,
	STMT_SESSION_LOCK,
	STMT_REFRESH_RETIRED,
	STMT_REFRESH_ROTATE,
	STMT_REFRESH_RETIRE,
	STMT_USER_LOCK,
	STMT_USER_LIST,
	STMT_USER_COST_MAX,
	/* store-pg-audit.c */
	STMT_AUDIT_INSERT,
	STMT_AUDIT_PRUNE,
	STMT_AUDIT_LIST,
	STMT_AUDIT_LIST_USER,
	STMT_AUDIT_SAVEPOINT,
	STMT_AUDIT_ROLLBACK,
	STMT_AUDIT_RELEASE,
	/* store-pg-email.c */
	STMT_EMAIL_TOKEN_RETIRE,
	STMT_EMAIL_TOKEN_PRUNE,
	STMT_EMAIL_TOKEN_INSERT,
	STMT_EMAIL_TOKEN_TAKE,
	STMT_EMAIL_USER,
	STMT_EMAIL_CONFIRM,
	STMT_EMAIL_CHANGE,
	/* store-pg-totp.c */
	STMT_TOTP_GET,
	STMT_TOTP_LOCK,
	STMT_TOTP_ENROL,
	STMT_TOTP_STEP,
	STMT_TOTP_ENABLE,
	STMT_TOTP_DISABLE,
	STMT_RECOVERY_CLEAR,
	STMT_RECOVERY_INSERT,
	STMT_RECOVERY_USE,
	STMT__MAX
};

/* One statement; a table of them ends with { STMT__MAX }. */
struct pgstmt {
	enum stmt	 id;
	const char	*name;		/* of the prepared statement */
	int		 nparams;
	const char	*sql;
};

extern const struct pgstmt pgstore_users_stmts[];
extern const struct pgstmt pgstore_posts_stmts[];
extern const struct pgstmt pgstore_throttle_stmts[];
extern const struct pgstmt pgstore_sessions_stmts[];
extern const struct pgstmt pgstore_audit_stmts[];
extern const struct pgstmt pgstore_email_stmts[];
extern const struct pgstmt pgstore_totp_stmts[];

/* Why the store is down: each cause is logged once. */
enum pgstore_down {
	DOWN_NONE,
	DOWN_LIBPQ,	/* libpq cannot be loaded (pq_load() logs it) */
	DOWN_CONNECT,	/* the server or database cannot be reached */
	DOWN_VERSION,	/* its schema version cannot be read */
	DOWN_SCHEMA,	/* its schema is behind */
	DOWN_PREPARE,	/* a statement does not fit the schema */
};

struct pgstore {
	PGconn		*conn;		/* NULL, or kept while the schema is behind */
	int		 ready;		/* connected, checked, prepared */
	enum pgstore_down down;		/* the cause last logged */
	char		 name[512];	/* the URL without its password, for logs */
	char		 url[];
};

/* What a connection is for. */
enum pgstore_use {
	USE_SERVE,	/* requests: every wait bounded */
	USE_ADMIN,	/* the admin program: may wait, but not for locks */
};

/* The parameters of one statement, as text (NULL: SQL NULL). */
struct pgparams {
	const char	*v[PGSTORE_PARAMS_MAX];
	char		 buf[PGSTORE_PARAMS_MAX][PGSTORE_INT_LEN];
};

/* Set parameter i to an integer. */
void		 pgparam_int(struct pgparams *p, int i, int64_t value);

/*
 * libpq's message for conn or res on one line, without any password of
 * url in it; returns buf.
 */
const char	*pgstore_errmsg(const char *url, const PGconn *conn,
		    const PGresult *res, char *buf, size_t bufsz);

/*
 * Connect to url for use, with our settings and deadlines; NULL with the
 * reason (no password in it) in err.
 */
PGconn		*pgstore_connect(const char *url, enum pgstore_use use,
		    char *err, size_t errsz);

/*
 * Connect for the admin program (no statement timeout: it may wait, but
 * at most lock_timeout for each lock); name gets the URL without its
 * password.  NULL if logged.
 */
PGconn		*pgstore_admin_connect(const char *url, char *name,
		    size_t namesz);

/*
 * Run constant SQL without results on an admin connection: 0, -1, or
 * PGSTORE_LOCKED.  The message stays in PQerrorMessage(conn).
 */
int		 pgstore_simple(PGconn *conn, const char *sql);

/* The one integer a constant query returns, or -1 (ms: the wait, -1 forever). */
int64_t		 pgstore_scalar(PGconn *conn, const char *sql, int ms);

/* The schema version recorded (0 before the first migration), or -1. */
int		 pgstore_version(PGconn *conn, int ms);

/*
 * Run statement i; its result (PQclear it), or NULL with *rc set.  A
 * connection found gone is opened again once, and the statement retried
 * if it began its operation (no transaction was open).
 */
PGresult	*pgstore_run(struct pgstore *s, enum stmt i,
		    const char *const *params, enum store_rc *rc);

/* Run a statement for its effect; *changed (if not NULL) gets the rows it changed. */
enum store_rc	 pgstore_exec(struct pgstore *s, enum stmt i,
		    const char *const *params, int64_t *changed);

/* A write's rows changed: 0 is STORE_NOTFOUND. */
enum store_rc	 pgstore_change(struct pgstore *s, enum stmt i,
		    const char *const *params);

/*
 * Run a query for at most one row: STORE_OK with *res holding it,
 * STORE_NOTFOUND (nothing to clear) or another failure.
 */
enum store_rc	 pgstore_row(struct pgstore *s, enum stmt i,
		    const char *const *params, PGresult **res);

/* Begin a write transaction; once begun, pgstore_end() must end it. */
enum store_rc	 pgstore_begin(struct pgstore *s);

/* End a write transaction: commit on STORE_OK, else roll back and keep rc. */
enum store_rc	 pgstore_end(struct pgstore *s, enum store_rc rc);

/* Column col of row r as an integer: 0, or -1 if it is NULL or not one. */
int		 pgstore_int(const PGresult *res, int r, int col,
		    int64_t *out);

/* Column col of row r as an integer, NULL as 0; -1 if not one. */
int		 pgstore_int_or_0(const PGresult *res, int r, int col,
		    int64_t *out);

/* Copy a text column; a NULL or over-long value is -1. */
int		 pgstore_text(const PGresult *res, int r, int col, char *dst,
		    size_t dstsz);

/*
 * Copy id, email, name (and with_hash, the password hash) from columns
 * 0-3 of row r of a user row; STORE_ERR (logged) if one is missing or
 * does not fit.
 */
enum store_rc	 pgstore_user_row(const PGresult *res, int r,
		    struct user *out, int with_hash);

/* The backend's operations that live outside store-pg.c. */
enum store_rc	 pgstore_user_insert(void *h, const char *email,
		    const char *name, const char *hash, int64_t now,
		    struct user *out);
enum store_rc	 pgstore_user_by_email(void *h, const char *email,
		    struct user *out);
enum store_rc	 pgstore_user_set_password(void *h, int64_t id,
		    const char *hash);
enum store_rc	 pgstore_user_delete(void *h, const char *email);
enum store_rc	 pgstore_session_insert(void *h,
		    const struct session_start *start, int64_t *ended);
enum store_rc	 pgstore_session_user(void *h, const char *id,
		    int64_t user_id, int64_t now, struct user *out);
enum store_rc	 pgstore_session_refresh(void *h,
		    const struct session_refresh *r,
		    struct session_refreshed *out);
enum store_rc	 pgstore_session_list(void *h, int64_t user_id, int64_t now,
		    int64_t limit, store_session_fn fn, void *arg);
enum store_rc	 pgstore_session_delete(void *h, const char *id,
		    int64_t user_id);
enum store_rc	 pgstore_session_delete_user(void *h, int64_t user_id,
		    const char *keep, int64_t *ended);
enum store_rc	 pgstore_user_cost_max(void *h, int *cost);
enum store_rc	 pgstore_user_list(void *h, int locked_only, int64_t now,
		    store_user_fn fn, void *arg);
enum store_rc	 pgstore_user_change_password(void *h, int64_t id,
		    const char *hash, const char *keep_session);
enum store_rc	 pgstore_user_lock(void *h, const char *email, int locked,
		    int64_t now, struct user *out);
enum store_rc	 pgstore_posts_page(void *h, int64_t after, int64_t limit,
		    store_post_fn fn, void *arg);
enum store_rc	 pgstore_post_get(void *h, int64_t id, store_post_fn fn,
		    void *arg);
enum store_rc	 pgstore_post_insert(void *h, int64_t author_id,
		    const char *title, const char *content, int64_t now,
		    struct post_quota *quota, int64_t *id);
enum store_rc	 pgstore_post_update(void *h, int64_t id, int64_t author_id,
		    const char *title, const char *content, int64_t now,
		    struct post_quota *quota);
enum store_rc	 pgstore_post_delete(void *h, int64_t id, int64_t author_id);
enum store_rc	 pgstore_throttle_get(void *h, const char *key,
		    struct throttle_row *row);
enum store_rc	 pgstore_throttle_update(void *h, const char *const *keys,
		    size_t n, int64_t forget_before, store_throttle_fn fn,
		    void *arg);
enum store_rc	 pgstore_throttle_delete(void *h, const char *const *keys,
		    size_t n);
enum store_rc	 pgstore_throttle_list(void *h, store_throttle_row_fn fn,
		    void *arg);
void		 pgstore_audit_write(struct pgstore *s,
		    const struct audit_event *e, int64_t prune_before);
enum store_rc	 pgstore_audit_insert(void *h, const struct audit_event *e,
		    int64_t prune_before);
enum store_rc	 pgstore_audit_list(void *h, const struct audit_filter *f,
		    store_audit_fn fn, void *arg);
enum store_rc	 pgstore_email_token_insert(void *h,
		    const struct email_token *t);
enum store_rc	 pgstore_email_token_use(void *h, const char *purpose,
		    const char *digest, int64_t now, const char *new_hash,
		    enum email_outcome *outcome, int64_t *user_id);
enum store_rc	 pgstore_sessions_end(struct pgstore *s, int64_t user_id,
		    const char *keep, int64_t *ended);
enum store_rc	 pgstore_user_confirmed(void *h, int64_t id,
		    int64_t *confirmed_at);
enum store_rc	 pgstore_totp_get(void *h, int64_t user_id,
		    struct totp_state *out);
enum store_rc	 pgstore_totp_enrol(void *h, int64_t user_id,
		    const char *secret);
enum store_rc	 pgstore_totp_step(void *h, int64_t user_id, int64_t step);
enum store_rc	 pgstore_totp_enable(void *h, int64_t user_id, int64_t step,
		    const char *const *digests, size_t n, int64_t now,
		    const char *keep_session);
enum store_rc	 pgstore_totp_recovery_use(void *h, int64_t user_id,
		    const char *digest);
enum store_rc	 pgstore_totp_disable(void *h, int64_t user_id,
		    int *was_on);
int		 pgstore_schema_version(const char *url);
int		 pgstore_migrate(const char *url);
int		 pgstore_backup(const char *url, const char *path);

#endif
