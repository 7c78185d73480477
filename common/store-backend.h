/*
 * store-backend: what a store backend (SQLite, PostgreSQL) gives store.c,
 * which picks one per target and forwards every store.h call to it.
 */
#ifndef STORE_BACKEND_H
#define STORE_BACKEND_H

#include "store.h"

/*
 * One function per store.h operation, with the same contract; the handle
 * is what open returned.  open never connects (store_ready does), so it
 * fails only on ENOMEM.  set_cache may be NULL (a backend with no cache of
 * its own); the operations other than set_cache, ready and close are only
 * called once ready has returned STORE_OK.
 */
struct store_backend {
	const char	*name;
	void		*(*open)(const char *target);
	void		 (*set_cache)(void *h, int64_t kib);
	enum store_rc	 (*ready)(void *h);
	void		 (*close)(void *h);
	int		 (*migrate)(const char *target);
	int		 (*schema_version)(const char *target);
	int		 (*backup)(const char *target, const char *path);
	enum store_rc	 (*user_insert)(void *h, const char *email,
			    const char *name, const char *hash, int64_t now,
			    struct user *out);
	enum store_rc	 (*user_by_email)(void *h, const char *email,
			    struct user *out);
	enum store_rc	 (*user_set_password)(void *h, int64_t id,
			    const char *hash);
	enum store_rc	 (*user_delete)(void *h, const char *email);
	enum store_rc	 (*user_list)(void *h, int locked_only, int64_t now,
			    store_user_fn fn, void *arg);
	enum store_rc	 (*user_cost_max)(void *h, int *cost);
	enum store_rc	 (*user_change_password)(void *h, int64_t id,
			    const char *hash, const char *keep_session);
	enum store_rc	 (*user_lock)(void *h, const char *email, int locked,
			    int64_t now, struct user *out);
	enum store_rc	 (*session_insert)(void *h,
			    const struct session_start *start, int64_t *ended);
	enum store_rc	 (*session_user)(void *h, const char *id,
			    int64_t user_id, int64_t now, struct user *out);
	enum store_rc	 (*session_refresh)(void *h,
			    const struct session_refresh *r,
			    struct session_refreshed *out);
	enum store_rc	 (*session_list)(void *h, int64_t user_id, int64_t now,
			    int64_t limit, store_session_fn fn, void *arg);
	enum store_rc	 (*session_delete)(void *h, const char *id,
			    int64_t user_id);
	enum store_rc	 (*session_delete_user)(void *h, int64_t user_id,
			    const char *keep, int64_t *ended);
	enum store_rc	 (*posts_page)(void *h, int64_t after, int64_t limit,
			    store_post_fn fn, void *arg);
	enum store_rc	 (*post_get)(void *h, int64_t id, store_post_fn fn,
			    void *arg);
	enum store_rc	 (*post_insert)(void *h, int64_t author_id,
			    const char *title, const char *content, int64_t now,
			    struct post_quota *quota, int64_t *id);
	enum store_rc	 (*post_update)(void *h, int64_t id, int64_t author_id,
			    const char *title, const char *content, int64_t now,
			    struct post_quota *quota);
	enum store_rc	 (*post_delete)(void *h, int64_t id, int64_t author_id);
	enum store_rc	 (*throttle_get)(void *h, const char *key,
			    struct throttle_row *row);
	enum store_rc	 (*throttle_update)(void *h, const char *const *keys,
			    size_t n, int64_t forget_before, store_throttle_fn fn,
			    void *arg);
	enum store_rc	 (*throttle_delete)(void *h, const char *const *keys,
			    size_t n);
	enum store_rc	 (*throttle_list)(void *h, store_throttle_row_fn fn,
			    void *arg);
	enum store_rc	 (*audit_insert)(void *h, const struct audit_event *e,
			    int64_t prune_before);
	enum store_rc	 (*audit_list)(void *h, const struct audit_filter *f,
			    store_audit_fn fn, void *arg);
	enum store_rc	 (*email_token_insert)(void *h,
			    const struct email_token *t);
	enum store_rc	 (*email_token_use)(void *h, const char *purpose,
			    const char *digest, int64_t now, const char *new_hash,
			    enum email_outcome *outcome, int64_t *user_id);
	enum store_rc	 (*user_confirmed)(void *h, int64_t id,
			    int64_t *confirmed_at);
	enum store_rc	 (*totp_get)(void *h, int64_t user_id,
			    struct totp_state *out);
	enum store_rc	 (*totp_enrol)(void *h, int64_t user_id,
			    const char *secret);
	enum store_rc	 (*totp_step)(void *h, int64_t user_id, int64_t step);
	enum store_rc	 (*totp_enable)(void *h, int64_t user_id, int64_t step,
			    const char *const *digests, size_t n, int64_t now,
			    const char *keep_session);
	enum store_rc	 (*totp_recovery_use)(void *h, int64_t user_id,
			    const char *digest);
	enum store_rc	 (*totp_disable)(void *h, int64_t user_id,
			    int *was_on);
};

