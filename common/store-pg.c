/*
 * store-pg: the PostgreSQL backend of store.h (a postgresql:// URL as
 * target), over libpq (loaded on first use: pq.h): one connection per
 * process, every statement prepared once per connection and run with
 * bound parameters.  This file: libpq, the connection, the statements'
 * runners and the backend's table of operations; the table groups are in
 * store-pg-*.c (users, posts, throttle, sessions and refresh tokens,
 * audit, e-mail tokens, TOTP, schema and migrations, the copy from
 * SQLite).
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
#include "store-pg.h"
#include "util.h"

/* Seconds to wait for the server when the URL does not say (libpq: forever). */
#define PGSTORE_CONNECT_TIMEOUT	"5"

/*
 * statement_timeout is enforced by the server, so it cannot end a wait on
 * a server that is stopped or cut off: the client gives up on any one
 * answer after the statement timeout and this margin.
 */
#define PGSTORE_STATEMENT_TIMEOUT_MS	(2 * STORE_BUSY_TIMEOUT_MS)
#define PGSTORE_DEADLINE_MS	(PGSTORE_STATEMENT_TIMEOUT_MS + 2000)

static const struct pgstmt pgstore_main_stmts[] = {
	{ STMT_BEGIN, "begin", 0, "BEGIN" },
	{ STMT_COMMIT, "commit", 0, "COMMIT" },
	{ STMT_ROLLBACK, "rollback", 0, "ROLLBACK" },
	{ STMT__MAX, NULL, 0, NULL }
};

/* Every statement of the backend, by the file that holds it. */
static const struct pgstmt *const pgstore_stmt_tables[] = {
	pgstore_main_stmts,
	pgstore_users_stmts,
	pgstore_posts_stmts,
	pgstore_throttle_stmts,
	pgstore_sessions_stmts,
	pgstore_audit_stmts,
	pgstore_email_stmts,
	pgstore_totp_stmts,
};

/* Each statement by its id, from the tables above (pgstore_index()). */
static const struct pgstmt *pgstore_stmts[STMT__MAX];

int	pgstore_deadline_ms = PGSTORE_DEADLINE_MS;

void
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
const char *
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
PGconn *
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
int
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
int64_t
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
int
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

/* Fill pgstore_stmts[] from the tables of every file (once is enough). */
static void
pgstore_index(void)
{
	const struct pgstmt	*st;
	size_t			 t;

	for (t = 0; t < NITEMS(pgstore_stmt_tables); t++)
		for (st = pgstore_stmt_tables[t]; st->id != STMT__MAX; st++)
			pgstore_stmts[st->id] = st;
}

static void *
pgstore_new(const char *url)
{
	size_t		 len = strlen(url) + 1;
	struct pgstore	*s = calloc(1, sizeof(*s) + len);

	if (s == NULL)
		return NULL;
	pgstore_index();
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
	const struct pgstmt	*st;
	PGresult		*res;
	char			 err[512];
	int			 version, i;

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
		if ((st = pgstore_stmts[i]) == NULL) {
			pgstore_drop(s);
			return pgstore_down(s, DOWN_PREPARE, "database %s: "
			    "statement %d has no SQL", s->name, i);
		}
		res = NULL;
		if (pq.PQsendPrepare(s->conn, st->name, st->sql, st->nparams,
		    NULL))
			res = pgstore_await(s->conn, pgstore_deadline_ms);
		if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
			pgstore_errmsg(s->url, s->conn, res, err, sizeof(err));
			pq.PQclear(res);
			/* Those prepared would clash with the next attempt's. */
			pgstore_drop(s);
			return pgstore_down(s, DOWN_PREPARE, "database %s: "
			    "cannot prepare %s: %s", s->name, st->name, err);
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
	/* disk_full: a tablespace's disk (a full pg_wal stops the server). */
	if (strcmp(state, "53100") == 0)
		return store_full(s->name, err);
	for (k = 0; k < NITEMS(busy); k++)
		if (strcmp(state, busy[k]) == 0) {
			log_msg(NULL, "database busy: %s: %s",
			    pgstore_stmts[i]->name, err);
			return STORE_BUSY;
		}
	log_msg(NULL, "database error: %s: %s (SQLSTATE %s)",
	    pgstore_stmts[i]->name, err, state);
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
PGresult *
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
		if (pq.PQsendQueryPrepared(s->conn, pgstore_stmts[i]->name,
		    pgstore_stmts[i]->nparams, params, NULL, NULL, 0) &&
		    (res = pgstore_await(s->conn, pgstore_deadline_ms)) == NULL) {
			log_msg(NULL, "database %s: no answer to %s within %d ms: "
			    "cancelled, connection dropped", s->name,
			    pgstore_stmts[i]->name, pgstore_deadline_ms);
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
enum store_rc
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
		    pgstore_stmts[i]->name, pq.PQcmdTuples(res), errstr);
		rc = STORE_ERR;
	}
	pq.PQclear(res);
	return rc;
}

