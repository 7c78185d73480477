/*
 * store-sqlite-audit: the audit log on SQLite.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store-sqlite.h"

/* Old events deleted per insert: enough to keep up, never a long write. */
#define AUDIT_PRUNE_BATCH	100

const struct litestore_sql litestore_audit_sql[] = {
	{ STMT_AUDIT_INSERT,
	  "INSERT INTO audit (at, event, user_id, client, detail) "
	  "VALUES (?1, ?2, ?3, ?4, ?5)" },
	/*
	 * Ids follow the order events were written in, so the oldest is the
	 * lowest id: one seek says whether anything is old enough to prune,
	 * and the prune is a range of ids, with no index on at to keep up to
	 * date at every event (nor a temporary table for an IN list, which
	 * every event paid for).  An event written a moment out of order
	 * waits for the next prune.
	 */
	{ STMT_AUDIT_OLD,
	  "SELECT id FROM audit WHERE id = (SELECT min(id) FROM audit) "
	  "AND at < ?1" },
	{ STMT_AUDIT_PRUNE,
	  "DELETE FROM audit WHERE id >= ?2 AND id < ?2 + ?3 AND at < ?1" },
	/*
	 * The newest ?4 (-1: all) that match, handed out oldest first.  Two
	 * statements, so that one user's events are found by audit_user; a
	 * listing of everyone's (the admin tool's) reads the whole table.
	 */
	{ STMT_AUDIT_LIST,
	  "SELECT id, at, event, user_id, client, detail FROM ("
	  "SELECT id, at, event, user_id, client, detail FROM audit "
	  "WHERE at >= ?2 AND (?3 IS NULL OR event = ?3) "
	  "ORDER BY at DESC, id DESC LIMIT ?4) ORDER BY at, id" },
	{ STMT_AUDIT_LIST_USER,
	  "SELECT id, at, event, user_id, client, detail FROM ("
	  "SELECT id, at, event, user_id, client, detail FROM audit "
	  "WHERE user_id = ?1 AND at >= ?2 AND (?3 IS NULL OR event = ?3) "
	  "ORDER BY at DESC, id DESC LIMIT ?4) ORDER BY at, id" },
	{ STMT_AUDIT_SAVEPOINT, "SAVEPOINT audit" },
	/* Undoes the insert and prune; the savepoint stays, to be released. */
	{ STMT_AUDIT_ROLLBACK, "ROLLBACK TO audit" },
	{ STMT_AUDIT_RELEASE, "RELEASE audit" },
	{ STMT__MAX, NULL }
};

/* Add e, then prune a batch of events older than prune_before. */
static enum store_rc
litestore_audit_add(struct litestore *s, const struct audit_event *e,
    int64_t prune_before)
{
	sqlite3_stmt	*st = s->stmt[STMT_AUDIT_INSERT];
	enum store_rc	 rc;
	int64_t		 oldest;

	sqlite3_bind_int64(st, 1, e->at);
	sqlite3_bind_text(st, 2, e->event, -1, SQLITE_STATIC);
	/* No account (an unknown e-mail): NULL, not a user id 0. */
	if (e->user_id != 0)
		sqlite3_bind_int64(st, 3, e->user_id);
	sqlite3_bind_text(st, 4, e->client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->detail, -1, SQLITE_STATIC);
	if ((rc = litestore_exec(s, STMT_AUDIT_INSERT)) != STORE_OK)
		return rc;
	st = s->stmt[STMT_AUDIT_OLD];
	sqlite3_bind_int64(st, 1, prune_before);
	if ((rc = litestore_row(s, STMT_AUDIT_OLD)) != STORE_OK)
		return rc == STORE_NOTFOUND ? STORE_OK : rc;
	oldest = sqlite3_column_int64(st, 0);
	litestore_done(s, STMT_AUDIT_OLD);
	st = s->stmt[STMT_AUDIT_PRUNE];
	sqlite3_bind_int64(st, 1, prune_before);
	sqlite3_bind_int64(st, 2, oldest);
	sqlite3_bind_int(st, 3, AUDIT_PRUNE_BATCH);
	return litestore_exec(s, STMT_AUDIT_PRUNE);
}

/*
 * Inside a write transaction, so that the event costs no commit of its
 * own.  A failure is logged and undone to a savepoint: it never undoes
 * what the transaction did besides.
 */
void
litestore_audit_write(struct litestore *s, const struct audit_event *e,
    int64_t prune_before)
{
	if (litestore_exec(s, STMT_AUDIT_SAVEPOINT) != STORE_OK)
		return;
	if (litestore_audit_add(s, e, prune_before) != STORE_OK) {
		log_msg(NULL, "database: could not record the audit event %s",
		    e->event);
		litestore_exec(s, STMT_AUDIT_ROLLBACK);
	}
	litestore_exec(s, STMT_AUDIT_RELEASE);
}

enum store_rc
litestore_audit_insert(void *h, const struct audit_event *e,
    int64_t prune_before)
{
	struct litestore	*s = h;
	enum store_rc		 rc;

	if ((rc = litestore_begin_light(s)) != STORE_OK)
		return rc;
	return litestore_end_light(s, litestore_audit_add(s, e, prune_before));
}

enum store_rc
litestore_audit_list(void *h, const struct audit_filter *f,
    store_audit_fn fn, void *arg)
{
	struct litestore	*s = h;
	enum stmt		 i;
	sqlite3_stmt		*st;
	struct audit_event	 e;
	enum store_rc		 rc = STORE_OK;
	int			 step;

	i = f->user_id != 0 ? STMT_AUDIT_LIST_USER : STMT_AUDIT_LIST;
	st = s->stmt[i];
	if (f->user_id != 0)
		sqlite3_bind_int64(st, 1, f->user_id);
	sqlite3_bind_int64(st, 2, f->since != 0 ? f->since : INT64_MIN);
	if (f->event != NULL)
		sqlite3_bind_text(st, 3, f->event, -1, SQLITE_STATIC);
	/* A negative LIMIT is none. */
	sqlite3_bind_int64(st, 4, f->limit > 0 ? f->limit : -1);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(st, 0);
		e.at = sqlite3_column_int64(st, 1);
		e.event = (const char *)sqlite3_column_text(st, 2);
		e.user_id = sqlite3_column_int64(st, 3);
		e.client = (const char *)sqlite3_column_text(st, 4);
		e.detail = (const char *)sqlite3_column_text(st, 5);
		/* NOT NULL columns: NULL is out of memory. */
		if (e.event == NULL || e.client == NULL || e.detail == NULL) {
			log_msg(NULL, "database: cannot read audit event %lld",
			    (long long)e.id);
			rc = STORE_ERR;
			break;
		}
		if (fn(arg, &e) == -1) {
			rc = STORE_ERR;
			break;
		}
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = litestore_rc(s, step, sqlite3_sql(st));
	litestore_done(s, i);
	return rc;
}
