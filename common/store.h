/*
 * store: every read and write of the service's data, on one database
 * connection per process: SQLite (a file path) or PostgreSQL (a
 * postgresql:// URL), chosen by the target given to store_new().  Either
 * way statements are prepared once per connection and bound with
 * parameters only, and every write is one transaction.
 */
#ifndef STORE_H
#define STORE_H

#include <stdint.h>

#include "password.h"

#define USER_EMAIL_MAX	254	/* characters (RFC 5321; addresses are ASCII) */
#define USER_NAME_MAX	100	/* characters */

/*
 * How long a process waits for another one's write lock before a 503
 * (PostgreSQL: lock_timeout; statement_timeout is twice as long).
 */
#define STORE_BUSY_TIMEOUT_MS	5000

enum store_rc {
	STORE_OK,
	STORE_NOTFOUND,	/* no such row: an ordinary answer */
	STORE_EXISTS,	/* unique or primary key taken: an ordinary answer */
	STORE_DENIED,	/* the row belongs to someone else: an ordinary answer */
	STORE_QUOTA,	/* the write would pass a user's post quota: an
			   ordinary answer (struct post_quota) */
	STORE_BUSY,	/* lock not granted within the busy timeout: 503 */
	STORE_DOWN,	/* database missing, unreadable, read-only for us or
			   schema behind: 503 */
	STORE_FULL,	/* the write found the disk (or PostgreSQL's
			   tablespace) full: 503; reads go on, and writes
			   as soon as space is freed */
	STORE_ERR,	/* anything else (logged): 500 */
};

struct user {
	int64_t	 id;
	char	 email[USER_EMAIL_MAX + 1];
	char	 name[USER_NAME_MAX * 4 + 1];
	char	 password[PW_HASH_MAX];	/* only set by store_user_by_email() */
	int64_t	 created_at;	/* by store_user_by_email() and store_user_list() */
	int64_t	 locked_at;	/* the same; 0: not locked */
	int	 two_factor;	/* 2FA is on: by store_user_by_email() and
				   store_session_user() */
	int	 first_factor_only; /* by store_session_user() and
				   store_session_refresh(): the session has
				   not passed the second factor */
};

/* Receives each user listed; returns 0 to go on, or -1 (the call fails with STORE_ERR). */
typedef int (*store_user_fn)(void *arg, const struct user *user,
    int64_t sessions);

/* A session id: the access tokens' jti, TOK_ID_LEN hex digits. */
#define STORE_SESSION_ID_MAX	32
/* A session's user agent is kept as printable ASCII, cut to this. */
#define STORE_AGENT_MAX		200
/* A refresh token's digest: SHA-256 as lower-case hex. */
#define STORE_DIGEST_LEN	64

/* What a new session is (store_session_insert()). */
struct session_start {
	const char	*id;		/* STORE_SESSION_ID_MAX hex digits */
	int64_t		 user_id;
	int64_t		 now;
	int64_t		 expires_at;	/* idle end: the refresh token's
					   expiry, or the access token's
					   when refresh_digest is NULL */
	int64_t		 ends_at;	/* absolute end, >= expires_at */
	const char	*user_agent;	/* printable ASCII, at most
					   STORE_AGENT_MAX bytes; "" if none */
	const char	*refresh_digest; /* STORE_DIGEST_LEN hex, or NULL */
	int64_t		 max_per_user;	/* the user's sessions kept at most,
					   this one included; 0: no cap */
	int		 first_factor_only; /* a 2FA user's, before the code */
};

/* A session as listed. */
struct session_info {
	char		 id[STORE_SESSION_ID_MAX + 1];
	int64_t		 user_id;
	char		 email[USER_EMAIL_MAX + 1];
	int64_t		 created_at;
	int64_t		 last_used_at;
	int64_t		 expires_at;
	int64_t		 ends_at;
	char		 user_agent[STORE_AGENT_MAX + 1];
};

/* Receives each session listed; returns 0 to go on, or -1 (STORE_ERR). */
typedef int (*store_session_fn)(void *arg, const struct session_info *session);

