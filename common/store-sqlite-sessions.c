/*
 * store-sqlite-sessions: sessions and their refresh tokens on SQLite, and
 * what ends sessions besides a log-out: a password change, a lock.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store-sqlite.h"

const struct litestore_sql litestore_sessions_sql[] = {
	{ STMT_SESSION_INSERT,
	  "INSERT INTO sessions (id, user_id, created_at, expires_at, ends_at, "
	  "last_used_at, user_agent, refresh_digest, first_factor_only) "
	  "VALUES (?1, ?2, ?3, ?4, ?5, ?3, ?6, ?7, ?8)" },
	/* Their retired refresh tokens go with them (ON DELETE CASCADE). */
	{ STMT_SESSION_PRUNE, "DELETE FROM sessions WHERE ends_at <= ?1" },
	/*
	 * All but the ?2 most recently used sessions of user ?1, before a
	 * new one is added (so it is never among them).  The user's index
	 * finds them; the sort is of at most the cap and a few.  Sessions
	 * that have passed the password alone go first: a password without
	 * the second factor must not push the user's real sessions out.
	 */
	{ STMT_SESSION_CAP,
	  "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions "
	  "WHERE user_id = ?1 ORDER BY first_factor_only, "
	  "last_used_at DESC, created_at DESC, id DESC "
	  "LIMIT -1 OFFSET ?2)" },
	/*
	 * A locked user's sessions were ended when the lock was set; one a
	 * log-in racing with the lock added still does not count.
	 */
	{ STMT_SESSION_USER,
	  "SELECT u.id, u.email, u.name, u.totp_enabled_at IS NOT NULL, "
	  "s.first_factor_only FROM sessions AS s "
	  "JOIN users AS u ON u.id = s.user_id "
	  "WHERE s.id = ?1 AND s.user_id = ?2 AND s.expires_at > ?3 "
	  "AND u.locked_at IS NULL" },
	/* ?2 = 0: whoever's it is (the operator's). */
	{ STMT_SESSION_DELETE,
	  "DELETE FROM sessions WHERE id = ?1 AND (?2 = 0 OR user_id = ?2)" },
	/* keep (?2) NULL: id IS NOT NULL holds for every row. */
	{ STMT_SESSION_DELETE_USER,
	  "DELETE FROM sessions WHERE user_id = ?1 AND id IS NOT ?2" },
	{ STMT_SESSION_DELETE_ALL, "DELETE FROM sessions WHERE id IS NOT ?1" },
	/*
	 * The newest ?3 (?2 for everyone's; -1: all).  The LIMIT is what
	 * bounds the sort: with it SQLite keeps only that many rows while it
	 * sorts, without it every live session of the user, however many
	 * log-ins made them.
	 */
	{ STMT_SESSION_LIST_USER,
	  "SELECT s.id, s.user_id, u.email, s.created_at, s.last_used_at, "
	  "s.expires_at, s.ends_at, s.user_agent FROM sessions AS s "
	  "JOIN users AS u ON u.id = s.user_id "
	  "WHERE s.user_id = ?1 AND s.expires_at > ?2 "
	  "ORDER BY s.created_at DESC, s.id LIMIT ?3" },
	{ STMT_SESSION_LIST_ALL,
	  "SELECT s.id, s.user_id, u.email, s.created_at, s.last_used_at, "
	  "s.expires_at, s.ends_at, s.user_agent FROM sessions AS s "
	  "JOIN users AS u ON u.id = s.user_id WHERE s.expires_at > ?1 "
	  "ORDER BY s.created_at DESC, s.id LIMIT ?2" },
	/*
	 * The session a refresh token names, if it and its user are live;
	 * whether the token is its current one, a retired one or neither is
	 * the caller's to decide.
	 */
	{ STMT_REFRESH_FIND,
	  "SELECT u.id, u.email, u.name, s.refresh_digest, s.expires_at, "
	  "s.ends_at, s.first_factor_only "
	  "FROM sessions AS s JOIN users AS u ON u.id = s.user_id "
	  "WHERE s.id = ?1 AND s.expires_at > ?2 AND u.locked_at IS NULL" },
	{ STMT_REFRESH_RETIRED,
	  "SELECT retired_at FROM retired_refresh_tokens "
	  "WHERE session_id = ?1 AND digest = ?2" },
	{ STMT_REFRESH_ROTATE,
	  "UPDATE sessions SET refresh_digest = ?3, expires_at = ?4, "
	  "last_used_at = ?5 WHERE id = ?1 AND refresh_digest = ?2" },
	{ STMT_REFRESH_RETIRE,
	  "INSERT INTO retired_refresh_tokens (session_id, digest, retired_at) "
	  "VALUES (?1, ?2, ?3)" },
	/* ?2 NULL unlocks; locking a locked user keeps the first time. */
	{ STMT_USER_LOCK,
	  "UPDATE users SET locked_at = CASE WHEN ?2 IS NULL THEN NULL "
	  "ELSE coalesce(locked_at, ?2) END WHERE id = ?1" },
	{ STMT_USER_LIST,
	  "SELECT u.id, u.email, u.name, u.created_at, coalesce(u.locked_at, 0), "
	  "(SELECT count(*) FROM sessions AS s "
	  "WHERE s.user_id = u.id AND s.expires_at > ?1) "
	  "FROM users AS u WHERE ?2 = 0 OR u.locked_at IS NOT NULL "
	  "ORDER BY u.id" },
	/* pw_cost()'s rule; GLOB, as LIKE would take _ and % for wildcards. */
	{ STMT_USER_COST_MAX,
	  "SELECT coalesce(max(cost), 0) FROM (SELECT CAST(substr(password, "
	  "5, 2) AS INTEGER) AS cost FROM users "
	  "WHERE password GLOB '$2[abxy]$[0-9][0-9]$*') "
	  "WHERE cost BETWEEN 4 AND 31" },
	{ STMT__MAX, NULL }
};

