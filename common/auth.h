/*
 * auth: the session cookies.  Log-in creates a server-side session and
 * sets two cookies: the access token (a JWT naming the session, checked on
 * every authenticated request together with the session's row) and, unless
 * JWT_REFRESH_TOKEN_EXPIRATION_TIME is 0, a refresh token that buys a new
 * access token and is replaced each time it is used.  Ending a session
 * (log-out, the session list, a password change) deletes its row, which
 * ends both at once.
 */
#ifndef AUTH_H
#define AUTH_H

#include "app.h"
#include "store.h"
#include "token.h"

/*
 * The tutorial's cookie names, so front ends written for it keep working.
 * With COOKIE_SECURE=1, and for a request that arrived over HTTPS (see
 * auth_secure()), they get a prefix browsers enforce: __Host- at the
 * root (only with Secure, Path=/ and no Domain: no subdomain or plain HTTP
 * page can set or overwrite it), __Secure- where the Path is not "/"
 * (__Host- requires Path=/): under a base such as /api, and for the refresh
 * cookie, whose Path is BASE/authentication, except at the root, where the
 * __Host- prefix is worth more than keeping it off /posts.
 */
#define AUTH_COOKIE		"Authentication"
#define AUTH_COOKIE_HOST	"__Host-Authentication"
#define AUTH_COOKIE_SECURE	"__Secure-Authentication"
#define AUTH_REFRESH		"Refresh"
#define AUTH_REFRESH_HOST	"__Host-Refresh"
#define AUTH_REFRESH_SECURE	"__Secure-Refresh"

/* Who is calling: the user and the token that proved it. */
struct auth_session {
	struct user		 user;
	struct tok_claims	 claims;
};

/*
 * Are this request's cookies Secure, with a prefixed name: COOKIE_SECURE=1,
 * or the request arrived over HTTPS (the server's HTTPS=on or
 * REQUEST_SCHEME=https, or TRUSTED_PROXY's X-Forwarded-Proto), where a
 * browser keeps such a cookie.  They are then read under those names
 * only, as with COOKIE_SECURE=1: a plain name may have been set by a page
 * over plain HTTP or by a sibling subdomain, which a prefix rules out.
 * Setting, reading and clearing all ask this, so each finds the others'.
 */
static inline int
auth_secure(const struct app *app, const struct http_req *req)
{
	return app->cfg.cookie_secure || req->https;
}

/*
 * The session cookie's name under this configuration, for this request
 * (its base and scheme).  Inline so that the CSRF check can name it
 * without linking the token code: the programs that never read a session
 * (register, notfound) then do not load libjwt and OpenSSL at all, which
 * saves memory in each of their processes.
 */
static inline const char *
auth_cookie_name(const struct app *app, const struct http_req *req)
{
	if (!auth_secure(app, req))
		return AUTH_COOKIE;
	return req->base_len == 0 ? AUTH_COOKIE_HOST : AUTH_COOKIE_SECURE;
}

/* The refresh cookie's name, likewise (CSRF checks it too). */
static inline const char *
auth_refresh_name(const struct app *app, const struct http_req *req)
{
	if (!auth_secure(app, req))
		return AUTH_REFRESH;
	return req->base_len == 0 ? AUTH_REFRESH_HOST : AUTH_REFRESH_SECURE;
}

/*
 * A session that has passed the password alone, of a user with 2FA on,
 * lasts at most this long (or the access token's lifetime if shorter),
 * and has no refresh token: time enough to type a code.
 */
#define AUTH_FIRST_FACTOR_TTL	600

/*
 * Start a session for user: store it with its first refresh token (ending,
 * in the same transaction, the user's least recently used sessions beyond
 * SESSIONS_PER_USER_MAX, audited), sign an access token, set both cookies
 * on rep.  With first_factor_only (a user with 2FA on, before the code)
 * the session is one that only POST /2fa/authenticate and log-out accept,
 * of AUTH_FIRST_FACTOR_TTL, without a refresh cookie.  Returns 0, or -1
 * with an error in rep.
 */
int	auth_login(struct app *app, const struct http_req *req,
	    struct http_reply *rep, const struct user *user,
	    int first_factor_only);

/*
 * Identify the caller from the access cookie: a valid token whose session
 * is live, whose user exists, and which has passed the second factor if
 * it began with the password alone (issue 15: such a session is refused
 * here, on every route).  Returns 0 and fills *out, or -1 with a 401 (or
 * 503 if the store failed) in rep; a rejected token is logged with the
 * reason.
 */
int	auth_require(struct app *app, const struct http_req *req,
	    struct http_reply *rep, struct auth_session *out);

/*
 * The same, but a session that has passed the password alone is accepted
 * too (out->user.first_factor_only says so): for POST /2fa/authenticate
 * and log-out only.
 */
int	auth_require_first(struct app *app, const struct http_req *req,
	    struct http_reply *rep, struct auth_session *out);

/*
 * Use the refresh cookie: on success set a new access cookie (and a new
 * refresh cookie, unless the token was just retired by a concurrent
 * refresh: see store_session_refresh()) and fill *out with the user.  A
 * retired token used again ends its session.  Returns 0, or -1 with a 401
 * (or 503) in rep.
 */
int	auth_refresh(struct app *app, const struct http_req *req,
	    struct http_reply *rep, struct user *out);

/*
 * Log out: end the session the access cookie names, or, when there is no
 * valid one (it expired), the one the refresh cookie names, and clear both
 * cookies.  Returns 0 with an empty 200, or -1 with a 401 (no session) or
 * 503 in rep.
 */
int	auth_logout(struct app *app, const struct http_req *req,
	    struct http_reply *rep);

/* Clear both cookies (Max-Age=0, the same names and Paths). */
void	auth_clear_cookies(const struct app *app, const struct http_req *req,
	    struct http_reply *rep);

#endif
