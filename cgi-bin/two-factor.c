/*
 * two-factor: TOTP two-factor authentication, the series' part 31 routes
 * (or BASE/2fa/...: app.h), without its bypasses (issue 15).  Every route
 * is a POST; codes are {"twoFactorAuthenticationCode": "123456"}.
 *
 * POST /2fa/generate (a session that has passed every factor)
 * 201 image/png: a QR code of otpauth://totp/ISSUER:EMAIL?secret=...&
 *     issuer=ISSUER (ISSUER: TWO_FACTOR_AUTHENTICATION_APP_NAME, else the
 *     Host); with Accept: application/json, {"otpauthUrl": "..."}.  A new
 *     160-bit secret each time, kept encrypted, to be confirmed by turn-on.
 *     The only reply that ever carries the secret.
 * 403 "Two-factor authentication is on: turn it off first"
 *
 * POST /2fa/turn-on {code}
 * 200 {"recoveryCodes": [ten codes]}: 2FA is on; the codes, shown this
 *     once and kept as digests, each stand in for a TOTP code once; the
 *     user's other sessions end (they began with the password alone)
 * 400 "Generate a secret first: POST /2fa/generate"
 * 401 "Wrong authentication code"   (also a code already used)
 * 403 "Two-factor authentication is on already"
 *
 * POST /2fa/authenticate {code, or a recovery code} (a session that has
 *     passed the password: the one log-in gave a 2FA user)
 * 200 {"id","email","name"}, and new cookies: that session is replaced by
 *     one that has passed both factors
 * 400 "Two-factor authentication is off"
 * 401 "Wrong authentication code"
 *
 * POST /2fa/turn-off {code, or a recovery code} (every factor passed)
 * 200, empty body: 2FA is off, the secret and recovery codes forgotten
 * 400 "Two-factor authentication is off"
 * 401 "Wrong authentication code"
 *
 * All: 401 "Unauthorized" without such a session; 429 "Too many wrong
 * authentication codes ..." with Retry-After after 5 wrong codes for the
 * account (common/throttle.h); 503 "Two-factor authentication is not set
 * up on this server" while there is no TOTP_ENCRYPTION_KEY_FILE; 400
 * {"message":[...]} for a body of the wrong shape; 403 cross-site.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "app.h"
#include "audit.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "qr.h"
#include "secretbox.h"
#include "throttle.h"
#include "totp.h"
#include "util.h"

/* A recovery code as typed may carry dashes and blanks. */
#define CODE_MAX	64

static const struct json_field code_fields[] = {
	{ "twoFactorAuthenticationCode", JSON_STRING, 1, CODE_MAX, 0,
	    JSON_REQUIRED | JSON_NOT_BLANK },
};

/* What binds a sealed secret to its user: moved to another row, it fails. */
static void
two_factor_aad(int64_t user_id, char out[64])
{
	snprintf(out, 64, "fcgi-auth totp user %lld", (long long)user_id);
}

/* 2FA needs the key; without it every route says so. */
static int
two_factor_ready(struct app *app, struct http_reply *rep)
{
	if (app->cfg.totp_key_len == CONFIG_TOTP_KEY_LEN)
		return 0;
	return http_error(rep, ERR_UNAVAILABLE, "Two-factor authentication is "
	    "not set up on this server");
}

/*
 * The issuer: TWO_FACTOR_AUTHENTICATION_APP_NAME, else the name the
 * client reached us by (its Host without the port, if it is a plain host
 * name), else this machine's name.
 */