/* One audit event (see schema/004-sessions-and-audit.sql). */
struct audit_event {
	int64_t		 id;		/* set when read */
	int64_t		 at;
	const char	*event;		/* "login-succeeded" ... */
	int64_t		 user_id;	/* 0: none */
	const char	*client;	/* an address, or "admin" */
	const char	*detail;	/* a short reason, never a secret */
};

/* A refresh token presented to store_session_refresh(). */
struct session_refresh {
	const char	*session_id;	/* the session the token names */
	const char	*digest;	/* the token's, STORE_DIGEST_LEN hex */
	const char	*new_digest;	/* its successor's, if it is current */
	int64_t		 now;
	int64_t		 ttl;		/* the successor's idle lifetime */
	int64_t		 grace;		/* seconds a retired token still
					   counts (REFRESH_GRACE) */
	/*
	 * Recorded with a rotation, in its transaction, for the session's
	 * user (user_id is set); events before prune_before are pruned.
	 * NULL: none.  Its failure alone never fails the rotation.
	 */
	struct audit_event *audit;
	int64_t		 prune_before;
};

/* What store_session_refresh() did with a refresh token. */
enum refresh_outcome {
	REFRESH_ROTATED,	/* it was current: retired, new_digest now is */
	REFRESH_GRACE,		/* retired within the grace window: the session
				   goes on, nothing was written */
	REFRESH_REUSED,		/* retired longer ago: the session was ended */
};

struct session_refreshed {
	enum refresh_outcome	 outcome;
	char			 session_id[STORE_SESSION_ID_MAX + 1];
	struct user		 user;	/* no hash; for REUSED only the id */
	int64_t			 expires_at;	/* the session's idle end now */
	int64_t			 ends_at;
};


/* Which audit events store_audit_list() reads; 0 or NULL: any. */
struct audit_filter {
	int64_t		 user_id;
	int64_t		 since;
	const char	*event;
	int64_t		 limit;		/* the newest this many, 0: all */
};

/* Receives each event read (strings valid during the call only); 0 or -1. */
typedef int (*store_audit_fn)(void *arg, const struct audit_event *e);


/*
 * A post as read.  The strings point into the database library's row and
 * are valid only during the store_post_fn call that receives them.
 */
struct post {
	int64_t		 id;
	const char	*title;
	const char	*content;
	int64_t		 author_id;
	const char	*author_name;
};

/*
 * What one user's posts may add up to (0: no cap), checked by
 * store_post_insert() and store_post_update() in the write's own
 * transaction, so that writes at once cannot pass it together.  A write
 * that adds nothing (an edit that does not grow) passes even a user over
 * a lowered cap.
 */
struct post_quota {
	int64_t	 max_posts;
	int64_t	 max_bytes;	/* of titles and contents, UTF-8 */
	int	 by_count;	/* set with STORE_QUOTA: 1 if the count would
				   pass its cap, 0 if the bytes would */
};

/*
 * Receives each post read; returns 0 to go on, 1 to stop there (the call
 * succeeds: a page that is full), or -1 (the call fails with STORE_ERR).
 */
typedef int (*store_post_fn)(void *arg, const struct post *post);

/* One throttle counter (see throttle.h); a key never seen reads as zeros. */
struct throttle_row {
	int64_t	 count;
	int64_t	 level;
	int64_t	 last_at;
	int64_t	 blocked_until;
	int64_t	 pending;	/* attempts let through and not yet judged */
};

/*
 * Updates row i of a throttle update in place; returns 0, or -1 to abandon
 * the whole update (nothing is written, the update returns STORE_DENIED).
 */
typedef int (*store_throttle_fn)(void *arg, size_t i, struct throttle_row *row);

/* Receives each throttle counter listed; 0 or -1. */
typedef int (*store_throttle_row_fn)(void *arg, const char *key,
    const struct throttle_row *row);

struct store;

/*
 * A target is a PostgreSQL URL when it starts with postgresql:// or
 * postgres://, else the path of an SQLite file.  Returns 1 for a URL.
 */
