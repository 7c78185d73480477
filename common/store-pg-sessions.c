/*
 * store-pg-sessions: the PostgreSQL backend's sessions and refresh tokens,
 * and what ends sessions besides a log-out: password changes and locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "pq.h"
#include "store-pg.h"

const struct pgstmt pgstore_sessions_stmts[] = {
	{ STMT_SESSION_INSERT, "session_insert", 8,
	  "INSERT INTO sessions (id, user_id, created_at, expires_at, ends_at, "
	  "last_used_at, user_agent, refresh_digest, first_factor_only) "
	  "VALUES ($1, $2, $3, $4, $5, $3, $6, $7, $8)" },
	/*
	 * Inside every log-in: a bounded batch, skipping rows another node's
	 * prune holds rather than waiting for them.  Their retired refresh
	 * tokens go with them (ON DELETE CASCADE).
	 */
	{ STMT_SESSION_PRUNE, "session_prune", 1,
	  "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions "
	  "WHERE ends_at <= $1 ORDER BY id LIMIT " PGSTORE_PRUNE_MAX " "
	  "FOR UPDATE SKIP LOCKED)" },
	/*
	 * Two log-ins of one user take turns, on every node, so that the
	 * cap holds exactly.  NO KEY UPDATE: other users' sessions, whose
	 * foreign keys take KEY SHARE locks, never wait for it.
	 */
	{ STMT_SESSION_OWNER_LOCK, "session_owner_lock", 1,
	  "SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE" },
	/*
	 * All but the $2 most recently used sessions of user $1, before a
	 * new one is added (so it is never among them).  Sessions that have
	 * passed the password alone go first: a password without the second
	 * factor must not push the user's real sessions out.
	 */
	{ STMT_SESSION_CAP, "session_cap", 2,
	  "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions "
	  "WHERE user_id = $1 ORDER BY first_factor_only, "
	  "last_used_at DESC, created_at DESC, id DESC OFFSET $2)" },
	/*
	 * A locked user's sessions were ended when the lock was set; one a
	 * log-in racing with the lock added still does not count.
	 */
	{ STMT_SESSION_USER, "session_user", 3,
	  "SELECT u.id, u.email, u.name, (u.totp_enabled_at IS NOT NULL)::int, "
	  "s.first_factor_only FROM sessions AS s "
	  "JOIN users AS u ON u.id = s.user_id "
	  "WHERE s.id = $1 AND s.user_id = $2 AND s.expires_at > $3 "
	  "AND u.locked_at IS NULL" },
	/* $2 = 0: whoever's it is. */
	{ STMT_SESSION_DELETE, "session_delete", 2,
	  "DELETE FROM sessions WHERE id = $1 "
	  "AND ($2::bigint = 0 OR user_id = $2::bigint)" },
	/* $2 (or $1) NULL: keep none. */
	{ STMT_SESSION_DELETE_USER, "session_delete_user", 2,
	  "DELETE FROM sessions WHERE user_id = $1 "
	  "AND ($2::text IS NULL OR id <> $2::text)" },
	{ STMT_SESSION_DELETE_ALL, "session_delete_all", 1,
	  "DELETE FROM sessions WHERE $1::text IS NULL OR id <> $1::text" },
	/*
	 * Two statements rather than "$1 = 0 OR user_id = $1": a generic
	 * plan for that would scan every session to list one user's.  The
	 * newest $3 ($2 for everyone's; NULL: all): libpq holds a whole result
	 * in this process, so a capped list is capped by the server.
	 */
	{ STMT_SESSION_LIST_USER, "session_list_user", 3,
	  "SELECT s.id, s.user_id, u.email, s.created_at, s.last_used_at, "
	  "s.expires_at, s.ends_at, s.user_agent FROM sessions AS s "
	  "JOIN users AS u ON u.id = s.user_id "
	  "WHERE s.user_id = $1 AND s.expires_at > $2 "
	  "ORDER BY s.created_at DESC, s.id LIMIT $3" },
	{ STMT_SESSION_LIST_ALL, "session_list_all", 2,
	  "SELECT s.id, s.user_id, u.email, s.created_at, s.last_used_at, "
	  "s.expires_at, s.ends_at, s.user_agent FROM sessions AS s "
	  "JOIN users AS u ON u.id = s.user_id WHERE s.expires_at > $1 "
	  "ORDER BY s.created_at DESC, s.id LIMIT $2" },
	/*
	 * A refresh locks the session its token names: two refreshes of one
	 * session take turns on every node, and the second reads what the
	 * first wrote.
	 */
	{ STMT_SESSION_LOCK, "session_lock", 1,
	  "SELECT u.id, u.email, u.name, s.refresh_digest, s.expires_at, "
	  "s.ends_at, u.locked_at, s.first_factor_only FROM sessions AS s "
	  "JOIN users AS u ON u.id = s.user_id WHERE s.id = $1 FOR UPDATE OF s" },
	{ STMT_REFRESH_RETIRED, "refresh_retired", 2,
	  "SELECT retired_at FROM retired_refresh_tokens "
	  "WHERE session_id = $1 AND digest = $2" },
	{ STMT_REFRESH_ROTATE, "refresh_rotate", 5,
	  "UPDATE sessions SET refresh_digest = $3, expires_at = $4, "
	  "last_used_at = $5 WHERE id = $1 AND refresh_digest = $2" },
	{ STMT_REFRESH_RETIRE, "refresh_retire", 3,
	  "INSERT INTO retired_refresh_tokens (session_id, digest, retired_at) "
	  "VALUES ($1, $2, $3)" },
	/* $2 NULL unlocks; a lock keeps the time of the first. */
	{ STMT_USER_LOCK, "user_lock", 2,
	  "UPDATE users SET locked_at = CASE WHEN $2::bigint IS NULL THEN NULL "
	  "ELSE coalesce(locked_at, $2::bigint) END "
	  "WHERE lower(email COLLATE \"C\") = lower($1::text COLLATE \"C\") "
	  "RETURNING id, email, name, created_at, locked_at" },
	{ STMT_USER_LIST, "user_list", 2,
	  "SELECT u.id, u.email, u.name, u.created_at, u.locked_at, "
	  "(SELECT count(*) FROM sessions AS s WHERE s.user_id = u.id "
	  "AND s.expires_at > $2) FROM users AS u "
	  "WHERE $1::integer = 0 OR u.locked_at IS NOT NULL ORDER BY u.id" },
	/* pw_cost()'s rule; the CASE casts only what the pattern let through. */
	{ STMT_USER_COST_MAX, "user_cost_max", 0,
	  "SELECT coalesce(max(CASE WHEN password ~ "
	  "'^\\$2[abxy]\\$(0[4-9]|[12][0-9]|3[01])\\$' "
	  "THEN substr(password, 5, 2)::integer END), 0) FROM users" },
	{ STMT__MAX, NULL, 0, NULL }
};

