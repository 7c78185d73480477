/*
 * store-sqlite-throttle: the throttle's counters on SQLite: read, updated
 * and cleared per key by throttle.c, and listed for the operator.
 */
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store-sqlite.h"

const struct litestore_sql litestore_throttle_sql[] = {
	{ STMT_THROTTLE_GET,
	  "SELECT count, level, last_at, blocked_until, pending FROM throttle "
	  "WHERE key = ?1" },
	{ STMT_THROTTLE_PUT,
	  "INSERT OR REPLACE INTO throttle (key, count, level, last_at, "
	  "blocked_until, pending) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" },
	{ STMT_THROTTLE_DELETE, "DELETE FROM throttle WHERE key = ?1" },
	{ STMT_THROTTLE_PRUNE,
	  "DELETE FROM throttle WHERE last_at < ?1 AND blocked_until < ?1" },
	{ STMT_THROTTLE_LIST,
	  "SELECT key, count, level, last_at, blocked_until, pending "
	  "FROM throttle ORDER BY key" },
	{ STMT__MAX, NULL }
};

enum store_rc
litestore_throttle_get(void *h, const char *key, struct throttle_row *row)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_THROTTLE_GET];
	enum store_rc		 rc = STORE_OK;
	int			 step;

	memset(row, 0, sizeof(*row));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		row->count = sqlite3_column_int64(st, 0);
		row->level = sqlite3_column_int64(st, 1);
		row->last_at = sqlite3_column_int64(st, 2);
		row->blocked_until = sqlite3_column_int64(st, 3);
		row->pending = sqlite3_column_int64(st, 4);
	} else if (step != SQLITE_DONE)
		rc = litestore_rc(s, step, sqlite3_sql(st));
	litestore_done(s, STMT_THROTTLE_GET);
	return rc;
}

enum store_rc
litestore_throttle_update(void *h, const char *const *keys, size_t n,
    int64_t forget_before, store_throttle_fn fn, void *arg)
{
	struct litestore	*s = h;
	sqlite3_stmt		*put = s->stmt[STMT_THROTTLE_PUT];
	struct throttle_row	 row;
	enum store_rc		 rc;
	size_t			 i;

	/* IMMEDIATE: read-modify-write by many processes at once. */
	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	sqlite3_bind_int64(s->stmt[STMT_THROTTLE_PRUNE], 1, forget_before);
	rc = litestore_exec(s, STMT_THROTTLE_PRUNE);
	for (i = 0; i < n && rc == STORE_OK; i++) {
		if ((rc = litestore_throttle_get(s, keys[i], &row)) != STORE_OK)
			break;
		if (fn(arg, i, &row) == -1) {
			rc = STORE_DENIED;
			break;
		}
		sqlite3_bind_text(put, 1, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(put, 2, row.count);
		sqlite3_bind_int64(put, 3, row.level);
		sqlite3_bind_int64(put, 4, row.last_at);
		sqlite3_bind_int64(put, 5, row.blocked_until);
		sqlite3_bind_int64(put, 6, row.pending);
		rc = litestore_exec(s, STMT_THROTTLE_PUT);
	}
	return litestore_end(s, rc);
}

enum store_rc
litestore_throttle_delete(void *h, const char *const *keys, size_t n)
{
	struct litestore	*s = h;
	enum store_rc		 rc;
	size_t			 i;

	if ((rc = litestore_exec(s, STMT_BEGIN)) != STORE_OK)
		return rc;
	for (i = 0; i < n && rc == STORE_OK; i++) {
		sqlite3_bind_text(s->stmt[STMT_THROTTLE_DELETE], 1, keys[i], -1,
		    SQLITE_STATIC);
		rc = litestore_exec(s, STMT_THROTTLE_DELETE);
	}
	return litestore_end(s, rc);
}

enum store_rc
litestore_throttle_list(void *h, store_throttle_row_fn fn, void *arg)
{
	struct litestore	*s = h;
	sqlite3_stmt		*st = s->stmt[STMT_THROTTLE_LIST];
	struct throttle_row	 row;
	const char		*key;
	enum store_rc		 rc = STORE_OK;
	int			 step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(st, 0);
		row.count = sqlite3_column_int64(st, 1);
		row.level = sqlite3_column_int64(st, 2);
		row.last_at = sqlite3_column_int64(st, 3);
		row.blocked_until = sqlite3_column_int64(st, 4);
		row.pending = sqlite3_column_int64(st, 5);
		if (key == NULL) {
			log_msg(NULL, "database: cannot read a throttle key");
			rc = STORE_ERR;
			break;
		}
		if (fn(arg, key, &row) == -1) {
			rc = STORE_ERR;
			break;
		}
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = litestore_rc(s, step, sqlite3_sql(st));
	litestore_done(s, STMT_THROTTLE_LIST);
	return rc;
}
