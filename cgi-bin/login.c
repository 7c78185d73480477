/*
 * login: POST /authentication/log-in (or BASE/authentication/log-in: app.h)
 *
 * Body: {"email", "password"}.
 * 200 {"id","email","name"} and Set-Cookie: Authentication=<jwt>; HttpOnly;
 *     Path=/; Max-Age=<JWT_ACCESS_TOKEN_EXPIRATION_TIME>; SameSite=Strict,
 *     and (unless JWT_REFRESH_TOKEN_EXPIRATION_TIME=0) Set-Cookie:
 *     Refresh=<token>; HttpOnly; Path=/authentication; Max-Age=<its
 *     lifetime>; SameSite=Strict.  Under a base, Path=BASE and
 *     BASE/authentication; with COOKIE_SECURE=1, "; Secure" and prefixed
 *     names (common/auth.h).
 * 200, empty body, for a user with 2FA on (cgi-bin/two-factor.c): the
 *     cookie names a session that has passed the password alone, good
 *     for POST /2fa/authenticate and log-out only, for at most 10 minutes,
 *     without a Refresh cookie
 * 400 "Wrong credentials provided"  unknown e-mail, wrong password or a
 *     locked account, alike in body and in time: each costs one bcrypt
 *     at the highest cost in use (login_cost()), whatever the cost of the
 *     account's own hash
 * 401 "Unauthorized"                e-mail or password missing (as passport-local)
 * 400 {"message":[...]}             a field of the wrong type, or an unknown one
 * 429 "Too many failed log-ins ..." and Retry-After: this address, this
 *     e-mail or the pair failed too often (common/throttle.h); "Too many
 *     log-ins ...": the account or the address logged in too often this
 *     minute; either way no hashing
 * 413, 415, 503                     see README.md
 */
#include <time.h>

#include "app.h"
#include "audit.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "password.h"
#include "throttle.h"

enum { F_EMAIL, F_PASSWORD, F__MAX };

/* Seconds a process trusts the highest stored cost it read. */
#define LOGIN_COST_TTL	300

/*
 * Not JSON_EMAIL: a malformed address simply matches nobody, and must cost
 * the same as a wrong password.  Longer passwords than 72 bytes cannot have
 * been registered, so they are refused before any work.
 */
static const struct json_field login_fields[F__MAX] = {
	{ "email", JSON_STRING, 0, USER_EMAIL_MAX, 0, 0 },
	{ "password", JSON_STRING, 0, 0, 0, 0 },
};

/*
 * Count, log, audit and answer a failed log-in: the same 400 whatever the
 * reason.  user_id is 0 for an e-mail without an account.
 */
static int
login_failed(struct app *app, const struct http_req *req,
    struct http_reply *rep, const char *email, int64_t user_id,
    const char *why)
{
	char	 who[LOG_IDENT_SIZE];

	throttle_login_failed(app, req, email);
	/* Never as typed: it may be long, or a password in the wrong field. */
	log_ident(email, who);
	log_msg(req->client, "failed log-in for %s: %s", who, why);
	audit(app, req->client, AUDIT_LOGIN_FAILED, user_id, "%s: %s", who,
	    why);
	return http_error(rep, ERR_WRONG_CREDENTIALS, NULL);
}

/*
 * The bcrypt cost a failed log-in costs: the configured one, or a stored
 * hash's if higher (seen: the cost of the hash at hand, -1 if none).
 * After BCRYPT_COST is lowered, accounts not logged into since keep their
 * slower hashes, and an unknown e-mail must take as long as they do, or
 * the time of a failure would tell them apart.  Reading the highest
 * stored cost reads every user, so a process keeps it LOGIN_COST_TTL
 * seconds (and raises it at once if a hash shows a higher one).
 */
