/*
 * store-pg-schema: the PostgreSQL backend's admin side: the admin program's
 * connection, the schema version, migrations, and the backup it refuses.
 */
#include <libpq-fe.h>

#include "log.h"
#include "pq.h"
#include "schema.h"
#include "store-pg.h"
#include "util.h"

/*
 * Key of the transaction-level advisory lock that serialises migrations
 * across every process on every node (any constant nobody else uses).
 * Throttle counters are locked per key instead: see STMT_THROTTLE_LOCK.
 */
#define PGSTORE_LOCK_MIGRATE	"7268190001"

/* Tries of a migration whose locks stay taken (lock_timeout each). */
#define PGSTORE_MIGRATE_TRIES	3

/*
 * Connect for the admin program (no statement timeout: it may wait, but
 * at most lock_timeout for each lock); NULL if logged.
 */
PGconn *
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

int
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

int
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

/*
 * The online backup is SQLite's; a PostgreSQL database has its own tools,
 * which also give a consistent snapshot while the programs go on writing.
 */
int
pgstore_backup(const char *url, const char *path)
{
	char	 name[512];

	(void)path;
	util_redact_url(url, name, sizeof(name));
	log_msg(NULL, "backup: %s is a PostgreSQL database: use pg_dump "
	    "(pg_dump --format=custom --file=FILE DATABASE_URL) instead",
	    name);
	return -1;
}
