/*
 * store-pg: the PostgreSQL backend of store.h (a postgresql:// URL as
 * target), over libpq (loaded on first use: pq.h): one connection per
 * process, every statement prepared once per connection and run with
 * bound parameters.
 */
#include <poll.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "log.h"
#include "pq.h"
#include "schema.h"
#include "store-backend.h"
#include "util.h"

/*
 * Key of the transaction-level advisory lock that serialises migrations
 * across every process on every node (any constant nobody else uses).
 * Throttle counters are locked per key instead: see STMT_THROTTLE_LOCK.
 */
#define PGSTORE_LOCK_MIGRATE	"7268190001"

/* Seconds to wait for the server when the URL does not say (libpq: forever). */
#define PGSTORE_CONNECT_TIMEOUT	"5"

/*
 * statement_timeout is enforced by the server, so it cannot end a wait on
 * a server that is stopped or cut off: the client gives up on any one
 * answer after the statement timeout and this margin.
 */
#define PGSTORE_STATEMENT_TIMEOUT_MS	(2 * STORE_BUSY_TIMEOUT_MS)
#define PGSTORE_DEADLINE_MS	(PGSTORE_STATEMENT_TIMEOUT_MS + 2000)

/* Tries of a migration whose locks stay taken (lock_timeout each). */
#define PGSTORE_MIGRATE_TRIES	3

/* pgstore_simple(): the statement waited lock_timeout for a lock in vain. */
#define PGSTORE_LOCKED		(-2)

/* Rows one prune deletes at most: a log-in never does a big delete. */
#define PGSTORE_PRUNE_MAX	"100"
#define PGSTORE_THROTTLE_PRUNE_MAX	"20"

#define PGSTORE_PARAMS_MAX	6
#define PGSTORE_INT_LEN		24	/* "-9223372036854775808" and a NUL */

enum stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_USER_INSERT,
	STMT_USER_BY_EMAIL,
	STMT_USER_SET_PASSWORD,
	STMT_USER_DELETE,
	STMT_SESSION_INSERT,
	STMT_SESSION_PRUNE,
	STMT_SESSION_USER,
	STMT_SESSION_DELETE,
	STMT_POSTS_PAGE,
	STMT_POST_GET,
	STMT_POST_INSERT,
	STMT_POST_AUTHOR,
	STMT_POST_UPDATE,
	STMT_POST_DELETE,
	STMT_THROTTLE_LOCK,
	STMT_THROTTLE_GET,
	STMT_THROTTLE_PUT,
	STMT_THROTTLE_DELETE,
	STMT_THROTTLE_PRUNE,
	STMT__MAX
};

static const struct pgstmt {
	const char	*name;		/* of the prepared statement */
	int		 nparams;
	const char	*sql;
} stmts[STMT__MAX] = {
	{ "begin", 0, "BEGIN" },
	{ "commit", 0, "COMMIT" },
	{ "rollback", 0, "ROLLBACK" },
	{ "user_insert", 4,
	  "INSERT INTO users (email, name, password, created_at) "
	  "VALUES ($1, $2, $3, $4) RETURNING id" },
	/*
	 * lower() with the "C" collation folds ASCII only, whatever the
	 * database's locale (Turkish would fold I to a dotless i); written
	 * exactly as the unique index is, so that it serves the lookup.
	 */
	{ "user_by_email", 1,
	  "SELECT id, email, name, password FROM users "
	  "WHERE lower(email COLLATE \"C\") = lower($1::text COLLATE \"C\")" },
	{ "user_set_password", 2,
	  "UPDATE users SET password = $2 WHERE id = $1" },
	/* Sessions and posts go with the user (ON DELETE CASCADE). */
	{ "user_delete", 1,
	  "DELETE FROM users "
	  "WHERE lower(email COLLATE \"C\") = lower($1::text COLLATE \"C\")" },
	{ "session_insert", 4,
	  "INSERT INTO sessions (id, user_id, created_at, expires_at) "
	  "VALUES ($1, $2, $3, $4)" },
	/*
	 * Inside every log-in: a bounded batch, skipping rows another node's
	 * prune holds rather than waiting for them.
	 */
	{ "session_prune", 1,
	  "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions "
	  "WHERE expires_at <= $1 ORDER BY id LIMIT " PGSTORE_PRUNE_MAX " "
	  "FOR UPDATE SKIP LOCKED)" },
	{ "session_user", 3,
	  "SELECT u.id, u.email, u.name FROM sessions AS s "
	  "JOIN users AS u ON u.id = s.user_id "
	  "WHERE s.id = $1 AND s.user_id = $2 AND s.expires_at > $3" },
	{ "session_delete", 2,
	  "DELETE FROM sessions WHERE id = $1 AND user_id = $2" },
	/* Walks the primary key from the cursor on. */
	{ "posts_page", 2,
	  "SELECT p.id, p.title, p.content, u.id, u.name FROM posts AS p "
	  "JOIN users AS u ON u.id = p.author_id "
	  "WHERE p.id > $1 ORDER BY p.id LIMIT $2" },
	{ "post_get", 1,
	  "SELECT p.id, p.title, p.content, u.id, u.name FROM posts AS p "
	  "JOIN users AS u ON u.id = p.author_id WHERE p.id = $1" },
	{ "post_insert", 4,
	  "INSERT INTO posts (author_id, title, content, created_at, updated_at) "
	  "VALUES ($1, $2, $3, $4, $4) RETURNING id" },
	/* FOR UPDATE: nobody changes the owner between check and change. */
	{ "post_author", 1,
	  "SELECT author_id FROM posts WHERE id = $1 FOR UPDATE" },
	/* A NULL parameter keeps the column as it is. */
	{ "post_update", 4,
	  "UPDATE posts SET title = coalesce($2, title), "
	  "content = coalesce($3, content), updated_at = $4 WHERE id = $1" },
	{ "post_delete", 1,
	  "DELETE FROM posts WHERE id = $1" },
	/*
	 * One advisory lock per key ($1 is a text array), so that log-ins of
	 * different clients go on in parallel on every node while updates of
	 * one key take turns, as under SQLite's write lock; row locks alone
	 * would not cover a key nobody has written yet.  Taken in the order of
	 * their hash values, so two updates never wait for each other both
	 * ways.  Held until COMMIT or ROLLBACK; each waits at most
	 * lock_timeout.
	 */
	{ "throttle_lock", 1,
	  "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT "
	  "hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k "
	  "ORDER BY h) AS locks" },
	{ "throttle_get", 1,
	  "SELECT count, level, last_at, blocked_until, pending FROM throttle "
	  "WHERE key = $1" },
	{ "throttle_put", 6,
	  "INSERT INTO throttle (key, count, level, last_at, blocked_until, "
	  "pending) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO UPDATE "
	  "SET count = excluded.count, level = excluded.level, "
	  "last_at = excluded.last_at, blocked_until = excluded.blocked_until, "
	  "pending = excluded.pending" },
	{ "throttle_delete", 1,
	  "DELETE FROM throttle WHERE key = $1" },
	/*
	 * A bounded batch of quiet rows whose key lock we can take without
	 * waiting: a row being updated is left alone, and the key stays
	 * locked until we commit, so no update waits on our delete while we
	 * wait on it (no LIMIT-defeating ORDER BY: the lock is taken as the
	 * rows are found).
	 */
	{ "throttle_prune", 1,
	  "DELETE FROM throttle WHERE key IN (SELECT key FROM throttle "
	  "WHERE last_at < $1 AND blocked_until < $1 AND "
	  "pg_try_advisory_xact_lock(hashtextextended(key, 0)) "
	  "LIMIT " PGSTORE_THROTTLE_PRUNE_MAX " FOR UPDATE SKIP LOCKED)" },
};