enum store_rc
pgstore_session_insert(void *h, const struct session_start *start,
    int64_t *ended)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	enum store_rc	 rc;
	int64_t		 capped = 0;

	if (ended != NULL)
		*ended = 0;
	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	pgparam_int(&p, 0, start->now);
	rc = pgstore_exec(s, STMT_SESSION_PRUNE, p.v, NULL);
	if (rc == STORE_OK && start->max_per_user > 0) {
		pgparam_int(&p, 0, start->user_id);
		if ((rc = pgstore_exec(s, STMT_SESSION_OWNER_LOCK, p.v,
		    NULL)) == STORE_OK) {
			pgparam_int(&p, 1, start->max_per_user - 1);
			rc = pgstore_exec(s, STMT_SESSION_CAP, p.v, &capped);
		}
	}
	if (rc == STORE_OK) {
		p.v[0] = start->id;
		pgparam_int(&p, 1, start->user_id);
		pgparam_int(&p, 2, start->now);
		pgparam_int(&p, 3, start->expires_at);
		pgparam_int(&p, 4, start->ends_at);
		p.v[5] = start->user_agent != NULL ? start->user_agent : "";
		p.v[6] = start->refresh_digest;
		pgparam_int(&p, 7, start->first_factor_only != 0);
		rc = pgstore_exec(s, STMT_SESSION_INSERT, p.v, NULL);
	}
	/* A jti collision is a store fault here, not an answer. */
	if (rc == STORE_EXISTS) {
		log_msg(NULL, "database: session id collision");
		rc = STORE_ERR;
	}
	if ((rc = pgstore_end(s, rc)) == STORE_OK && ended != NULL)
		*ended = capped;
	return rc;
}

