/*
 * auth: access tokens tied to rows in the sessions table, refresh tokens
 * stored as digests in those rows, and the two cookies that carry them.
 */
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "log.h"

/*
 * Every Set-Cookie goes through here: one set of attributes.  The access
 * cookie's Path is the base, so a browser sends it to this mount only, not
 * to another program on the host (/~bob/ must not get /~alice/api's
 * token); the refresh cookie's is BASE/authentication, the narrowest that
 * reaches both refresh and log-out (but "/" for __Host-Refresh).
 * http_base_ok() let no byte through that would need quoting there.
 */
static void
auth_set_cookie(const struct app *app, const struct http_req *req,
    struct http_reply *rep, int refresh, const char *value, int64_t max_age)
{
	const char	*name, *tail;
	int		 path_len = (int)req->base_len;

	if (refresh) {
		name = auth_refresh_name(app, req);
		/* __Host-Refresh is the root's (base_len 0), and needs Path=/. */
		tail = strcmp(name, AUTH_REFRESH_HOST) == 0 ? "/" :
		    "/authentication";
	} else {
		name = auth_cookie_name(app, req);
		tail = path_len > 0 ? "" : "/";
	}
	if (max_age < 0)
		max_age = 0;
	http_header(rep, "Set-Cookie: %s=%s; HttpOnly; Path=%.*s%s; "
	    "Max-Age=%lld; SameSite=Strict%s", name, value, path_len, req->base,
	    tail, (long long)max_age, auth_secure(app, req) ? "; Secure" : "");
}

void
auth_clear_cookies(const struct app *app, const struct http_req *req,
    struct http_reply *rep)
{
	auth_set_cookie(app, req, rep, 0, "", 0);
	if (app->cfg.refresh_ttl > 0)
		auth_set_cookie(app, req, rep, 1, "", 0);
}

/*
 * Sign an access token for session id of user, valid until now + the
 * access lifetime but never past the session's own end, and set its
 * cookie.  Returns 0, or -1 with a 500 in rep.
 */
static int
auth_access_cookie(const struct app *app, const struct http_req *req,
    struct http_reply *rep, const char *id, int64_t user_id, int64_t now,
    int64_t session_end)
{
	struct tok_claims	 c;
	char			 token[TOK_MAX_LEN + 1];

	c.user_id = user_id;
	c.iat = now;
	c.exp = now + app->cfg.jwt_ttl;
	if (c.exp > session_end)
		c.exp = session_end;
	strcpy(c.id, id);
	if (tok_issue(app->cfg.jwt_secret, app->cfg.jwt_secret_len, &c, token,
	    sizeof(token)) == -1) {
		log_msg(req->client, "cannot sign a token");
		return http_error(rep, ERR_INTERNAL, NULL);
	}
	auth_set_cookie(app, req, rep, 0, token, c.exp - now);
	return 0;
}

/*
 * The User-Agent as a session list shows it: printable ASCII only (a
 * header is bytes, a JSON string must be UTF-8), cut to STORE_AGENT_MAX.
 */
static void
auth_agent(const struct http_req *req, char out[STORE_AGENT_MAX + 1])
{
	const char	*ua = req->user_agent != NULL ? req->user_agent : "";
	size_t		 i;

	for (i = 0; ua[i] != '\0' && i < STORE_AGENT_MAX; i++)
		out[i] = (unsigned char)ua[i] >= 0x20 &&
		    (unsigned char)ua[i] <= 0x7e ? ua[i] : '?';
	out[i] = '\0';
}

int
auth_login(struct app *app, const struct http_req *req,
    struct http_reply *rep, const struct user *user, int first_factor_only)
{
	struct session_start	 st;
	char			 id[TOK_ID_LEN + 1], agent[STORE_AGENT_MAX + 1];
	char			 refresh[TOK_REFRESH_LEN + 1];
	char			 digest[TOK_DIGEST_LEN + 1];
	int64_t			 now = (int64_t)time(NULL), ended;
	enum store_rc		 rc;