/* Why the store is down: each cause is logged once. */
enum pgstore_down {
	DOWN_NONE,
	DOWN_LIBPQ,	/* libpq cannot be loaded (pq_load() logs it) */
	DOWN_CONNECT,	/* the server or database cannot be reached */
	DOWN_VERSION,	/* its schema version cannot be read */
	DOWN_SCHEMA,	/* its schema is behind */
	DOWN_PREPARE,	/* a statement does not fit the schema */
};

/* What a connection is for. */
enum pgstore_use {
	USE_SERVE,	/* requests: every wait bounded */
	USE_ADMIN,	/* the admin program: may wait, but not for locks */
};

int	pgstore_deadline_ms = PGSTORE_DEADLINE_MS;

struct pgstore {
	PGconn		*conn;		/* NULL, or kept while the schema is behind */
	int		 ready;		/* connected, checked, prepared */
	enum pgstore_down down;		/* the cause last logged */
	char		 name[512];	/* the URL without its password, for logs */
	char		 url[];
};

/* The parameters of one statement, as text (NULL: SQL NULL). */
struct pgparams {
	const char	*v[PGSTORE_PARAMS_MAX];
	char		 buf[PGSTORE_PARAMS_MAX][PGSTORE_INT_LEN];
};

static void
pgparam_int(struct pgparams *p, int i, int64_t value)
{
	snprintf(p->buf[i], sizeof(p->buf[i]), "%lld", (long long)value);
	p->v[i] = p->buf[i];
}

/*
 * stderr is the web server's error log: a server WARNING goes there;
 * lesser notices ("relation exists, skipping") are no news.
 */
static void
pgstore_notice(void *arg, const PGresult *res)
{
	const char	*sev, *msg;

	(void)arg;
	sev = pq.PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	msg = pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (sev != NULL && msg != NULL && strcmp(sev, "WARNING") == 0)
		log_msg(NULL, "database warning: %s", msg);
}

/*
 * libpq's message for conn or res on one line (it spreads them over
 * several), without any password of url in it: libpq quotes what it could
 * not use, and that may be the password.
 */
static const char *
pgstore_errmsg(const char *url, const PGconn *conn, const PGresult *res,
    char *buf, size_t bufsz)
{
	const char	*msg = NULL;
	char		 line[512];
	size_t		 i;

	if (res != NULL)
		msg = pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (msg == NULL && conn != NULL)
		msg = pq.PQerrorMessage(conn);
	snprintf(line, sizeof(line), "%s", msg != NULL && *msg != '\0' ? msg :
	    "no answer from the server");
	for (i = 0; line[i] != '\0'; i++)
		if (line[i] == '\n' || line[i] == '\t')
			line[i] = ' ';
	while (i > 0 && line[i - 1] == ' ')
		line[--i] = '\0';
	util_redact_text(line, url, buf, bufsz);
	util_wipe(line, sizeof(line));
	return buf;
}

/*
 * Connect to url for use.  A URL libpq cannot parse is refused with a
 * fixed message: libpq's own would quote the bad part, which may be the
 * password.  The URL's own connect_timeout, application_name and TCP
 * settings win over ours (keywords after the expanded dbname would
 * override it); client_encoding is ours, as the code assumes UTF-8.
 * Keepalives and tcp_user_timeout end waits on a dead network; for
 * requests a lock wait ends after STORE_BUSY_TIMEOUT_MS, a statement after
 * PGSTORE_STATEMENT_TIMEOUT_MS, and a transaction left idle (a stopped
 * process) after twice the lock wait.  The admin program waits at most
 * lock_timeout for a lock too, but may run long statements.  NULL with the
 * reason in err.
 */