enum store_rc
pgstore_session_user(void *h, const char *id, int64_t user_id, int64_t now,
    struct user *out)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;
	int64_t		 on = 0, first = 0;

	p.v[0] = id;
	pgparam_int(&p, 1, user_id);
	pgparam_int(&p, 2, now);
	if ((rc = pgstore_row(s, STMT_SESSION_USER, p.v, &res)) != STORE_OK)
		return rc;
	if ((rc = pgstore_user_row(res, 0, out, 0)) == STORE_OK &&
	    (pgstore_int(res, 0, 3, &on) == -1 ||
	    pgstore_int(res, 0, 4, &first) == -1)) {
		log_msg(NULL, "database: session row of user %lld is malformed",
		    (long long)out->id);
		rc = STORE_ERR;
	}
	out->two_factor = on != 0;
	out->first_factor_only = first != 0;
	pq.PQclear(res);
	return rc;
}

/*
 * Inside the refresh's transaction: lock the session r names and read it
 * with its user into out, its current token's digest into current ("" if
 * none); STORE_NOTFOUND unless it is live at now and the user is not
 * locked.
 */
static enum store_rc
pgstore_refresh_session(struct pgstore *s, const struct session_refresh *r,
    struct session_refreshed *out, char current[STORE_DIGEST_LEN + 1])
{
	PGresult	*res;
	enum store_rc	 rc;
	int64_t		 locked = 0, first = 0;

	if ((rc = pgstore_row(s, STMT_SESSION_LOCK, &r->session_id, &res)) !=
	    STORE_OK)
		return rc;
	current[0] = '\0';
	if ((rc = pgstore_user_row(res, 0, &out->user, 0)) == STORE_OK &&
	    ((!pq.PQgetisnull(res, 0, 3) &&
	    pgstore_text(res, 0, 3, current, STORE_DIGEST_LEN + 1) == -1) ||
	    pgstore_int(res, 0, 4, &out->expires_at) == -1 ||
	    pgstore_int(res, 0, 5, &out->ends_at) == -1 ||
	    pgstore_int_or_0(res, 0, 6, &locked) == -1 ||
	    pgstore_int(res, 0, 7, &first) == -1)) {
		log_msg(NULL, "database: session row of user %lld is malformed",
		    (long long)out->user.id);
		rc = STORE_ERR;
	}
	out->user.first_factor_only = first != 0;
	pq.PQclear(res);
	if (rc == STORE_OK && (out->expires_at <= r->now || locked != 0))
		rc = STORE_NOTFOUND;
	if (rc == STORE_OK && snprintf(out->session_id,
	    sizeof(out->session_id), "%s", r->session_id) >=
	    (int)sizeof(out->session_id))
		rc = STORE_NOTFOUND;
	return rc;
}

/*
 * Inside the refresh's transaction, the session locked: when was r's
 * token retired?  STORE_NOTFOUND if it never was one of the session's.
 */
