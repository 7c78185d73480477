/*
 * store-pg-copy: store_copy()'s PostgreSQL side: one transaction into a
 * migrated, empty database, fed row by row from the SQLite file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "pq.h"
#include "schema.h"
#include "store-pg.h"
#include "util.h"

/* One table's insert; prepared on the copy's own connection. */
struct pgcopy_stmt {
	const char	*name;
	int		 nparams;
	const char	*sql;
};

/*
 * Where each table's rows go, in the order of enum copy_table; a NULL
 * value (locked_at, email_confirmed_at, refresh_digest, an audit event's
 * user_id) goes in as NULL.  Tokens mailed to users are not copied: a
 * link sent before the move asks for a new one.
 */
static const struct pgcopy_stmt copy_stmts[COPY_SEQUENCE] = {
	/* OVERRIDING SYSTEM VALUE: the ids are kept, so tokens stay valid. */
	[COPY_USERS] = { "copy_users", 10,
	  "INSERT INTO users (id, email, name, password, created_at, "
	  "locked_at, email_confirmed_at, totp_secret, totp_enabled_at, "
	  "totp_last_step) OVERRIDING SYSTEM VALUE "
	  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)" },
	[COPY_POSTS] = { "copy_posts", 6,
	  "INSERT INTO posts (id, author_id, title, content, created_at, "
	  "updated_at) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6)" },
	[COPY_SESSIONS] = { "copy_sessions", 9,
	  "INSERT INTO sessions (id, user_id, created_at, expires_at, ends_at, "
	  "last_used_at, user_agent, refresh_digest, first_factor_only) "
	  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)" },
	[COPY_RETIRED] = { "copy_retired", 3,
	  "INSERT INTO retired_refresh_tokens (session_id, digest, retired_at) "
	  "VALUES ($1, $2, $3)" },
	[COPY_RECOVERY] = { "copy_recovery", 2,
	  "INSERT INTO recovery_codes (user_id, digest) VALUES ($1, $2)" },
	[COPY_THROTTLE] = { "copy_throttle", 6,
	  "INSERT INTO throttle (key, count, level, last_at, blocked_until, "
	  "pending) VALUES ($1, $2, $3, $4, $5, $6)" },
	/* The ids too: an operator may have quoted them. */
	[COPY_AUDIT] = { "copy_audit", 6,
	  "INSERT INTO audit (id, at, event, user_id, client, detail) "
	  "OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6)" },
};

struct pgstore_copy {
	PGconn		*conn;
	const char	*url;		/* the caller's, for pgstore_errmsg() */
	char		 name[512];
	int64_t		 rows[COPY__MAX];
	const char	*failed;	/* the table a row could not go to */
	char		 err[512];
	int64_t		 users_seq;	/* from sqlite_sequence */
	int64_t		 posts_seq;
	int64_t		 audit_seq;
};

struct pgstore_copy *
pgstore_copy_begin(const char *url)
{
	struct pgstore_copy	*c;
	PGresult		*res;
	int64_t			 rows;
	int			 version, t;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->url = url;
	if ((c->conn = pgstore_admin_connect(url, c->name,
	    sizeof(c->name))) == NULL) {
		free(c);
		return NULL;
	}
	if ((version = pgstore_version(c->conn, -1)) == -1)
		goto error;
	if (version != schema_version) {
		log_msg(NULL, "database %s has schema version %d, need %d: "
		    "migrate it before copying", c->name, version, schema_version);
		goto fail;
	}
	/* Nobody writes while we check and fill; waits at most lock_timeout. */
	if (pgstore_simple(c->conn, "BEGIN") != 0)
		goto error;
	if ((t = pgstore_simple(c->conn, "LOCK TABLE users, posts, sessions, "
	    "retired_refresh_tokens, throttle, audit IN EXCLUSIVE MODE")) ==
	    PGSTORE_LOCKED) {
		log_msg(NULL, "database %s is in use (its tables were not "
		    "locked within %d ms): stop the programs using it and copy "
		    "again", c->name, STORE_BUSY_TIMEOUT_MS);
		goto fail;
	} else if (t != 0)
		goto error;
	if ((rows = pgstore_scalar(c->conn, "SELECT (SELECT count(*) FROM "
	    "users) + (SELECT count(*) FROM posts) + (SELECT count(*) FROM "
	    "sessions) + (SELECT count(*) FROM retired_refresh_tokens) + "
	    "(SELECT "
	    "count(*) FROM throttle) + (SELECT count(*) FROM audit)",
	    -1)) == -1)
		goto error;
	if (rows != 0) {
		log_msg(NULL, "database %s is not empty: copy only into a "
		    "freshly migrated database", c->name);
		goto fail;
	}
	for (t = 0; t < COPY_SEQUENCE; t++) {
		res = pq.PQprepare(c->conn, copy_stmts[t].name,
		    copy_stmts[t].sql, copy_stmts[t].nparams, NULL);
		if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
			pq.PQclear(res);
			goto error;
		}
		pq.PQclear(res);
	}
	return c;