/* Bind text, or NULL for a NULL pointer. */
static void
litestore_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

enum store_rc
litestore_session_insert(void *h, const struct session_start *start,
    int64_t *ended)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_SESSION_INSERT];
	enum store_rc		 rc;
	int64_t			 capped = 0;

	if (ended != NULL)
		*ended = 0;
	/* BEGIN IMMEDIATE: two log-ins of one user count in turn. */
	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(s->stmt[STMT_SESSION_PRUNE], 1, start->now);
	if ((rc = litestore_exec(s, STMT_SESSION_PRUNE)) != STORE_OK)
		return litestore_end(s, rc);
	if (start->max_per_user > 0) {
		sqlite3_bind_int64(s->stmt[STMT_SESSION_CAP], 1, start->user_id);
		sqlite3_bind_int64(s->stmt[STMT_SESSION_CAP], 2,
		    start->max_per_user - 1);
		if ((rc = litestore_exec(s, STMT_SESSION_CAP)) != STORE_OK)
			return litestore_end(s, rc);
		capped = sqlite3_changes(s->db);
	}
	sqlite3_bind_text(st, 1, start->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, start->user_id);
	sqlite3_bind_int64(st, 3, start->now);
	sqlite3_bind_int64(st, 4, start->expires_at);
	sqlite3_bind_int64(st, 5, start->ends_at);
	sqlite3_bind_text(st, 6, start->user_agent != NULL ? start->user_agent :
	    "", -1, SQLITE_STATIC);
	litestore_bind_text(st, 7, start->refresh_digest);
	sqlite3_bind_int(st, 8, start->first_factor_only != 0);
	rc = litestore_exec(s, STMT_SESSION_INSERT);
	/* A jti collision is a store fault here, not an answer. */
	if (rc == STORE_EXISTS) {
		log_msg(NULL, "database: session id collision");
		rc = STORE_ERR;
	}
	if ((rc = litestore_end(s, rc)) == STORE_OK && ended != NULL)
		*ended = capped;
	return rc;
}

