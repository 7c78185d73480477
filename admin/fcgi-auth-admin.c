/*
 * fcgi-auth-admin: the operator's tool for what the endpoint programs
 * share: create and migrate the database, show its state, list, lock,
 * unlock, delete users and set their passwords, list and end sessions,
 * list and clear the throttle's counters, read the audit log, back the
 * database up, copy an SQLite database into PostgreSQL, create the signing
 * key.  It reads the programs' settings (config.h), all but the key
 * itself.  This file holds the command table, the usage and the commands
 * that set a database up; admin-*.c the others (admin.h).
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

#include "admin.h"
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

/* A target as shown to the operator: a URL without its password. */
struct shown {
	char	 s[4096];
};

static const char *
shown(struct shown *buf, const char *target)
{
	return util_redact_url(target, buf->s, sizeof(buf->s));
}

/* Each group's usage (fcgi-auth-admin GROUP --help). */
static const struct {
	const char	*group;
	const char	*text;
} group_usage[] = {
	{ "user",
	  "usage: fcgi-auth-admin [-d database] user list [--locked] [--json]\n"
	  "       fcgi-auth-admin [-d database] user show email [--json]\n"
	  "       fcgi-auth-admin [-d database] user lock email\n"
	  "       fcgi-auth-admin [-d database] user unlock email\n"
	  "       fcgi-auth-admin [-d database] user delete email\n"
	  "       fcgi-auth-admin [-d database] user set-password email "
	  "<password-file\n"
	  "       fcgi-auth-admin [-d database] user reset-2fa email\n"
	  "list: every user (--locked: the locked ones), by id: id, e-mail,\n"
	  "name, when created, since when locked, live sessions.\n"
	  "show: one user, the same.\n"
	  "lock: refuse the user's log-ins (with the answer a wrong password\n"
	  "gets) and end every session of theirs; unlock: let them in again.\n"
	  "delete: the user, their sessions and posts (as delete-user).\n"
	  "set-password: the first line of standard input (never an argument)\n"
	  "becomes the password, under registration's rules: 8 characters to\n"
	  "72 bytes of UTF-8, not only blanks; on a terminal it is asked for\n"
	  "twice, unechoed.  Every session of the user ends; two-factor\n"
	  "authentication stays as it is.\n"
	  "reset-2fa: turn the user's two-factor authentication off (a lost\n"
	  "authenticator): its secret and recovery codes are forgotten.\n"
	  "An e-mail matches in any letter case.  Every change is recorded in\n"
	  "the audit log (fcgi-auth-admin audit) with the client \"admin\".\n" },
	{ "sessions",
	  "usage: fcgi-auth-admin [-d database] sessions list [email] [--json]\n"
	  "       fcgi-auth-admin [-d database] sessions revoke "
	  "id | --user email|id | --all\n"
	  "list: the live sessions (of one user), newest first: id, e-mail,\n"
	  "when created, last used and expiring unless refreshed, user agent.\n"
	  "revoke: end one session (its id, or its first 8 or more hex digits,\n"
	  "as the audit log shows them), every session of a user, or every\n"
	  "session of every user; it says how many ended.  Their access and\n"
	  "refresh tokens are refused (401) from the next request on.\n" },
	{ "throttle",
	  "usage: fcgi-auth-admin [-d database] throttle list [--json]\n"
	  "       fcgi-auth-admin [-d database] throttle clear "
	  "[address | email]\n"
	  "list: the throttle's counters, by key: key, count, level (blocks\n"
	  "so far), blocked until (- when not blocked), last event.  Keys:\n"
	  "login-pair ADDRESS EMAIL, login-account EMAIL, login-address\n"
	  "ADDRESS, register-address ADDRESS, posts-user ID, posts-address\n"
	  "ADDRESS, login-success-account EMAIL, login-success-address\n"
	  "ADDRESS; EMAIL is the SHA-256 of the e-mail in lower case, in hex.\n"
	  "clear: delete every counter, or every one whose key names the\n"
	  "address or e-mail (an IPv6 address stands for its /64 and its /48,\n"
	  "which the throttle counts; 2001:db8::/48 for the /48 alone),\n"
	  "lifting its block.\n" },
	{ "audit",
	  "usage: fcgi-auth-admin [-d database] audit [--user email|id] "
	  "[--since time]\n"
	  "                       [--event name] [--limit n] [--json]\n"
	  "The audit log, oldest first, one event a line: time (UTC), event,\n"
	  "user id (- for none), client (the address, or admin), detail; or\n"
	  "with --json an array of {id, at, event, userId, client, detail}.\n"
	  "--user: one user's events (a deleted user by id).\n"
	  "--since: from Unix seconds, an ISO 8601 UTC date or time\n"
	  "(2026-12-04, 2026-12-04T10:00:00Z), or an age (30m, 24h, 7d, 2w).\n"
	  "--event: login-succeeded, login-failed, login-throttled, logout,\n"
	  "refresh, refresh-reused, session-ended, sessions-ended,\n"
	  "password-changed, account-deleted, email-confirmed, password-reset,\n"
	  "2fa-enabled, 2fa-disabled, 2fa-passed, 2fa-failed, user-locked,\n"
	  "user-unlocked, password-set, user-deleted or 2fa-reset.\n"
	  "--limit: only the newest n of them.\n"
	  "Events are kept AUDIT_RETENTION_DAYS days (90 by default).\n" },
	{ "backup",
	  "usage: fcgi-auth-admin [-d database] backup file\n"
	  "Copy the live SQLite database into file, which must not exist and\n"
	  "is made with mode 0600, through SQLite's online backup API: a\n"
	  "consistent snapshot while the programs go on writing, checked with\n"
	  "PRAGMA integrity_check before this reports it.  A PostgreSQL\n"
	  "database is backed up with pg_dump instead.\n" },
};

