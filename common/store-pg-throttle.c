/*
 * store-pg-throttle: the throttle's counters on PostgreSQL, under a lock per
 * key across nodes: read, updated and cleared by throttle.c, and listed
 * for the operator.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "pq.h"
#include "store-pg.h"

#define PGSTORE_THROTTLE_PRUNE_MAX	"20"

const struct pgstmt pgstore_throttle_stmts[] = {
	/*
	 * One advisory lock per key ($1 is a text array), so that log-ins of
	 * different clients go on in parallel on every node while updates of
	 * one key take turns, as under SQLite's write lock; row locks alone
	 * would not cover a key nobody has written yet.  Taken in the order of
	 * their hash values, so two updates never wait for each other both
	 * ways.  Held until COMMIT or ROLLBACK; each waits at most
	 * lock_timeout.
	 */
	{ STMT_THROTTLE_LOCK, "throttle_lock", 1,
	  "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT "
	  "hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k "
	  "ORDER BY h) AS locks" },
	{ STMT_THROTTLE_GET, "throttle_get", 1,
	  "SELECT count, level, last_at, blocked_until, pending FROM throttle "
	  "WHERE key = $1" },
	{ STMT_THROTTLE_PUT, "throttle_put", 6,
	  "INSERT INTO throttle (key, count, level, last_at, blocked_until, "
	  "pending) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO UPDATE "
	  "SET count = excluded.count, level = excluded.level, "
	  "last_at = excluded.last_at, blocked_until = excluded.blocked_until, "
	  "pending = excluded.pending" },
	{ STMT_THROTTLE_DELETE, "throttle_delete", 1,
	  "DELETE FROM throttle WHERE key = $1" },
	/*
	 * A bounded batch of quiet rows whose key lock we can take without
	 * waiting: a row being updated is left alone, and the key stays
	 * locked until we commit, so no update waits on our delete while we
	 * wait on it (no LIMIT-defeating ORDER BY: the lock is taken as the
	 * rows are found).
	 */
	{ STMT_THROTTLE_PRUNE, "throttle_prune", 1,
	  "DELETE FROM throttle WHERE key IN (SELECT key FROM throttle "
	  "WHERE last_at < $1 AND blocked_until < $1 AND "
	  "pg_try_advisory_xact_lock(hashtextextended(key, 0)) "
	  "LIMIT " PGSTORE_THROTTLE_PRUNE_MAX " FOR UPDATE SKIP LOCKED)" },
	/* Byte order, as SQLite lists them, whatever the database's locale. */
	{ STMT_THROTTLE_LIST, "throttle_list", 0,
	  "SELECT key, count, level, last_at, blocked_until, pending "
	  "FROM throttle ORDER BY key COLLATE \"C\"" },
	{ STMT__MAX, NULL, 0, NULL }
};