enum store_rc
litestore_session_user(void *h, const char *id, int64_t user_id,
    int64_t now, struct user *out)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_SESSION_USER];
	enum store_rc		 rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_int64(st, 3, now);
	if ((rc = litestore_row(s, STMT_SESSION_USER)) != STORE_OK)
		return rc;
	if (litestore_user_row(st, out) == -1)
		rc = STORE_ERR;
	out->two_factor = sqlite3_column_int(st, 3) != 0;
	out->first_factor_only = sqlite3_column_int(st, 4) != 0;
	out->created_at = out->locked_at = 0;
	litestore_done(s, STMT_SESSION_USER);
	return rc;
}

/*
 * Inside the refresh transaction: make r->new_digest the current token of
 * session out->session_id in place of r->digest, retire r->digest, and
 * record r->audit.
 */
static enum store_rc
litestore_rotate(struct litestore *s, const struct session_refresh *r,
    struct session_refreshed *out)
{
	sqlite3_stmt	*st;
	enum store_rc	 rc;

	/* Never past the session's absolute end (nor overflowing on the way). */
	out->expires_at = r->ttl < out->ends_at - r->now ? r->now + r->ttl :
	    out->ends_at;
	st = s->stmt[STMT_REFRESH_ROTATE];
	sqlite3_bind_text(st, 1, out->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->new_digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, out->expires_at);
	sqlite3_bind_int64(st, 5, r->now);
	if ((rc = litestore_exec(s, STMT_REFRESH_ROTATE)) != STORE_OK)
		return rc;
	/* The write lock is ours since the lookup: nobody rotated it since. */
	if (sqlite3_changes(s->db) != 1) {
		log_msg(NULL, "database: a current refresh token changed under "
		    "the write lock");
		return STORE_ERR;
	}
	st = s->stmt[STMT_REFRESH_RETIRE];
	sqlite3_bind_text(st, 1, out->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->digest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->now);
	if ((rc = litestore_exec(s, STMT_REFRESH_RETIRE)) != STORE_OK) {
		if (rc == STORE_EXISTS) {
			log_msg(NULL, "database: refresh token collision");
			rc = STORE_ERR;
		}
		return rc;
	}
	if (r->audit != NULL) {
		r->audit->user_id = out->user.id;
		litestore_audit_write(s, r->audit, r->prune_before);
	}
	return STORE_OK;
}

/*
 * When the token is not the session's current one: was it ever, and how
 * long ago was it retired?  STORE_NOTFOUND if never.
 */
static enum store_rc
litestore_retired_at(struct litestore *s, const struct session_refresh *r,
    int64_t *retired_at)
{
	sqlite3_stmt	*st = s->stmt[STMT_REFRESH_RETIRED];
	enum store_rc	 rc;

	sqlite3_bind_text(st, 1, r->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->digest, -1, SQLITE_STATIC);
	if ((rc = litestore_row(s, STMT_REFRESH_RETIRED)) != STORE_OK)
		return rc;
	*retired_at = sqlite3_column_int64(st, 0);
	litestore_done(s, STMT_REFRESH_RETIRED);
	return STORE_OK;
}

/*
 * The lookup and whatever it leads to are one BEGIN IMMEDIATE transaction:
 * the write lock is taken before the session is read, so of two refreshes
 * of one token (any processes) the second sees the first one's rotation.
 * A light one (store-sqlite.h): a power cut that undid a rotation would
 * only make the client log in again.
 */
