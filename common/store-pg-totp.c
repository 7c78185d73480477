/*
 * store-pg-totp: the second factor on PostgreSQL
 * (schema/postgresql/007-two-factor.sql): a user's sealed TOTP secret, the
 * last time step accepted, and the recovery codes' digests.
 */
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "pq.h"
#include "store-pg.h"
#include "util.h"

const struct pgstmt pgstore_totp_stmts[] = {
	{ STMT_TOTP_GET, "totp_get", 1,
	  "SELECT coalesce(totp_secret, ''), "
	  "(totp_enabled_at IS NOT NULL)::int FROM users WHERE id = $1" },
	/* The same, the row locked: a turn-off and a turn-on take turns. */
	{ STMT_TOTP_LOCK, "totp_lock", 1,
	  "SELECT coalesce(totp_secret, ''), "
	  "(totp_enabled_at IS NOT NULL)::int FROM users WHERE id = $1 "
	  "FOR NO KEY UPDATE" },
	/* A secret of a user with 2FA on is never replaced (issue 15). */
	{ STMT_TOTP_ENROL, "totp_enrol", 2,
	  "UPDATE users SET totp_secret = $2 "
	  "WHERE id = $1 AND totp_enabled_at IS NULL" },
	/* One statement: of two requests with one code, one changes the row. */
	{ STMT_TOTP_STEP, "totp_step", 2,
	  "UPDATE users SET totp_last_step = $2 "
	  "WHERE id = $1 AND totp_last_step < $2" },
	{ STMT_TOTP_ENABLE, "totp_enable", 2,
	  "UPDATE users SET totp_enabled_at = $2 WHERE id = $1 "
	  "AND totp_enabled_at IS NULL AND totp_secret IS NOT NULL" },
	{ STMT_TOTP_DISABLE, "totp_disable", 1,
	  "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL "
	  "WHERE id = $1" },
	{ STMT_RECOVERY_CLEAR, "recovery_clear", 1,
	  "DELETE FROM recovery_codes WHERE user_id = $1" },
	{ STMT_RECOVERY_INSERT, "recovery_insert", 2,
	  "INSERT INTO recovery_codes (user_id, digest) VALUES ($1, $2)" },
	{ STMT_RECOVERY_USE, "recovery_use", 2,
	  "DELETE FROM recovery_codes WHERE user_id = $1 AND digest = $2" },
	{ STMT__MAX, NULL, 0, NULL }
};

/* Read user_id's second factor with statement i (GET or LOCK). */
static enum store_rc
pgstore_totp_read(struct pgstore *s, enum stmt i, int64_t user_id,
    struct totp_state *out)
{
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;
	int64_t		 on = 0;

	pgparam_int(&p, 0, user_id);
	if ((rc = pgstore_row(s, i, p.v, &res)) != STORE_OK)
		return rc;
	if (pgstore_text(res, 0, 0, out->secret, sizeof(out->secret)) == -1 ||
	    pgstore_int(res, 0, 1, &on) == -1) {
		log_msg(NULL, "database: user row %lld has a malformed second "
		    "factor", (long long)user_id);
		rc = STORE_ERR;
	}
	out->on = on != 0;
	pq.PQclear(res);
	return rc;
}

enum store_rc
pgstore_totp_get(void *h, int64_t user_id, struct totp_state *out)
{
	return pgstore_totp_read(h, STMT_TOTP_GET, user_id, out);
}

/*
 * Run statement i on (user_id, text or value): STORE_OK, or STORE_DENIED
 * if no row changed.
 */
static enum store_rc
pgstore_totp_write(struct pgstore *s, enum stmt i, int64_t user_id,
    const char *text, int64_t value)
{
	struct pgparams	 p;
	enum store_rc	 rc;

	pgparam_int(&p, 0, user_id);
	if (text != NULL)
		p.v[1] = text;
	else
		pgparam_int(&p, 1, value);
	rc = pgstore_change(s, i, p.v);
	return rc == STORE_NOTFOUND ? STORE_DENIED : rc;
}

/* After STORE_DENIED: is the user gone (STORE_NOTFOUND) or not (rc)? */
static enum store_rc
pgstore_totp_why(struct pgstore *s, int64_t user_id, enum store_rc rc)
{
	struct totp_state	 t;
	enum store_rc		 got;

	if (rc != STORE_DENIED)
		return rc;
	got = pgstore_totp_read(s, STMT_TOTP_GET, user_id, &t);
	util_wipe(&t, sizeof(t));
	return got == STORE_OK ? rc : got;
}

enum store_rc
pgstore_totp_enrol(void *h, int64_t user_id, const char *secret)
{
	struct pgstore	*s = h;

	return pgstore_totp_why(s, user_id, pgstore_totp_write(s,
	    STMT_TOTP_ENROL, user_id, secret, 0));
}

enum store_rc
pgstore_totp_step(void *h, int64_t user_id, int64_t step)
{
	struct pgstore	*s = h;

	return pgstore_totp_why(s, user_id, pgstore_totp_write(s,
	    STMT_TOTP_STEP, user_id, NULL, step));
}

enum store_rc
pgstore_totp_enable(void *h, int64_t user_id, int64_t step,
    const char *const *digests, size_t n, int64_t now,
    const char *keep_session)
{
	struct pgstore		*s = h;
	struct pgparams		 p;
	enum store_rc		 rc;
	size_t			 i;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	rc = pgstore_totp_write(s, STMT_TOTP_STEP, user_id, NULL, step);
	if (rc == STORE_OK)
		rc = pgstore_totp_write(s, STMT_TOTP_ENABLE, user_id, NULL,
		    now);
	if (rc == STORE_OK) {
		pgparam_int(&p, 0, user_id);
		rc = pgstore_exec(s, STMT_RECOVERY_CLEAR, p.v, NULL);
	}
	for (i = 0; rc == STORE_OK && i < n; i++) {
		pgparam_int(&p, 0, user_id);
		p.v[1] = digests[i];
		rc = pgstore_exec(s, STMT_RECOVERY_INSERT, p.v, NULL);
	}
	if (rc == STORE_OK)
		rc = pgstore_sessions_end(s, user_id, keep_session, NULL);
	rc = pgstore_totp_why(s, user_id, rc);
	return pgstore_end(s, rc);
}

enum store_rc
pgstore_totp_recovery_use(void *h, int64_t user_id, const char *digest)
{
	struct pgstore	*s = h;
	enum store_rc	 rc;

	rc = pgstore_totp_write(s, STMT_RECOVERY_USE, user_id, digest, 0);
	return rc == STORE_DENIED ? STORE_NOTFOUND : rc;
}

enum store_rc
pgstore_totp_disable(void *h, int64_t user_id, int *was_on)
{
	struct pgstore		*s = h;
	struct pgparams		 p;
	struct totp_state	 t;
	enum store_rc		 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	rc = pgstore_totp_read(s, STMT_TOTP_LOCK, user_id, &t);
	if (rc == STORE_OK && was_on != NULL)
		*was_on = t.on;
	util_wipe(&t, sizeof(t));
	pgparam_int(&p, 0, user_id);
	if (rc == STORE_OK)
		rc = pgstore_exec(s, STMT_TOTP_DISABLE, p.v, NULL);
	if (rc == STORE_OK)
		rc = pgstore_exec(s, STMT_RECOVERY_CLEAR, p.v, NULL);
	return pgstore_end(s, rc);
}