void
admin_usage(const char *group, FILE *fp, int status)
{
	size_t	 i;

	for (i = 0; group != NULL && i < NITEMS(group_usage); i++)
		if (strcmp(group, group_usage[i].group) == 0) {
			fputs(group_usage[i].text, fp);
			exit(status);
		}
	fprintf(fp,
	    "usage: fcgi-auth-admin [-d database] migrate\n"
	    "       fcgi-auth-admin [-d database] status\n"
	    "       fcgi-auth-admin [-d database] user "
	    "list|show|lock|unlock|delete|set-password|reset-2fa ...\n"
	    "       fcgi-auth-admin [-d database] sessions list|revoke ...\n"
	    "       fcgi-auth-admin [-d database] throttle list|clear ...\n"
	    "       fcgi-auth-admin [-d database] audit [--user email|id] "
	    "[--since time] ...\n"
	    "       fcgi-auth-admin [-d database] backup file\n"
	    "       fcgi-auth-admin [-d database] delete-user email\n"
	    "       fcgi-auth-admin [-d postgresql-url] copy sqlite-path "
	    "[postgresql-url]\n"
	    "       fcgi-auth-admin init-secret [file]\n"
	    "       fcgi-auth-admin init-totp-key [file]\n"
	    "       fcgi-auth-admin -h | --help | -V | --version\n"
	    "       fcgi-auth-admin user|sessions|throttle|audit|backup --help\n"
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
	    "init-totp-key creates the key of the TOTP secrets (two-factor\n"
	    "authentication) the same way: file, else TOTP_ENCRYPTION_KEY_FILE,\n"
	    "else %s.\n"
	    "copy moves the users (with their password hashes), posts, live\n"
	    "sessions with their refresh tokens, throttle counters and audit log\n"
	    "of an SQLite database into a migrated, empty PostgreSQL database,\n"
	    "in one transaction; that database is the\n"
	    "URL argument, else -d, else DATABASE_URL.\n"
	    "user, sessions, throttle, audit and backup: see their --help.\n"
	    "Exit status: 0 done, 1 failed (no such user or session, the database\n"
	    "unavailable ...), 2 misused (usage on standard error).\n"
	    "Every local user can read a URL given as an argument or to -d in the\n"
	    "process list: pass one that holds a password in $DATABASE_URL.\n",
	    config_default_file, DEFAULT_DATABASE_PATH,
	    config_default_secret_file, config_default_totp_key_file);
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
 * be able to write it.  The directory is opened first and the file made in
 * it with openat(), so the owner asked is that of the very directory the
 * file is in: asked by name afterwards, a directory renamed and replaced
 * meanwhile would choose the owner.  Returns the descriptor, or -1 with
 * errno set (EEXIST: it exists, and is left alone); a half-made file is
 * removed, from that same directory.
 */
static int
admin_create(const char *path)
{
	struct stat	 st;
	char		 dir[PATH_MAX];
	const char	*name = strrchr(path, '/');
	int		 dfd, fd = -1, saved;

	name = name == NULL ? path : name + 1;
	if (admin_dirname(path, dir, sizeof(dir)) == -1 ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		goto fail;
	if (fchmod(fd, 0600) == -1)
		goto fail;
	if (geteuid() == 0) {
		if (fstat(dfd, &st) == -1)
			goto fail;
		if (st.st_uid != 0 && fchown(fd, st.st_uid, st.st_gid) == -1)
			goto fail;
	}
	close(dfd);
	return fd;
fail:
	saved = errno;
	if (fd != -1) {
		close(fd);
		unlinkat(dfd, name, 0);
	}
	close(dfd);
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
	struct stat	 st, made;
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
	/*
	 * SQLite opens the database by its name: that must still lead to
	 * the file just made, or it would make and migrate another.
	 */
	if (fstat(fd, &made) == -1 || lstat(path, &st) == -1 ||
	    made.st_dev != st.st_dev || made.st_ino != st.st_ino) {
		fprintf(stderr, "fcgi-auth-admin: %s changed while it was being "
		    "created: refusing it\n", path);
		close(fd);
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

/* copy: an SQLite database into an empty PostgreSQL one. */
static int
cmd_copy(const char *from, const char *to)
{
	struct store_copied	 n;
	struct shown		 buf;

	if (store_copy(from, to, (int64_t)time(NULL), &n) == -1)
		return 1;
	printf("copied %s into %s: %lld users, %lld posts, %lld live sessions, "
	    "%lld retired refresh tokens, %lld throttle counters, %lld audit events\n",
	    from, shown(&buf, to), (long long)n.users, (long long)n.posts,
	    (long long)n.sessions, (long long)n.retired_tokens,
	    (long long)n.throttle, (long long)n.audit);
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
	/* The programs' rules (config_secret_file()), in the same order. */
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "fcgi-auth-admin: %s exists but is not a regular "
		    "file, so the programs refuse it\n", path);
		return 1;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		fprintf(stderr, "fcgi-auth-admin: %s exists but other users can "
		    "read or write it, so the programs refuse it: chmod o-rwx it\n",
		    path);
		return 1;
	}
	if (st.st_mode & S_IWGRP) {
		fprintf(stderr, "fcgi-auth-admin: %s exists but its group can "
		    "write it, so the programs refuse it: chmod g-w it\n", path);
		return 1;
	}
	printf("%s exists: left as it is\n", path);
	return 0;
}

/*
 * init-secret: create the key file unless it exists (never overwritten: a
 * new key voids every access token, and without refresh tokens every
 * session).  Its contents never reach a
 * terminal or the log.
 */
static int
cmd_init_secret(const char *path, const char *what)
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
	printf("created the %s %s\n", what, path);
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

/* migrate */
static int
run_migrate(struct admin *a, char **args, int n)
{
	(void)args;
	(void)n;
	return cmd_migrate(a->target);
}

/* status */
static int
run_status(struct admin *a, char **args, int n)
{
	char	 note[PATH_MAX + 64];

	(void)args;
	(void)n;
	admin_path_note(&a->app.cfg, a->dflag, note, sizeof(note));
	return cmd_status(a->target, note);
}

/* copy sqlite-path [postgresql-url] */
static int
run_copy(struct admin *a, char **args, int n)
{
	const struct config	*cfg = &a->app.cfg;
	const char		*to;

	/* Never an SQLite default: only a URL can be copied into. */
	to = n == 2 ? args[1] : a->dflag != NULL ? a->dflag :
	    cfg->database_url[0] != '\0' ? cfg->database_url : NULL;
	if (to == NULL) {
		fprintf(stderr, "fcgi-auth-admin: copy: no PostgreSQL URL: "
		    "set DATABASE_URL (or give -d)\n");
		return ADMIN_USAGE;
	}
	return cmd_copy(args[0], to);
}

/* init-secret [file] */
static int
run_init_secret(struct admin *a, char **args, int n)
{
	const char	*file = n == 1 ? args[0] : a->app.cfg.secret_file;

	if (*file == '\0') {
		fprintf(stderr, "fcgi-auth-admin: init-secret: JWT_SECRET "
		    "is set, so the programs read no key file: unset it, "
		    "or name the file to create\n");
		return ADMIN_FAIL;
	}
	return cmd_init_secret(file, "signing key");
}

/* init-totp-key [file]: the TOTP secrets' key, made like the signing key. */
static int
run_init_totp_key(struct admin *a, char **args, int n)
{
	return cmd_init_secret(n == 1 ? args[0] : a->app.cfg.totp_key_file,
	    "TOTP key");
}

/* Every command: group (NULL: none), name, arguments, options, function. */
static const struct admin_cmd cmds[] = {
	{ NULL, "migrate", 0, 0, 0, run_migrate },
	{ NULL, "status", 0, 0, 0, run_status },
	{ NULL, "delete-user", 1, 1, 0, admin_user_delete },
	{ NULL, "copy", 1, 2, 0, run_copy },
	{ NULL, "init-secret", 0, 1, 0, run_init_secret },
	{ NULL, "init-totp-key", 0, 1, 0, run_init_totp_key },
	{ NULL, "audit", 0, 0, OPT_USER | OPT_SINCE | OPT_EVENT | OPT_LIMIT |
	    OPT_JSON, admin_audit_list },
	{ NULL, "backup", 1, 1, 0, admin_backup },
	{ "user", "list", 0, 0, OPT_LOCKED | OPT_JSON, admin_user_list },
	{ "user", "show", 1, 1, OPT_JSON, admin_user_show },
	{ "user", "lock", 1, 1, 0, admin_user_lock },
	{ "user", "unlock", 1, 1, 0, admin_user_unlock },
	{ "user", "delete", 1, 1, 0, admin_user_delete },
	{ "user", "set-password", 1, 1, 0, admin_user_set_password },
	{ "user", "reset-2fa", 1, 1, 0, admin_user_reset_2fa },
	{ "sessions", "list", 0, 1, OPT_JSON, admin_sessions_list },
	{ "sessions", "revoke", 0, 1, OPT_USER | OPT_ALL,
	    admin_sessions_revoke },
	{ "throttle", "list", 0, 0, OPT_JSON, admin_throttle_list },
	{ "throttle", "clear", 0, 1, 0, admin_throttle_clear },
};

/* getopt_long() returns a long-only option's bit above any char. */
#define LONG_OPT	0x100

/*
 * The options beyond -d: --help, --version, and one for each OPT_ bit
 * (whose name "--%s does not apply here" takes from here too).
 */
static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "json", no_argument, NULL, LONG_OPT | OPT_JSON },
	{ "locked", no_argument, NULL, LONG_OPT | OPT_LOCKED },
	{ "user", required_argument, NULL, LONG_OPT | OPT_USER },
	{ "since", required_argument, NULL, LONG_OPT | OPT_SINCE },
	{ "event", required_argument, NULL, LONG_OPT | OPT_EVENT },
	{ "limit", required_argument, NULL, LONG_OPT | OPT_LIMIT },
	{ "all", no_argument, NULL, LONG_OPT | OPT_ALL },
	{ NULL, 0, NULL, 0 },
};