enum store_rc
pgstore_throttle_get(void *h, const char *key, struct throttle_row *row)
{
	PGresult	*res;
	enum store_rc	 rc;

	memset(row, 0, sizeof(*row));
	if ((rc = pgstore_row(h, STMT_THROTTLE_GET, &key, &res)) != STORE_OK)
		return rc == STORE_NOTFOUND ? STORE_OK : rc;
	if (pgstore_int(res, 0, 0, &row->count) == -1 ||
	    pgstore_int(res, 0, 1, &row->level) == -1 ||
	    pgstore_int(res, 0, 2, &row->last_at) == -1 ||
	    pgstore_int(res, 0, 3, &row->blocked_until) == -1 ||
	    pgstore_int(res, 0, 4, &row->pending) == -1) {
		log_msg(NULL, "database: throttle row is malformed");
		rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}

/*
 * Inside a write transaction: take the lock of each of keys[0..n-1] (see
 * STMT_THROTTLE_LOCK), waiting at most lock_timeout for each.
 */
static enum store_rc
pgstore_throttle_lock(struct pgstore *s, const char *const *keys, size_t n)
{
	enum store_rc	 rc;
	const char	*c, *param;
	char		*array, *p;
	size_t		 i, len = 3;

	/* An array literal: each key quoted, its " and \ escaped. */
	for (i = 0; i < n; i++)
		len += 2 * strlen(keys[i]) + 3;
	if ((p = array = malloc(len)) == NULL) {
		log_msg(NULL, "database: throttle lock: out of memory");
		return STORE_ERR;
	}
	*p++ = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		*p++ = '"';
		for (c = keys[i]; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	param = array;
	rc = pgstore_exec(s, STMT_THROTTLE_LOCK, &param, NULL);
	free(array);
	return rc;
}

enum store_rc
pgstore_throttle_update(void *h, const char *const *keys, size_t n,
    int64_t forget_before, store_throttle_fn fn, void *arg)
{
	struct pgstore		*s = h;
	struct throttle_row	 row;
	struct pgparams		 p;
	enum store_rc		 rc;
	size_t			 i;

	/* Read-modify-write by many processes on many nodes: keys take turns. */
	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	if ((rc = pgstore_throttle_lock(s, keys, n)) == STORE_OK) {
		pgparam_int(&p, 0, forget_before);
		rc = pgstore_exec(s, STMT_THROTTLE_PRUNE, p.v, NULL);
	}
	for (i = 0; i < n && rc == STORE_OK; i++) {
		if ((rc = pgstore_throttle_get(s, keys[i], &row)) != STORE_OK)
			break;
		if (fn(arg, i, &row) == -1) {
			rc = STORE_DENIED;
			break;
		}
		p.v[0] = keys[i];
		pgparam_int(&p, 1, row.count);
		pgparam_int(&p, 2, row.level);
		pgparam_int(&p, 3, row.last_at);
		pgparam_int(&p, 4, row.blocked_until);
		pgparam_int(&p, 5, row.pending);
		rc = pgstore_exec(s, STMT_THROTTLE_PUT, p.v, NULL);
	}
	return pgstore_end(s, rc);
}

enum store_rc
pgstore_throttle_delete(void *h, const char *const *keys, size_t n)
{
	struct pgstore	*s = h;
	enum store_rc	 rc;
	size_t		 i;

	/*
	 * The same locks as an update: a delete waits for an update in
	 * progress (as under SQLite's BEGIN IMMEDIATE) rather than being
	 * undone by its write.
	 */
	if ((rc = pgstore_begin(s)) != STORE_OK)
		return rc;
	rc = pgstore_throttle_lock(s, keys, n);
	for (i = 0; i < n && rc == STORE_OK; i++)
		rc = pgstore_exec(s, STMT_THROTTLE_DELETE, &keys[i], NULL);
	return pgstore_end(s, rc);
}

enum store_rc
pgstore_throttle_list(void *h, store_throttle_row_fn fn, void *arg)
{
	struct pgstore		*s = h;
	struct throttle_row	 row;
	PGresult		*res;
	enum store_rc		 rc = STORE_OK;
	int			 r, n;

	if ((res = pgstore_run(s, STMT_THROTTLE_LIST, NULL, &rc)) == NULL)
		return rc;
	n = pq.PQntuples(res);
	for (r = 0; r < n && rc == STORE_OK; r++) {
		if (pq.PQgetisnull(res, r, 0) ||
		    pgstore_int(res, r, 1, &row.count) == -1 ||
		    pgstore_int(res, r, 2, &row.level) == -1 ||
		    pgstore_int(res, r, 3, &row.last_at) == -1 ||
		    pgstore_int(res, r, 4, &row.blocked_until) == -1 ||
		    pgstore_int(res, r, 5, &row.pending) == -1) {
			log_msg(NULL, "database: throttle row %d is malformed",
			    r);
			rc = STORE_ERR;
		} else if (fn(arg, pq.PQgetvalue(res, r, 0), &row) == -1)
			rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}
