/*
 * config-file: a setting's value from the environment or the settings file,
 * and the settings file itself: where it is, that it is safe to read, and
 * its NAME=value lines.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config-file.h"
#include "util.h"

const char *const setting_names[S__MAX] = {
	"DATABASE_PATH",	/* S_DATABASE_PATH */
	"DATABASE_URL",		/* S_DATABASE_URL */
	"SQLITE_CACHE_SIZE",	/* S_SQLITE_CACHE_SIZE */
	"JWT_SECRET",		/* S_JWT_SECRET */
	"JWT_SECRET_FILE",	/* S_JWT_SECRET_FILE */
	"JWT_EXPIRATION_TIME",	/* S_JWT_EXPIRATION_TIME */
	"JWT_ACCESS_TOKEN_EXPIRATION_TIME", /* S_JWT_ACCESS_TOKEN_EXPIRATION_TIME */
	"JWT_REFRESH_TOKEN_EXPIRATION_TIME", /* S_JWT_REFRESH_TOKEN_EXPIRATION_TIME */
	"REFRESH_TOKEN_REUSE_INTERVAL",	/* S_REFRESH_TOKEN_REUSE_INTERVAL */
	"SESSION_MAX_LIFETIME",	/* S_SESSION_MAX_LIFETIME */
	"AUDIT_RETENTION_DAYS",	/* S_AUDIT_RETENTION_DAYS */
	"SESSIONS_PER_USER_MAX", /* S_SESSIONS_PER_USER_MAX */
	"BCRYPT_COST",		/* S_BCRYPT_COST */
	"COOKIE_SECURE",	/* S_COOKIE_SECURE */
	"TOKEN_LEEWAY",		/* S_TOKEN_LEEWAY */
	"THROTTLE_LOGIN_PER_PAIR",	/* S_THROTTLE_LOGIN_PER_PAIR */
	"THROTTLE_LOGIN_PER_ACCOUNT",	/* S_THROTTLE_LOGIN_PER_ACCOUNT */
	"THROTTLE_LOGIN_PER_ADDRESS",	/* S_THROTTLE_LOGIN_PER_ADDRESS */
	"THROTTLE_REGISTER_PER_ADDRESS", /* S_THROTTLE_REGISTER_PER_ADDRESS */
	"THROTTLE_IPV6_NETWORK_FACTOR",	/* S_THROTTLE_IPV6_NETWORK_FACTOR */
	"THROTTLE_POSTS_PER_USER",	/* S_THROTTLE_POSTS_PER_USER */
	"THROTTLE_POSTS_PER_ADDRESS",	/* S_THROTTLE_POSTS_PER_ADDRESS */
	"THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT", /* S_THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT */
	"THROTTLE_LOGIN_SUCCESS_PER_ADDRESS", /* S_THROTTLE_LOGIN_SUCCESS_PER_ADDRESS */
	"TRUSTED_PROXY",	/* S_TRUSTED_PROXY */
	"ALLOWED_ORIGINS",	/* S_ALLOWED_ORIGINS */
	"FRONTEND_URL",		/* S_FRONTEND_URL */
	"REGISTER_HIDE_EXISTING", /* S_REGISTER_HIDE_EXISTING */
	"POSTS_MAX_PER_USER",	/* S_POSTS_MAX_PER_USER */
	"POSTS_MAX_BYTES_PER_USER", /* S_POSTS_MAX_BYTES_PER_USER */
	"MAIL_COMMAND",		/* S_MAIL_COMMAND */
	"MAIL_FROM",		/* S_MAIL_FROM */
	"MAIL_TIMEOUT",		/* S_MAIL_TIMEOUT */
	"EMAIL_CONFIRMATION_URL", /* S_EMAIL_CONFIRMATION_URL */
	"EMAIL_CONFIRMATION_TOKEN_EXPIRATION_TIME", /* S_EMAIL_CONFIRMATION_TOKEN_EXPIRATION_TIME */
	"REQUIRE_CONFIRMED_EMAIL", /* S_REQUIRE_CONFIRMED_EMAIL */
	"THROTTLE_MAIL_PER_EMAIL", /* S_THROTTLE_MAIL_PER_EMAIL */
	"THROTTLE_MAIL_PER_ADDRESS", /* S_THROTTLE_MAIL_PER_ADDRESS */
	"THROTTLE_CONFIRM_PER_ADDRESS", /* S_THROTTLE_CONFIRM_PER_ADDRESS */
	"PASSWORD_RESET_URL",	/* S_PASSWORD_RESET_URL */
	"PASSWORD_RESET_TOKEN_EXPIRATION_TIME", /* S_PASSWORD_RESET_TOKEN_EXPIRATION_TIME */
	"TOTP_ENCRYPTION_KEY_FILE", /* S_TOTP_ENCRYPTION_KEY_FILE */
	"TWO_FACTOR_AUTHENTICATION_APP_NAME", /* S_TWO_FACTOR_AUTHENTICATION_APP_NAME */
};

