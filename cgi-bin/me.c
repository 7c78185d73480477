/*
 * me: GET /authentication (or BASE/authentication: app.h)
 *
 * 200 {"id","email","name"}         the user of the session cookie
 * 401 "Unauthorized"                no cookie, or a token that is malformed,
 *     tampered, unsigned, expired, logged out, or whose user is gone
 */
#include "app.h"
#include "auth.h"
#include "json.h"

static int
me(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;

	if (auth_require(app, req, rep, &session) == -1)
		return -1;
	http_ok(rep, 200, json_user(&session.user));
	return 0;
}

static const struct route routes[] = {
	{ "/authentication", { [HTTP_GET] = me } },
};

int
main(void)
{
	return app_main("me", routes, NITEMS(routes));
}
