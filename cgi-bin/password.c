/*
 * password: PATCH /authentication/password (or BASE/...: app.h)
 *
 * Body: {"currentPassword", "newPassword"} and nothing else; newPassword
 * follows the registration rules (register.c), in the same words.
 * 200, empty body: the password is changed and every other session of
 *     the user ended (ASVS V7.4.3); this one goes on
 * 400 "Wrong credentials provided"  currentPassword is wrong: counted by
 *     the log-in throttle, as a log-in would be
 * 400 {"message":[...]}             a field missing, of the wrong type, too
 *     short or too long, or an unknown one
 * 401 "Unauthorized"                no valid session cookie
 * 403                               a cross-site write (common/csrf.h)
 * 429                               the log-in throttle (common/throttle.h)
 */
#include "account.h"
#include "app.h"
#include "audit.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "password.h"

enum { F_CURRENT, F_NEW, F__MAX };

static const struct json_field password_fields[F__MAX] = {
	{ "currentPassword", JSON_STRING, 1, 0, 0, JSON_REQUIRED },
	{ "newPassword", JSON_STRING, PW_MIN_CHARS, 0, PW_MAX_BYTES,
	    JSON_REQUIRED | JSON_NOT_BLANK },
};

static int
change_password(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	struct json_value	 v[F__MAX];
	char			 hash[PW_HASH_MAX];
	enum store_rc		 rc;

	if (auth_require(app, req, rep, &session) == -1 ||
	    json_body_fields(req, rep, password_fields, F__MAX, v) == -1 ||
	    account_check_password(app, req, rep, &session, v[F_CURRENT].str,
	    v[F_CURRENT].len) == -1)
		return -1;
	if (pw_hash(v[F_NEW].str, app->cfg.bcrypt_cost, hash, sizeof(hash)) == -1) {
		log_msg(req->client, "password hashing failed");
		return http_error(rep, ERR_INTERNAL, NULL);
	}
	rc = store_user_change_password(app->store, session.user.id, hash,
	    session.claims.id);
	if (rc == STORE_NOTFOUND)
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	audit(app, req->client, AUDIT_PASSWORD_CHANGED, session.user.id,
	    "by its user; other sessions ended");
	http_ok(rep, 200, NULL);
	return 0;
}

static const struct route routes[] = {
	{ "/authentication/password", { [HTTP_PATCH] = change_password } },
};

int
main(void)
{
	return app_main("password", routes, NITEMS(routes));
}
