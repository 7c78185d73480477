/*
 * email-confirmation: POST /email-confirmation/confirm and
 * POST /email-confirmation/resend-confirmation-link (or BASE/...: app.h),
 * the series' part 40 on the wire, and PATCH /authentication/email, which
 * changes the address through the same confirmation.  All are 404 unless
 * EMAIL_CONFIRMATION_URL is set.
 *
 * POST /email-confirmation/confirm      {"token"} and nothing else
 *   201, empty body: the token was good; the address it was sent to is
 *       confirmed and the token used up
 *   400 "Email confirmation token expired"
 *   400 "Bad confirmation token"   unknown, used, retired by a later one,
 *       sent to an address the user no longer has, or not a token at all
 *   400 "Email already confirmed"
 *   400 {"message":[...]}           token missing or not a string
 *   429                             THROTTLE_CONFIRM_PER_ADDRESS
 * POST /email-confirmation/resend-confirmation-link   logged in, no body
 *   201, empty body: a new link went to the user's address; earlier
 *       links no longer work
 *   400 "Email already confirmed"
 *   401 "Unauthorized"
 *   403                             a cross-site write (common/csrf.h)
 *   429                             THROTTLE_MAIL_PER_EMAIL, _PER_ADDRESS
 *   503 "Mail cannot be sent ..."   MAIL_FROM unset, or the mail command
 *       failed or took longer than MAIL_TIMEOUT (logged)
 * PATCH /authentication/email   logged in; {"password", "email"}
 *   202, empty body: nothing changes yet; the new address is mailed a link
 *       to the confirm route above (earlier ones of this kind stop
 *       working), the old one a notice.  Confirmed, the new address is the
 *       user's (201), or "User with that email already exists" (400) if it
 *       was taken meanwhile
 *   400 "Wrong credentials provided" (the log-in throttle counts it),
 *       "User with that email already exists" (any letter case, the
 *       user's own address too), {"message":[...]}
 *   401; 403 (a cross-site write); 429; 503 as for a resend
 */
#include <time.h>

#include "account.h"
#include "app.h"
#include "audit.h"
#include "auth.h"
#include "email.h"
#include "json.h"
#include "log.h"
#include "throttle.h"
#include "token.h"
#include "util.h"

#define CONFIRM_BAD	"Bad confirmation token"

enum { F_TOKEN, F__MAX };
enum { C_PASSWORD, C_EMAIL, C__MAX };

static const struct json_field confirm_fields[F__MAX] = {
	{ "token", JSON_STRING, 0, 0, 0, JSON_REQUIRED | JSON_NOT_BLANK },
};

static const struct json_field change_fields[C__MAX] = {
	{ "password", JSON_STRING, 1, 0, 0, JSON_REQUIRED },
	{ "email", JSON_EMAIL, 0, USER_EMAIL_MAX, 0, JSON_REQUIRED },
};

static int
confirm(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct json_value	 v[F__MAX];
	char			 digest[TOK_DIGEST_LEN + 1];
	enum email_outcome	 outcome;
	int64_t			 user_id = 0;
	enum store_rc		 rc;

	if (!email_confirmation_on(app))
		return app_not_found(req, rep);
	if (json_body_fields(req, rep, confirm_fields, F__MAX, v) == -1 ||
	    throttle_confirm(app, req, rep) == -1)
		return -1;
	if (tok_mail_parse(v[F_TOKEN].str, v[F_TOKEN].len, digest) == -1)
		return http_error(rep, ERR_BAD_REQUEST, CONFIRM_BAD);
	rc = store_email_token_use(app->store, STORE_TOKEN_CONFIRM, digest,
	    (int64_t)time(NULL), NULL, &outcome, &user_id);
	/* The same route confirms a new address (PATCH /authentication/email). */
	if (rc == STORE_NOTFOUND)
		rc = store_email_token_use(app->store, STORE_TOKEN_CHANGE,
		    digest, (int64_t)time(NULL), NULL, &outcome, &user_id);
	if (rc == STORE_NOTFOUND)
		return http_error(rep, ERR_BAD_REQUEST, CONFIRM_BAD);
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	switch (outcome) {
	case EMAIL_EXPIRED:
		return http_error(rep, ERR_BAD_REQUEST,
		    "Email confirmation token expired");
	case EMAIL_STALE:
	case EMAIL_LOCKED:
		return http_error(rep, ERR_BAD_REQUEST, CONFIRM_BAD);
	case EMAIL_ALREADY:
		return http_error(rep, ERR_BAD_REQUEST, "Email already confirmed");
	case EMAIL_TAKEN:
		return http_error(rep, ERR_EMAIL_TAKEN, NULL);
	case EMAIL_CONFIRMED:
		break;
	}
	audit(app, req->client, AUDIT_EMAIL_CONFIRMED, user_id,
	    "by a mailed link");
	http_ok(rep, 201, NULL);
	return 0;
}