/*
 * Does quota (NULL: none) let an author with posts posts of bytes bytes
 * add add_posts posts and add_bytes bytes?  STORE_OK, or STORE_QUOTA with
 * quota->by_count set.  For both backends, inside the write's transaction.
 */
enum store_rc	 store_quota_check(struct post_quota *quota, int64_t posts,
		    int64_t bytes, int64_t add_posts, int64_t add_bytes);

/* Does quota cap anything a write of add_posts posts could pass? */
int		 store_quota_applies(const struct post_quota *quota,
		    int64_t add_posts);

/*
 * The bytes an edit adds (< 0: frees) to a post whose title and content
 * take old[0] and old[1] bytes: title and content are the new ones, NULL
 * for one that is kept.
 */
int64_t		 store_post_growth(const char *title, const char *content,
		    const int64_t old[2]);

/* What store_email_token_use() reads of the token's user. */
struct email_user {
	char	 email[USER_EMAIL_MAX + 1];
	int64_t	 confirmed_at;	/* 0: not confirmed */
	int64_t	 locked_at;	/* 0: not locked */
};

/*
 * What presenting a token of purpose finds, for both backends: one sent to
 * sent_to and expiring at expires_at, at now, for user u.
 */
enum email_outcome store_email_outcome(const char *purpose,
		    int64_t expires_at, int64_t now, const char *sent_to,
		    const struct email_user *u);

/*
 * A write found the disk full: log it, naming db (redacted) and what the
 * database said, at most once per STORE_FULL_LOG_S seconds per process
 * (by the monotonic clock: a clock set back must not silence it, nor one
 * set forward repeat it).  Returns STORE_FULL.
 */
enum store_rc	 store_full(const char *db, const char *detail);

extern const struct store_backend litestore_backend;
#ifdef HAVE_POSTGRESQL
extern const struct store_backend pgstore_backend;
#endif

/*
 * store_copy(): the SQLite side reads each table in this order (a parent
 * before its children) and hands every row, all columns as text, to the
 * PostgreSQL side.  COPY_SEQUENCE rows are (table, highest id ever given)
 * from sqlite_sequence, so ids of deleted rows are not handed out again.
 */
enum copy_table {
	COPY_USERS,	/* id, email, name, password, created_at, locked_at,
			   email_confirmed_at, totp_secret, totp_enabled_at,
			   totp_last_step
			   (NULL: an empty value list entry, see below) */
	COPY_POSTS,	/* id, author_id, title, content, created_at, updated_at */
	COPY_SESSIONS,	/* id, user_id, created_at, expires_at, ends_at,
			   last_used_at, user_agent, refresh_digest (NULL
			   possible), first_factor_only: live ones only */
	COPY_RETIRED,	/* session_id, digest, retired_at: retired refresh
			   tokens of live sessions */
	COPY_RECOVERY,	/* user_id, digest: 2FA recovery codes */
	COPY_THROTTLE,	/* key, count, level, last_at, blocked_until, pending */
	COPY_AUDIT,	/* id, at, event, user_id (NULL possible), client, detail */
	COPY_SEQUENCE,	/* name, seq */
	COPY__MAX
};

/* A NULL column reaches copy_row_fn as a NULL pointer in values. */
#define COPY_COLUMNS_MAX	10

/* Receives one row; returns 0, or -1 to abandon the copy. */
typedef int (*copy_row_fn)(void *arg, enum copy_table t,
    const char *const *values, int n);

/* Read the SQLite database at path for a copy (sessions live at now); 0 or -1 (logged). */
int	litestore_copy_out(const char *path, int64_t now, copy_row_fn fn,
	    void *arg);

#ifdef HAVE_POSTGRESQL
/*
 * Milliseconds a request waits for any one answer from PostgreSQL before
 * it cancels the statement, drops the connection and returns STORE_DOWN:
 * the statement timeout and a margin.  A variable only so that the unit
 * tests can shorten it.
 */
extern int	pgstore_deadline_ms;

struct pgstore_copy;

/*
 * Open the PostgreSQL database at url for a copy: migrated, empty, and
 * inside one transaction from here to pgstore_copy_end().  NULL (logged)
 * if it is not usable.
 */
struct pgstore_copy	*pgstore_copy_begin(const char *url);

/* A copy_row_fn writing into the transaction pgstore_copy_begin() opened. */
int	pgstore_copy_row(void *arg, enum copy_table t,
	    const char *const *values, int n);

/*
 * Commit (ok) after moving the id sequences past the copied ids, or roll
 * back; rows[] gets the rows written per table.  Frees c.  0 or -1 (logged).
 */
int	pgstore_copy_end(struct pgstore_copy *c, int ok,
	    int64_t rows[COPY__MAX]);
#endif

#endif