/*
 * Finish a write transaction: commit on STORE_OK, else roll back and keep
 * rc.  A connection still inside a transaction after that is dropped.
 */
enum store_rc
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
enum store_rc
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
int
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
int
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

/* Column col of row r as an integer, NULL as 0; -1 if not one. */
int
pgstore_int_or_0(const PGresult *res, int r, int col, int64_t *out)
{
	if (pq.PQgetisnull(res, r, col)) {
		*out = 0;
		return 0;
	}
	return pgstore_int(res, r, col, out);
}

enum store_rc
pgstore_begin(struct pgstore *s)
{
	return pgstore_exec(s, STMT_BEGIN, NULL, NULL);
}

/*
 * Run a query for at most one row: STORE_OK with *res holding it,
 * STORE_NOTFOUND (nothing to clear) or another failure.
 */
enum store_rc
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

const struct store_backend pgstore_backend = {
	.name = "PostgreSQL",
	.open = pgstore_new,
	.ready = pgstore_ready,
	.close = pgstore_free,
	.migrate = pgstore_migrate,
	.schema_version = pgstore_schema_version,
	.backup = pgstore_backup,
	.user_insert = pgstore_user_insert,
	.user_by_email = pgstore_user_by_email,
	.user_set_password = pgstore_user_set_password,
	.user_delete = pgstore_user_delete,
	.user_list = pgstore_user_list,
	.user_cost_max = pgstore_user_cost_max,
	.user_change_password = pgstore_user_change_password,
	.user_lock = pgstore_user_lock,
	.session_insert = pgstore_session_insert,
	.session_user = pgstore_session_user,
	.session_refresh = pgstore_session_refresh,
	.session_list = pgstore_session_list,
	.session_delete = pgstore_session_delete,
	.session_delete_user = pgstore_session_delete_user,
	.posts_page = pgstore_posts_page,
	.post_get = pgstore_post_get,
	.post_insert = pgstore_post_insert,
	.post_update = pgstore_post_update,
	.post_delete = pgstore_post_delete,
	.throttle_get = pgstore_throttle_get,
	.throttle_update = pgstore_throttle_update,
	.throttle_delete = pgstore_throttle_delete,
	.throttle_list = pgstore_throttle_list,
	.audit_insert = pgstore_audit_insert,
	.audit_list = pgstore_audit_list,
	.email_token_insert = pgstore_email_token_insert,
	.email_token_use = pgstore_email_token_use,
	.user_confirmed = pgstore_user_confirmed,
	.totp_get = pgstore_totp_get,
	.totp_enrol = pgstore_totp_enrol,
	.totp_step = pgstore_totp_step,
	.totp_enable = pgstore_totp_enable,
	.totp_recovery_use = pgstore_totp_recovery_use,
	.totp_disable = pgstore_totp_disable,
};
