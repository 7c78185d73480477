/*
 * password-reset: POST /authentication/password-reset and
 * POST /authentication/password-reset/confirm (or BASE/...: app.h), for a
 * user who forgot their password (no part of the series has it).  Both are
 * 404 unless PASSWORD_RESET_URL is set.
 *
 * POST /authentication/password-reset      {"email"} and nothing else
 *   202, empty body, whether or not the address has an account, in the
 *       same time: the mail (PASSWORD_RESET_URL?token=...) is made and sent
 *       after the reply, and only to an account that is not locked
 *   400 {"message":[...]}           email missing or not an address
 *   429                             THROTTLE_MAIL_PER_EMAIL, _PER_ADDRESS:
 *       counted alike for every address, known or not
 *   503                             MAIL_FROM unset (for every address)
 * POST /authentication/password-reset/confirm   {"token", "password"}
 *   200, empty body: the password is the new one, every session of the
 *       user has ended, the address counts as confirmed (the user read
 *       its mail) and the token is used up
 *   400 "Password reset token expired"
 *   400 "Bad password reset token"  unknown, used, replaced by a later one,
 *       sent to an address the user no longer has, of a locked account
 *   400 {"message":[...]}           the password breaks the registration
 *       rules (register.c), in the same words
 *   429                             THROTTLE_CONFIRM_PER_ADDRESS
 */
#include <stdlib.h>
#include <time.h>

#include "app.h"
#include "audit.h"
#include "email.h"
#include "json.h"
#include "log.h"
#include "password.h"
#include "throttle.h"
#include "token.h"

#define RESET_BAD	"Bad password reset token"

enum { F_EMAIL, F__MAX_REQUEST };
enum { F_TOKEN, F_PASSWORD, F__MAX_CONFIRM };

static const struct json_field request_fields[F__MAX_REQUEST] = {
	{ "email", JSON_EMAIL, 0, USER_EMAIL_MAX, 0, JSON_REQUIRED },
};

static const struct json_field confirm_fields[F__MAX_CONFIRM] = {
	{ "token", JSON_STRING, 0, 0, 0, JSON_REQUIRED | JSON_NOT_BLANK },
	{ "password", JSON_STRING, PW_MIN_CHARS, 0, PW_MAX_BYTES,
	    JSON_REQUIRED | JSON_NOT_BLANK },
};

/* After the reply: make, keep and mail the link (app_after_fn). */
static void
reset_mail(struct app *app, const char *client, void *arg)
{
	struct user	*user = arg;
	enum store_rc	 rc;

	(void)email_send_reset(app, client, user, &rc);
	free(user);
}

static int
reset_request(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct json_value	 v[F__MAX_REQUEST];
	struct user		 user, *copy;
	enum store_rc		 rc;

	if (!email_reset_on(app))
		return app_not_found(req, rep);
	if (json_body_fields(req, rep, request_fields, F__MAX_REQUEST,
	    v) == -1)
		return -1;
	if (!email_can_send(app))
		return http_error(rep, ERR_UNAVAILABLE,
		    "Mail cannot be sent: the service has no sender address");
	/* Counted for the address typed, whether or not it has an account. */
	if (throttle_mail(app, req, v[F_EMAIL].str, rep) == -1)
		return -1;
	rc = store_user_by_email(app->store, v[F_EMAIL].str, &user);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return app_store_error(rep, rc);
	/*
	 * The token, its write and the mail come after the reply, so that an
	 * address with an account answers in the time of one without.  A
	 * locked account gets nothing: it cannot be reset back into use.
	 */
	if (rc == STORE_OK && user.locked_at == 0) {
		if ((copy = malloc(sizeof(*copy))) == NULL)
			log_msg(req->client, "out of memory: no reset mail");
		else {
			*copy = user;
			util_wipe(copy->password, sizeof(copy->password));
			app_after(app, req, reset_mail, copy);
		}
	}
	util_wipe(user.password, sizeof(user.password));
	http_ok(rep, 202, NULL);
	return 0;
}

static int
reset_confirm(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct json_value	 v[F__MAX_CONFIRM];
	char			 digest[TOK_DIGEST_LEN + 1];
	char			 hash[PW_HASH_MAX];
	enum email_outcome	 outcome;
	int64_t			 user_id = 0;
	enum store_rc		 rc;

	if (!email_reset_on(app))
		return app_not_found(req, rep);
	if (json_body_fields(req, rep, confirm_fields, F__MAX_CONFIRM,
	    v) == -1 || throttle_confirm(app, req, rep) == -1)
		return -1;
	if (tok_mail_parse(v[F_TOKEN].str, v[F_TOKEN].len, digest) == -1)
		return http_error(rep, ERR_BAD_REQUEST, RESET_BAD);
	if (pw_hash(v[F_PASSWORD].str, app->cfg.bcrypt_cost, hash,
	    sizeof(hash)) == -1) {
		log_msg(req->client, "password hashing failed");
		return http_error(rep, ERR_INTERNAL, NULL);
	}
	rc = store_email_token_use(app->store, STORE_TOKEN_RESET, digest,
	    (int64_t)time(NULL), hash, &outcome, &user_id);
	util_wipe(hash, sizeof(hash));
	if (rc == STORE_NOTFOUND)
		return http_error(rep, ERR_BAD_REQUEST, RESET_BAD);
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	if (outcome == EMAIL_EXPIRED)
		return http_error(rep, ERR_BAD_REQUEST,
		    "Password reset token expired");
	if (outcome != EMAIL_CONFIRMED)
		return http_error(rep, ERR_BAD_REQUEST, RESET_BAD);
	audit(app, req->client, AUDIT_PASSWORD_RESET, user_id,
	    "by a mailed link; every session ended");
	http_ok(rep, 200, NULL);
	return 0;
}

static const struct route routes[] = {
	{ "/authentication/password-reset", { [HTTP_POST] = reset_request } },
	{ "/authentication/password-reset/confirm",
	    { [HTTP_POST] = reset_confirm } },
};

int
main(void)
{
	return app_main("password-reset", routes, NITEMS(routes));
}
