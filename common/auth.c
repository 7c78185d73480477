/*
 * auth: tokens tied to rows in the sessions table, carried in one cookie.
 */
#include <string.h>
#include <time.h>

#include "auth.h"
#include "log.h"

/*
 * Every Set-Cookie for the session goes through here: one set of
 * attributes.  Path is the base, so a browser sends the cookie to this
 * mount only, not to another program on the host (/~bob/ must not get
 * /~alice/api's token); http_base_ok() let no byte through that would
 * need quoting there.
 */
static void
auth_cookie(const struct app *app, const struct http_req *req,
    struct http_reply *rep, const char *value, int64_t max_age)
{
	const char	*path = req->base_len > 0 ? req->base : "/";
	int		 path_len = req->base_len > 0 ? (int)req->base_len : 1;

	http_header(rep, "Set-Cookie: %s=%s; HttpOnly; Path=%.*s; Max-Age=%lld; "
	    "SameSite=Strict%s", auth_cookie_name(app, req), value, path_len,
	    path, (long long)max_age, app->cfg.cookie_secure ? "; Secure" : "");
}

int
auth_login(struct app *app, const struct http_req *req,
    struct http_reply *rep, const struct user *user)
{
	struct tok_claims	 c;
	char			 token[TOK_MAX_LEN + 1];
	enum store_rc		 rc;

	c.user_id = user->id;
	c.iat = (int64_t)time(NULL);
	c.exp = c.iat + app->cfg.jwt_ttl;
	if (tok_new_id(c.id) == -1) {
		log_msg(req->client, "no randomness for a token id");
		return http_error(rep, ERR_INTERNAL, NULL);
	}
	/* Sign first: a failure then leaves no session row behind. */
	if (tok_issue(app->cfg.jwt_secret, app->cfg.jwt_secret_len, &c, token,
	    sizeof(token)) == -1) {
		log_msg(req->client, "cannot sign a token");
		return http_error(rep, ERR_INTERNAL, NULL);
	}
	if ((rc = store_session_insert(app->store, c.id, c.user_id, c.iat,
	    c.exp)) != STORE_OK)
		return app_store_error(rep, rc);
	auth_cookie(app, req, rep, token, app->cfg.jwt_ttl);
	return 0;
}

int
auth_require(struct app *app, const struct http_req *req,
    struct http_reply *rep, struct auth_session *out)
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
		    "logged out, expired or user deleted",
		    (long long)out->claims.user_id);
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	}
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	return 0;
}

int
auth_logout(struct app *app, const struct http_req *req,
    struct http_reply *rep, const struct auth_session *session)
{
	enum store_rc	 rc;

	rc = store_session_delete(app->store, session->claims.id,
	    session->claims.user_id);
	/* Gone already (a concurrent log-out): the outcome is the same. */
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return app_store_error(rep, rc);
	auth_cookie(app, req, rep, "", 0);
	http_ok(rep, 200, NULL);
	return 0;
}