static enum store_rc
pgstore_retired_at(struct pgstore *s, const struct session_refresh *r,
    int64_t *retired_at)
{
	const char	*v[2] = { r->session_id, r->digest };
	PGresult	*res;
	enum store_rc	 rc;

	if ((rc = pgstore_row(s, STMT_REFRESH_RETIRED, v, &res)) != STORE_OK)
		return rc;
	if (pgstore_int(res, 0, 0, retired_at) == -1) {
		log_msg(NULL, "database: retired refresh token row is "
		    "malformed");
		rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}

/* Inside the refresh's transaction, the session locked: rotate r's token. */
static enum store_rc
pgstore_rotate(struct pgstore *s, const struct session_refresh *r,
    struct session_refreshed *out)
{
	struct pgparams	 p;
	enum store_rc	 rc;

	/* Its successor lives ttl more, within the session. */
	out->expires_at = r->ttl < out->ends_at - r->now ? r->now + r->ttl :
	    out->ends_at;
	p.v[0] = out->session_id;
	p.v[1] = r->digest;
	p.v[2] = r->new_digest;
	pgparam_int(&p, 3, out->expires_at);
	pgparam_int(&p, 4, r->now);
	/* The row is locked: it cannot have changed since it was read. */
	if ((rc = pgstore_change(s, STMT_REFRESH_ROTATE, p.v)) != STORE_OK)
		return rc == STORE_NOTFOUND ? STORE_ERR : rc;
	p.v[1] = r->digest;
	pgparam_int(&p, 2, r->now);
	if ((rc = pgstore_exec(s, STMT_REFRESH_RETIRE, p.v, NULL)) ==
	    STORE_EXISTS) {
		log_msg(NULL, "database: refresh token collision");
		rc = STORE_ERR;
	}
	if (rc == STORE_OK && r->audit != NULL) {
		r->audit->user_id = out->user.id;
		pgstore_audit_write(s, r->audit, r->prune_before);
	}
	return rc;
}

/*
 * One transaction from the lookup on, under the session's row lock: of
 * two refreshes of one token (any processes on any nodes) the second
 * waits, then finds the token retired: grace, or reuse.
 */
enum store_rc
pgstore_session_refresh(void *h, const struct session_refresh *r,
    struct session_refreshed *out)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	char		 current[STORE_DIGEST_LEN + 1];
	enum store_rc	 rc;
	int64_t		 retired_at;

	memset(out, 0, sizeof(*out));
	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	if ((rc = pgstore_refresh_session(s, r, out, current)) != STORE_OK)
		return pgstore_end(s, rc);
	/* Digests of 256 random bits: comparing them leaks nothing useful. */
	if (current[0] != '\0' && strcmp(current, r->digest) == 0) {
		out->outcome = REFRESH_ROTATED;
		rc = pgstore_rotate(s, r, out);
	} else if ((rc = pgstore_retired_at(s, r, &retired_at)) != STORE_OK) {
		/* Never this session's: a forgery must not end it. */
	} else if (r->now - retired_at <= r->grace) {
		/* Another request of the client's rotated it just now. */
		out->outcome = REFRESH_GRACE;
	} else {
		/* A stolen token, or a thief's: end the session for both. */
		out->outcome = REFRESH_REUSED;
		out->expires_at = r->now;
		p.v[0] = out->session_id;
		pgparam_int(&p, 1, 0);
		rc = pgstore_exec(s, STMT_SESSION_DELETE, p.v, NULL);
	}
	return pgstore_end(s, rc);
}

/* Run a session SELECT and hand each row to fn. */
static enum store_rc
pgstore_session_rows(struct pgstore *s, enum stmt i, const char *const *params,
    store_session_fn fn, void *arg)
{
	struct session_info	 info;
	PGresult		*res;
	enum store_rc		 rc = STORE_OK;
	int			 r, n;

	if ((res = pgstore_run(s, i, params, &rc)) == NULL)
		return rc;
	n = pq.PQntuples(res);
	for (r = 0; r < n && rc == STORE_OK; r++) {
		if (pgstore_text(res, r, 0, info.id, sizeof(info.id)) == -1 ||
		    pgstore_int(res, r, 1, &info.user_id) == -1 ||
		    pgstore_text(res, r, 2, info.email,
		    sizeof(info.email)) == -1 ||
		    pgstore_int(res, r, 3, &info.created_at) == -1 ||
		    pgstore_int(res, r, 4, &info.last_used_at) == -1 ||
		    pgstore_int(res, r, 5, &info.expires_at) == -1 ||
		    pgstore_int(res, r, 6, &info.ends_at) == -1 ||
		    pgstore_text(res, r, 7, info.user_agent,
		    sizeof(info.user_agent)) == -1) {
			log_msg(NULL, "database: session row %d is malformed",
			    r);
			rc = STORE_ERR;
		} else if (fn(arg, &info) == -1)
			rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}

enum store_rc
pgstore_session_list(void *h, int64_t user_id, int64_t now,
    int64_t limit, store_session_fn fn, void *arg)
{
	struct pgparams	 p;
	int		 n = 0;

	if (user_id != 0)
		pgparam_int(&p, n++, user_id);
	pgparam_int(&p, n++, now);
	/* LIMIT NULL is none. */
	p.v[n] = NULL;
	if (limit > 0)
		pgparam_int(&p, n, limit);
	return pgstore_session_rows(h, user_id != 0 ? STMT_SESSION_LIST_USER :
	    STMT_SESSION_LIST_ALL, p.v, fn, arg);
}

enum store_rc
pgstore_session_delete(void *h, const char *id, int64_t user_id)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	enum store_rc	 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	p.v[0] = id;
	pgparam_int(&p, 1, user_id);
	return pgstore_end(s, pgstore_change(s, STMT_SESSION_DELETE, p.v));
}

