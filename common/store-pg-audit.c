/*
 * store-pg-audit: the audit log on PostgreSQL.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "pq.h"
#include "store-pg.h"

const struct pgstmt pgstore_audit_stmts[] = {
	{ STMT_AUDIT_INSERT, "audit_insert", 5,
	  "INSERT INTO audit (at, event, user_id, client, detail) "
	  "VALUES ($1, $2, $3, $4, $5)" },
	/*
	 * The oldest first, by the at index, in a bounded batch; rows
	 * another node's prune holds are skipped rather than waited for.
	 */
	{ STMT_AUDIT_PRUNE, "audit_prune", 1,
	  "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < $1 "
	  "ORDER BY at LIMIT " PGSTORE_PRUNE_MAX " FOR UPDATE SKIP LOCKED)" },
	/*
	 * The newest $3 (NULL: all) since $1 that match, handed out oldest
	 * first.  Two statements, so that the inner query walks audit_at, or
	 * audit_user for one user's ($4) events.
	 */
	{ STMT_AUDIT_LIST, "audit_list", 3,
	  "SELECT id, at, event, user_id, client, detail FROM ("
	  "SELECT id, at, event, user_id, client, detail FROM audit "
	  "WHERE at >= $1 AND ($2::text IS NULL OR event = $2::text) "
	  "ORDER BY at DESC, id DESC LIMIT $3) AS a ORDER BY at, id" },
	{ STMT_AUDIT_LIST_USER, "audit_list_user", 4,
	  "SELECT id, at, event, user_id, client, detail FROM ("
	  "SELECT id, at, event, user_id, client, detail FROM audit "
	  "WHERE user_id = $4 AND at >= $1 "
	  "AND ($2::text IS NULL OR event = $2::text) "
	  "ORDER BY at DESC, id DESC LIMIT $3) AS a ORDER BY at, id" },
	{ STMT_AUDIT_SAVEPOINT, "audit_savepoint", 0, "SAVEPOINT audit" },
	/* Undoes the insert and prune; the savepoint stays, to be released. */
	{ STMT_AUDIT_ROLLBACK, "audit_rollback", 0, "ROLLBACK TO SAVEPOINT audit" },
	{ STMT_AUDIT_RELEASE, "audit_release", 0, "RELEASE SAVEPOINT audit" },
	{ STMT__MAX, NULL, 0, NULL }
};

/* Add e, then prune a batch of events older than prune_before. */
static enum store_rc
pgstore_audit_add(struct pgstore *s, const struct audit_event *e,
    int64_t prune_before)
{
	struct pgparams	 p;
	enum store_rc	 rc;

	pgparam_int(&p, 0, e->at);
	p.v[1] = e->event;
	/* No account (an unknown e-mail): NULL, not a user id 0. */
	p.v[2] = NULL;
	if (e->user_id != 0)
		pgparam_int(&p, 2, e->user_id);
	p.v[3] = e->client;
	p.v[4] = e->detail;
	if ((rc = pgstore_exec(s, STMT_AUDIT_INSERT, p.v, NULL)) != STORE_OK)
		return rc;
	pgparam_int(&p, 0, prune_before);
	return pgstore_exec(s, STMT_AUDIT_PRUNE, p.v, NULL);
}

/*
 * Inside a transaction, so that the event costs no commit of its own.  A
 * failure is logged and undone to a savepoint (a failed statement would
 * otherwise abort the whole transaction): it never undoes what the
 * transaction did besides.
 */
void
pgstore_audit_write(struct pgstore *s, const struct audit_event *e,
    int64_t prune_before)
{
	if (pgstore_exec(s, STMT_AUDIT_SAVEPOINT, NULL, NULL) != STORE_OK)
		return;
	if (pgstore_audit_add(s, e, prune_before) != STORE_OK) {
		log_msg(NULL, "database: could not record the audit event %s",
		    e->event);
		pgstore_exec(s, STMT_AUDIT_ROLLBACK, NULL, NULL);
	}
	pgstore_exec(s, STMT_AUDIT_RELEASE, NULL, NULL);
}

enum store_rc
pgstore_audit_insert(void *h, const struct audit_event *e,
    int64_t prune_before)
{
	struct pgstore	*s = h;
	enum store_rc	 rc;

	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	return pgstore_end(s, pgstore_audit_add(s, e, prune_before));
}

enum store_rc
pgstore_audit_list(void *h, const struct audit_filter *f, store_audit_fn fn,
    void *arg)
{
	struct pgstore		*s = h;
	struct pgparams		 p;
	struct audit_event	 e;
	PGresult		*res;
	enum store_rc		 rc = STORE_OK;
	int			 r, n;

	pgparam_int(&p, 0, f->since != 0 ? f->since : INT64_MIN);
	p.v[1] = f->event;
	/* LIMIT NULL is none. */
	p.v[2] = NULL;
	if (f->limit > 0)
		pgparam_int(&p, 2, f->limit);
	if (f->user_id != 0)
		pgparam_int(&p, 3, f->user_id);
	if ((res = pgstore_run(s, f->user_id != 0 ? STMT_AUDIT_LIST_USER :
	    STMT_AUDIT_LIST, p.v, &rc)) == NULL)
		return rc;
	n = pq.PQntuples(res);
	for (r = 0; r < n && rc == STORE_OK; r++) {
		if (pgstore_int(res, r, 0, &e.id) == -1 ||
		    pgstore_int(res, r, 1, &e.at) == -1 ||
		    pgstore_int_or_0(res, r, 3, &e.user_id) == -1 ||
		    pq.PQgetisnull(res, r, 2) || pq.PQgetisnull(res, r, 4) ||
		    pq.PQgetisnull(res, r, 5)) {
			log_msg(NULL, "database: audit row %d is malformed", r);
			rc = STORE_ERR;
			break;
		}
		e.event = pq.PQgetvalue(res, r, 2);
		e.client = pq.PQgetvalue(res, r, 4);
		e.detail = pq.PQgetvalue(res, r, 5);
		if (fn(arg, &e) == -1)
			rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}