int		 store_is_url(const char *target);

/*
 * Allocate a store for the database target names.  Nothing is opened yet:
 * store_ready() does that, so a program can start before its database
 * exists or is reachable.  Returns NULL on ENOMEM.  The target is copied.
 */
struct store	*store_new(const char *target);

/*
 * Bound the page cache of an SQLite connection to kib KiB
 * (SQLITE_CACHE_SIZE; 0: SQLite's default, 2000), for the connections
 * store_ready() opens from now on: call it before the first.  Once the
 * file outgrows it, each process holds that much of its pages.
 * PostgreSQL caches in the server: there it changes nothing.
 */
void		 store_set_cache(struct store *s, int64_t kib);

/*
 * Make the store usable: open the connection (never creating an SQLite
 * file; with a short connect timeout for PostgreSQL), set the pragmas or
 * session settings, check the schema version and prepare every statement.
 * Cheap once it has succeeded (but while an SQLite file is read-only for
 * this process it is opened again each time, so that fixing its
 * permissions is enough).  Returns STORE_OK, STORE_DOWN (logged once per
 * cause; also for a URL in a build without PostgreSQL) or STORE_BUSY.  A
 * write refused because the SQLite file, its -wal or -shm, or their
 * directory is read-only for this process is STORE_DOWN too, logged once.
 * Every call below needs store_ready() to have returned STORE_OK.  A
 * PostgreSQL connection that drops is opened again once within the call
 * that finds it gone, which is then retried if it had not begun a
 * transaction; else that call returns STORE_DOWN.
 */
enum store_rc	 store_ready(struct store *s);

/*
 * Seconds between two log lines about a full disk in one process: a full
 * disk fails every write, and one line per request would fill the log
 * (often on the same disk) too.
 */
#define STORE_FULL_LOG_S	60

/* Finalize the statements, close the connection and free s (NULL is fine). */
void		 store_free(struct store *s);

/*
 * Apply the migrations the database lacks, each in its own transaction
 * that also records its version; two migrates at once apply each once.  An
 * SQLite file is created if needed; a PostgreSQL database must exist.
 * Returns the number applied (0 when up to date), or -1 with a reason
 * logged.
 */
int		 store_migrate(const char *target);

/* The schema version recorded in the database target names, or -1 (logged). */
int		 store_schema_version(const char *target);

/*
 * Copy the live SQLite database at target into a new file at path (which
 * must not exist; created 0600) with SQLite's online backup API: a
 * consistent snapshot while the programs go on writing.  For a PostgreSQL
 * target it refuses and says to use pg_dump.  Returns 0, or -1 (logged).
 */
int		 store_backup(const char *target, const char *path);

/* What store_copy() moved, per table. */
struct store_copied {
	int64_t	 users;
	int64_t	 posts;
	int64_t	 sessions;	/* live ones only */
	int64_t	 retired_tokens;	/* retired refresh tokens of those */
	int64_t	 throttle;
	int64_t	 audit;
};

/*
 * Copy the SQLite database at from (migrated) into the PostgreSQL database
 * at to, which must be migrated and empty: users with their hashes, posts
 * with their ids and authors, the sessions still live at now and the
 * throttle counters, in one PostgreSQL transaction that also moves its id
 * sequences past every id SQLite ever gave.  Returns 0 and fills out, or
 * -1 (logged) with nothing written.
 */
int		 store_copy(const char *from, const char *to, int64_t now,
		    struct store_copied *out);

/*
 * Insert a user; STORE_EXISTS if the e-mail is taken in any letter case,
 * and then nothing is written but that an id is used up, on both stores,
 * as a new user would use one (so ids do not tell which e-mails exist).
 */
enum store_rc	 store_user_insert(struct store *s, const char *email,
		    const char *name, const char *hash, int64_t now,
		    struct user *out);

/* Find a user by e-mail, any letter case, hash included. */
enum store_rc	 store_user_by_email(struct store *s, const char *email,
		    struct user *out);

