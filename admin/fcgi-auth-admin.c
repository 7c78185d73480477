/*
 * fcgi-auth-admin: the operator's tool for what the endpoint programs
 * share: create and migrate the database, show its state, delete a user,
 * copy an SQLite database into PostgreSQL, create the signing key.  It
 * reads the programs' settings (config.h), all but the key itself.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
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

/* configure passes it (DEFS); a build without configure still compiles. */
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* 256 bits for HS256 (RFC 7518 3.2), written as 64 hex digits. */
#define ADMIN_KEY_BYTES	32

enum cmd {
	CMD_MIGRATE,
	CMD_STATUS,
	CMD_DELETE_USER,
	CMD_COPY,
	CMD_INIT_SECRET,
	CMD__MAX
};

/* Each command's name and how many arguments it takes. */
static const struct {
	const char	*name;
	int		 min, max;
} cmds[CMD__MAX] = {
	{ "migrate", 0, 0 },		/* CMD_MIGRATE */
	{ "status", 0, 0 },		/* CMD_STATUS */
	{ "delete-user", 1, 1 },	/* CMD_DELETE_USER */
	{ "copy", 1, 2 },		/* CMD_COPY */
	{ "init-secret", 0, 1 },	/* CMD_INIT_SECRET */
};

/* A target as shown to the operator: a URL without its password. */
struct shown {
	char	 s[4096];
};

static const char *
shown(struct shown *buf, const char *target)
{
	return util_redact_url(target, buf->s, sizeof(buf->s));
}

/* Print the usage on fp and exit with status: 0 when asked for, else 2. */
static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: fcgi-auth-admin [-d database] migrate\n"
	    "       fcgi-auth-admin [-d database] status\n"
	    "       fcgi-auth-admin [-d database] delete-user email\n"
	    "       fcgi-auth-admin [-d postgresql-url] copy sqlite-path "
	    "[postgresql-url]\n"
	    "       fcgi-auth-admin init-secret [file]\n"
	    "       fcgi-auth-admin -h | --help | -V | --version\n"
	    "Settings come from the environment, else from one settings file, as\n"
	    "for the programs: $FCGI_AUTH_CONFIG, else fcgi-auth.conf beside this\n"
	    "tool, else %s.\n"
	    "The database is -d (an SQLite path or a postgresql:// URL), else\n"
	    "DATABASE_URL, else DATABASE_PATH, else\n"
	    "%s.\n"
	    "migrate creates the database if needed (an SQLite file with mode 0600;\n"
	    "as root, owned by the owner of its directory) and brings its schema\n"
	    "up to date.\n"
	    "init-secret creates the signing key unless it exists: file, else\n"
	    "JWT_SECRET_FILE, else %s;\n"
	    "32 random bytes in hex, mode 0600 (as root, owned like migrate's).\n"
	    "copy moves the users (with their password hashes), posts, live\n"
	    "sessions and throttle counters of an SQLite database into a migrated,\n"
	    "empty PostgreSQL database, in one transaction; that database is the\n"
	    "URL argument, else -d, else DATABASE_URL.\n"
	    "Every local user can read a URL given as an argument or to -d in the\n"
	    "process list: pass one that holds a password in $DATABASE_URL.\n",
	    config_default_file, DEFAULT_DATABASE_PATH,
	    config_default_secret_file);
	exit(status);
}

/* The directory holding path, into dir; -1 (ENAMETOOLONG) if it does not fit. */
static int
admin_dirname(const char *path, char *dir, size_t dirsz)
{
	const char	*slash = strrchr(path, '/');
	size_t		 len;

	if (slash == NULL) {
		path = ".";
		len = 1;
	} else
		len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= dirsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	return 0;
}

/*
 * Create path, which must not exist, empty and with mode 0600 whatever the
 * umask (open's mode is masked: fchmod), never through a symlink.  Run as
 * root, give it to the owner and group of its directory when another user
 * owns that: the programs' user, in the directory made for them, who must
 * be able to write it.  Returns the descriptor, or -1 with errno set
 * (EEXIST: it exists, and is left alone); a half-made file is removed.
 */
