/*
 * pq: loads libpq on first use, so that programs on SQLite never map it
 * (and the twenty-odd libraries it needs); store-pg*.c call it through pq.
 */
#ifndef PQ_H
#define PQ_H

#include <libpq-fe.h>

/*
 * The libpq functions store-pg*.c call, listed once: X(name) for each.
 * Every field takes its type from libpq-fe.h's own prototype, so a call
 * that does not fit is a compile error, as with a linked libpq.
 */
#define PQ_FUNCTIONS(X) \
	X(PQcancel) X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) \
	X(PQconninfoFree) X(PQconninfoParse) X(PQconsumeInput) \
	X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQexecPrepared) \
	X(PQfinish) X(PQflush) X(PQfreeCancel) X(PQfreemem) X(PQgetCancel) \
	X(PQgetResult) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQisBusy) \
	X(PQmakeEmptyPGresult) X(PQntuples) X(PQprepare) X(PQresultErrorField) \
	X(PQresultStatus) X(PQsendPrepare) X(PQsendQuery) \
	X(PQsendQueryPrepared) X(PQsetNoticeReceiver) X(PQsetnonblocking) \
	X(PQsocket) X(PQstatus) X(PQtransactionStatus)

#define PQ_FIELD(f)	__typeof__(f) *f;
struct pq_api {
	PQ_FUNCTIONS(PQ_FIELD)
};
#undef PQ_FIELD

/* Filled by pq_load(); all NULL until it has returned 0. */
extern struct pq_api	pq;

/*
 * Load libpq (PQ_SONAME) and fill pq, once per process.  Returns 0, or -1
 * after logging why, the first time only: a later call tries again
 * (libpq5 may have been installed since) without logging again.
 */
int	pq_load(void);

#endif