	if (tok_new_id(id) == -1 || (app->cfg.refresh_ttl > 0 &&
	    !first_factor_only && tok_refresh_new(id, refresh, digest) == -1)) {
		log_msg(req->client, "no randomness for a session");
		return http_error(rep, ERR_INTERNAL, NULL);
	}
	auth_agent(req, agent);
	st.id = id;
	st.user_id = user->id;
	st.now = now;
	st.user_agent = agent;
	/*
	 * A session of the password alone ends no other (the cap would let
	 * a password without the second factor log the user out); it counts
	 * for the cap, but goes first, when a real one is added.
	 */
	st.max_per_user = first_factor_only ? 0 : app->cfg.sessions_max;
	st.first_factor_only = first_factor_only;
	if (first_factor_only) {
		/* Only for the code: short, and nothing to refresh it with. */
		st.ends_at = st.expires_at = now + (app->cfg.jwt_ttl <
		    AUTH_FIRST_FACTOR_TTL ? app->cfg.jwt_ttl :
		    AUTH_FIRST_FACTOR_TTL);
		st.refresh_digest = NULL;
	} else if (app->cfg.refresh_ttl > 0) {
		st.ends_at = now + app->cfg.session_lifetime;
		st.expires_at = now + app->cfg.refresh_ttl;
		if (st.expires_at > st.ends_at)
			st.expires_at = st.ends_at;
		st.refresh_digest = digest;
	} else {
		/* Part 3: the session is its one access token. */
		st.ends_at = st.expires_at = now + app->cfg.jwt_ttl;
		st.refresh_digest = NULL;
	}
	/* Sign first: a failure then leaves no session row behind. */
	if (auth_access_cookie(app, req, rep, id, user->id, now,
	    st.expires_at) == -1)
		return -1;
	if ((rc = store_session_insert(app->store, &st, &ended)) != STORE_OK)
		return app_store_error(rep, rc);
	if (ended > 0)
		audit(app, req->client, AUDIT_SESSIONS_ENDED, user->id,
		    "%lld session(s), the least recently used, over the cap of "
		    "%lld", (long long)ended, (long long)st.max_per_user);
	if (st.refresh_digest != NULL)
		auth_set_cookie(app, req, rep, 1, refresh, st.expires_at - now);
	return 0;
}

/* auth_require() and auth_require_first(): first, whether a half session will do. */
static int
auth_check(struct app *app, const struct http_req *req,
    struct http_reply *rep, struct auth_session *out, int first)
{
	const char	*token, *why;
	size_t		 len;
	time_t		 now = time(NULL);
	enum store_rc	 rc;

	if ((token = http_cookie(req, auth_cookie_name(app, req), &len)) == NULL)
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	if (tok_verify(app->cfg.jwt_secret, app->cfg.jwt_secret_len, token, len,
	    now, app->cfg.token_leeway, &out->claims, &why) == -1) {
		log_msg(req->client, "rejected token: %s", why);
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	}
	/* The session ends with its token, leeway included. */
	rc = store_session_user(app->store, out->claims.id, out->claims.user_id,
	    (int64_t)now - app->cfg.token_leeway, &out->user);
	if (rc == STORE_NOTFOUND) {
		log_msg(req->client, "rejected token for user %lld: session "
		    "ended, expired or user deleted",
		    (long long)out->claims.user_id);
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	}
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	if (out->user.first_factor_only && !first) {
		log_msg(req->client, "rejected token for user %lld: the session "
		    "has not passed the second factor",
		    (long long)out->claims.user_id);
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	}
	return 0;
}

int
auth_require(struct app *app, const struct http_req *req,
    struct http_reply *rep, struct auth_session *out)
{
	return auth_check(app, req, rep, out, 0);
}

int
auth_require_first(struct app *app, const struct http_req *req,
    struct http_reply *rep, struct auth_session *out)
{
	return auth_check(app, req, rep, out, 1);
}

/*
 * Present the refresh cookie to the store (see store_session_refresh()) at
 * now, the time the cookies' Max-Age is counted from too: rotate it, or
 * find it just retired, or catch its reuse.  new_token gets the successor
 * when out->outcome is REFRESH_ROTATED; with audited set, a rotation is
 * recorded in the audit log in the same transaction.  Returns 0, or -1 with a 401 or 503 in rep; reuse is
 * logged, audited and a 401.
 */
static int
auth_use_refresh(struct app *app, const struct http_req *req,
    struct http_reply *rep, int64_t now, int audited,
    struct session_refreshed *out, char new_token[TOK_REFRESH_LEN + 1])
{
	struct session_refresh	 r;
	struct audit_line	 line;
	const char		*token;
	char			 id[TOK_ID_LEN + 1];
	char			 digest[TOK_DIGEST_LEN + 1];
	char			 new_digest[TOK_DIGEST_LEN + 1];
	size_t			 len;
	enum store_rc		 rc;