const char	*config_default_file = DEFAULT_CONFIG_FILE;
const char	*config_default_secret_file = DEFAULT_SECRET_FILE;
const char	*config_default_totp_key_file = DEFAULT_TOTP_KEY_FILE;

/*
 * Does url hold a password?  Exactly what util_redact_url() hides, so
 * whatever the logs would show in clear may be world-readable.
 */
static int
config_has_password(const char *url)
{
	return util_url_has_password(url);
}

/* A setting: the environment first, then the file; NULL if neither has it. */
char *
config_get(struct config_file *file, enum setting s)
{
	char	*v = getenv(setting_names[s]);

	if (v != NULL && *v != '\0')
		return v;
	return file->value[s];
}

/* Read an integer setting, or use dflt when it is unset or empty. */
int
config_int(struct config_file *file, enum setting s, int64_t dflt,
    int64_t min, int64_t max, int64_t *out, char *err, size_t errsz)
{
	const char	*value = config_get(file, s), *errstr;

	if (value == NULL || *value == '\0') {
		*out = dflt;
		return 0;
	}
	if (util_parse_int(value, min, max, out, &errstr) == -1) {
		snprintf(err, errsz, "%s is %s: expected a whole number from "
		    "%lld to %lld", setting_names[s], errstr, (long long)min,
		    (long long)max);
		return -1;
	}
	return 0;
}

/* Read up to size - 1 bytes of fd into buf (NUL-terminated); the length, or -1. */
static ssize_t
config_read_fd(int fd, char *buf, size_t size)
{
	ssize_t	 n;
	size_t	 len = 0;

	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

/*
 * Read path as config_read_fd() does, and its status into *st from the same
 * descriptor: a check on the name could see another file than the one
 * read.  Only a regular file is read: O_NONBLOCK opens a FIFO at once
 * (a plain open() would wait for a writer for ever, and the program
 * with it), and fstat() then turns it away, as a directory or a device.
 * A symlink is followed (configuration tools and secret mounts use
 * them): the checks are on the file reached.  -1 with errno set, or
 * CONFIG_NOT_REGULAR.
 */
ssize_t
config_read(const char *path, struct stat *st, char *buf, size_t size)
{
	ssize_t	 n = -1;
	int	 fd, saved;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, st) == 0) {
		if (S_ISREG(st->st_mode))
			n = config_read_fd(fd, buf, size);
		else
			n = CONFIG_NOT_REGULAR;
	}
	saved = errno;
	close(fd);
	errno = saved;
	return n;
}

/*
 * Is there something at path?  Only "no such file" says no: a file that
 * is there but cannot be read must be reported, not silently skipped.
 */