/* Replace a user's password hash (rehash on log-in). */
enum store_rc	 store_user_set_password(struct store *s, int64_t id,
		    const char *hash);

/* Delete a user (any letter case of the e-mail), their sessions and posts. */
enum store_rc	 store_user_delete(struct store *s, const char *email);

/*
 * Every user (locked_only: the locked ones), by id, with their live
 * session count at now.  No hash is read.
 */
enum store_rc	 store_user_list(struct store *s, int locked_only, int64_t now,
		    store_user_fn fn, void *arg);

/*
 * The highest cost among the users' bcrypt hashes (pw_cost()) into *cost,
 * 0 if there is none.  It reads every user's row: for a process to ask
 * once in a while, not per request.
 */
enum store_rc	 store_user_cost_max(struct store *s, int *cost);

/*
 * Set a user's password hash and end their sessions but keep_session (NULL:
 * all of them), in one transaction: a password change or reset.
 * STORE_NOTFOUND if the user is gone.
 */
enum store_rc	 store_user_change_password(struct store *s, int64_t id,
		    const char *hash, const char *keep_session);

/*
 * Lock (locked: at now, ending every session of the user in the same
 * transaction) or unlock a user, found by e-mail in any letter case; *out
 * gets the user (no hash).  STORE_NOTFOUND if there is none.  Locking a
 * locked user keeps the first time.
 */
enum store_rc	 store_user_lock(struct store *s, const char *email,
		    int locked, int64_t now, struct user *out);

/*
 * Record a new session (with its first refresh token, if any); expired
 * sessions, and with them their retired refresh tokens, are pruned in the
 * same transaction, so the tables do not grow without bound.  So are the
 * user's sessions beyond start->max_per_user with this one: the least
 * recently used (last_used_at, then the oldest, then by id) end, never
 * the new one, and *ended (if not NULL) gets how many.  Two log-ins of
 * one user take turns (SQLite's write lock; PostgreSQL's lock on the
 * user's row, on every node), so the cap holds exactly.
 */
enum store_rc	 store_session_insert(struct store *s,
		    const struct session_start *start, int64_t *ended);

/*
 * The user of a live session: id belongs to user_id and has not expired.
 * STORE_NOTFOUND if revoked, expired or the user is gone.  No hash is read.
 */
enum store_rc	 store_session_user(struct store *s, const char *id,
		    int64_t user_id, int64_t now, struct user *out);

/*
 * Use the refresh token r presents, at r->now, in one write transaction
 * (concurrent refreshes of one token, on any node, are serialised):
 *   its session unknown, expired or ended, its user locked, or the token
 *       never one of the session's: STORE_NOTFOUND;
 *   the session's current token: retire it, make r->new_digest current,
 *       move the session's expires_at to min(now + ttl, its ends_at) and
 *       its last_used_at to now, record r->audit: REFRESH_ROTATED;
 *   retired at most grace seconds ago: REFRESH_GRACE, nothing written;
 *   retired longer ago: end the session (its every token, access and
 *       refresh): REFRESH_REUSED.
 * On STORE_OK *out says which, with the session and its user.
 */
enum store_rc	 store_session_refresh(struct store *s,
		    const struct session_refresh *r,
		    struct session_refreshed *out);

/*
 * Pass fn the live sessions at now of user_id (0: of every user), newest
 * first: the newest limit of them (0: all).  The database stops at limit,
 * so a capped list costs the same however many sessions there are.
 */
enum store_rc	 store_session_list(struct store *s, int64_t user_id,
		    int64_t now, int64_t limit, store_session_fn fn, void *arg);

/*
 * End one session with its refresh tokens: id of user_id (0: of whoever).
 * STORE_NOTFOUND if it was already gone or is someone else's.
 */
enum store_rc	 store_session_delete(struct store *s, const char *id,
		    int64_t user_id);

/*
 * End every session of user_id (0: of every user) but keep (NULL: none);
 * *ended (if not NULL) gets how many.
 */
