/*
 * store-pg-email: tokens mailed to users and the confirmation of their
 * addresses, on PostgreSQL (schema/postgresql/006-email.sql).
 */
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "pq.h"
#include "store-pg.h"

/* Tokens expired this long ago are pruned (until then: "expired"). */
#define PGSTORE_TOKEN_KEEP	86400

const struct pgstmt pgstore_email_stmts[] = {
	{ STMT_EMAIL_TOKEN_RETIRE, "email_token_retire", 2,
	  "DELETE FROM email_tokens WHERE user_id = $1 AND purpose = $2" },
	/* A bounded batch, as every prune on a request's path. */
	{ STMT_EMAIL_TOKEN_PRUNE, "email_token_prune", 1,
	  "DELETE FROM email_tokens WHERE digest IN (SELECT digest FROM "
	  "email_tokens WHERE expires_at < $1 LIMIT " PGSTORE_PRUNE_MAX
	  " FOR UPDATE SKIP LOCKED)" },
	{ STMT_EMAIL_TOKEN_INSERT, "email_token_insert", 6,
	  "INSERT INTO email_tokens (digest, user_id, purpose, email, "
	  "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)" },
	/* Taken and gone in one statement: a token works once. */
	{ STMT_EMAIL_TOKEN_TAKE, "email_token_take", 2,
	  "DELETE FROM email_tokens WHERE digest = $1 AND purpose = $2 "
	  "RETURNING user_id, email, expires_at" },
	/* The row locked: a confirmation and a change of address take turns. */
	{ STMT_EMAIL_USER, "email_user", 1,
	  "SELECT email, email_confirmed_at, locked_at FROM users "
	  "WHERE id = $1 FOR UPDATE" },
	/* A reset confirms too, but keeps the first confirmation's time. */
	{ STMT_EMAIL_CONFIRM, "email_confirm", 2,
	  "UPDATE users SET email_confirmed_at = "
	  "coalesce(email_confirmed_at, $2) WHERE id = $1" },
	{ STMT_EMAIL_CHANGE, "email_change", 3,
	  "UPDATE users SET email = $2, email_confirmed_at = $3 WHERE id = $1" },
	{ STMT__MAX, NULL, 0, NULL }
};

/* What a token's use reads of user id, its row locked. */
static enum store_rc
pgstore_email_user(struct pgstore *s, int64_t id, struct email_user *u)
{
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;

	pgparam_int(&p, 0, id);
	if ((rc = pgstore_row(s, STMT_EMAIL_USER, p.v, &res)) != STORE_OK)
		return rc;
	if (pgstore_text(res, 0, 0, u->email, sizeof(u->email)) == -1 ||
	    pgstore_int_or_0(res, 0, 1, &u->confirmed_at) == -1 ||
	    pgstore_int_or_0(res, 0, 2, &u->locked_at) == -1) {
		log_msg(NULL, "database: user row %lld is malformed",
		    (long long)id);
		rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}

enum store_rc
pgstore_email_token_insert(void *h, const struct email_token *t)
{
	struct pgstore		*s = h;
	struct pgparams		 p;
	struct email_user	 u;
	enum store_rc		 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	rc = pgstore_email_user(s, t->user_id, &u);
	if (rc == STORE_OK) {
		pgparam_int(&p, 0, t->now - PGSTORE_TOKEN_KEEP);
		rc = pgstore_exec(s, STMT_EMAIL_TOKEN_PRUNE, p.v, NULL);
	}
	if (rc == STORE_OK) {
		pgparam_int(&p, 0, t->user_id);
		p.v[1] = t->purpose;
		rc = pgstore_exec(s, STMT_EMAIL_TOKEN_RETIRE, p.v, NULL);
	}
	if (rc == STORE_OK) {
		p.v[0] = t->digest;
		pgparam_int(&p, 1, t->user_id);
		p.v[2] = t->purpose;
		p.v[3] = t->email;
		pgparam_int(&p, 4, t->now);
		pgparam_int(&p, 5, t->expires_at);
		rc = pgstore_exec(s, STMT_EMAIL_TOKEN_INSERT, p.v, NULL);
	}
	return pgstore_end(s, rc);
}

enum store_rc
pgstore_email_token_use(void *h, const char *purpose, const char *digest,
    int64_t now, const char *new_hash, enum email_outcome *outcome,
    int64_t *user_id)
{
	struct pgstore		*s = h;
	struct pgparams		 p;
	PGresult		*res;
	char			 sent_to[USER_EMAIL_MAX + 1];
	struct email_user	 u;
	int64_t			 expires_at;
	enum store_rc		 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	p.v[0] = digest;
	p.v[1] = purpose;
	if ((rc = pgstore_row(s, STMT_EMAIL_TOKEN_TAKE, p.v, &res)) != STORE_OK)
		return pgstore_end(s, rc);
	if (pgstore_int(res, 0, 0, user_id) == -1 ||
	    pgstore_text(res, 0, 1, sent_to, sizeof(sent_to)) == -1 ||
	    pgstore_int(res, 0, 2, &expires_at) == -1) {
		log_msg(NULL, "database: an e-mail token row is malformed");
		rc = STORE_ERR;
	}
	pq.PQclear(res);
	if (rc == STORE_OK)
		rc = pgstore_email_user(s, *user_id, &u);
	if (rc == STORE_NOTFOUND) {
		/* Its user is gone (the cascade would have taken it). */
		*outcome = EMAIL_STALE;
		rc = STORE_OK;
	} else if (rc == STORE_OK && (*outcome = store_email_outcome(purpose,
	    expires_at, now, sent_to, &u)) == EMAIL_CONFIRMED) {
		pgparam_int(&p, 0, *user_id);
		if (strcmp(purpose, STORE_TOKEN_CHANGE) == 0) {
			/*
			 * Taken meanwhile: the statement failed, so the
			 * transaction is rolled back (the token stays).
			 */
			p.v[1] = sent_to;
			pgparam_int(&p, 2, now);
			rc = pgstore_exec(s, STMT_EMAIL_CHANGE, p.v, NULL);
			if (rc == STORE_EXISTS) {
				*outcome = EMAIL_TAKEN;
				pgstore_end(s, rc);
				return STORE_OK;
			}
			return pgstore_end(s, rc);
		}
		pgparam_int(&p, 1, now);
		rc = pgstore_exec(s, STMT_EMAIL_CONFIRM, p.v, NULL);
		/* A reset: the new password, and no session of the old one. */
		if (rc == STORE_OK && new_hash != NULL) {
			p.v[1] = new_hash;
			if ((rc = pgstore_change(s, STMT_USER_SET_PASSWORD,
			    p.v)) == STORE_OK)
				rc = pgstore_sessions_end(s, *user_id, NULL,
				    NULL);
		}
	}
	return pgstore_end(s, rc);
}

enum store_rc
pgstore_user_confirmed(void *h, int64_t id, int64_t *confirmed_at)
{
	struct email_user	 u;
	enum store_rc		 rc;

	/* Outside a transaction the row lock ends with the statement. */
	if ((rc = pgstore_email_user(h, id, &u)) == STORE_OK)
		*confirmed_at = u.confirmed_at;
	return rc;
}
