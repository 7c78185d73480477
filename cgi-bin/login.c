/*
 * login: POST /authentication/log-in (or BASE/authentication/log-in: app.h)
 *
 * Body: {"email", "password"}.
 * 200 {"id","email","name"} and Set-Cookie: Authentication=<jwt>; HttpOnly;
 *     Path=/; Max-Age=<JWT_EXPIRATION_TIME>; SameSite=Strict.  Under a
 *     base, Path=BASE; with COOKIE_SECURE=1, "; Secure" and the name
 *     __Host-Authentication (__Secure-Authentication under a base).
 * 400 "Wrong credentials provided"  unknown e-mail or wrong password, alike
 *     in body and in time: an unknown e-mail still pays one bcrypt
 * 401 "Unauthorized"                e-mail or password missing (as passport-local)
 * 400 {"message":[...]}             a field of the wrong type, or an unknown one
 * 429 "Too many failed log-ins ..." and Retry-After: this address, this
 *     e-mail or the pair failed too often (common/throttle.h); no hashing
 * 413, 415, 503                     see README.md
 */
#include "app.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "password.h"
#include "throttle.h"

enum { F_EMAIL, F_PASSWORD, F__MAX };

/*
 * Not JSON_EMAIL: a malformed address simply matches nobody, and must cost
 * the same as a wrong password.  Longer passwords than 72 bytes cannot have
 * been registered, so they are refused before any work.
 */
static const struct json_field login_fields[F__MAX] = {
	{ "email", JSON_STRING, 0, USER_EMAIL_MAX, 0, 0 },
	{ "password", JSON_STRING, 0, 0, 0, 0 },
};

/* Count, log and answer a failed log-in: the same 400 whatever the reason. */
static int
login_failed(struct app *app, const struct http_req *req,
    struct http_reply *rep, const char *email, const char *why)
{
	throttle_login_failed(app, req, email);
	log_msg(req->client, "failed log-in for %s: %s", email, why);
	return http_error(rep, ERR_WRONG_CREDENTIALS, NULL);
}

static int
login(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct json_value	 v[F__MAX];
	struct user		 user;
	char			 hash[PW_HASH_MAX];
	enum store_rc		 rc;

	if (json_body_fields(req, rep, login_fields, F__MAX, v) == -1)
		return -1;
	if (v[F_EMAIL].str == NULL || v[F_PASSWORD].str == NULL ||
	    v[F_EMAIL].len == 0 || v[F_PASSWORD].len == 0)
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	/* Before any hashing: a throttled guesser costs us nothing. */
	if (throttle_login_check(app, req, v[F_EMAIL].str, rep) == -1)
		return -1;
	if (v[F_PASSWORD].len > PW_MAX_BYTES)
		return login_failed(app, req, rep, v[F_EMAIL].str,
		    "password over 72 bytes");

	rc = store_user_by_email(app->store, v[F_EMAIL].str, &user);
	if (rc != STORE_OK && rc != STORE_NOTFOUND) {
		throttle_login_abandoned(app, req, v[F_EMAIL].str);
		return app_store_error(rep, rc);
	}
	if (rc == STORE_NOTFOUND) {
		pw_dummy_hash(app->cfg.bcrypt_cost, hash, sizeof(hash));
		pw_verify(v[F_PASSWORD].str, hash);
		return login_failed(app, req, rep, v[F_EMAIL].str, "no such user");
	}
	if (!pw_verify(v[F_PASSWORD].str, user.password))
		return login_failed(app, req, rep, v[F_EMAIL].str, "wrong password");
	throttle_login_succeeded(app, req, v[F_EMAIL].str);

	/* Raise old hashes to the configured cost while we hold the password. */
	if (pw_needs_rehash(user.password, app->cfg.bcrypt_cost) &&
	    pw_hash(v[F_PASSWORD].str, app->cfg.bcrypt_cost, hash,
	    sizeof(hash)) == 0 &&
	    store_user_set_password(app->store, user.id, hash) != STORE_OK)
		log_msg(req->client, "could not rehash the password of user %lld",
		    (long long)user.id);

	if (auth_login(app, req, rep, &user) == -1)
		return -1;
	http_ok(rep, 200, json_user(&user));
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