enum store_rc
litestore_session_refresh(void *h, const struct session_refresh *r,
    struct session_refreshed *out)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_REFRESH_FIND];
	char			 current[STORE_DIGEST_LEN + 1];
	enum store_rc		 rc;
	int64_t			 retired_at;

	memset(out, 0, sizeof(*out));
	if ((rc = litestore_begin_light(s)) != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, r->session_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->now);
	if ((rc = litestore_row(s, STMT_REFRESH_FIND)) != STORE_OK)
		return litestore_end_light(s, rc);
	/* NULL: a session from a log-in while refresh tokens were off. */
	current[0] = '\0';
	if (litestore_user_row(st, &out->user) == -1 ||
	    (sqlite3_column_type(st, 3) != SQLITE_NULL &&
	    litestore_text(st, 3, current, sizeof(current)) == -1) ||
	    snprintf(out->session_id, sizeof(out->session_id), "%s",
	    r->session_id) >= (int)sizeof(out->session_id)) {
		log_msg(NULL, "database: session of user %lld has an over-long "
		    "field", (long long)out->user.id);
		rc = STORE_ERR;
	}
	out->expires_at = sqlite3_column_int64(st, 4);
	out->ends_at = sqlite3_column_int64(st, 5);
	out->user.first_factor_only = sqlite3_column_int(st, 6) != 0;
	litestore_done(s, STMT_REFRESH_FIND);
	if (rc != STORE_OK)
		return litestore_end_light(s, rc);

	/* Digests of 256 random bits: comparing them leaks nothing useful. */
	if (current[0] != '\0' && strcmp(current, r->digest) == 0) {
		out->outcome = REFRESH_ROTATED;
		rc = litestore_rotate(s, r, out);
	} else if ((rc = litestore_retired_at(s, r, &retired_at)) !=
	    STORE_OK) {
		/* Never this session's: a forgery must not end it. */
	} else if (r->now - retired_at <= r->grace) {
		/* Another request of the same client rotated it a moment ago. */
		out->outcome = REFRESH_GRACE;
	} else {
		/*
		 * A retired token come back after the window: two parties
		 * hold tokens of this session, and one of them is a thief.
		 * End it; its retired tokens go with it, and its access
		 * tokens find no row.
		 */
		out->outcome = REFRESH_REUSED;
		st = s->stmt[STMT_SESSION_DELETE];
		sqlite3_bind_text(st, 1, out->session_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, 0);
		rc = litestore_exec(s, STMT_SESSION_DELETE);
		out->expires_at = r->now;
	}
	return litestore_end_light(s, rc);
}

enum store_rc
litestore_session_list(void *h, int64_t user_id, int64_t now,
    int64_t limit, store_session_fn fn, void *arg)
{
	struct litestore	*s = h;
	enum stmt		 i;
	sqlite3_stmt		*st;
	struct session_info	 si;
	enum store_rc		 rc = STORE_OK;
	int			 step;

	/* Two statements, so that a user's list walks that user's index. */
	if (user_id != 0) {
		i = STMT_SESSION_LIST_USER;
		st = s->stmt[i];
		sqlite3_bind_int64(st, 1, user_id);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_int64(st, 3, limit > 0 ? limit : -1);
	} else {
		i = STMT_SESSION_LIST_ALL;
		st = s->stmt[i];
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&si, 0, sizeof(si));
		si.user_id = sqlite3_column_int64(st, 1);
		si.created_at = sqlite3_column_int64(st, 3);
		si.last_used_at = sqlite3_column_int64(st, 4);
		si.expires_at = sqlite3_column_int64(st, 5);
		si.ends_at = sqlite3_column_int64(st, 6);
		if (litestore_text(st, 0, si.id, sizeof(si.id)) == -1 ||
		    litestore_text(st, 2, si.email, sizeof(si.email)) == -1 ||
		    litestore_text(st, 7, si.user_agent,
		    sizeof(si.user_agent)) == -1) {
			log_msg(NULL, "database: a session of user %lld has an "
			    "over-long field", (long long)si.user_id);
			rc = STORE_ERR;
			break;
		}
		if (fn(arg, &si) == -1) {
			rc = STORE_ERR;
			break;
		}
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = litestore_rc(s, step, sqlite3_sql(st));
	litestore_done(s, i);
	return rc;
}

enum store_rc
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

/*
 * Inside a write transaction: delete the sessions of user_id (0: of every
 * user) but keep (NULL: none); *ended (if not NULL) gets how many.
 */
