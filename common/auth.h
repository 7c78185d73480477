/*
 * auth: the session cookie.  Log-in creates a server-side session and sets
 * its token as a cookie, with the request's base as its Path ("/" at the
 * root), so that a browser sends it only to this mount of the API; every
 * authenticated request checks the token and the session together;
 * log-out deletes the session and clears the cookie of the same name and
 * Path.
 */
#ifndef AUTH_H
#define AUTH_H

#include "app.h"
#include "store.h"
#include "token.h"

/*
 * The tutorial's cookie name, so front ends written for it keep working.
 * With COOKIE_SECURE=1 it gets a prefix browsers enforce: __Host- at the
 * root (only with Secure, Path=/ and no Domain: no subdomain or plain HTTP
 * page can set or overwrite it), __Secure- under a base such as /api
 * (__Host- requires Path=/, and the cookie's Path is the base).
 */
#define AUTH_COOKIE		"Authentication"
#define AUTH_COOKIE_HOST	"__Host-Authentication"
#define AUTH_COOKIE_SECURE	"__Secure-Authentication"

/* Who is calling: the user and the token that proved it. */
struct auth_session {
	struct user		 user;
	struct tok_claims	 claims;
};

/*
 * The session cookie's name under this configuration, for a request under
 * req->base.  Inline so that the CSRF check can name it without linking
 * the token code: the programs that never read a session (register,
 * notfound) then do not load libjwt and OpenSSL at all, which saves memory
 * in each of their processes.
 */
static inline const char *
auth_cookie_name(const struct app *app, const struct http_req *req)
{
	if (!app->cfg.cookie_secure)
		return AUTH_COOKIE;
	return req->base_len == 0 ? AUTH_COOKIE_HOST : AUTH_COOKIE_SECURE;
}

/*
 * Start a session for user: store it, sign a token, set the cookie on rep.
 * Returns 0, or -1 with an error in rep.
 */
int	auth_login(struct app *app, const struct http_req *req,
	    struct http_reply *rep, const struct user *user);

/*
 * Identify the caller from the cookie: a valid token whose session is live
 * and whose user exists.  Returns 0 and fills *out, or -1 with a 401 (or 503
 * if the store failed) in rep; a rejected token is logged with the reason.
 */
int	auth_require(struct app *app, const struct http_req *req,
	    struct http_reply *rep, struct auth_session *out);

/*
 * End the caller's session (only this one) and clear the cookie.  Returns 0,
 * or -1 with an error in rep.
 */
int	auth_logout(struct app *app, const struct http_req *req,
	    struct http_reply *rep, const struct auth_session *session);

#endif
