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
	STORE_BUSY,	/* lock not granted within the busy timeout: 503 */
	STORE_DOWN,	/* database missing, unreadable, read-only for us or
			   schema behind: 503 */
	STORE_ERR,	/* anything else (logged): 500 */
};

struct user {
	int64_t	 id;
	char	 email[USER_EMAIL_MAX + 1];
	char	 name[USER_NAME_MAX * 4 + 1];
	char	 password[PW_HASH_MAX];	/* only set by store_user_by_email() */
};

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

/* Receives each post read; returns 0 to go on, or -1 (the call fails with STORE_ERR). */
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

/* What store_copy() moved, per table. */
struct store_copied {
	int64_t	 users;
	int64_t	 posts;
	int64_t	 sessions;	/* live ones only */
	int64_t	 throttle;
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

/* Insert a user; STORE_EXISTS if the e-mail is taken in any letter case. */
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
 * Record a new session; expired sessions are pruned in the same
 * transaction, so the table does not grow without bound.
 */
enum store_rc	 store_session_insert(struct store *s, const char *id,
		    int64_t user_id, int64_t now, int64_t expires_at);

/*
 * The user of a live session: id belongs to user_id and has not expired.
 * STORE_NOTFOUND if revoked, expired or the user is gone.  No hash is read.
 */
enum store_rc	 store_session_user(struct store *s, const char *id,
		    int64_t user_id, int64_t now, struct user *out);

/* Revoke one session.  STORE_NOTFOUND if it was already gone. */
enum store_rc	 store_session_delete(struct store *s, const char *id,
		    int64_t user_id);

/*
 * Pass fn up to limit posts with id > after, in ascending id order: a keyset
 * page, as cheap at the millionth post as at the first.
 */
enum store_rc	 store_posts_page(struct store *s, int64_t after,
		    int64_t limit, store_post_fn fn, void *arg);

/* Pass fn the post id; STORE_NOTFOUND if there is none. */
enum store_rc	 store_post_get(struct store *s, int64_t id, store_post_fn fn,
		    void *arg);

/* Insert a post by author_id; its id goes to *id. */
enum store_rc	 store_post_insert(struct store *s, int64_t author_id,
		    const char *title, const char *content, int64_t now,
		    int64_t *id);

/*
 * Change the title and/or content (NULL: keep) of post id, if author_id
 * wrote it: STORE_NOTFOUND if there is no such post, STORE_DENIED if
 * another user wrote it.  Check and change are one transaction.
 */
enum store_rc	 store_post_update(struct store *s, int64_t id,
		    int64_t author_id, const char *title, const char *content,
		    int64_t now);

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

#endif