enum store_rc	 store_session_delete_user(struct store *s, int64_t user_id,
		    const char *keep, int64_t *ended);

/*
 * Pass fn up to limit posts with id > after, in ascending id order: a keyset
 * page, as cheap at the millionth post as at the first.
 */
enum store_rc	 store_posts_page(struct store *s, int64_t after,
		    int64_t limit, store_post_fn fn, void *arg);

/* Pass fn the post id; STORE_NOTFOUND if there is none. */
enum store_rc	 store_post_get(struct store *s, int64_t id, store_post_fn fn,
		    void *arg);

/*
 * Insert a post by author_id; its id goes to *id.  STORE_QUOTA if it
 * would take the author past quota (NULL: no caps).
 */
enum store_rc	 store_post_insert(struct store *s, int64_t author_id,
		    const char *title, const char *content, int64_t now,
		    struct post_quota *quota, int64_t *id);

/*
 * Change the title and/or content (NULL: keep) of post id, if author_id
 * wrote it: STORE_NOTFOUND if there is no such post, STORE_DENIED if
 * another user wrote it, STORE_QUOTA if it would grow the author's posts
 * past quota's bytes (NULL: no caps).  Checks and change are one
 * transaction.
 */
enum store_rc	 store_post_update(struct store *s, int64_t id,
		    int64_t author_id, const char *title, const char *content,
		    int64_t now, struct post_quota *quota);

/* Delete post id if author_id wrote it; STORE_NOTFOUND or STORE_DENIED as above. */
enum store_rc	 store_post_delete(struct store *s, int64_t id,
		    int64_t author_id);

/* Read the counter of key (zeros if there is none). */
enum store_rc	 store_throttle_get(struct store *s, const char *key,
		    struct throttle_row *row);

/*
 * In one write transaction: read the counters of keys[0..n-1], let fn
 * change each, write them back; and delete counters untouched since
 * forget_before that are not blocking.  STORE_DENIED if fn abandoned it.
 */
enum store_rc	 store_throttle_update(struct store *s, const char *const *keys,
		    size_t n, int64_t forget_before, store_throttle_fn fn,
		    void *arg);

/* Delete the counters of keys[0..n-1] (after a successful log-in). */
enum store_rc	 store_throttle_delete(struct store *s, const char *const *keys,
		    size_t n);

/* Pass fn every throttle counter, by key. */
enum store_rc	 store_throttle_list(struct store *s, store_throttle_row_fn fn,
		    void *arg);

/*
 * Record an event, and delete (a bounded batch of) events older than
 * prune_before in the same transaction.
 */
enum store_rc	 store_audit_insert(struct store *s, const struct audit_event *e,
		    int64_t prune_before);

/* Pass fn the events f selects, oldest first. */
enum store_rc	 store_audit_list(struct store *s, const struct audit_filter *f,
		    store_audit_fn fn, void *arg);

/* What a token mailed to a user is for (schema/006-email.sql). */
#define STORE_TOKEN_CONFIRM	"confirm"	/* confirms the address */
#define STORE_TOKEN_RESET	"reset"		/* sets a new password */
#define STORE_TOKEN_CHANGE	"change"	/* makes its address the user's */

/* A token mailed to a user, as the store keeps it. */
struct email_token {
	const char	*digest;	/* SHA-256 of the token, STORE_DIGEST_LEN hex */
	int64_t		 user_id;
	const char	*purpose;	/* STORE_TOKEN_CONFIRM, _RESET, _CHANGE */
	const char	*email;		/* the address it was sent to */
	int64_t		 now;
	int64_t		 expires_at;
};

/* What presenting a token found (store_email_token_use()). */
enum email_outcome {
	EMAIL_CONFIRMED,	/* it was good: the address is confirmed now
				   (and for a reset, the password set) */
	EMAIL_EXPIRED,		/* it was the user's, but expired */
	EMAIL_STALE,		/* sent to an address the user no longer has */
	EMAIL_ALREADY,		/* confirm: the address was confirmed already */
	EMAIL_LOCKED,		/* reset: the account is locked */
	EMAIL_TAKEN,		/* change: another user has the address now */
};

