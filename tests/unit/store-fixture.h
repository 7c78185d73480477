/*
 * store-fixture: what the store's unit tests (test-store.c,
 * test-store-sessions.c) share: a fresh SQLite file or PostgreSQL database
 * per case, a ready store with a user in it, queries past the store, and
 * the runner that picks the backend.
 */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <time.h>

#ifdef HAVE_POSTGRESQL
#include <libpq-fe.h>
#endif

#include "store.h"

#define HASH_A	"$2b$04$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y"
#define HASH_B	"$2b$05$abcdefghijklmnopqrstuuH5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y"
#define SID_1	"11111111111111111111111111111111"
#define SID_2	"22222222222222222222222222222222"
#define SID_3	"33333333333333333333333333333333"
#define NOW	INT64_C(1700000000)

struct fixture {
	int		 pg;		/* the case runs on PostgreSQL */
	char		 dir[256];
	char		 path[4096];	/* the store's target: a file or a URL */
	char		 dbname[64];	/* PostgreSQL: the database of this case */
	struct store	*store;
	struct user	 alice;		/* set by with_alice() */
};

/* A fresh directory (and target path) per case; teardown removes them. */
int	setup(void **state);
int	teardown(void **state);

int	exists(const char *path);

/* Migrate (every migration), then open a store that is ready to use. */
void	ready(struct fixture *f);

/* A ready store with alice@example.com in it. */
void	with_alice(struct fixture *f);

/*
 * store_session_insert() of a session without a refresh token, ending at
 * expires_at (as sessions were before refresh tokens).
 */
enum store_rc	add_session(struct store *s, const char *id, int64_t user_id,
		    int64_t now, int64_t expires_at);

/* Run a query returning one integer on a connection of our own. */
int64_t	count(const struct fixture *f, const char *sql);

/*
 * Start sending stderr to a temporary file; returns the saved descriptor.
 * stop_capture() puts stderr back and copies what was written to buf.
 */
int	start_capture(FILE **tmp);
void	stop_capture(FILE *tmp, int saved, char *buf, size_t bufsz);

/* How many lines s has. */
size_t	lines(const char *s);

/* Seconds since t0 (CLOCK_MONOTONIC). */
double	elapsed(const struct timespec *t0);

#ifdef HAVE_POSTGRESQL
/* A connection to TEST_DATABASE_URL, for creating and dropping databases. */
extern PGconn	*pg_admin;
extern char	 pg_base[4096];

/* The URL of database name on the server of TEST_DATABASE_URL. */
void	pg_url(char *out, size_t outsz, const char *name);

/* Run sql (our own text, no input in it) on url; the SQLSTATE ("" if fine) goes to state. */
void	pg_sql(const char *url, const char *sql, char *state, size_t statesz);

int64_t	pg_count(const char *url, const char *sql);

/* Run sql on the admin connection, which must succeed. */
void	pg_admin_sql(const char *sql);

/* setup() and a fresh PostgreSQL database as the target. */
int	pg_setup(void **state);
int	pg_teardown(void **state);
#endif

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
#define P(f)	cmocka_unit_test_setup_teardown(f, pg_setup, pg_teardown)

/*
 * Each test program is built twice: without TEST_STORE_PG it runs lite
 * (group name) on SQLite; with it, pg (group name-postgresql) on the
 * server TEST_DATABASE_URL names, and skips as a whole (TAP "1..0 #
 * SKIP") without one or in a build without PostgreSQL (pg NULL).
 */
int	fixture_run(const char *name, const struct CMUnitTest *lite,
	    size_t nlite, const struct CMUnitTest *pg, size_t npg);

#endif