/* The OPT_ bit of what getopt_long() returned; 0 for any other. */
static unsigned
opt_bit(int ch)
{
	return ch & LONG_OPT ? (unsigned)ch & ~(unsigned)LONG_OPT : 0;
}

/* Is word a group of commands (user, sessions, throttle)? */
static int
admin_is_group(const char *word)
{
	size_t	 i;

	for (i = 0; i < NITEMS(cmds); i++)
		if (cmds[i].group != NULL && strcmp(cmds[i].group, word) == 0)
			return 1;
	return 0;
}

/*
 * The command argv[0] (or argv[0] argv[1] for a group) names, with *args
 * and *n its arguments; NULL if none does.  *usage gets the usage to show
 * when it is misused: its group's or command's, or NULL (the whole tool).
 */
static const struct admin_cmd *
admin_find_cmd(int argc, char **argv, char ***args, int *n,
    const char **usage)
{
	const char	*group = NULL;
	size_t		 i;

	*usage = NULL;
	if (argc < 1)
		return NULL;
	if (admin_is_group(argv[0])) {
		group = *usage = argv[0];
		argc--;
		argv++;
		if (argc < 1)
			return NULL;
	}
	for (i = 0; i < NITEMS(cmds); i++) {
		if ((group == NULL) != (cmds[i].group == NULL) ||
		    (group != NULL && strcmp(group, cmds[i].group) != 0) ||
		    strcmp(argv[0], cmds[i].name) != 0)
			continue;
		if (group == NULL)
			*usage = cmds[i].name;
		*args = argv + 1;
		*n = argc - 1;
		return &cmds[i];
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	const struct admin_cmd	*cmd;
	const struct option	*o;
	struct admin		 a;
	const char		*usage;
	char			**args = NULL;
	char			 err[1024], name[64];
	int			 ch, n = 0, help = 0, bad = 0, rc;

	log_init("fcgi-auth-admin");
	memset(&a, 0, sizeof(a));
	a.app.name = "fcgi-auth-admin";
	/* Options anywhere, as before: fcgi-auth-admin user list --json. */
	while ((ch = getopt_long(argc, argv, "d:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			a.dflag = optarg;
			break;
		case 'h':
			help = 1;
			break;
		case 'V':
			printf("fcgi-auth-admin (fcgi-auth) %s\n", PACKAGE_VERSION);
			return fflush(stdout) == 0 ? 0 : 1;
		case LONG_OPT | OPT_JSON:
		case LONG_OPT | OPT_LOCKED:
		case LONG_OPT | OPT_ALL:
			break;
		case LONG_OPT | OPT_USER:
			a.user = optarg;
			break;
		case LONG_OPT | OPT_SINCE:
			a.since = optarg;
			break;
		case LONG_OPT | OPT_EVENT:
			a.event = optarg;
			break;
		case LONG_OPT | OPT_LIMIT:
			a.limit = optarg;
			break;
		default:
			bad = 1;
			break;
		}
		/* Each option's bit, whatever else it does. */
		a.given |= opt_bit(ch);
	}
	argc -= optind;
	argv += optind;
	cmd = admin_find_cmd(argc, argv, &args, &n, &usage);
	/* fcgi-auth-admin user --help: that group's usage. */
	if (help)
		admin_usage(usage, stdout, ADMIN_OK);
	if (bad || cmd == NULL || n < cmd->min || n > cmd->max)
		admin_usage(usage, stderr, ADMIN_USAGE);
	if (cmd->group != NULL)
		snprintf(name, sizeof(name), "%s %s", cmd->group, cmd->name);
	else
		snprintf(name, sizeof(name), "%s", cmd->name);
	a.cmd = name;
	a.usage = usage;
	for (o = longopts; o->name != NULL; o++)
		if (opt_bit(o->val) & a.given & ~cmd->opts)
			admin_misused(&a, "--%s does not apply here", o->name);
	/* The programs' settings, so that both see the same database and key. */
	if (config_load_settings(&a.app.cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "fcgi-auth-admin: %s\n", err);
		return ADMIN_FAIL;
	}
	a.target = a.dflag != NULL ? a.dflag : config_database(&a.app.cfg);
	a.now = (int64_t)time(NULL);
	rc = cmd->run(&a, args, n);
	store_free(a.app.store);
	config_clear(&a.app.cfg);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "fcgi-auth-admin: standard output: %s\n",
		    strerror(errno));
		rc = ADMIN_FAIL;
	}
	return rc;
}