enum store_rc
litestore_end_sessions(struct litestore *s, int64_t user_id, const char *keep,
    int64_t *ended)
{
	enum stmt	 i;
	enum store_rc	 rc;

	if (user_id != 0) {
		i = STMT_SESSION_DELETE_USER;
		sqlite3_bind_int64(s->stmt[i], 1, user_id);
		litestore_bind_text(s->stmt[i], 2, keep);
	} else {
		i = STMT_SESSION_DELETE_ALL;
		litestore_bind_text(s->stmt[i], 1, keep);
	}
	rc = litestore_exec(s, i);
	if (rc == STORE_OK && ended != NULL)
		*ended = sqlite3_changes(s->db);
	return rc;
}

enum store_rc
litestore_session_delete_user(void *h, int64_t user_id, const char *keep,
    int64_t *ended)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	if (ended != NULL)
		*ended = 0;
	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	rc = litestore_end_sessions(s, user_id, keep, ended);
	if ((rc = litestore_end(s, rc)) != STORE_OK && ended != NULL)
		*ended = 0;
	return rc;
}

enum store_rc
litestore_user_change_password(void *h, int64_t id, const char *hash,
    const char *keep_session)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	if ((rc = litestore_set_hash(s, id, hash)) == STORE_OK)
		rc = litestore_end_sessions(s, id, keep_session, NULL);
	return litestore_end(s, rc);
}

enum store_rc
litestore_user_lock(void *h, const char *email, int locked, int64_t now,
    struct user *out)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_USER_BY_EMAIL];
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	/* Found inside the lock, so the user read is the user changed. */
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	if ((rc = litestore_row(s, STMT_USER_BY_EMAIL)) != STORE_OK)
		return litestore_end(s, rc);
	if (litestore_user_row(st, out) == -1) {
		log_msg(NULL, "database: user row %lld has an over-long field",
		    (long long)out->id);
		rc = STORE_ERR;
	}
	out->created_at = sqlite3_column_int64(st, 4);
	out->locked_at = sqlite3_column_int64(st, 5);
	litestore_done(s, STMT_USER_BY_EMAIL);
	if (rc != STORE_OK)
		return litestore_end(s, rc);

	st = s->stmt[STMT_USER_LOCK];
	sqlite3_bind_int64(st, 1, out->id);
	if (locked)
		sqlite3_bind_int64(st, 2, now);
	if ((rc = litestore_exec(s, STMT_USER_LOCK)) != STORE_OK)
		return litestore_end(s, rc);
	if (!locked)
		out->locked_at = 0;
	else {
		if (out->locked_at == 0)
			out->locked_at = now;
		rc = litestore_end_sessions(s, out->id, NULL, NULL);
	}
	return litestore_end(s, rc);
}

enum store_rc
litestore_user_list(void *h, int locked_only, int64_t now, store_user_fn fn,
    void *arg)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_USER_LIST];
	struct user		 u;
	enum store_rc		 rc = STORE_OK;
	int			 step;

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, locked_only != 0);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&u, 0, sizeof(u));
		if (litestore_user_row(st, &u) == -1) {
			log_msg(NULL, "database: user row %lld has an over-long "
			    "field", (long long)u.id);
			rc = STORE_ERR;
			break;
		}
		u.created_at = sqlite3_column_int64(st, 3);
		u.locked_at = sqlite3_column_int64(st, 4);
		if (fn(arg, &u, sqlite3_column_int64(st, 5)) == -1) {
			rc = STORE_ERR;
			break;
		}
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = litestore_rc(s, step, sqlite3_sql(st));
	litestore_done(s, STMT_USER_LIST);
	return rc;
}

enum store_rc
litestore_user_cost_max(void *h, int *cost)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_USER_COST_MAX];
	enum store_rc		 rc;
	int64_t			 v;

	*cost = 0;
	if ((rc = litestore_row(s, STMT_USER_COST_MAX)) != STORE_OK)
		return rc;
	v = sqlite3_column_int64(st, 0);
	litestore_done(s, STMT_USER_COST_MAX);
	*cost = v >= 4 && v <= 31 ? (int)v : 0;
	return STORE_OK;
}