/* Inside a write transaction: end the sessions of user_id (0: all) but keep. */
enum store_rc
pgstore_sessions_end(struct pgstore *s, int64_t user_id, const char *keep,
    int64_t *ended)
{
	struct pgparams	 p;

	if (user_id == 0) {
		p.v[0] = keep;
		return pgstore_exec(s, STMT_SESSION_DELETE_ALL, p.v, ended);
	}
	pgparam_int(&p, 0, user_id);
	p.v[1] = keep;
	return pgstore_exec(s, STMT_SESSION_DELETE_USER, p.v, ended);
}

enum store_rc
pgstore_session_delete_user(void *h, int64_t user_id, const char *keep,
    int64_t *ended)
{
	struct pgstore	*s = h;
	enum store_rc	 rc;
	int64_t		 n = 0;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	rc = pgstore_end(s, pgstore_sessions_end(s, user_id, keep, &n));
	if (ended != NULL)
		*ended = rc == STORE_OK ? n : 0;
	return rc;
}

enum store_rc
pgstore_user_change_password(void *h, int64_t id, const char *hash,
    const char *keep_session)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	enum store_rc	 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	pgparam_int(&p, 0, id);
	p.v[1] = hash;
	if ((rc = pgstore_change(s, STMT_USER_SET_PASSWORD, p.v)) == STORE_OK)
		rc = pgstore_sessions_end(s, id, keep_session, NULL);
	return pgstore_end(s, rc);
}

enum store_rc
pgstore_user_lock(void *h, const char *email, int locked, int64_t now,
    struct user *out)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	p.v[0] = email;
	p.v[1] = NULL;
	if (locked)
		pgparam_int(&p, 1, now);
	if ((rc = pgstore_row(s, STMT_USER_LOCK, p.v, &res)) != STORE_OK)
		return pgstore_end(s, rc);
	if ((rc = pgstore_user_row(res, 0, out, 0)) == STORE_OK &&
	    (pgstore_int(res, 0, 3, &out->created_at) == -1 ||
	    pgstore_int_or_0(res, 0, 4, &out->locked_at) == -1)) {
		log_msg(NULL, "database: user row %lld has malformed times",
		    (long long)out->id);
		rc = STORE_ERR;
	}
	pq.PQclear(res);
	/* A locked user's sessions end with the lock, refresh tokens too. */
	if (rc == STORE_OK && locked)
		rc = pgstore_sessions_end(s, out->id, NULL, NULL);
	return pgstore_end(s, rc);
}

enum store_rc
pgstore_user_list(void *h, int locked_only, int64_t now, store_user_fn fn,
    void *arg)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	struct user	 u;
	PGresult	*res;
	enum store_rc	 rc = STORE_OK;
	int64_t		 sessions;
	int		 r, n;

	pgparam_int(&p, 0, locked_only != 0);
	pgparam_int(&p, 1, now);
	if ((res = pgstore_run(s, STMT_USER_LIST, p.v, &rc)) == NULL)
		return rc;
	n = pq.PQntuples(res);
	for (r = 0; r < n && rc == STORE_OK; r++) {
		if ((rc = pgstore_user_row(res, r, &u, 0)) != STORE_OK)
			break;
		if (pgstore_int(res, r, 3, &u.created_at) == -1 ||
		    pgstore_int_or_0(res, r, 4, &u.locked_at) == -1 ||
		    pgstore_int(res, r, 5, &sessions) == -1) {
			log_msg(NULL, "database: user row %lld is malformed",
			    (long long)u.id);
			rc = STORE_ERR;
		} else if (fn(arg, &u, sessions) == -1)
			rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}

enum store_rc
pgstore_user_cost_max(void *h, int *cost)
{
	struct pgstore	*s = h;
	PGresult	*res;
	enum store_rc	 rc;
	int64_t		 v = 0;

	*cost = 0;
	if ((rc = pgstore_row(s, STMT_USER_COST_MAX, NULL, &res)) != STORE_OK)
		return rc;
	if (pgstore_int(res, 0, 0, &v) == -1) {
		log_msg(NULL, "database: the highest hash cost is malformed");
		rc = STORE_ERR;
	}
	pq.PQclear(res);
	*cost = v >= 4 && v <= 31 ? (int)v : 0;
	return rc;
}
