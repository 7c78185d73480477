/*
 * store-sqlite-totp: the second factor on SQLite (schema/007-two-factor.sql):
 * a user's sealed TOTP secret, the last time step accepted, and the
 * recovery codes' digests.
 */
#include <string.h>

#include <sqlite3.h>

#include "store-sqlite.h"
#include "util.h"

const struct litestore_sql litestore_totp_sql[] = {
	{ STMT_TOTP_GET,
	  "SELECT coalesce(totp_secret, ''), totp_enabled_at IS NOT NULL "
	  "FROM users WHERE id = ?1" },
	/* A secret of a user with 2FA on is never replaced (issue 15). */
	{ STMT_TOTP_ENROL,
	  "UPDATE users SET totp_secret = ?2 "
	  "WHERE id = ?1 AND totp_enabled_at IS NULL" },
	/* One statement: of two requests with one code, one changes the row. */
	{ STMT_TOTP_STEP,
	  "UPDATE users SET totp_last_step = ?2 "
	  "WHERE id = ?1 AND totp_last_step < ?2" },
	{ STMT_TOTP_ENABLE,
	  "UPDATE users SET totp_enabled_at = ?2 WHERE id = ?1 "
	  "AND totp_enabled_at IS NULL AND totp_secret IS NOT NULL" },
	{ STMT_TOTP_DISABLE,
	  "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL "
	  "WHERE id = ?1" },
	{ STMT_RECOVERY_CLEAR, "DELETE FROM recovery_codes WHERE user_id = ?1" },
	{ STMT_RECOVERY_INSERT,
	  "INSERT INTO recovery_codes (user_id, digest) VALUES (?1, ?2)" },
	{ STMT_RECOVERY_USE,
	  "DELETE FROM recovery_codes WHERE user_id = ?1 AND digest = ?2" },
	{ STMT__MAX, NULL }
};

enum store_rc
litestore_totp_get(void *h, int64_t user_id, struct totp_state *out)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_TOTP_GET];
	enum store_rc		 rc;

	sqlite3_bind_int64(st, 1, user_id);
	if ((rc = litestore_row(s, STMT_TOTP_GET)) != STORE_OK)
		return rc;
	if (litestore_text(st, 0, out->secret, sizeof(out->secret)) == -1)
		rc = STORE_ERR;
	out->on = sqlite3_column_int(st, 1) != 0;
	litestore_done(s, STMT_TOTP_GET);
	return rc;
}

/* Run statement i on (user_id, text): STORE_OK, or STORE_DENIED if no row changed. */
static enum store_rc
litestore_totp_write(struct litestore *s, enum stmt i, int64_t user_id,
    const char *text, int64_t value)
{
	sqlite3_stmt	*st = s->stmt[i];
	enum store_rc	 rc;

	sqlite3_bind_int64(st, 1, user_id);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 2, value);
	rc = litestore_exec(s, i);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		rc = STORE_DENIED;
	return rc;
}

/* After STORE_DENIED: is the user gone (STORE_NOTFOUND) or not (rc)? */
static enum store_rc
litestore_totp_why(struct litestore *s, int64_t user_id, enum store_rc rc)
{
	struct totp_state	 t;
	enum store_rc		 got;

	if (rc != STORE_DENIED)
		return rc;
	got = litestore_totp_get(s, user_id, &t);
	util_wipe(&t, sizeof(t));
	return got == STORE_OK ? rc : got;
}

enum store_rc
litestore_totp_enrol(void *h, int64_t user_id, const char *secret)
{
	struct litestore	*s = h;

	return litestore_totp_why(s, user_id, litestore_totp_write(s,
	    STMT_TOTP_ENROL, user_id, secret, 0));
}

enum store_rc
litestore_totp_step(void *h, int64_t user_id, int64_t step)
{
	struct litestore	*s = h;

	return litestore_totp_why(s, user_id, litestore_totp_write(s,
	    STMT_TOTP_STEP, user_id, NULL, step));
}

enum store_rc
litestore_totp_enable(void *h, int64_t user_id, int64_t step,
    const char *const *digests, size_t n, int64_t now,
    const char *keep_session)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st;
	enum store_rc		 rc;
	size_t			 i;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	rc = litestore_totp_write(s, STMT_TOTP_STEP, user_id, NULL, step);
	if (rc == STORE_OK)
		rc = litestore_totp_write(s, STMT_TOTP_ENABLE, user_id, NULL,
		    now);
	if (rc == STORE_OK) {
		sqlite3_bind_int64(s->stmt[STMT_RECOVERY_CLEAR], 1, user_id);
		rc = litestore_exec(s, STMT_RECOVERY_CLEAR);
	}
	for (i = 0; rc == STORE_OK && i < n; i++) {
		st = s->stmt[STMT_RECOVERY_INSERT];
		sqlite3_bind_int64(st, 1, user_id);
		sqlite3_bind_text(st, 2, digests[i], -1, SQLITE_STATIC);
		rc = litestore_exec(s, STMT_RECOVERY_INSERT);
	}
	if (rc == STORE_OK)
		rc = litestore_end_sessions(s, user_id, keep_session, NULL);
	rc = litestore_totp_why(s, user_id, rc);
	return litestore_end(s, rc);
}

enum store_rc
litestore_totp_recovery_use(void *h, int64_t user_id, const char *digest)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	rc = litestore_totp_write(s, STMT_RECOVERY_USE, user_id, digest, 0);
	return rc == STORE_DENIED ? STORE_NOTFOUND : rc;
}

enum store_rc
litestore_totp_disable(void *h, int64_t user_id, int *was_on)
{
	struct litestore	*s = h;
	struct totp_state	 t;
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	rc = litestore_totp_get(s, user_id, &t);
	if (rc == STORE_OK && was_on != NULL)
		*was_on = t.on;
	util_wipe(&t, sizeof(t));
	if (rc == STORE_OK) {
		sqlite3_bind_int64(s->stmt[STMT_TOTP_DISABLE], 1, user_id);
		rc = litestore_exec(s, STMT_TOTP_DISABLE);
	}
	if (rc == STORE_OK) {
		sqlite3_bind_int64(s->stmt[STMT_RECOVERY_CLEAR], 1, user_id);
		rc = litestore_exec(s, STMT_RECOVERY_CLEAR);
	}
	return litestore_end(s, rc);
}
