/*
 * logout: POST /authentication/log-out (or BASE/authentication/log-out: app.h)
 *
 * 200, empty body, Set-Cookie: Authentication=; HttpOnly; Path=/; Max-Age=0;
 *     SameSite=Strict: the log-in cookie's name and Path (see login.c),
 *     emptied.  The session is deleted on the server, so the old
 *     cookie stops working at once; the user's other sessions are untouched.
 * 401 "Unauthorized"                no valid session cookie
 */
#include "app.h"
#include "auth.h"

static int
logout(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;

	if (auth_require(app, req, rep, &session) == -1)
		return -1;
	return auth_logout(app, req, rep, &session);
}

static const struct route routes[] = {
	{ "/authentication/log-out", { [HTTP_POST] = logout } },
};

int
main(void)
{
	return app_main("logout", routes, NITEMS(routes));
}