/*
 * Keep t, retiring the user's earlier tokens of the same purpose, in one
 * transaction; tokens expired for a day are pruned with it.  STORE_NOTFOUND
 * if the user is gone.
 */
enum store_rc	 store_email_token_insert(struct store *s,
		    const struct email_token *t);

/*
 * Present the token of purpose whose digest is digest, at now: in one
 * transaction it is deleted (a token works once, whatever it finds) and,
 * if unexpired and sent to the user's present address, the address is
 * confirmed (the user read its mail), unless it was already: for a
 * STORE_TOKEN_CONFIRM token, that is EMAIL_ALREADY.  A STORE_TOKEN_RESET
 * token of a locked account is EMAIL_LOCKED; a good one also sets the
 * password to new_hash and ends every session of the user.  A
 * STORE_TOKEN_CHANGE token, sent to the address a user asked to change
 * to, makes that address the user's, confirmed (EMAIL_TAKEN, and nothing
 * changed, if another user has it by then).  STORE_OK with
 * *outcome and *user_id set; STORE_NOTFOUND for a digest (of that
 * purpose) the store does not know.
 */
enum store_rc	 store_email_token_use(struct store *s, const char *purpose,
		    const char *digest, int64_t now, const char *new_hash,
		    enum email_outcome *outcome, int64_t *user_id);

/*
 * When user id's address was confirmed, in *confirmed_at (0: not yet).
 * STORE_NOTFOUND if there is no such user.
 */
enum store_rc	 store_user_confirmed(struct store *s, int64_t id,
		    int64_t *confirmed_at);

/* A sealed TOTP secret (secretbox.h) as the store keeps it, at most. */
#define STORE_TOTP_SECRET_MAX	256

/* A user's second factor (schema/007-two-factor.sql). */
struct totp_state {
	char	 secret[STORE_TOTP_SECRET_MAX + 1];	/* sealed; "": none */
	int	 on;		/* 2FA is on */
};

/* User id's second factor into *out; STORE_NOTFOUND if the user is gone. */
enum store_rc	 store_totp_get(struct store *s, int64_t user_id,
		    struct totp_state *out);

/*
 * Keep secret (sealed) as user id's secret to be confirmed, replacing an
 * unconfirmed one; STORE_DENIED while 2FA is on (it must be turned off
 * first), STORE_NOTFOUND if the user is gone.
 */
enum store_rc	 store_totp_enrol(struct store *s, int64_t user_id,
		    const char *secret);

/*
 * Take time step step as user id's last accepted one, if it is later than
 * the last: STORE_DENIED if not (a code used again, or an older one after
 * a newer), atomically, so that of two requests with one code only one
 * gets STORE_OK.
 */
enum store_rc	 store_totp_step(struct store *s, int64_t user_id,
		    int64_t step);

/*
 * Turn 2FA on for user id at now, in one transaction: take step (as
 * store_totp_step()), replace the recovery codes with the n digests, and
 * end the user's sessions but keep_session (each began with the password
 * alone).  STORE_DENIED if the step was taken, 2FA is on already or there
 * is no secret to confirm; STORE_NOTFOUND if the user is gone.
 */
enum store_rc	 store_totp_enable(struct store *s, int64_t user_id,
		    int64_t step, const char *const *digests, size_t n,
		    int64_t now, const char *keep_session);

/*
 * Use up user id's recovery code of this digest: STORE_OK once,
 * STORE_NOTFOUND for a digest that is not (or no longer) one of theirs.
 */
enum store_rc	 store_totp_recovery_use(struct store *s, int64_t user_id,
		    const char *digest);

/*
 * Turn 2FA off for user id: forget the secret and the recovery codes;
 * *was_on (if not NULL) says whether it was on.  STORE_NOTFOUND if the
 * user is gone.
 */
enum store_rc	 store_totp_disable(struct store *s, int64_t user_id,
		    int *was_on);

#endif
