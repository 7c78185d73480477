/*
 * me: the account itself, GET and DELETE /authentication (or
 * BASE/authentication: app.h)
 *
 * GET
 * 200 {"id","email","name"}         the user of the session cookie
 * 401 "Unauthorized"                no cookie, or a token that is malformed,
 *     tampered, unsigned, expired, logged out, or whose user is gone
 *
 * DELETE, body {"password"}
 * 200, empty body: the user, their sessions and their posts are gone, and
 *     the cookies cleared
 * 400 "Wrong credentials provided"  a wrong password, counted by the log-in
 *     throttle as a log-in would be
 * 400 {"message":[...]}             password missing or not a string
 * 401, 403, 429                     as for PATCH /authentication/password
 */
#include "account.h"
#include "app.h"
#include "audit.h"
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

static const struct json_field delete_fields[] = {
	{ "password", JSON_STRING, 1, 0, 0, JSON_REQUIRED },
};

static int
delete_account(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	struct json_value	 password;
	enum store_rc		 rc;

	if (auth_require(app, req, rep, &session) == -1 ||
	    json_body_fields(req, rep, delete_fields, 1, &password) == -1 ||
	    account_check_password(app, req, rep, &session, password.str,
	    password.len) == -1)
		return -1;
	rc = store_user_delete(app->store, session.user.email);
	/* Deleted by a concurrent request: the outcome is the same. */
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return app_store_error(rep, rc);
	audit(app, req->client, AUDIT_ACCOUNT_DELETED, session.user.id,
	    "by its user");
	auth_clear_cookies(app, req, rep);
	http_ok(rep, 200, NULL);
	return 0;
}

static const struct route routes[] = {
	{ "/authentication", { [HTTP_GET] = me, [HTTP_DELETE] = delete_account } },
};

int
main(void)
{
	return app_main("me", routes, NITEMS(routes));
}