static int
resend(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	int64_t			 confirmed_at;
	enum store_rc		 rc;

	if (!email_confirmation_on(app))
		return app_not_found(req, rep);
	if (auth_require(app, req, rep, &session) == -1)
		return -1;
	rc = store_user_confirmed(app->store, session.user.id, &confirmed_at);
	if (rc == STORE_NOTFOUND)
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	if (confirmed_at != 0)
		return http_error(rep, ERR_BAD_REQUEST, "Email already confirmed");
	if (!email_can_send(app))
		return http_error(rep, ERR_UNAVAILABLE,
		    "Mail cannot be sent: the service has no sender address");
	if (throttle_mail(app, req, session.user.email, rep) == -1)
		return -1;
	if (email_send_confirmation(app, req->client, &session.user, &rc) == -1)
		return rc != STORE_OK ? app_store_error(rep, rc) :
		    http_error(rep, ERR_UNAVAILABLE,
		    "Mail cannot be sent now: try again later");
	http_ok(rep, 201, NULL);
	return 0;
}

static int
change_email(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	struct json_value	 v[C__MAX];
	struct user		 other;
	enum store_rc		 rc;

	if (!email_confirmation_on(app))
		return app_not_found(req, rep);
	if (auth_require(app, req, rep, &session) == -1 ||
	    json_body_fields(req, rep, change_fields, C__MAX, v) == -1 ||
	    account_check_password(app, req, rep, &session,
	    v[C_PASSWORD].str, v[C_PASSWORD].len) == -1)
		return -1;
	/* The store compares in any letter case, as registration does. */
	rc = store_user_by_email(app->store, v[C_EMAIL].str, &other);
	util_wipe(other.password, sizeof(other.password));
	if (rc == STORE_OK)
		return http_error(rep, ERR_EMAIL_TAKEN, NULL);
	if (rc != STORE_NOTFOUND)
		return app_store_error(rep, rc);
	if (!email_can_send(app))
		return http_error(rep, ERR_UNAVAILABLE,
		    "Mail cannot be sent: the service has no sender address");
	if (throttle_mail(app, req, v[C_EMAIL].str, rep) == -1)
		return -1;
	if (email_send_change(app, req->client, &session.user, v[C_EMAIL].str,
	    &rc) == -1)
		return rc != STORE_OK ? app_store_error(rep, rc) :
		    http_error(rep, ERR_UNAVAILABLE,
		    "Mail cannot be sent now: try again later");
	http_ok(rep, 202, NULL);
	return 0;
}

static const struct route routes[] = {
	{ "/email-confirmation/confirm", { [HTTP_POST] = confirm } },
	{ "/email-confirmation/resend-confirmation-link",
	    { [HTTP_POST] = resend } },
	{ "/authentication/email", { [HTTP_PATCH] = change_email } },
};

int
main(void)
{
	return app_main("email-confirmation", routes, NITEMS(routes));
}
