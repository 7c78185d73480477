/*
 * fcgi-auth-admin: the operator's tool for the database the endpoint
 * programs share: create and migrate it, show its state, delete a user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "schema.h"
#include "store.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: fcgi-auth-admin [-d database] migrate\n"
	    "       fcgi-auth-admin [-d database] status\n"
	    "       fcgi-auth-admin [-d database] delete-user email\n"
	    "The database defaults to $DATABASE_PATH, else %s.\n",
	    DEFAULT_DATABASE_PATH);
	exit(2);
}

/* migrate: create the database if needed and bring its schema up to date. */
static int
cmd_migrate(const char *path)
{
	int	 n;

	if ((n = store_migrate(path)) == -1)
		return 1;
	printf("%s: schema version %d (%d migration%s applied)\n", path,
	    schema_version, n, n == 1 ? "" : "s");
	return 0;
}

/* status: the schema version, and whether the programs will serve it. */
static int
cmd_status(const char *path)
{
	int	 v;

	if (access(path, F_OK) == -1) {
		printf("%s: does not exist (run migrate)\n", path);
		return 1;
	}
	if ((v = store_schema_version(path)) == -1)
		return 1;
	printf("%s: schema version %d of %d: %s\n", path, v, schema_version,
	    v >= schema_version ? "up to date" : "behind (run migrate)");
	return v >= schema_version ? 0 : 1;
}

/* delete-user: remove a user with their sessions and posts. */
static int
cmd_delete_user(const char *path, const char *email)
{
	struct store	*s;
	enum store_rc	 rc;

	if ((s = store_new(path)) == NULL)
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

int
main(int argc, char *argv[])
{
	const char	*path = config_database_path();
	int		 ch;

	log_init("fcgi-auth-admin");
	while ((ch = getopt(argc, argv, "d:")) != -1) {
		switch (ch) {
		case 'd':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 1 && strcmp(argv[0], "migrate") == 0)
		return cmd_migrate(path);
	if (argc == 1 && strcmp(argv[0], "status") == 0)
		return cmd_status(path);
	if (argc == 2 && strcmp(argv[0], "delete-user") == 0)
		return cmd_delete_user(path, argv[1]);
	usage();
	return 2;
}