static int
config_exists(const char *path)
{
	return access(path, F_OK) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

/*
 * Which settings file to read, into file->path ("" for none):
 * $FCGI_AUTH_CONFIG if set (it must then exist: reading it tells), else
 * fcgi-auth.conf beside the running program, else config_default_file,
 * each only if it exists.  One file at most, so that settings never come
 * half from one file and half from another.
 */
static int
config_file_find(struct config_file *file, char *err, size_t errsz)
{
	const char	*named = getenv("FCGI_AUTH_CONFIG");
	char		 exe[PATH_MAX - 32], *end;
	ssize_t		 n;

	file->path[0] = '\0';
	if (named != NULL && *named != '\0') {
		if (strlen(named) >= sizeof(file->path)) {
			snprintf(err, errsz, "FCGI_AUTH_CONFIG is too long");
			return -1;
		}
		strcpy(file->path, named);
		return 0;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if ((end = strrchr(exe, '/')) != NULL) {
			*end = '\0';
			if ((size_t)snprintf(file->path, sizeof(file->path),
			    "%s/fcgi-auth.conf", exe) < sizeof(file->path) &&
			    config_exists(file->path))
				return 0;
		}
	}
	if (strlen(config_default_file) < sizeof(file->path) &&
	    config_exists(config_default_file)) {
		strcpy(file->path, config_default_file);
		return 0;
	}
	file->path[0] = '\0';
	return 0;
}

/*
 * Find and parse the settings file (config_file_find()).  Lines are
 * NAME=value, with # comments; unknown names are errors, so a typo cannot
 * silently leave a default in force.
 */
int
config_file_load(struct config_file *file, char *err, size_t errsz)
{
	char		*line, *next, *eq, *key, *value, *end;
	struct stat	 st;
	ssize_t		 n;
	int		 lineno = 0, s;

	memset(file, 0, sizeof(*file));
	if (config_file_find(file, err, errsz) == -1)
		return -1;
	/* /dev/null is the documented "no settings file", and no regular file. */
	if (file->path[0] == '\0' || strcmp(file->path, "/dev/null") == 0)
		return 0;
	if ((n = config_read(file->path, &st, file->text,
	    sizeof(file->text))) == CONFIG_NOT_REGULAR) {
		snprintf(err, errsz, "config file %s is not a regular file",
		    file->path);
		return -1;
	}
	if (n == -1) {
		snprintf(err, errsz, "config file %s: %s", file->path,
		    strerror(errno));
		return -1;
	}
	/* Whoever may write the settings chooses the database and the key. */
	if (st.st_mode & S_IWOTH) {
		snprintf(err, errsz, "config file %s: other users can write it: "
		    "chmod o-w it", file->path);
		return -1;
	}
	if ((size_t)n == sizeof(file->text) - 1) {
		snprintf(err, errsz, "config file %s is larger than %zu bytes",
		    file->path, sizeof(file->text) - 2);
		return -1;
	}
	for (line = file->text; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line += strspn(line, " \t");
		if (*line == '\0' || *line == '#' || *line == '\r')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errsz, "%s:%d: expected NAME=value",
			    file->path, lineno);
			return -1;
		}
		*eq = '\0';
		key = line;
		for (end = eq; end > key && (end[-1] == ' ' || end[-1] == '\t'); end--)
			end[-1] = '\0';
		value = eq + 1 + strspn(eq + 1, " \t");
		for (end = value + strlen(value); end > value && (end[-1] == ' ' ||
		    end[-1] == '\t' || end[-1] == '\r'); end--)
			end[-1] = '\0';
		for (s = 0; s < S__MAX; s++)
			if (strcmp(key, setting_names[s]) == 0)
				break;
		if (s == S__MAX || file->value[s] != NULL) {
			/*
			 * Name only the key, and only if it looks like one of
			 * ours (capitals and "_"): the line may be a secret with
			 * "=" in it (base64).
			 */
			if (key[strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_")] != '\0')
				snprintf(err, errsz, "%s:%d: expected NAME=value",
				    file->path, lineno);
			else
				snprintf(err, errsz, "%s:%d: %s setting '%.40s'",
				    file->path, lineno, s == S__MAX ? "unknown" :
				    "repeated", key);
			return -1;
		}
		file->value[s] = value;
	}
	/* A key in a file others can read is no key at all. */
	if (file->value[S_JWT_SECRET] != NULL && (st.st_mode & S_IROTH)) {
		snprintf(err, errsz, "config file %s holds JWT_SECRET but other "
		    "users can read it: chmod o-r it", file->path);
		return -1;
	}
	if (file->value[S_DATABASE_URL] != NULL && (st.st_mode & S_IROTH) &&
	    config_has_password(file->value[S_DATABASE_URL])) {
		snprintf(err, errsz, "config file %s holds a database password "
		    "in DATABASE_URL but other users can read it: chmod o-r it",
		    file->path);
		return -1;
	}
	return 0;
}

/* Copy a string setting into dst (empty when unset); -1 if it does not fit. */
int
config_str(struct config_file *file, enum setting s, char *dst, size_t dstsz,
    char *err, size_t errsz)
{
	const char	*value = config_get(file, s);

	if (value == NULL)
		value = "";
	if (strlen(value) >= dstsz) {
		snprintf(err, errsz, "%s is longer than %zu bytes", setting_names[s],
		    dstsz - 1);
		return -1;
	}
	strcpy(dst, value);
	return 0;
}