error:
	log_msg(NULL, "database %s: %s", c->name,
	    pgstore_errmsg(url, c->conn, NULL, c->err, sizeof(c->err)));
fail:
	pq.PQfinish(c->conn);
	free(c);
	return NULL;
}

int
pgstore_copy_row(void *arg, enum copy_table t, const char *const *values,
    int n)
{
	struct pgstore_copy	*c = arg;
	PGresult		*res;
	const char		*errstr;
	int64_t			 seq;

	if (t == COPY_SEQUENCE) {
		if (n != 2 || values[0] == NULL || values[1] == NULL ||
		    util_parse_int(values[1], 0, INT64_MAX, &seq, &errstr) == -1)
			return -1;
		if (strcmp(values[0], "users") == 0)
			c->users_seq = seq;
		else if (strcmp(values[0], "posts") == 0)
			c->posts_seq = seq;
		else if (strcmp(values[0], "audit") == 0)
			c->audit_seq = seq;
		return 0;
	}
	if (t >= COPY_SEQUENCE || n != copy_stmts[t].nparams)
		return -1;
	res = pq.PQexecPrepared(c->conn, copy_stmts[t].name, n, values, NULL,
	    NULL, 0);
	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
		c->failed = copy_stmts[t].name;
		pgstore_errmsg(c->url, c->conn, res, c->err, sizeof(c->err));
		pq.PQclear(res);
		return -1;
	}
	pq.PQclear(res);
	c->rows[t]++;
	return 0;
}

/*
 * Move the id sequence of table past every id the SQLite file gave (seq,
 * from sqlite_sequence), every id the table holds, and every id the
 * sequence itself has handed out already (rows since deleted): never
 * backwards.
 */
static int
pgstore_copy_sequence(struct pgstore_copy *c, const char *table,
    int64_t seq)
{
	struct pgparams	 p;
	PGresult	*res;
	char		 name[256], sql[1024];
	int		 ok;

	/* The name comes quoted as needed (quote_identifier). */
	res = pq.PQexecParams(c->conn, "SELECT pg_get_serial_sequence($1, 'id')",
	    1, NULL, &table, NULL, NULL, 0);
	ok = pq.PQresultStatus(res) == PGRES_TUPLES_OK &&
	    pq.PQntuples(res) == 1 && !pq.PQgetisnull(res, 0, 0) &&
	    (size_t)pq.PQgetlength(res, 0, 0) < sizeof(name);
	if (ok)
		snprintf(name, sizeof(name), "%s", pq.PQgetvalue(res, 0, 0));
	pq.PQclear(res);
	if (!ok)
		return -1;
	snprintf(sql, sizeof(sql), "SELECT setval($1::regclass, "
	    "greatest($2::bigint, (SELECT coalesce(max(id), 0) FROM %s), "
	    "(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 "
	    "END FROM %s)) + 1, false)", table, name);
	p.v[0] = name;
	pgparam_int(&p, 1, seq);
	res = pq.PQexecParams(c->conn, sql, 2, NULL, p.v, NULL, NULL, 0);
	ok = pq.PQresultStatus(res) == PGRES_TUPLES_OK;
	pq.PQclear(res);
	return ok ? 0 : -1;
}

int
pgstore_copy_end(struct pgstore_copy *c, int ok, int64_t rows[COPY__MAX])
{
	int	 rc = -1;

	if (c->failed != NULL)
		log_msg(NULL, "database %s: %s: %s", c->name, c->failed, c->err);
	else if (ok && (pgstore_copy_sequence(c, "users", c->users_seq) == -1 ||
	    pgstore_copy_sequence(c, "posts", c->posts_seq) == -1 ||
	    pgstore_copy_sequence(c, "audit", c->audit_seq) == -1))
		log_msg(NULL, "database %s: copy failed: %s", c->name,
		    pgstore_errmsg(c->url, c->conn, NULL, c->err, sizeof(c->err)));
	else if (ok && pgstore_simple(c->conn, "COMMIT") != 0) {
		/* Sent, and no answer: the server may have committed it. */
		if (pq.PQstatus(c->conn) == CONNECTION_BAD)
			log_msg(NULL, "database %s: the connection was lost at "
			    "COMMIT: the copy may have committed; check the "
			    "database before copying again", c->name);
		else
			log_msg(NULL, "database %s: copy failed: %s", c->name,
			    pgstore_errmsg(c->url, c->conn, NULL, c->err,
			    sizeof(c->err)));
	} else if (ok)
		rc = 0;
	if (rc == -1 && pq.PQstatus(c->conn) == CONNECTION_OK)
		pgstore_simple(c->conn, "ROLLBACK");
	memcpy(rows, c->rows, sizeof(c->rows));
	pq.PQfinish(c->conn);
	free(c);
	return rc;
}

