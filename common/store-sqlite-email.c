/*
 * store-sqlite-email: tokens mailed to users and the confirmation of their
 * addresses, on SQLite (schema/006-email.sql).
 */
#include <string.h>

#include <sqlite3.h>

#include "store-sqlite.h"

/* Tokens expired this long ago are pruned (until then: "expired"). */
#define LITESTORE_TOKEN_KEEP	86400

const struct litestore_sql litestore_email_sql[] = {
	{ STMT_EMAIL_TOKEN_RETIRE,
	  "DELETE FROM email_tokens WHERE user_id = ?1 AND purpose = ?2" },
	{ STMT_EMAIL_TOKEN_PRUNE,
	  "DELETE FROM email_tokens WHERE expires_at < ?1" },
	{ STMT_EMAIL_TOKEN_INSERT,
	  "INSERT INTO email_tokens (digest, user_id, purpose, email, "
	  "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" },
	/* Taken and gone in one step: a token works once. */
	{ STMT_EMAIL_TOKEN_TAKE,
	  "DELETE FROM email_tokens WHERE digest = ?1 AND purpose = ?2 "
	  "RETURNING user_id, email, expires_at" },
	{ STMT_EMAIL_USER,
	  "SELECT email, coalesce(email_confirmed_at, 0), "
	  "coalesce(locked_at, 0) FROM users WHERE id = ?1" },
	/* A reset confirms too, but keeps the first confirmation's time. */
	{ STMT_EMAIL_CONFIRM,
	  "UPDATE users SET email_confirmed_at = "
	  "coalesce(email_confirmed_at, ?2) WHERE id = ?1" },
	/* A unique violation (the address taken meanwhile) rolls back. */
	{ STMT_EMAIL_CHANGE,
	  "UPDATE users SET email = ?2, email_confirmed_at = ?3 WHERE id = ?1" },
	{ STMT__MAX, NULL }
};

/* Within a transaction or not: what a token's use reads of user id. */
static enum store_rc
litestore_email_user(struct litestore *s, int64_t id, struct email_user *u)
{
	sqlite3_stmt	*st = s->stmt[STMT_EMAIL_USER];
	enum store_rc	 rc;

	sqlite3_bind_int64(st, 1, id);
	if ((rc = litestore_row(s, STMT_EMAIL_USER)) != STORE_OK)
		return rc;
	if (litestore_text(st, 0, u->email, sizeof(u->email)) == -1)
		rc = STORE_ERR;
	u->confirmed_at = sqlite3_column_int64(st, 1);
	u->locked_at = sqlite3_column_int64(st, 2);
	litestore_done(s, STMT_EMAIL_USER);
	return rc;
}

enum store_rc
litestore_email_token_insert(void *h, const struct email_token *t)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st;
	struct email_user	 u;
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	rc = litestore_email_user(s, t->user_id, &u);
	if (rc == STORE_OK) {
		st = s->stmt[STMT_EMAIL_TOKEN_PRUNE];
		sqlite3_bind_int64(st, 1, t->now - LITESTORE_TOKEN_KEEP);
		rc = litestore_exec(s, STMT_EMAIL_TOKEN_PRUNE);
	}
	if (rc == STORE_OK) {
		st = s->stmt[STMT_EMAIL_TOKEN_RETIRE];
		sqlite3_bind_int64(st, 1, t->user_id);
		sqlite3_bind_text(st, 2, t->purpose, -1, SQLITE_STATIC);
		rc = litestore_exec(s, STMT_EMAIL_TOKEN_RETIRE);
	}
	if (rc == STORE_OK) {
		st = s->stmt[STMT_EMAIL_TOKEN_INSERT];
		sqlite3_bind_text(st, 1, t->digest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, t->user_id);
		sqlite3_bind_text(st, 3, t->purpose, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, t->email, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, t->now);
		sqlite3_bind_int64(st, 6, t->expires_at);
		rc = litestore_exec(s, STMT_EMAIL_TOKEN_INSERT);
	}
	return litestore_end(s, rc);
}

enum store_rc
litestore_email_token_use(void *h, const char *purpose, const char *digest,
    int64_t now, const char *new_hash, enum email_outcome *outcome,
    int64_t *user_id)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_EMAIL_TOKEN_TAKE];
	char			 sent_to[USER_EMAIL_MAX + 1];
	struct email_user	 u;
	int64_t			 expires_at;
	enum store_rc		 rc;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, purpose, -1, SQLITE_STATIC);
	if ((rc = litestore_row(s, STMT_EMAIL_TOKEN_TAKE)) != STORE_OK)
		return litestore_end(s, rc);
	*user_id = sqlite3_column_int64(st, 0);
	expires_at = sqlite3_column_int64(st, 2);
	if (litestore_text(st, 1, sent_to, sizeof(sent_to)) == -1)
		rc = STORE_ERR;
	/* Stepped to its end, so the delete is done before the reset. */
	if (rc == STORE_OK && sqlite3_step(st) != SQLITE_DONE)
		rc = STORE_ERR;
	litestore_done(s, STMT_EMAIL_TOKEN_TAKE);
	if (rc == STORE_OK)
		rc = litestore_email_user(s, *user_id, &u);
	if (rc == STORE_NOTFOUND) {
		/* Its user is gone (the cascade would have taken it). */
		*outcome = EMAIL_STALE;
		rc = STORE_OK;
	} else if (rc == STORE_OK && (*outcome = store_email_outcome(purpose,
	    expires_at, now, sent_to, &u)) == EMAIL_CONFIRMED) {
		if (strcmp(purpose, STORE_TOKEN_CHANGE) == 0) {
			st = s->stmt[STMT_EMAIL_CHANGE];
			sqlite3_bind_int64(st, 1, *user_id);
			sqlite3_bind_text(st, 2, sent_to, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, now);
			/* Taken meanwhile: rolled back (the token stays). */
			if ((rc = litestore_exec(s, STMT_EMAIL_CHANGE)) ==
			    STORE_EXISTS) {
				*outcome = EMAIL_TAKEN;
				litestore_end(s, rc);
				return STORE_OK;
			}
			return litestore_end(s, rc);
		}
		sqlite3_bind_int64(s->stmt[STMT_EMAIL_CONFIRM], 1, *user_id);
		sqlite3_bind_int64(s->stmt[STMT_EMAIL_CONFIRM], 2, now);
		rc = litestore_exec(s, STMT_EMAIL_CONFIRM);
		/* A reset: the new password, and no session of the old one. */
		if (rc == STORE_OK && new_hash != NULL &&
		    (rc = litestore_set_hash(s, *user_id, new_hash)) == STORE_OK)
			rc = litestore_end_sessions(s, *user_id, NULL, NULL);
	}
	return litestore_end(s, rc);
}

enum store_rc
litestore_user_confirmed(void *h, int64_t id, int64_t *confirmed_at)
{
	struct email_user	 u;
	enum store_rc		 rc;

	if ((rc = litestore_email_user(h, id, &u)) == STORE_OK)
		*confirmed_at = u.confirmed_at;
	return rc;
}