static PGconn *
pgstore_connect(const char *url, enum pgstore_use use, char *err,
    size_t errsz)
{
	const char *const	 keys[] = { "connect_timeout",
	    "application_name", "keepalives", "keepalives_idle",
	    "keepalives_interval", "keepalives_count", "tcp_user_timeout",
	    "dbname", "client_encoding", NULL };
	const char		*values[NITEMS(keys)];
	struct pgparams		 p;
	PQconninfoOption	*opts;
	PGconn			*conn;
	PGresult		*res = NULL;
	char			*perr = NULL;

	if ((opts = pq.PQconninfoParse(url, &perr)) == NULL) {
		snprintf(err, errsz, "%s", perr != NULL ?
		    "DATABASE_URL is malformed" : "out of memory");
		pq.PQfreemem(perr);
		return NULL;
	}
	pq.PQconninfoFree(opts);
	pgparam_int(&p, 0, 2 * PGSTORE_STATEMENT_TIMEOUT_MS);
	values[0] = PGSTORE_CONNECT_TIMEOUT;
	values[1] = use == USE_SERVE ? "fcgi-auth" : "fcgi-auth-admin";
	values[2] = "1";
	values[3] = "5";	/* seconds idle before the first probe */
	values[4] = "2";	/* seconds between probes */
	values[5] = "3";	/* probes unanswered before the end */
	values[6] = p.v[0];	/* ms of data left unacknowledged */
	values[7] = url;
	values[8] = "UTF8";
	values[9] = NULL;
	if ((conn = pq.PQconnectdbParams(keys, values, 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (pq.PQstatus(conn) != CONNECTION_OK)
		goto fail;
	pq.PQsetNoticeReceiver(conn, pgstore_notice, NULL);
	pgparam_int(&p, 0, STORE_BUSY_TIMEOUT_MS);
	pgparam_int(&p, 1, use == USE_SERVE ? PGSTORE_STATEMENT_TIMEOUT_MS : 0);
	pgparam_int(&p, 2, use == USE_SERVE ? 2 * STORE_BUSY_TIMEOUT_MS : 0);
	res = pq.PQexecParams(conn,
	    "SELECT set_config('lock_timeout', $1, false), "
	    "set_config('statement_timeout', $2, false), "
	    "set_config('idle_in_transaction_session_timeout', $3, false)", 3,
	    NULL, p.v, NULL, NULL, 0);
	if (pq.PQresultStatus(res) != PGRES_TUPLES_OK)
		goto fail;
	pq.PQclear(res);
	/* Requests send and wait with poll(), never blocking in libpq. */
	res = NULL;
	if (use == USE_SERVE && pq.PQsetnonblocking(conn, 1) == -1)
		goto fail;
	return conn;
fail:
	pgstore_errmsg(url, conn, res, err, errsz);
	pq.PQclear(res);
	pq.PQfinish(conn);
	return NULL;
}

/* Milliseconds from now to end (0 if it has passed). */
static int
pgstore_left(const struct timespec *end)
{
	struct timespec	 now;
	long long	 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/*
 * The result of the query just sent on conn, waited for at most ms (-1:
 * as long as it takes).  Past the deadline the query is cancelled and NULL
 * returned: the caller must drop the connection, whose state is then
 * unknown.  A connection that fails gives libpq's error result.
 */
static PGresult *
pgstore_await(PGconn *conn, int ms)
{
	struct timespec	 end;
	struct pollfd	 pfd;
	PGcancel	*cancel;
	PGresult	*res = NULL, *r;
	char		 buf[256];
	int		 flush, wait;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	for (;;) {
		/* Send what is left of the query, read until a result is whole. */
		if ((flush = pq.PQflush(conn)) == -1)
			break;
		if (flush == 0 && !pq.PQisBusy(conn)) {
			if ((r = pq.PQgetResult(conn)) == NULL)
				return res;
			/* One statement, one result; the rest is the end of it. */
			if (res == NULL)
				res = r;
			else
				pq.PQclear(r);
			continue;
		}
		if ((wait = ms < 0 ? -1 : pgstore_left(&end)) == 0)
			goto expired;
		pfd.fd = pq.PQsocket(conn);
		pfd.events = POLLIN | (flush == 1 ? POLLOUT : 0);
		pfd.revents = 0;
		if (poll(&pfd, 1, wait) == -1 && errno != EINTR)
			break;
		if (pfd.revents != 0 && pq.PQconsumeInput(conn) == 0)
			break;
	}
	/* The connection failed: libpq makes an error result of that. */
	if (res == NULL && pq.PQstatus(conn) == CONNECTION_BAD)
		res = pq.PQgetResult(conn);
	return res != NULL ? res :
	    pq.PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
expired:
	if ((cancel = pq.PQgetCancel(conn)) != NULL) {
		pq.PQcancel(cancel, buf, sizeof(buf));
		pq.PQfreeCancel(cancel);
	}
	pq.PQclear(res);
	return NULL;
}

/* Run constant SQL, waiting at most ms (-1: forever); NULL if it expired. */
static PGresult *
pgstore_query(PGconn *conn, const char *sql, int ms)
{
	if (!pq.PQsendQuery(conn, sql))
		return pq.PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
	return pgstore_await(conn, ms);
}

/*
 * Run constant SQL (no values in it) without results on an admin
 * connection: 0, -1, or PGSTORE_LOCKED if a lock was not granted within
 * lock_timeout.  The message stays in PQerrorMessage(conn).
 */
static int
pgstore_simple(PGconn *conn, const char *sql)
{
	PGresult	*res = pq.PQexec(conn, sql);
	const char	*state;
	int		 rc = 0;

	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK &&
	    pq.PQresultStatus(res) != PGRES_TUPLES_OK) {
		state = pq.PQresultErrorField(res, PG_DIAG_SQLSTATE);
		rc = state != NULL && strcmp(state, "55P03") == 0 ?
		    PGSTORE_LOCKED : -1;
	}
	pq.PQclear(res);
	return rc;
}

/*
 * The one integer a constant query returns, or -1 (why: in
 * PQerrorMessage(conn) if the query failed), waiting at most ms.
 */
static int64_t
pgstore_scalar(PGconn *conn, const char *sql, int ms)
{
	PGresult	*res = pgstore_query(conn, sql, ms);
	int64_t		 v = -1;
	const char	*errstr;

	if (pq.PQresultStatus(res) == PGRES_TUPLES_OK &&
	    pq.PQntuples(res) == 1 && !pq.PQgetisnull(res, 0, 0) &&
	    util_parse_int(pq.PQgetvalue(res, 0, 0), 0, INT64_MAX, &v,
	    &errstr) == -1)
		v = -1;
	pq.PQclear(res);
	return v;
}

/* The schema version recorded (0 before the first migration), or -1. */
static int
pgstore_version(PGconn *conn, int ms)
{
	int64_t	 v;

	/* The table is made by the first migrate, so it may not be there. */
	v = pgstore_scalar(conn, "SELECT CASE WHEN "
	    "to_regclass('schema_version') IS NULL THEN 0 ELSE 1 END", ms);
	if (v == 1)
		v = pgstore_scalar(conn,
		    "SELECT coalesce(max(version), 0) FROM schema_version", ms);
	return v < 0 || v > 1000000 ? -1 : (int)v;
}

static void *
pgstore_new(const char *url)
{
	size_t		 len = strlen(url) + 1;
	struct pgstore	*s = calloc(1, sizeof(*s) + len);

	if (s == NULL)
		return NULL;
	memcpy(s->url, url, len);
	util_redact_url(url, s->name, sizeof(s->name));
	return s;
}

/* Log why the store is down if that is news; returns STORE_DOWN. */
static enum store_rc
pgstore_down(struct pgstore *s, enum pgstore_down cause, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

static enum store_rc
pgstore_down(struct pgstore *s, enum pgstore_down cause, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	if (s->down != cause) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		log_msg(NULL, "%s", msg);
	}
	s->down = cause;
	return STORE_DOWN;
}

/* Close the connection; the next call opens a new one. */
static void
pgstore_drop(struct pgstore *s)
{
	/* Without a connection libpq may not be loaded at all. */
	if (s->conn != NULL)
		pq.PQfinish(s->conn);
	s->conn = NULL;
	s->ready = 0;
}

/*
 * Make the store ready: connect unless a connection was kept, check the
 * schema version, prepare every statement.  While the schema is behind
 * the connection is kept and its version read again on each call, rather
 * than a new connection per request.  Prepared statements belong to a
 * connection, so a new one needs them all again.
 */
static enum store_rc
pgstore_open(struct pgstore *s)
{
	PGresult	*res;
	char		 err[512];
	int		 version, i;

	s->ready = 0;
	/* Down like an unreachable server; pq_load() logs why, once. */
	if (pq_load() == -1) {
		s->down = DOWN_LIBPQ;
		return STORE_DOWN;
	}
	if (s->conn != NULL && (pq.PQstatus(s->conn) != CONNECTION_OK ||
	    pq.PQtransactionStatus(s->conn) != PQTRANS_IDLE))
		pgstore_drop(s);
	if (s->conn == NULL && (s->conn = pgstore_connect(s->url, USE_SERVE,
	    err, sizeof(err))) == NULL)
		return pgstore_down(s, DOWN_CONNECT, "database %s: %s", s->name,
		    err);
	if ((version = pgstore_version(s->conn, pgstore_deadline_ms)) == -1) {
		pgstore_errmsg(s->url, s->conn, NULL, err, sizeof(err));
		pgstore_drop(s);
		return pgstore_down(s, DOWN_VERSION, "database %s: cannot read "
		    "the schema version: %s", s->name, err);
	}
	if (version < schema_version)
		return pgstore_down(s, DOWN_SCHEMA, "database %s has schema "
		    "version %d, need %d: run the admin program's migrate "
		    "command", s->name, version, schema_version);
	for (i = 0; i < STMT__MAX; i++) {
		res = NULL;
		if (pq.PQsendPrepare(s->conn, stmts[i].name, stmts[i].sql,
		    stmts[i].nparams, NULL))
			res = pgstore_await(s->conn, pgstore_deadline_ms);
		if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
			pgstore_errmsg(s->url, s->conn, res, err, sizeof(err));
			pq.PQclear(res);
			/* Those prepared would clash with the next attempt's. */
			pgstore_drop(s);
			return pgstore_down(s, DOWN_PREPARE, "database %s: "
			    "cannot prepare %s: %s", s->name, stmts[i].name, err);
		}
		pq.PQclear(res);
	}
	if (s->down != DOWN_NONE)
		log_msg(NULL, "database %s is at schema version %d: serving",
		    s->name, version);
	s->down = DOWN_NONE;
	s->ready = 1;
	return STORE_OK;
}

static enum store_rc
pgstore_ready(void *h)
{
	struct pgstore	*s = h;

	return s->ready ? STORE_OK : pgstore_open(s);
}

static void
pgstore_free(void *h)
{
	struct pgstore	*s = h;

	if (s == NULL)
		return;
	pgstore_drop(s);
	util_wipe(s->url, strlen(s->url));
	free(s);
}

/* Is this failure the connection's rather than the statement's? */
static int
pgstore_lost(PGconn *conn, const PGresult *res)
{
	const char	*state = pq.PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (pq.PQstatus(conn) == CONNECTION_BAD)
		return 1;
	/* Class 08: connection exception; 57P01-3: the server is going away. */
	return state != NULL && (strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P0", 4) == 0);
}

/*
 * Turn a statement's outcome into ours, logging the unexpected.  A
 * duplicate key is an ordinary answer; a serialization failure, deadlock,
 * lock or statement timeout is "busy" (503), never a 500.
 */
static enum store_rc
pgstore_rc(struct pgstore *s, const PGresult *res, enum stmt i)
{
	static const char *const busy[] = { "40001", "40P01", "55P03", "57014" };
	const char	*state;
	char		 err[512];
	size_t		 k;

	switch (pq.PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		return STORE_OK;
	default:
		break;
	}
	pgstore_errmsg(s->url, s->conn, res, err, sizeof(err));
	if (pgstore_lost(s->conn, res)) {
		log_msg(NULL, "database %s: connection lost: %s", s->name, err);
		/* Even if libpq has not noticed yet: the server is going away. */
		pgstore_drop(s);
		return STORE_DOWN;
	}
	if ((state = pq.PQresultErrorField(res, PG_DIAG_SQLSTATE)) == NULL)
		state = "";
	if (strcmp(state, "23505") == 0)
		return STORE_EXISTS;
	for (k = 0; k < NITEMS(busy); k++)
		if (strcmp(state, busy[k]) == 0) {
			log_msg(NULL, "database busy: %s: %s", stmts[i].name, err);
			return STORE_BUSY;
		}
	log_msg(NULL, "database error: %s: %s (SQLSTATE %s)", stmts[i].name,
	    err, state);
	return STORE_ERR;
}

/*
 * Run statement i; its result (PQclear it), or NULL with *rc set.  A
 * connection found gone is opened again, once; if no transaction was open,
 * the statement began its operation, so running it again on the new
 * connection retries the whole operation.  Inside a transaction the
 * operation fails (STORE_DOWN) and the next store_ready() reconnects.
 * No answer within pgstore_deadline_ms (a stopped server, a dead network:
 * statement_timeout cannot help there) cancels the statement and drops
 * the connection: STORE_DOWN, not retried, as the server may be working.
 */
static PGresult *
pgstore_run(struct pgstore *s, enum stmt i, const char *const *params,
    enum store_rc *rc)
{
	PGresult	*res = NULL;
	int		 idle, reopened = 0;

	for (;;) {
		/*
		 * A transaction left open (a ROLLBACK that failed on a live
		 * connection) would fail every later statement with 25P02.
		 */
		if (s->ready && i == STMT_BEGIN &&
		    pq.PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
			log_msg(NULL, "database %s: a transaction was left open: "
			    "reconnecting", s->name);
			pgstore_drop(s);
		}
		if (!s->ready) {
			*rc = STORE_DOWN;
			if (reopened++ || (*rc = pgstore_open(s)) != STORE_OK)
				return NULL;
		}
		idle = pq.PQtransactionStatus(s->conn) == PQTRANS_IDLE;
		if (pq.PQsendQueryPrepared(s->conn, stmts[i].name,
		    stmts[i].nparams, params, NULL, NULL, 0) &&
		    (res = pgstore_await(s->conn, pgstore_deadline_ms)) == NULL) {
			log_msg(NULL, "database %s: no answer to %s within %d ms: "
			    "cancelled, connection dropped", s->name,
			    stmts[i].name, pgstore_deadline_ms);
			pgstore_drop(s);
			*rc = STORE_DOWN;
			return NULL;
		}
		/* A NULL res (not sent) is a failure, the connection's or ours. */
		if ((*rc = pgstore_rc(s, res, i)) == STORE_OK)
			return res;
		pq.PQclear(res);
		res = NULL;
		if (*rc != STORE_DOWN || !idle)
			return NULL;
	}
}

/* Run a statement for its effect; *changed (if not NULL) gets the rows it changed. */
static enum store_rc
pgstore_exec(struct pgstore *s, enum stmt i, const char *const *params,
    int64_t *changed)
{
	PGresult	*res;
	enum store_rc	 rc;
	const char	*errstr;

	if ((res = pgstore_run(s, i, params, &rc)) == NULL)
		return rc;
	if (changed != NULL && util_parse_int(pq.PQcmdTuples(res), 0, INT64_MAX,
	    changed, &errstr) == -1) {
		log_msg(NULL, "database: %s: row count \"%s\" is %s",
		    stmts[i].name, pq.PQcmdTuples(res), errstr);
		rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}

/*
 * Finish a write transaction: commit on STORE_OK, else roll back and keep
 * rc.  A connection still inside a transaction after that is dropped.
 */
static enum store_rc
pgstore_end(struct pgstore *s, enum store_rc rc)
{
	enum store_rc	 crc;

	if (rc == STORE_OK) {
		if ((crc = pgstore_exec(s, STMT_COMMIT, NULL, NULL)) == STORE_OK)
			return rc;
		/* Sent, and no answer: the server may have committed it. */
		if (crc == STORE_DOWN)
			log_msg(NULL, "database %s: COMMIT got no answer: the "
			    "transaction may have committed", s->name);
		rc = crc;
	}
	if (!s->ready)
		return rc;
	if (pq.PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		pgstore_exec(s, STMT_ROLLBACK, NULL, NULL);
	if (s->ready && pq.PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
		log_msg(NULL, "database %s: ROLLBACK failed: reconnecting",
		    s->name);
		pgstore_drop(s);
	}
	return rc;
}

/* A write's rows changed: 0 is STORE_NOTFOUND. */
static enum store_rc
pgstore_change(struct pgstore *s, enum stmt i, const char *const *params)
{
	enum store_rc	 rc;
	int64_t		 changed = 0;

	if ((rc = pgstore_exec(s, i, params, &changed)) == STORE_OK &&
	    changed == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

/* Column col of row r as an integer: 0, or -1 if it is NULL or not one. */
static int
pgstore_int(const PGresult *res, int r, int col, int64_t *out)
{
	const char	*v;
	char		*end;
	long long	 n;

	if (pq.PQgetisnull(res, r, col))
		return -1;
	v = pq.PQgetvalue(res, r, col);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

/* Copy a text column; a NULL or over-long value is a store error. */
static int
pgstore_text(const PGresult *res, int r, int col, char *dst, size_t dstsz)
{
	int	 n;

	if (pq.PQgetisnull(res, r, col) ||
	    (n = pq.PQgetlength(res, r, col)) < 0 || (size_t)n >= dstsz)
		return -1;
	memcpy(dst, pq.PQgetvalue(res, r, col), (size_t)n);
	dst[n] = '\0';
	return 0;
}

/*
 * Copy id, email, name (and with_hash, the password hash) from columns 0-3
 * of a user row; STORE_ERR (logged) if one is missing or does not fit.
 */
static enum store_rc
pgstore_user_row(const PGresult *res, struct user *out, int with_hash)
{
	int	 ncols = with_hash ? 4 : 3, col;

	out->id = 0;
	out->password[0] = '\0';
	if (pgstore_int(res, 0, 0, &out->id) == -1) {
		log_msg(NULL, "database: user row without a valid id");
		return STORE_ERR;
	}
	for (col = 1; col < ncols; col++)
		if (pq.PQgetisnull(res, 0, col)) {
			log_msg(NULL, "database: user row %lld has a NULL in "
			    "column %d", (long long)out->id, col);
			return STORE_ERR;
		}
	if (pgstore_text(res, 0, 1, out->email, sizeof(out->email)) == -1 ||
	    pgstore_text(res, 0, 2, out->name, sizeof(out->name)) == -1 ||
	    (with_hash && pgstore_text(res, 0, 3, out->password,
	    sizeof(out->password)) == -1)) {
		log_msg(NULL, "database: user row %lld has an over-long field",
		    (long long)out->id);
		return STORE_ERR;
	}
	return STORE_OK;
}

/*
 * Run a query for at most one row: STORE_OK with *res holding it,
 * STORE_NOTFOUND (nothing to clear) or another failure.
 */
static enum store_rc
pgstore_row(struct pgstore *s, enum stmt i, const char *const *params,
    PGresult **res)
{
	enum store_rc	 rc;

	if ((*res = pgstore_run(s, i, params, &rc)) == NULL)
		return rc;
	if (pq.PQntuples(*res) == 0) {
		pq.PQclear(*res);
		*res = NULL;
		return STORE_NOTFOUND;
	}
	return STORE_OK;
}

static enum store_rc
pgstore_user_insert(void *h, const char *email, const char *name,
    const char *hash, int64_t now, struct user *out)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;

	if ((rc = pgstore_exec(s, STMT_BEGIN, NULL, NULL)) != STORE_OK)
		return rc;
	p.v[0] = email;
	p.v[1] = name;
	p.v[2] = hash;
	pgparam_int(&p, 3, now);
	if ((rc = pgstore_row(s, STMT_USER_INSERT, p.v, &res)) != STORE_OK)
		return pgstore_end(s, rc == STORE_NOTFOUND ? STORE_ERR : rc);
	out->password[0] = '\0';
	if (pgstore_int(res, 0, 0, &out->id) == -1 ||
	    strlen(email) >= sizeof(out->email) ||
	    strlen(name) >= sizeof(out->name)) {
		log_msg(NULL, "database: refusing a user whose e-mail or name "
		    "exceeds the store's limits");
		rc = STORE_ERR;
	} else {
		strcpy(out->email, email);
		strcpy(out->name, name);
	}
	pq.PQclear(res);
	return pgstore_end(s, rc);
}

static enum store_rc
pgstore_user_by_email(void *h, const char *email, struct user *out)
{
	struct pgstore	*s = h;
	PGresult	*res;
	enum store_rc	 rc;

	if ((rc = pgstore_row(s, STMT_USER_BY_EMAIL, &email, &res)) != STORE_OK)
		return rc;
	rc = pgstore_user_row(res, out, 1);
	pq.PQclear(res);
	return rc;
}

static enum store_rc
pgstore_user_set_password(void *h, int64_t id, const char *hash)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	enum store_rc	 rc;

	if ((rc = pgstore_exec(s, STMT_BEGIN, NULL, NULL)) != STORE_OK)
		return rc;
	pgparam_int(&p, 0, id);
	p.v[1] = hash;
	return pgstore_end(s, pgstore_change(s, STMT_USER_SET_PASSWORD, p.v));
}

static enum store_rc
pgstore_user_delete(void *h, const char *email)
{
	struct pgstore	*s = h;
	enum store_rc	 rc;

	if ((rc = pgstore_exec(s, STMT_BEGIN, NULL, NULL)) != STORE_OK)
		return rc;
	return pgstore_end(s, pgstore_change(s, STMT_USER_DELETE, &email));
}

static enum store_rc
pgstore_session_insert(void *h, const char *id, int64_t user_id,
    int64_t now, int64_t expires_at)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	enum store_rc	 rc;

	if ((rc = pgstore_exec(s, STMT_BEGIN, NULL, NULL)) != STORE_OK)
		return rc;
	pgparam_int(&p, 0, now);
	if ((rc = pgstore_exec(s, STMT_SESSION_PRUNE, p.v, NULL)) == STORE_OK) {
		p.v[0] = id;
		pgparam_int(&p, 1, user_id);
		pgparam_int(&p, 2, now);
		pgparam_int(&p, 3, expires_at);
		rc = pgstore_exec(s, STMT_SESSION_INSERT, p.v, NULL);
		/* A jti collision is a store fault here, not an answer. */
		if (rc == STORE_EXISTS) {
			log_msg(NULL, "database: session id collision");
			rc = STORE_ERR;
		}
	}
	return pgstore_end(s, rc);
}

static enum store_rc
pgstore_session_user(void *h, const char *id, int64_t user_id, int64_t now,
    struct user *out)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;

	p.v[0] = id;
	pgparam_int(&p, 1, user_id);
	pgparam_int(&p, 2, now);
	if ((rc = pgstore_row(s, STMT_SESSION_USER, p.v, &res)) != STORE_OK)
		return rc;
	rc = pgstore_user_row(res, out, 0);
	pq.PQclear(res);
	return rc;
}

static enum store_rc
pgstore_session_delete(void *h, const char *id, int64_t user_id)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	enum store_rc	 rc;

	if ((rc = pgstore_exec(s, STMT_BEGIN, NULL, NULL)) != STORE_OK)
		return rc;
	p.v[0] = id;
	pgparam_int(&p, 1, user_id);
	return pgstore_end(s, pgstore_change(s, STMT_SESSION_DELETE, p.v));
}

/* Run a post SELECT and hand each row to fn; its strings live as long as res. */
static enum store_rc
pgstore_post_rows(struct pgstore *s, enum stmt i, const char *const *params,
    store_post_fn fn, void *arg)
{
	PGresult	*res;
	struct post	 p;
	enum store_rc	 rc;
	int		 r, n;

	if ((res = pgstore_run(s, i, params, &rc)) == NULL)
		return rc;
	rc = (n = pq.PQntuples(res)) == 0 ? STORE_NOTFOUND : STORE_OK;
	for (r = 0; r < n && rc == STORE_OK; r++) {
		if (pgstore_int(res, r, 0, &p.id) == -1 ||
		    pgstore_int(res, r, 3, &p.author_id) == -1 ||
		    pq.PQgetisnull(res, r, 1) || pq.PQgetisnull(res, r, 2) ||
		    pq.PQgetisnull(res, r, 4)) {
			log_msg(NULL, "database: post row %d is malformed", r);
			rc = STORE_ERR;
			break;
		}
		p.title = pq.PQgetvalue(res, r, 1);
		p.content = pq.PQgetvalue(res, r, 2);
		p.author_name = pq.PQgetvalue(res, r, 4);
		if (fn(arg, &p) == -1)
			rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}

static enum store_rc
pgstore_posts_page(void *h, int64_t after, int64_t limit, store_post_fn fn,
    void *arg)
{
	struct pgparams	 p;
	enum store_rc	 rc;

	pgparam_int(&p, 0, after);
	pgparam_int(&p, 1, limit);
	rc = pgstore_post_rows(h, STMT_POSTS_PAGE, p.v, fn, arg);
	/* An empty page is an ordinary answer. */
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

static enum store_rc
pgstore_post_get(void *h, int64_t id, store_post_fn fn, void *arg)
{
	struct pgparams	 p;

	pgparam_int(&p, 0, id);
	return pgstore_post_rows(h, STMT_POST_GET, p.v, fn, arg);
}

static enum store_rc
pgstore_post_insert(void *h, int64_t author_id, const char *title,
    const char *content, int64_t now, int64_t *id)
{
	struct pgstore	*s = h;
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;

	if ((rc = pgstore_exec(s, STMT_BEGIN, NULL, NULL)) != STORE_OK)
		return rc;
	pgparam_int(&p, 0, author_id);
	p.v[1] = title;
	p.v[2] = content;
	pgparam_int(&p, 3, now);
	if ((rc = pgstore_row(s, STMT_POST_INSERT, p.v, &res)) == STORE_OK) {
		if (pgstore_int(res, 0, 0, id) == -1)
			rc = STORE_ERR;
		pq.PQclear(res);
	}
	return pgstore_end(s, rc == STORE_NOTFOUND ? STORE_ERR : rc);
}

/* Inside a write transaction: is post id there, and did author_id write it? */
static enum store_rc
pgstore_post_owned(struct pgstore *s, int64_t id, int64_t author_id)
{
	struct pgparams	 p;
	PGresult	*res;
	enum store_rc	 rc;
	int64_t		 author;

	pgparam_int(&p, 0, id);
	if ((rc = pgstore_row(s, STMT_POST_AUTHOR, p.v, &res)) != STORE_OK)
		return rc;
	if (pgstore_int(res, 0, 0, &author) == -1)
		rc = STORE_ERR;
	else if (author != author_id)
		rc = STORE_DENIED;
	pq.PQclear(res);
	return rc;
}

/*
 * Run statement i, a change to post id, if author_id wrote the post: the
 * check and the change are one transaction.
 */
static enum store_rc
pgstore_post_change(struct pgstore *s, int64_t id, int64_t author_id,
    enum stmt i, const char *const *params)
{
	enum store_rc	 rc;

	if ((rc = pgstore_exec(s, STMT_BEGIN, NULL, NULL)) != STORE_OK)
		return rc;
	if ((rc = pgstore_post_owned(s, id, author_id)) == STORE_OK)
		rc = pgstore_exec(s, i, params, NULL);
	return pgstore_end(s, rc);
}

static enum store_rc
pgstore_post_update(void *h, int64_t id, int64_t author_id, const char *title,
    const char *content, int64_t now)
{
	struct pgparams	 p;

	pgparam_int(&p, 0, id);
	p.v[1] = title;
	p.v[2] = content;
	pgparam_int(&p, 3, now);
	return pgstore_post_change(h, id, author_id, STMT_POST_UPDATE, p.v);
}

static enum store_rc
pgstore_post_delete(void *h, int64_t id, int64_t author_id)
{
	struct pgparams	 p;

	pgparam_int(&p, 0, id);
	return pgstore_post_change(h, id, author_id, STMT_POST_DELETE, p.v);
}

static enum store_rc
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

static enum store_rc
pgstore_throttle_update(void *h, const char *const *keys, size_t n,
    int64_t forget_before, store_throttle_fn fn, void *arg)
{
	struct pgstore		*s = h;
	struct throttle_row	 row;
	struct pgparams		 p;
	enum store_rc		 rc;
	size_t			 i;

	/* Read-modify-write by many processes on many nodes: keys take turns. */
	if ((rc = pgstore_exec(s, STMT_BEGIN, NULL, NULL)) != STORE_OK)
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

static enum store_rc
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
	if ((rc = pgstore_exec(s, STMT_BEGIN, NULL, NULL)) != STORE_OK)
		return rc;
	rc = pgstore_throttle_lock(s, keys, n);
	for (i = 0; i < n && rc == STORE_OK; i++)
		rc = pgstore_exec(s, STMT_THROTTLE_DELETE, &keys[i], NULL);
	return pgstore_end(s, rc);
}

/*
 * Connect for the admin program (no statement timeout: it may wait, but
 * at most lock_timeout for each lock); NULL if logged.
 */
static PGconn *
pgstore_admin_connect(const char *url, char *name, size_t namesz)
{
	PGconn	*conn;
	char	 err[512];

	util_redact_url(url, name, namesz);
	if (pq_load() == -1)
		return NULL;
	if ((conn = pgstore_connect(url, USE_ADMIN, err, sizeof(err))) == NULL)
		log_msg(NULL, "database %s: %s", name, err);
	return conn;
}

static int
pgstore_schema_version(const char *url)
{
	PGconn	*conn;
	char	 name[512], err[512];
	int	 v;

	if ((conn = pgstore_admin_connect(url, name, sizeof(name))) == NULL)
		return -1;
	if ((v = pgstore_version(conn, -1)) == -1)
		log_msg(NULL, "database %s: cannot read the schema version: %s",
		    name, pgstore_errmsg(url, conn, NULL, err, sizeof(err)));
	pq.PQfinish(conn);
	return v;
}

/*
 * Apply migration m unless the database has it: one transaction, under an
 * advisory lock taken before anything is read, so that of two migrates at
 * once the second waits and then finds the work done.  1 if applied, 0 if
 * not needed, -1 on failure, PGSTORE_LOCKED if a lock was not granted
 * within lock_timeout; on failure the transaction is left for the caller
 * to roll back, the reason in PQerrorMessage(conn).
 */
static int
pgstore_migrate_one(PGconn *conn, const struct schema_migration *m)
{
	struct pgparams	 p;
	PGresult	*res;
	int		 version, rc, ok;

	if ((rc = pgstore_simple(conn, "BEGIN")) != 0 ||
	    (rc = pgstore_simple(conn, "SELECT pg_advisory_xact_lock("
	    PGSTORE_LOCK_MIGRATE ")")) != 0 ||
	    (rc = pgstore_simple(conn, "CREATE TABLE IF NOT EXISTS "
	    "schema_version (version integer PRIMARY KEY, "
	    "applied_at timestamptz NOT NULL DEFAULT now())")) != 0)
		return rc;
	if ((version = pgstore_version(conn, -1)) == -1)
		return -1;
	if (version >= m->version)
		return pgstore_simple(conn, "ROLLBACK");
	if ((rc = pgstore_simple(conn, m->sql)) != 0)
		return rc;
	pgparam_int(&p, 0, m->version);
	res = pq.PQexecParams(conn, "INSERT INTO schema_version (version) "
	    "VALUES ($1)", 1, NULL, p.v, NULL, NULL, 0);
	ok = pq.PQresultStatus(res) == PGRES_COMMAND_OK;
	pq.PQclear(res);
	if (!ok)
		return -1;
	if ((rc = pgstore_simple(conn, "COMMIT")) != 0)
		return rc;
	return 1;
}

static int
pgstore_migrate(const char *url)
{
	const struct schema_migration	*m;
	PGconn				*conn;
	char				 name[512], err[512];
	int				 applied = 0, i, rc, tries;

	if ((conn = pgstore_admin_connect(url, name, sizeof(name))) == NULL)
		return -1;
	for (i = 0; i < schema_version && applied != -1; i++) {
		m = &schema_migrations_pg[i];
		/* Another migrate, or a long transaction on a table we alter. */
		for (tries = 1; (rc = pgstore_migrate_one(conn, m)) ==
		    PGSTORE_LOCKED && tries < PGSTORE_MIGRATE_TRIES; tries++) {
			pgstore_simple(conn, "ROLLBACK");
			log_msg(NULL, "database %s: migration %s: a lock was not "
			    "granted within %d ms: trying again", name, m->name,
			    STORE_BUSY_TIMEOUT_MS);
		}
		if (rc == PGSTORE_LOCKED) {
			log_msg(NULL, "database %s: migration %s failed: a lock "
			    "was not granted in %d tries of %d ms (another "
			    "migrate or a long transaction holds it): try again "
			    "later", name, m->name, PGSTORE_MIGRATE_TRIES,
			    STORE_BUSY_TIMEOUT_MS);
			applied = -1;
		} else if (rc == -1) {
			log_msg(NULL, "database %s: migration %s failed: %s",
			    name, m->name,
			    pgstore_errmsg(url, conn, NULL, err, sizeof(err)));
			applied = -1;
		} else if (rc == 1) {
			log_msg(NULL, "database %s: applied %s", name, m->name);
			applied++;
		}
	}
	pq.PQfinish(conn);
	return applied;
}

/* store_copy(): where each table's rows go, in the order of enum copy_table. */
static const struct pgstmt copy_stmts[COPY_SEQUENCE] = {
	/* OVERRIDING SYSTEM VALUE: the ids are kept, so tokens stay valid. */
	{ "copy_users", 5,
	  "INSERT INTO users (id, email, name, password, created_at) "
	  "OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5)" },
	{ "copy_posts", 6,
	  "INSERT INTO posts (id, author_id, title, content, created_at, "
	  "updated_at) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6)" },
	{ "copy_sessions", 4,
	  "INSERT INTO sessions (id, user_id, created_at, expires_at) "
	  "VALUES ($1, $2, $3, $4)" },
	{ "copy_throttle", 6,
	  "INSERT INTO throttle (key, count, level, last_at, blocked_until, "
	  "pending) VALUES ($1, $2, $3, $4, $5, $6)" },
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
	    "throttle IN EXCLUSIVE MODE")) == PGSTORE_LOCKED) {
		log_msg(NULL, "database %s is in use (its tables were not "
		    "locked within %d ms): stop the programs using it and copy "
		    "again", c->name, STORE_BUSY_TIMEOUT_MS);
		goto fail;
	} else if (t != 0)
		goto error;
	if ((rows = pgstore_scalar(c->conn, "SELECT (SELECT count(*) FROM "
	    "users) + (SELECT count(*) FROM posts) + (SELECT count(*) FROM "
	    "sessions) + (SELECT count(*) FROM throttle)", -1)) == -1)
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
	    pgstore_copy_sequence(c, "posts", c->posts_seq) == -1))
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

const struct store_backend pgstore_backend = {
	.name = "PostgreSQL",
	.open = pgstore_new,
	.ready = pgstore_ready,
	.close = pgstore_free,
	.migrate = pgstore_migrate,
	.schema_version = pgstore_schema_version,
	.user_insert = pgstore_user_insert,
	.user_by_email = pgstore_user_by_email,
	.user_set_password = pgstore_user_set_password,
	.user_delete = pgstore_user_delete,
	.session_insert = pgstore_session_insert,
	.session_user = pgstore_session_user,
	.session_delete = pgstore_session_delete,
	.posts_page = pgstore_posts_page,
	.post_get = pgstore_post_get,
	.post_insert = pgstore_post_insert,
	.post_update = pgstore_post_update,
	.post_delete = pgstore_post_delete,
	.throttle_get = pgstore_throttle_get,
	.throttle_update = pgstore_throttle_update,
	.throttle_delete = pgstore_throttle_delete,
};