static int
login_cost(struct app *app, int seen)
{
	int64_t	 now = (int64_t)time(NULL);
	int	 stored;

	if (app->login_cost == 0 || now - app->login_cost_at >= LOGIN_COST_TTL) {
		if (store_user_cost_max(app->store, &stored) == STORE_OK) {
			app->login_cost = stored > app->cfg.bcrypt_cost ? stored :
			    app->cfg.bcrypt_cost;
			app->login_cost_at = now;
		} else
			log_msg(NULL, "cannot read the highest hash cost: "
			    "failed log-ins cost BCRYPT_COST");
	}
	if (seen > app->login_cost)
		app->login_cost = seen;
	return app->login_cost > app->cfg.bcrypt_cost ? app->login_cost :
	    app->cfg.bcrypt_cost;
}

static int
login(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct json_value	 v[F__MAX];
	struct user		 user;
	char			 hash[PW_HASH_MAX];
	enum store_rc		 rc;
	int			 cost, match;

	if (json_body_fields(req, rep, login_fields, F__MAX, v) == -1)
		return -1;
	if (v[F_EMAIL].str == NULL || v[F_PASSWORD].str == NULL ||
	    v[F_EMAIL].len == 0 || v[F_PASSWORD].len == 0)
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	/*
	 * Before any hashing: a throttled guesser costs us nothing, not even
	 * a log line (its block was logged and audited when it began).
	 */
	if (throttle_login_check(app, req, v[F_EMAIL].str, rep) == -1)
		return -1;
	if (v[F_PASSWORD].len > PW_MAX_BYTES)
		return login_failed(app, req, rep, v[F_EMAIL].str, 0,
		    "password over 72 bytes");

	rc = store_user_by_email(app->store, v[F_EMAIL].str, &user);
	if (rc != STORE_OK && rc != STORE_NOTFOUND) {
		throttle_login_abandoned(app, req, v[F_EMAIL].str);
		return app_store_error(rep, rc);
	}
	if (rc == STORE_NOTFOUND) {
		pw_dummy_hash(login_cost(app, -1), hash, sizeof(hash));
		pw_verify(v[F_PASSWORD].str, hash);
		return login_failed(app, req, rep, v[F_EMAIL].str, 0,
		    "no such user");
	}
	cost = pw_cost(user.password);
	match = pw_verify(v[F_PASSWORD].str, user.password);
	/*
	 * A failure, the lock too (checked after the hash, and never
	 * re-hashed: that would tell a right password), lasts as long as an
	 * unknown e-mail's, whatever the cost of this account's hash.
	 */
	if (!match || user.locked_at != 0) {
		pw_pad(v[F_PASSWORD].str, cost, login_cost(app, cost));
		return login_failed(app, req, rep, v[F_EMAIL].str, user.id,
		    match ? "account locked" : "wrong password");
	}
	throttle_login_succeeded(app, req, v[F_EMAIL].str);

	/*
	 * Move the hash to the configured cost, up or down, while we hold
	 * the password: each hash left at another cost makes failures dearer
	 * (login_cost()) until it moves.
	 */
	if (pw_needs_rehash(user.password, app->cfg.bcrypt_cost) &&
	    pw_hash(v[F_PASSWORD].str, app->cfg.bcrypt_cost, hash,
	    sizeof(hash)) == 0 &&
	    store_user_set_password(app->store, user.id, hash) != STORE_OK)
		log_msg(req->client, "could not rehash the password of user %lld",
		    (long long)user.id);

	if (auth_login(app, req, rep, &user, user.two_factor) == -1)
		return -1;
	audit(app, req->client, AUDIT_LOGIN_SUCCEEDED, user.id, "%s%s",
	    user.email, user.two_factor ? "; second factor to come" : "");
	/*
	 * Part 31's only signal that a code is wanted: an empty body.  The
	 * session can do nothing but POST /2fa/authenticate and log out.
	 */
	http_ok(rep, 200, user.two_factor ? NULL : json_user(&user));
	return 0;
}

static const struct route routes[] = {
	{ "/authentication/log-in", { [HTTP_POST] = login } },
};

int
main(void)
{
	return app_main("login", routes, NITEMS(routes));
}