static int
admin_create(const char *path)
{
	struct stat	 st;
	char		 dir[PATH_MAX];
	int		 fd, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return -1;
	if (fchmod(fd, 0600) == -1)
		goto fail;
	if (geteuid() == 0) {
		if (admin_dirname(path, dir, sizeof(dir)) == -1 ||
		    stat(dir, &st) == -1)
			goto fail;
		if (st.st_uid != 0 && fchown(fd, st.st_uid, st.st_gid) == -1)
			goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	unlink(path);
	errno = saved;
	return -1;
}

/* Write all of buf to fd; 0 or -1 with errno set. */
static int
admin_write(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Before SQLite opens a database that does not exist, create it empty
 * (SQLite takes that for a new database) with admin_create(): SQLite would
 * make it with the umask's mode, and gives its -wal and -shm the mode and,
 * as root, the owner of the database file.  An existing one is untouched.
 */
static int
admin_create_db(const char *path)
{
	struct stat	 st;
	int		 fd;

	/* SQLite's names for a database without a file. */
	if (*path == '\0' || strcmp(path, ":memory:") == 0)
		return 0;
	if ((fd = admin_create(path)) == -1) {
		if (errno == EEXIST) {
			/* A symlink, even dangling, would have SQLite write elsewhere. */
			if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
				fprintf(stderr, "fcgi-auth-admin: %s is a symbolic "
				    "link: refusing it (name the file itself)\n",
				    path);
				return -1;
			}
			return 0;
		}
		fprintf(stderr, "fcgi-auth-admin: cannot create %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (close(fd) == -1) {
		fprintf(stderr, "fcgi-auth-admin: cannot create %s: %s\n", path,
		    strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

/* migrate: create the database if needed and bring its schema up to date. */
static int
cmd_migrate(const char *target)
{
	struct shown	 buf;
	int		 n;

	if (!store_is_url(target) && admin_create_db(target) == -1)
		return 1;
	if ((n = store_migrate(target)) == -1)
		return 1;
	printf("%s: schema version %d (%d migration%s applied)\n",
	    shown(&buf, target), schema_version, n, n == 1 ? "" : "s");
	return 0;
}

/*
 * status: the schema version, and whether the programs will serve it.  A
 * missing file is shown with the setting that chose it (note, "" after
 * -d), so a path other than the one meant (configure's localstatedir, a
 * DATABASE_PATH set elsewhere) is plain to see.
 */
static int
cmd_status(const char *target, const char *note)
{
	struct shown	 buf;
	int		 v;

	/* A URL has no file to look for: connecting tells. */
	if (!store_is_url(target) && access(target, F_OK) == -1) {
		printf("%s: does not exist (run migrate)%s\n", target, note);
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

/* init-secret, when path exists: fine, unless the programs would refuse it. */
static int
admin_secret_exists(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "fcgi-auth-admin: %s exists but cannot be "
		    "examined: %s\n", path, strerror(errno));
		return 1;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		fprintf(stderr, "fcgi-auth-admin: %s exists but other users can "
		    "read or write it, so the programs refuse it: chmod o-rwx it\n",
		    path);
		return 1;
	}
	printf("%s exists: left as it is\n", path);
	return 0;
}

/*
 * init-secret: create the key file unless it exists (never overwritten: a
 * new key would log every user out).  Its contents never reach a
 * terminal or the log.
 */
static int
cmd_init_secret(const char *path)
{
	char	 key[2 * ADMIN_KEY_BYTES + 2];
	int	 fd, rc = 1;

	if ((fd = admin_create(path)) == -1) {
		if (errno == EEXIST)
			return admin_secret_exists(path);
		fprintf(stderr, "fcgi-auth-admin: cannot create %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	if (util_random_hex(key, ADMIN_KEY_BYTES) == -1) {
		fprintf(stderr, "fcgi-auth-admin: no random bytes from the "
		    "kernel: %s\n", strerror(errno));
		goto fail;
	}
	key[2 * ADMIN_KEY_BYTES] = '\n';
	key[2 * ADMIN_KEY_BYTES + 1] = '\0';
	if (admin_write(fd, key, 2 * ADMIN_KEY_BYTES + 1) == -1 ||
	    fsync(fd) == -1) {
		fprintf(stderr, "fcgi-auth-admin: cannot write %s: %s\n", path,
		    strerror(errno));
		goto fail;
	}
	rc = close(fd);
	fd = -1;
	if (rc == -1) {
		fprintf(stderr, "fcgi-auth-admin: cannot write %s: %s\n", path,
		    strerror(errno));
		goto fail;
	}
	printf("created the signing key %s\n", path);
	rc = 0;
	goto done;
fail:
	rc = 1;
	if (fd != -1)
		close(fd);
	/* A half-written key would be taken for a whole one. */
	unlink(path);
done:
	util_wipe(key, sizeof(key));
	return rc;
}

/* Which setting chose the SQLite path (for status): "" when -d did. */
static void
admin_path_note(const struct config *cfg, const char *dflag, char *note,
    size_t notesz)
{
	note[0] = '\0';
	if (dflag != NULL)
		return;
	switch (cfg->database_from) {
	case CONFIG_FROM_DEFAULT:
		snprintf(note, notesz, " (the default: DATABASE_PATH is not set)");
		break;
	case CONFIG_FROM_ENV:
		snprintf(note, notesz, " (DATABASE_PATH in the environment)");
		break;
	case CONFIG_FROM_FILE:
		snprintf(note, notesz, " (DATABASE_PATH in %s)", cfg->file);
		break;
	}
}

/* Run command c with its arguments args[0..n-1]; main's exit status. */
static int
admin_run(const struct config *cfg, const char *dflag, enum cmd c,
    char **args, int n)
{
	const char	*target = dflag != NULL ? dflag : config_database(cfg);
	const char	*to, *file;
	char		 note[PATH_MAX + 64];

	switch (c) {
	case CMD_MIGRATE:
		return cmd_migrate(target);
	case CMD_STATUS:
		admin_path_note(cfg, dflag, note, sizeof(note));
		return cmd_status(target, note);
	case CMD_DELETE_USER:
		return cmd_delete_user(target, args[0]);
	case CMD_COPY:
		/* Never an SQLite default: only a URL can be copied into. */
		to = n == 2 ? args[1] : dflag != NULL ? dflag :
		    cfg->database_url[0] != '\0' ? cfg->database_url : NULL;
		if (to == NULL) {
			fprintf(stderr, "fcgi-auth-admin: copy: no PostgreSQL URL: "
			    "set DATABASE_URL (or give -d)\n");
			return 2;
		}
		return cmd_copy(args[0], to);
	case CMD_INIT_SECRET:
		file = n == 1 ? args[0] : cfg->secret_file;
		if (*file == '\0') {
			fprintf(stderr, "fcgi-auth-admin: init-secret: JWT_SECRET "
			    "is set, so the programs read no key file: unset it, "
			    "or name the file to create\n");
			return 1;
		}
		return cmd_init_secret(file);
	case CMD__MAX:
		break;
	}
	return 2;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct config	 cfg;
	const char	*dflag = NULL;
	char		 err[1024];
	int		 ch, c, rc;

	log_init("fcgi-auth-admin");
	while ((ch = getopt_long(argc, argv, "d:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dflag = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		case 'V':
			printf("fcgi-auth-admin (fcgi-auth) %s\n", PACKAGE_VERSION);
			return fflush(stdout) == 0 ? 0 : 1;
		default:
			usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	for (c = 0; c < CMD__MAX; c++)
		if (argc >= 1 && strcmp(argv[0], cmds[c].name) == 0 &&
		    argc - 1 >= cmds[c].min && argc - 1 <= cmds[c].max)
			break;
	if (c == CMD__MAX)
		usage(stderr, 2);
	/* The programs' settings, so that both see the same database and key. */
	if (config_load_settings(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "fcgi-auth-admin: %s\n", err);
		return 1;
	}
	rc = admin_run(&cfg, dflag, (enum cmd)c, argv + 1, argc - 1);
	config_clear(&cfg);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fcgi-auth-admin: standard output: %s\n",
		    strerror(errno));
		rc = 1;
	}
	return rc;
}
