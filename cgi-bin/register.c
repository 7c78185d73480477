/*
 * register: POST /authentication/register (or BASE/authentication/register:
 * app.h)
 *
 * Body: {"email", "name", "password"} and nothing else.
 *   email     an e-mail address, at most 254 characters, unique in any case
 *   name      1 to 100 characters, not blank, no control or format
 *             characters (common/text.h)
 *   password  at least 8 characters, at most 72 bytes in UTF-8, not blank
 * 201 {"id","email","name"}         the new user; no cookie (log in next)
 * 400 {"message":[...]}             every validation problem, NestJS-style
 * 400 "User with that email already exists"
 * With REGISTER_HIDE_EXISTING=1, instead of the 201 and that 400 alike:
 * 202 {"statusCode":202,"message":REGISTER_ALIKE}
 * 429 "Too many registrations ..." and Retry-After: this address registered
 *     too often (common/throttle.h)
 * With EMAIL_CONFIRMATION_URL set, a new user is mailed a link to confirm
 * the address (common/email.h); the 201 does not wait on its success.
 * 413, 415, 503                     see README.md
 */
#include <time.h>

#include "app.h"
#include "email.h"
#include "json.h"
#include "log.h"
#include "password.h"
#include "throttle.h"

enum { F_EMAIL, F_NAME, F_PASSWORD, F__MAX };

/*
 * The one answer to a new e-mail and to a taken one alike: true of both,
 * and no id (one made up for a taken e-mail would be a lie a front end
 * might act on).
 */
#define REGISTER_ALIKE	"Registration received: if the e-mail address " \
			"had no account, you can now log in with it"

static const struct json_field register_fields[F__MAX] = {
	{ "email", JSON_EMAIL, 0, USER_EMAIL_MAX, 0, JSON_REQUIRED },
	{ "name", JSON_STRING, 1, USER_NAME_MAX, 0,
	    JSON_REQUIRED | JSON_NOT_BLANK | JSON_LINE },
	{ "password", JSON_STRING, PW_MIN_CHARS, 0, PW_MAX_BYTES,
	    JSON_REQUIRED | JSON_NOT_BLANK },
};

static int
register_user(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct json_value	 v[F__MAX];
	char			 hash[PW_HASH_MAX];
	struct user		 user;
	enum store_rc		 rc, mail_rc;

	if (json_body_fields(req, rep, register_fields, F__MAX, v) == -1 ||
	    throttle_register(app, req, rep) == -1)
		return -1;
	/*
	 * Hash before the insert, so a taken e-mail answers in the same time;
	 * the store uses up an id for it as for a new one (store.h).
	 */
	if (pw_hash(v[F_PASSWORD].str, app->cfg.bcrypt_cost, hash,
	    sizeof(hash)) == -1) {
		log_msg(req->client, "password hashing failed");
		return http_error(rep, ERR_INTERNAL, NULL);
	}
	rc = store_user_insert(app->store, v[F_EMAIL].str, v[F_NAME].str, hash,
	    (int64_t)time(NULL), &user);
	/*
	 * The account exists whatever becomes of the mail (logged): the user
	 * can ask for another link once logged in.
	 */
	if (rc == STORE_OK && email_confirmation_on(app) &&
	    email_send_confirmation(app, req->client, &user, &mail_rc) == -1 &&
	    mail_rc != STORE_OK)
		log_msg(req->client, "no confirmation link kept for user %lld",
		    (long long)user.id);
	if ((rc == STORE_OK || rc == STORE_EXISTS) &&
	    app->cfg.register_hide_existing) {
		http_message(rep, 202, REGISTER_ALIKE);
		return 0;
	}
	if (rc == STORE_EXISTS)
		return http_error(rep, ERR_EMAIL_TAKEN, NULL);
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	http_ok(rep, 201, json_user(&user));
	return 0;
}

static const struct route routes[] = {
	{ "/authentication/register", { [HTTP_POST] = register_user } },
};

int
main(void)
{
	return app_main("register", routes, NITEMS(routes));
}