	if (app->cfg.refresh_ttl == 0 ||
	    (token = http_cookie(req, auth_refresh_name(app, req), &len)) == NULL)
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	if (tok_refresh_parse(token, len, id, digest) == -1) {
		log_msg(req->client, "rejected refresh token: malformed");
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	}
	if (tok_refresh_new(id, new_token, new_digest) == -1) {
		log_msg(req->client, "no randomness for a refresh token");
		return http_error(rep, ERR_INTERNAL, NULL);
	}
	r.session_id = id;
	r.digest = digest;
	r.new_digest = new_digest;
	r.now = now;
	r.ttl = app->cfg.refresh_ttl;
	r.grace = app->cfg.refresh_grace;
	r.audit = NULL;
	r.prune_before = 0;
	if (audited) {
		audit_line(app, &line, req->client, AUDIT_REFRESH, 0,
		    "session %.8s", id);
		r.audit = &line.e;
		r.prune_before = line.prune_before;
	}
	rc = store_session_refresh(app->store, &r, out);
	if (rc == STORE_NOTFOUND) {
		log_msg(req->client, "rejected refresh token: unknown, expired "
		    "or its session ended");
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	}
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	if (out->outcome == REFRESH_REUSED) {
		log_msg(req->client, "refresh token of user %lld used again "
		    "after it was replaced: session ended",
		    (long long)out->user.id);
		audit(app, req->client, AUDIT_REFRESH_REUSED, out->user.id,
		    "session %.8s ended", out->session_id);
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	}
	return 0;
}

int
auth_refresh(struct app *app, const struct http_req *req,
    struct http_reply *rep, struct user *out)
{
	struct session_refreshed	 r;
	char				 token[TOK_REFRESH_LEN + 1];
	int64_t				 now = (int64_t)time(NULL);

	if (auth_use_refresh(app, req, rep, now, 1, &r, token) == -1)
		return -1;
	/* Never: such a session has no refresh token (auth_login()). */
	if (r.user.first_factor_only) {
		log_msg(req->client, "rejected refresh token of user %lld: the "
		    "session has not passed the second factor",
		    (long long)r.user.id);
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	}
	if (auth_access_cookie(app, req, rep, r.session_id, r.user.id, now,
	    r.expires_at) == -1)
		return -1;
	/*
	 * Within the grace window another request (a second tab) has the
	 * successor already: it is the session's one live refresh token,
	 * and the browser's cookie jar gets it from that reply.
	 */
	if (r.outcome == REFRESH_ROTATED)
		auth_set_cookie(app, req, rep, 1, token, r.expires_at - now);
	*out = r.user;
	return 0;
}

int
auth_logout(struct app *app, const struct http_req *req,
    struct http_reply *rep)
{
	struct auth_session		 session;
	struct session_refreshed	 r;
	struct http_reply		 ignored;
	char				 token[TOK_REFRESH_LEN + 1];
	const char			*id;
	int64_t				 user_id;
	enum store_rc			 rc;

	/*
	 * An expired access token must not stop a log-out (part 13 made the
	 * client refresh first): the refresh cookie names the session too.
	 */
	http_reply_init(&ignored);
	if (auth_require_first(app, req, &ignored, &session) == 0) {
		id = session.claims.id;
		user_id = session.claims.user_id;
	} else if (ignored.status == 401 &&
	    auth_use_refresh(app, req, rep, (int64_t)time(NULL), 0, &r,
	    token) == 0) {
		id = r.session_id;
		user_id = r.user.id;
	} else if (ignored.status != 401) {
		/* The store failed: that answer (a 503) is the one to give. */
		http_reply_clear(rep);
		*rep = ignored;
		return -1;
	} else {
		http_reply_clear(&ignored);
		return -1;
	}
	http_reply_clear(&ignored);
	rc = store_session_delete(app->store, id, user_id);
	/* Gone already (a concurrent log-out): the outcome is the same. */
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return app_store_error(rep, rc);
	audit(app, req->client, AUDIT_LOGOUT, user_id, "session %.8s", id);
	auth_clear_cookies(app, req, rep);
	http_ok(rep, 200, NULL);
	return 0;
}
