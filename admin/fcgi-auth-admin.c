/*
 * fcgi-auth-admin: the operator's tool for the database the endpoint
 * programs share: create and migrate it, show its state, delete a user,
 * copy an SQLite database into PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "schema.h"
#include "store.h"
#include "util.h"

/* A target as shown to the operator: a URL without its password. */
struct shown {
	char	 s[4096];
};

static const char *
shown(struct shown *buf, const char *target)
{
	return util_redact_url(target, buf->s, sizeof(buf->s));
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: fcgi-auth-admin [-d database] migrate\n"
	    "       fcgi-auth-admin [-d database] status\n"
	    "       fcgi-auth-admin [-d database] delete-user email\n"
	    "       fcgi-auth-admin [-d postgresql-url] copy sqlite-path "
	    "[postgresql-url]\n"
	    "The database is an SQLite path or a postgresql:// URL; it defaults\n"
	    "to $DATABASE_URL, else $DATABASE_PATH, else %s.\n"
	    "copy moves the users (with their password hashes), posts, live\n"
	    "sessions and throttle counters of an SQLite database into a migrated,\n"
	    "empty PostgreSQL database, in one transaction; that database is the\n"
	    "URL argument, else -d, else $DATABASE_URL.\n"
	    "Every local user can read a URL given as an argument or to -d in the\n"
	    "process list: pass one that holds a password in $DATABASE_URL.\n",
	    DEFAULT_DATABASE_PATH);
	exit(2);
}

/* migrate: create the database if needed and bring its schema up to date. */
static int
cmd_migrate(const char *target)
{
	struct shown	 buf;
	int		 n;

	if ((n = store_migrate(target)) == -1)
		return 1;
	printf("%s: schema version %d (%d migration%s applied)\n",
	    shown(&buf, target), schema_version, n, n == 1 ? "" : "s");
	return 0;
}

/* status: the schema version, and whether the programs will serve it. */
static int
cmd_status(const char *target)
{
	struct shown	 buf;
	int		 v;

	/* A URL has no file to look for: connecting tells. */
	if (!store_is_url(target) && access(target, F_OK) == -1) {
		printf("%s: does not exist (run migrate)\n", target);
		return 1;
	}
	if ((v = store_schema_version(target)) == -1)
		return 1;
	printf("%s: schema version %d of %d: %s\n", shown(&buf, target), v,
	    schema_version, v >= schema_version ? "up to date" :
	    "behind (run migrate)");
	return v >= schema_version ? 0 : 1;
}

/* delete-user: remove a user with their sessions and posts. */
static int
cmd_delete_user(const char *target, const char *email)
{
	struct store	*s;
	enum store_rc	 rc;

	if ((s = store_new(target)) == NULL)
		return 1;
	if ((rc = store_ready(s)) == STORE_OK)
		rc = store_user_delete(s, email);
	store_free(s);
	if (rc == STORE_NOTFOUND)
		fprintf(stderr, "fcgi-auth-admin: no user with e-mail %s\n", email);
	else if (rc == STORE_OK)
		printf("deleted user %s, their sessions and posts\n", email);
	return rc == STORE_OK ? 0 : 1;
}

/* copy: an SQLite database into an empty PostgreSQL one. */
static int
cmd_copy(const char *from, const char *to)
{
	struct store_copied	 n;
	struct shown		 buf;

	if (store_copy(from, to, (int64_t)time(NULL), &n) == -1)
		return 1;
	printf("copied %s into %s: %lld users, %lld posts, %lld live sessions, "
	    "%lld throttle counters\n", from, shown(&buf, to),
	    (long long)n.users, (long long)n.posts, (long long)n.sessions,
	    (long long)n.throttle);
	return 0;
}

/* copy's target: -d, else $DATABASE_URL (never an SQLite default); NULL if neither. */
static const char *
copy_target(const char *dflag)
{
	const char	*url = getenv("DATABASE_URL");

	if (dflag != NULL)
		return dflag;
	return url != NULL && *url != '\0' ? url : NULL;
}

int
main(int argc, char *argv[])
{
	const char	*target = config_database_target(), *dflag = NULL, *to;
	int		 ch;

	log_init("fcgi-auth-admin");
	while ((ch = getopt(argc, argv, "d:")) != -1) {
		switch (ch) {
		case 'd':
			target = dflag = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 1 && strcmp(argv[0], "migrate") == 0)
		return cmd_migrate(target);
	if (argc == 1 && strcmp(argv[0], "status") == 0)
		return cmd_status(target);
	if (argc == 2 && strcmp(argv[0], "delete-user") == 0)
		return cmd_delete_user(target, argv[1]);
	if ((argc == 2 || argc == 3) && strcmp(argv[0], "copy") == 0) {
		if ((to = argc == 3 ? argv[2] : copy_target(dflag)) == NULL) {
			fprintf(stderr, "fcgi-auth-admin: copy: no PostgreSQL URL: "
			    "set DATABASE_URL (or give -d)\n");
			return 2;
		}
		return cmd_copy(argv[1], to);
	}
	usage();
	return 2;
}