static void
two_factor_issuer(const struct app *app, const struct http_req *req,
    char *out, size_t outsz)
{
	const char	*h = req->host;
	size_t		 n;

	if (app->cfg.totp_issuer[0] != '\0') {
		snprintf(out, outsz, "%s", app->cfg.totp_issuer);
		return;
	}
	if (h != NULL && (n = strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")) > 0 &&
	    (h[n] == '\0' || h[n] == ':') && n < outsz) {
		memcpy(out, h, n);
		out[n] = '\0';
		return;
	}
	if (gethostname(out, outsz) == -1 || out[0] == '\0')
		snprintf(out, outsz, "fcgi-auth");
	out[outsz - 1] = '\0';
}

/*
 * Check code (len bytes) for user_id, whose sealed secret is sealed: a
 * TOTP code, or, with recovery, one of the user's recovery codes (used up
 * here).  A TOTP code's step is taken here too (a code works once), or,
 * with step_out set, left to the caller in *step_out (turn-on takes it in
 * its own transaction).  Counted by the 2FA throttle; a wrong code is
 * logged and audited.  Returns 0, or -1 with a 401, 429 or 503 in rep.
 */
static int
two_factor_verify(struct app *app, const struct http_req *req,
    struct http_reply *rep, int64_t user_id, const char *sealed,
    const char *code, size_t len, int recovery, int64_t *step_out)
{
	unsigned char	 secret[BOX_PLAIN_MAX];
	char		 aad[64], digest[TOTP_DIGEST_LEN + 1];
	size_t		 slen = 0;
	int64_t		 step;
	enum store_rc	 rc = STORE_DENIED;
	const char	*why = "wrong code";

	if (throttle_2fa_check(app, req, user_id, rep) == -1)
		return -1;
	two_factor_aad(user_id, aad);
	if (totp_is_code(code, len)) {
		if (box_open(app->cfg.totp_key, aad, sealed, secret,
		    &slen) == -1) {
			util_wipe(secret, sizeof(secret));
			log_msg(req->client, "the TOTP secret of user %lld does "
			    "not open: another TOTP_ENCRYPTION_KEY_FILE, or "
			    "a changed row", (long long)user_id);
			throttle_2fa_done(app, req, user_id, 0);
			return http_error(rep, ERR_INTERNAL, NULL);
		}
		if (totp_check(secret, slen, code, len, (int64_t)time(NULL),
		    &step)) {
			if (step_out != NULL) {
				*step_out = step;
				rc = STORE_OK;
			} else if ((rc = store_totp_step(app->store, user_id,
			    step)) == STORE_DENIED)
				why = "code used already";
		}
		util_wipe(secret, sizeof(secret));
	} else if (recovery && totp_recovery_digest(code, len, digest) == 0) {
		rc = store_totp_recovery_use(app->store, user_id, digest);
		if (rc == STORE_NOTFOUND) {
			rc = STORE_DENIED;
			why = "wrong recovery code";
		} else if (rc == STORE_OK)
			log_msg(req->client, "user %lld used a recovery code",
			    (long long)user_id);
	}
	if (rc == STORE_OK || rc == STORE_DENIED)
		throttle_2fa_done(app, req, user_id, rc == STORE_OK);
	if (rc == STORE_DENIED) {
		log_msg(req->client, "wrong 2FA code for user %lld: %s",
		    (long long)user_id, why);
		audit(app, req->client, AUDIT_2FA_FAILED, user_id, "%s", why);
		return http_error(rep, ERR_WRONG_CODE, NULL);
	}
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	return 0;
}

/*
 * A store result as the reply: the user gone meanwhile (deleted since the
 * cookie was checked) is a 401, as for no session; any other failure the
 * store's own.  Returns -1.
 */
static int
two_factor_store_error(struct http_reply *rep, enum store_rc rc)
{
	if (rc == STORE_NOTFOUND)
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	return app_store_error(rep, rc);
}

/* The caller's second factor, and the code in the body, for the routes that check one. */
static int
two_factor_state(struct app *app, struct http_req *req, struct http_reply *rep,
    int64_t user_id, struct totp_state *t, struct json_value *code)
{
	enum store_rc	 rc;

	if (json_body_fields(req, rep, code_fields, 1, code) == -1)
		return -1;
	if ((rc = store_totp_get(app->store, user_id, t)) != STORE_OK)
		return two_factor_store_error(rep, rc);
	return 0;
}

/*
 * What authenticate and turn-off begin with: the session (with first, one
 * that has passed the password alone will do), 2FA on, and a right code
 * or recovery code in the body.  Returns 0, or -1 with the error in rep.
 */
static int
two_factor_passed(struct app *app, struct http_req *req,
    struct http_reply *rep, int first, struct auth_session *session)
{
	struct totp_state	 t;
	struct json_value	 code;
	int			 rc = -1;

	if (two_factor_ready(app, rep) == -1 ||
	    (first ? auth_require_first(app, req, rep, session) :
	    auth_require(app, req, rep, session)) == -1)
		return -1;
	if (two_factor_state(app, req, rep, session->user.id, &t, &code) == -1)
		goto done;
	if (!t.on)
		http_error(rep, ERR_BAD_REQUEST, "Two-factor authentication is "
		    "off");
	else
		rc = two_factor_verify(app, req, rep, session->user.id,
		    t.secret, code.str, code.len, 1, NULL);
done:
	util_wipe(&t, sizeof(t));
	return rc;
}

static int
generate(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	struct json_object	*o;
	unsigned char		 secret[TOTP_SECRET_LEN], *png = NULL;
	char			 sealed[BOX_TEXT_MAX + 1], aad[64];
	char			 issuer[CONFIG_APP_NAME_MAX + 1];
	char			 url[TOTP_URL_MAX];
	size_t			 png_len;
	enum store_rc		 rc;
	int			 ret = -1;

	if (two_factor_ready(app, rep) == -1 ||
	    auth_require(app, req, rep, &session) == -1 ||
	    json_body_fields(req, rep, NULL, 0, NULL) == -1)
		return -1;
	two_factor_aad(session.user.id, aad);
	two_factor_issuer(app, req, issuer, sizeof(issuer));
	if (totp_secret_new(secret) == -1 ||
	    box_seal(app->cfg.totp_key, aad, secret, sizeof(secret),
	    sealed) == -1 ||
	    totp_url(secret, sizeof(secret), issuer, session.user.email, url,
	    sizeof(url)) == -1) {
		log_msg(req->client, "cannot make a TOTP secret");
		http_error(rep, ERR_INTERNAL, NULL);
		goto done;
	}
	/* Never over a secret in use: that would be the bypass of part 31. */
	rc = store_totp_enrol(app->store, session.user.id, sealed);
	if (rc == STORE_DENIED) {
		http_error(rep, ERR_FORBIDDEN, "Two-factor authentication is "
		    "on: turn it off first");
		goto done;
	}
	if (rc != STORE_OK) {
		two_factor_store_error(rep, rc);
		goto done;
	}
	if (req->accept != NULL && strstr(req->accept, "application/json") !=
	    NULL) {
		if ((o = json_object_new_object()) == NULL ||
		    json_object_object_add(o, "otpauthUrl",
		    json_object_new_string(url)) != 0) {
			json_object_put(o);
			http_error(rep, ERR_INTERNAL, NULL);
			goto done;
		}
		http_ok(rep, 201, o);
	} else {
		if (qr_png(url, &png, &png_len) == -1) {
			log_msg(req->client, "cannot draw the QR code");
			http_error(rep, ERR_INTERNAL, NULL);
			goto done;
		}
		http_ok_raw(rep, 201, "image/png", png, png_len);
	}
	ret = 0;
done:
	util_wipe(secret, sizeof(secret));
	util_wipe(url, sizeof(url));
	return ret;
}

static int
turn_on(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	struct totp_state	 t;
	struct json_value	 code;
	struct json_object	*list = NULL, *o = NULL;
	char			 codes[TOTP_RECOVERY_COUNT][TOTP_RECOVERY_LEN + 1];
	char			 digests[TOTP_RECOVERY_COUNT][TOTP_DIGEST_LEN + 1];
	const char		*dp[TOTP_RECOVERY_COUNT];
	int64_t			 step;
	enum store_rc		 rc;
	size_t			 i;
	int			 ret = -1;

	if (two_factor_ready(app, rep) == -1 ||
	    auth_require(app, req, rep, &session) == -1 ||
	    two_factor_state(app, req, rep, session.user.id, &t, &code) == -1)
		return -1;
	if (t.on) {
		http_error(rep, ERR_FORBIDDEN, "Two-factor authentication is on "
		    "already");
		goto done;
	}
	if (t.secret[0] == '\0') {
		http_error(rep, ERR_BAD_REQUEST, "Generate a secret first: POST "
		    "/2fa/generate");
		goto done;
	}
	if (two_factor_verify(app, req, rep, session.user.id, t.secret,
	    code.str, code.len, 0, &step) == -1)
		goto done;
	for (i = 0; i < TOTP_RECOVERY_COUNT; i++) {
		if (totp_recovery_new(codes[i], digests[i]) == -1) {
			log_msg(req->client, "no randomness for recovery codes");
			http_error(rep, ERR_INTERNAL, NULL);
			goto done;
		}
		dp[i] = digests[i];
	}
	rc = store_totp_enable(app->store, session.user.id, step, dp,
	    TOTP_RECOVERY_COUNT, (int64_t)time(NULL), session.claims.id);
	if (rc == STORE_DENIED) {
		/* The step was taken meanwhile (the code used twice), or a race. */
		log_msg(req->client, "wrong 2FA code for user %lld: code used "
		    "already", (long long)session.user.id);
		http_error(rep, ERR_WRONG_CODE, NULL);
		goto done;
	}
	if (rc != STORE_OK) {
		two_factor_store_error(rep, rc);
		goto done;
	}
	if ((o = json_object_new_object()) == NULL ||
	    (list = json_object_new_array()) == NULL ||
	    json_object_object_add(o, "recoveryCodes", list) != 0) {
		json_object_put(list);
		json_object_put(o);
		http_error(rep, ERR_INTERNAL, NULL);
		goto done;
	}
	for (i = 0; i < TOTP_RECOVERY_COUNT; i++)
		json_object_array_add(list, json_object_new_string(codes[i]));
	audit(app, req->client, AUDIT_2FA_ENABLED, session.user.id,
	    "by its user; other sessions ended");
	http_ok(rep, 200, o);
	ret = 0;
done:
	util_wipe(&t, sizeof(t));
	util_wipe(codes, sizeof(codes));
	return ret;
}

static int
authenticate(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	enum store_rc		 rc;

	if (two_factor_passed(app, req, rep, 1, &session) == -1)
		return -1;
	/*
	 * A new session for the new privilege, as at log-in: the one the
	 * password opened ends, so its cookie (whoever saw it) stays a half.
	 */
	rc = store_session_delete(app->store, session.claims.id,
	    session.user.id);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return app_store_error(rep, rc);
	if (auth_login(app, req, rep, &session.user, 0) == -1)
		return -1;
	audit(app, req->client, AUDIT_2FA_PASSED, session.user.id, "session "
	    "%.8s replaced", session.claims.id);
	http_ok(rep, 200, json_user(&session.user));
	return 0;
}

static int
turn_off(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	enum store_rc		 rc;

	if (two_factor_passed(app, req, rep, 0, &session) == -1)
		return -1;
	rc = store_totp_disable(app->store, session.user.id, NULL);
	if (rc != STORE_OK)
		return two_factor_store_error(rep, rc);
	audit(app, req->client, AUDIT_2FA_DISABLED, session.user.id,
	    "by its user");
	http_ok(rep, 200, NULL);
	return 0;
}

static const struct route routes[] = {
	{ "/2fa/generate", { [HTTP_POST] = generate } },
	{ "/2fa/turn-on", { [HTTP_POST] = turn_on } },
	{ "/2fa/authenticate", { [HTTP_POST] = authenticate } },
	{ "/2fa/turn-off", { [HTTP_POST] = turn_off } },
};

int
main(void)
{
	if (totp_init() == -1)
		return 1;
	return app_main("two-factor", routes, NITEMS(routes));
}
