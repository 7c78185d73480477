/*
 * logout: POST /authentication/log-out (or BASE/authentication/log-out: app.h)
 *
 * 200, empty body, and both cookies cleared: Set-Cookie: Authentication=;
 *     HttpOnly; Path=/; Max-Age=0; SameSite=Strict, and the same for
 *     Refresh (Path=/authentication): the log-in cookies' names and Paths
 *     (see login.c), emptied.  The session is deleted on the server, so
 *     neither old cookie works any more; the user's other sessions are
 *     untouched.  An expired access cookie does not stop a log-out: the
 *     refresh cookie names the session too (part 13 required a valid
 *     access token).
 * 401 "Unauthorized"                neither cookie names a live session
 */
#include "app.h"
#include "auth.h"

static int
logout(struct app *app, struct http_req *req, struct http_reply *rep)
{
	return auth_logout(app, req, rep);
}

static const struct route routes[] = {
	{ "/authentication/log-out", { [HTTP_POST] = logout } },
};

int
main(void)
{
	return app_main("logout", routes, NITEMS(routes));
}
