/*
 * account: re-authentication by password for changes to the account
 * (ASVS V7.5.1), sharing the log-in's throttle and its one answer.
 */
#include "account.h"
#include "audit.h"
#include "log.h"
#include "password.h"
#include "throttle.h"

int
account_check_password(struct app *app, const struct http_req *req,
    struct http_reply *rep, const struct auth_session *session,
    const char *password, size_t len)
{
	struct user	 user;
	const char	*why = "wrong password";
	enum store_rc	 rc;

	/* A refusal is not audited: its block was, when it began. */
	if (throttle_login_check(app, req, session->user.email, rep) == -1)
		return -1;
	rc = store_user_by_email(app->store, session->user.email, &user);
	if (rc != STORE_OK && rc != STORE_NOTFOUND) {
		throttle_login_abandoned(app, req, session->user.email);
		return app_store_error(rep, rc);
	}
	/* Gone since auth_require(): deleted by a concurrent request. */
	if (rc == STORE_NOTFOUND || user.id != session->user.id) {
		throttle_login_abandoned(app, req, session->user.email);
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	}
	if (len <= PW_MAX_BYTES && pw_verify(password, user.password)) {
		throttle_login_succeeded(app, req, session->user.email);
		return 0;
	}
	if (len > PW_MAX_BYTES)
		why = "password over 72 bytes";
	throttle_login_failed(app, req, session->user.email);
	log_msg(req->client, "failed password check for %s: %s",
	    session->user.email, why);
	audit(app, req->client, AUDIT_LOGIN_FAILED, session->user.id,
	    "password check: %s", why);
	return http_error(rep, ERR_WRONG_CREDENTIALS, NULL);
}
