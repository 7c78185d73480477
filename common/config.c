/*
 * config: settings from the environment, or from one optional settings file
 * (for hosts where the web server's environment is out of reach, and so
 * that an installed system needs no environment at all), checked once at
 * start-up: each setting's default, range and meaning.  Where a value
 * comes from is config-file.c's.
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
#include "mail.h"
#include "util.h"

/*
 * The throttle's limits: events per rule before it blocks (0 turns the rule
 * off).  The defaults keep an account far below the 100 failed log-ins an
 * hour OWASP ASVS allows (see throttle.h).  An IPv6 /48 may have the
 * network factor times each per-address limit: a site's worth of /64s.
 * Post writes and successful log-ins are rates, per minute: generous for
 * a person, a wall for a script (issue 20).
 */
static int
config_throttle(struct config_file *file, struct config_throttle *t,
    char *err, size_t errsz)
{
	int64_t	 pair, account, address, reg, factor, posts_user, posts_address;
	int64_t	 ok_account, ok_address;

	if (config_int(file, S_THROTTLE_LOGIN_PER_PAIR, 5, 0, 1000000, &pair,
	    err, errsz) == -1 ||
	    config_int(file, S_THROTTLE_LOGIN_PER_ACCOUNT, 10, 0, 1000000,
	    &account, err, errsz) == -1 ||
	    config_int(file, S_THROTTLE_LOGIN_PER_ADDRESS, 30, 0, 1000000,
	    &address, err, errsz) == -1 ||
	    config_int(file, S_THROTTLE_REGISTER_PER_ADDRESS, 10, 0, 1000000,
	    &reg, err, errsz) == -1 ||
	    config_int(file, S_THROTTLE_IPV6_NETWORK_FACTOR, 4, 0, 1000,
	    &factor, err, errsz) == -1 ||
	    config_int(file, S_THROTTLE_POSTS_PER_USER, 30, 0, 1000000,
	    &posts_user, err, errsz) == -1 ||
	    config_int(file, S_THROTTLE_POSTS_PER_ADDRESS, 120, 0, 1000000,
	    &posts_address, err, errsz) == -1 ||
	    config_int(file, S_THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT, 10, 0,
	    1000000, &ok_account, err, errsz) == -1 ||
	    config_int(file, S_THROTTLE_LOGIN_SUCCESS_PER_ADDRESS, 60, 0,
	    1000000, &ok_address, err, errsz) == -1)
		return -1;
	t->per_pair = (int)pair;
	t->per_account = (int)account;
	t->per_address = (int)address;
	t->register_per_address = (int)reg;
	t->network_factor = (int)factor;
	t->posts_per_user = (int)posts_user;
	t->posts_per_address = (int)posts_address;
	t->success_per_account = (int)ok_account;
	t->success_per_address = (int)ok_address;
	return 0;
}

/*
 * Read a key file (name: its setting, for messages) of at most max bytes
 * into buf (bufsz >= max + 3), one trailing newline dropped, its length
 * into *len.  Only its
 * owner may write it and only its owner and group read it: a key others
 * can read is no key, and one they can write is theirs (the group: the
 * web server's, whose every other script would hold the key).  Returns 0;
 * -1 with errno set and nothing in err if it cannot be read (the caller
 * words that); -2 with a reason in err if it is refused.
 */
static int
config_key_read(const char *path, const char *name, char *buf, size_t bufsz,
    size_t max, size_t *len, char *err, size_t errsz)
{
	struct stat	 st;
	ssize_t		 n;

	if ((n = config_read(path, &st, buf, bufsz)) == CONFIG_NOT_REGULAR) {
		snprintf(err, errsz, "%s %s is not a regular file", name, path);
		return -2;
	}
	if (n == -1)
		return -1;
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		snprintf(err, errsz, "%s %s can be read or written by other "
		    "users: chmod o-rwx it", name, path);
		return -2;
	}
	if (st.st_mode & S_IWGRP) {
		snprintf(err, errsz, "%s %s can be written by its group: chmod "
		    "g-w it", name, path);
		return -2;
	}
	*len = (size_t)n;
	if (*len > 0 && buf[*len - 1] == '\n')
		(*len)--;
	if (*len > 0 && buf[*len - 1] == '\r')
		(*len)--;
	if (*len > max) {
		snprintf(err, errsz, "%s %s holds more than %zu bytes", name,
		    path, max);
		return -2;
	}
	return 0;
}

/* Read the key from path (JWT_SECRET_FILE, or the default when dflt is set). */
static int
config_secret_file(struct config *cfg, const char *path, int dflt, char *err,
    size_t errsz)
{
	char		 buf[CONFIG_SECRET_MAX + 2];
	size_t		 len;
	int		 rc;

	rc = config_key_read(path, "JWT_SECRET_FILE", buf, sizeof(buf),
	    CONFIG_SECRET_MAX - 1, &len, err, errsz);
	if (rc == -1) {
		if (dflt)
			snprintf(err, errsz, "JWT_SECRET (or JWT_SECRET_FILE) is "
			    "not set, and the default key file %s cannot be "
			    "read: %s (create it with: fcgi-auth-admin "
			    "init-secret)", path, strerror(errno));
		else
			snprintf(err, errsz, "JWT_SECRET_FILE %s: %s", path,
			    strerror(errno));
	}
	if (rc == 0) {
		memcpy(cfg->jwt_secret, buf, len);
		cfg->jwt_secret_len = len;
	}
	util_wipe(buf, sizeof(buf));
	return rc == 0 ? 0 : -1;
}

/*
 * The TOTP secrets' key (issue 15): TOTP_ENCRYPTION_KEY_FILE, else the
 * default file, which alone may be missing: two-factor authentication is
 * then off, and its routes say so (503).  A file named but unusable, or
 * one that holds anything but 64 hex digits, stops the program: 2FA must
 * not silently fail open or use a weak key.
 */
static int
config_totp_key(struct config_file *file, struct config *cfg, int need_key,
    char *err, size_t errsz)
{
	const char	*path = config_get(file, S_TOTP_ENCRYPTION_KEY_FILE);
	char		 buf[2 * CONFIG_TOTP_KEY_LEN + 3];
	size_t		 len, i;
	int		 dflt = path == NULL || *path == '\0', rc, hi, lo;

	if (dflt)
		path = config_default_totp_key_file;
	if (strlen(path) >= sizeof(cfg->totp_key_file)) {
		snprintf(err, errsz, "TOTP_ENCRYPTION_KEY_FILE is too long");
		return -1;
	}
	strcpy(cfg->totp_key_file, path);
	if (!need_key)
		return 0;
	rc = config_key_read(path, "TOTP_ENCRYPTION_KEY_FILE", buf, sizeof(buf),
	    2 * CONFIG_TOTP_KEY_LEN, &len, err, errsz);
	if (rc == -1 && dflt && errno == ENOENT)
		return 0;
	if (rc == -1)
		snprintf(err, errsz, "TOTP_ENCRYPTION_KEY_FILE %s: %s (create "
		    "it with: fcgi-auth-admin init-totp-key)", path,
		    strerror(errno));
	if (rc == 0 && len != 2 * CONFIG_TOTP_KEY_LEN) {
		snprintf(err, errsz, "TOTP_ENCRYPTION_KEY_FILE %s must hold %d "
		    "hex digits (a 256-bit key; fcgi-auth-admin init-totp-key "
		    "makes one)", path, 2 * CONFIG_TOTP_KEY_LEN);
		rc = -2;
	}
	for (i = 0; rc == 0 && i < CONFIG_TOTP_KEY_LEN; i++) {
		hi = util_hexval((unsigned char)buf[2 * i]);
		lo = util_hexval((unsigned char)buf[2 * i + 1]);
		if (hi == -1 || lo == -1) {
			snprintf(err, errsz, "TOTP_ENCRYPTION_KEY_FILE %s holds "
			    "something other than hex digits", path);
			rc = -2;
		} else
			cfg->totp_key[i] = (unsigned char)(hi << 4 | lo);
	}
	util_wipe(buf, sizeof(buf));
	if (rc != 0) {
		util_wipe(cfg->totp_key, sizeof(cfg->totp_key));
		return -1;
	}
	cfg->totp_key_len = CONFIG_TOTP_KEY_LEN;
	return 0;
}

/*
 * TWO_FACTOR_AUTHENTICATION_APP_NAME, the issuer authenticator apps show:
 * printable ASCII without ':', which the otpauth label uses to separate
 * it from the e-mail.
 */
static int
config_app_name(struct config_file *file, struct config *cfg, char *err,
    size_t errsz)
{
	const char	*p;

	if (config_str(file, S_TWO_FACTOR_AUTHENTICATION_APP_NAME,
	    cfg->totp_issuer, sizeof(cfg->totp_issuer), err, errsz) == -1)
		return -1;
	for (p = cfg->totp_issuer; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e || *p == ':') {
			snprintf(err, errsz, "TWO_FACTOR_AUTHENTICATION_APP_NAME "
			    "must be printable ASCII without ':'");
			return -1;
		}
	return 0;
}

/*
 * The signing key: JWT_SECRET, else the file JWT_SECRET_FILE names, else
 * the default key file; cfg->secret_file names the file either way.
 * Without need_key only that name is set (the admin tool creates the file).
 */
static int
config_secret(struct config *cfg, struct config_file *file, int need_key,
    char *err, size_t errsz)
{
	char		*value = config_get(file, S_JWT_SECRET);
	const char	*path = config_get(file, S_JWT_SECRET_FILE), *source;
	size_t		 len;
	int		 dflt = path == NULL || *path == '\0';

	cfg->secret_file[0] = '\0';
	if (value != NULL && *value != '\0') {
		if (!need_key)
			return 0;
		source = "JWT_SECRET";
		len = strlen(value);
		if (len >= sizeof(cfg->jwt_secret)) {
			snprintf(err, errsz, "JWT_SECRET is longer than %d bytes",
			    CONFIG_SECRET_MAX - 1);
			return -1;
		}
		memcpy(cfg->jwt_secret, value, len);
		cfg->jwt_secret_len = len;
		/* The copy is all we need; the environment outlives us in execs. */
		util_wipe(value, len);
		unsetenv("JWT_SECRET");
	} else {
		if (dflt)
			path = config_default_secret_file;
		if (strlen(path) >= sizeof(cfg->secret_file)) {
			snprintf(err, errsz, "JWT_SECRET_FILE is too long");
			return -1;
		}
		strcpy(cfg->secret_file, path);
		if (!need_key)
			return 0;
		source = "the secret in JWT_SECRET_FILE";
		if (config_secret_file(cfg, path, dflt, err, errsz) == -1)
			return -1;
	}
	if (cfg->jwt_secret_len < CONFIG_SECRET_MIN) {
		snprintf(err, errsz, "%s is %zu bytes: at least %d random bytes "
		    "are required", source, cfg->jwt_secret_len, CONFIG_SECRET_MIN);
		return -1;
	}
	return 0;
}

const char *
config_database(const struct config *cfg)
{
	return cfg->database_url[0] != '\0' ? cfg->database_url :
	    cfg->database_path;
}

/*
 * DATABASE_URL: a PostgreSQL URL (store.h), which wins over DATABASE_PATH.
 * A key=value connection string is refused: it would be taken for a path.
 */
static int
config_url(struct config_file *file, struct config *cfg, char *err,
    size_t errsz)
{
	const char	*url = cfg->database_url;

	if (config_str(file, S_DATABASE_URL, cfg->database_url,
	    sizeof(cfg->database_url), err, errsz) == -1)
		return -1;
	if (url[0] != '\0' && strncmp(url, "postgresql://", 13) != 0 &&
	    strncmp(url, "postgres://", 11) != 0) {
		snprintf(err, errsz, "DATABASE_URL must start with postgresql:// "
		    "or postgres://");
		return -1;
	}
	return 0;
}

/*
 * TRUSTED_PROXY: an IP address, kept in canonical form so that it compares
 * equal to REMOTE_ADDR however either was written.  A name or a list would
 * silently never match, so they are refused.
 */
static int
config_proxy(struct config_file *file, struct config *cfg, char *err,
    size_t errsz)
{
	char	 given[sizeof(cfg->trusted_proxy)];

	if (config_str(file, S_TRUSTED_PROXY, given, sizeof(given), err,
	    errsz) == -1)
		return -1;
	cfg->trusted_proxy[0] = '\0';
	if (given[0] != '\0' && util_ip_canonical(given, cfg->trusted_proxy,
	    sizeof(cfg->trusted_proxy)) == -1) {
		snprintf(err, errsz, "TRUSTED_PROXY must be one IP address, not "
		    "'%.64s'", given);
		return -1;
	}
	return 0;
}

/*
 * Append the origins of list (comma-separated, blanks around commas and
 * empty entries ignored) to cfg->allowed_origins, each checked and without
 * its trailing slash; name is the setting, for the error.
 */
static int
config_origin_list(struct config *cfg, const char *name, const char *list,
    char *err, size_t errsz)
{
	const char	*p = list, *why;
	char		 shown[84];
	size_t		 n, have;

	for (; *p != '\0'; p += strcspn(p, ",")) {
		p += strspn(p, " \t,");
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0)
			continue;
		if ((why = util_origin_check(p, n)) != NULL) {
			have = util_utf8_cut(p, n > 80 ? 80 : n);
			memcpy(shown, p, have);
			shown[have] = '\0';
			snprintf(err, errsz, "%s: '%s' is no origin: %s", name,
			    shown, why);
			return -1;
		}
		if (p[n - 1] == '/')
			n--;
		have = strlen(cfg->allowed_origins);
		/* Never: the list holds no more than the two settings' bytes. */
		if (have + n + 2 > sizeof(cfg->allowed_origins)) {
			snprintf(err, errsz, "%s: too many origins", name);
			return -1;
		}
		if (have > 0)
			cfg->allowed_origins[have++] = ',';
		memcpy(cfg->allowed_origins + have, p, n);
		cfg->allowed_origins[have + n] = '\0';
	}
	return 0;
}

/*
 * ALLOWED_ORIGINS and the series' FRONTEND_URL (one origin), merged into
 * one list that the CSRF check and CORS both read, so that the two can
 * never disagree (issue 21).  An entry that is no origin would silently
 * never match (or, as "null" or "*", match what it must not): refused.
 */
static int
config_origins(struct config_file *file, struct config *cfg, char *err,
    size_t errsz)
{
	char	 list[1024], front[CONFIG_ORIGIN_MAX];

	if (config_str(file, S_ALLOWED_ORIGINS, list, sizeof(list), err,
	    errsz) == -1 ||
	    config_str(file, S_FRONTEND_URL, front, sizeof(front), err,
	    errsz) == -1)
		return -1;
	if (strchr(front, ',') != NULL) {
		snprintf(err, errsz, "FRONTEND_URL is one origin: list more "
		    "in ALLOWED_ORIGINS");
		return -1;
	}
	cfg->allowed_origins[0] = '\0';
	if (config_origin_list(cfg, "ALLOWED_ORIGINS", list, err, errsz) == -1)
		return -1;
	return config_origin_list(cfg, "FRONTEND_URL", front, err, errsz);
}

/* DATABASE_PATH, and where it came from; the default when unset or empty. */
static int
config_path(struct config_file *file, struct config *cfg, char *err,
    size_t errsz)
{
	const char	*env = getenv(setting_names[S_DATABASE_PATH]);
	const char	*path = config_get(file, S_DATABASE_PATH);

	if (path == NULL || *path == '\0') {
		path = DEFAULT_DATABASE_PATH;
		cfg->database_from = CONFIG_FROM_DEFAULT;
	} else
		cfg->database_from = env != NULL && *env != '\0' ?
		    CONFIG_FROM_ENV : CONFIG_FROM_FILE;
	if (strlen(path) >= sizeof(cfg->database_path)) {
		snprintf(err, errsz, "DATABASE_PATH is too long");
		return -1;
	}
	strcpy(cfg->database_path, path);
	return 0;
}

/*
 * The session lifetimes.  The access token's is part 13's
 * JWT_ACCESS_TOKEN_EXPIRATION_TIME, else part 3's JWT_EXPIRATION_TIME, so
 * a part-3 configuration keeps its meaning.  Cookies live at most 400 days
 * in browsers (RFC 6265bis).
 */
static int
config_sessions(struct config_file *file, struct config *cfg, char *err,
    size_t errsz)
{
	const int64_t	 max = 400 * 86400;
	int64_t		 part3;

	if (config_int(file, S_JWT_EXPIRATION_TIME, 3600, 1, max, &part3,
	    err, errsz) == -1 ||
	    config_int(file, S_JWT_ACCESS_TOKEN_EXPIRATION_TIME, part3, 1, max,
	    &cfg->jwt_ttl, err, errsz) == -1 ||
	    config_int(file, S_JWT_REFRESH_TOKEN_EXPIRATION_TIME, 14 * 86400, 0,
	    max, &cfg->refresh_ttl, err, errsz) == -1 ||
	    config_int(file, S_REFRESH_TOKEN_REUSE_INTERVAL, 10, 0, 300,
	    &cfg->refresh_grace, err, errsz) == -1 ||
	    config_int(file, S_SESSION_MAX_LIFETIME, 30 * 86400, 60, max,
	    &cfg->session_lifetime, err, errsz) == -1 ||
	    config_int(file, S_AUDIT_RETENTION_DAYS, 90, 1, 36500,
	    &cfg->audit_days, err, errsz) == -1 ||
	    /* The default: what a session list shows (all of them, then). */
	    config_int(file, S_SESSIONS_PER_USER_MAX, 100, 1, 10000,
	    &cfg->sessions_max, err, errsz) == -1)
		return -1;
	return 0;
}

/*
 * A link setting (EMAIL_CONFIRMATION_URL, PASSWORD_RESET_URL): empty, or
 * an http(s) URL of printable ASCII, no fragment: "?token=" is added.
 */
static int
config_link(struct config_file *file, enum setting s, char *dst,
    size_t dstsz, char *err, size_t errsz)
{
	size_t	 i;

	if (config_str(file, s, dst, dstsz, err, errsz) == -1)
		return -1;
	for (i = 0; (unsigned char)dst[i] > ' ' &&
	    (unsigned char)dst[i] < 0x7f && dst[i] != '#'; i++)
		;
	if (dst[0] != '\0' && (dst[i] != '\0' || (strncmp(dst, "https://",
	    8) != 0 && strncmp(dst, "http://", 7) != 0))) {
		snprintf(err, errsz, "%s must be an http:// or https:// URL "
		    "without spaces or a #fragment", setting_names[s]);
		return -1;
	}
	return 0;
}

/*
 * Mail (issue 14): the sendmail command, the sender, a deadline, and the
 * links that turn e-mail confirmation and password reset on.  MAIL_FROM
 * may stay empty (the programs then say so once and answer the mail
 * routes 503); confirmation required without a way to confirm would lock
 * users out.
 */
static int
config_mail(struct config_file *file, struct config *cfg, char *err,
    size_t errsz)
{
	struct config_throttle	*t = &cfg->throttle;
	const char		*url = cfg->email_confirmation_url;
	int64_t			 timeout, require, per_email, per_address, confirm;

	if (config_str(file, S_MAIL_COMMAND, cfg->mail_command,
	    sizeof(cfg->mail_command), err, errsz) == -1 ||
	    config_str(file, S_MAIL_FROM, cfg->mail_from,
	    sizeof(cfg->mail_from), err, errsz) == -1 ||
	    config_int(file, S_MAIL_TIMEOUT, 10, 1, 120, &timeout, err,
	    errsz) == -1 ||
	    config_int(file, S_EMAIL_CONFIRMATION_TOKEN_EXPIRATION_TIME, 86400,
	    1, 30 * 86400, &cfg->email_confirmation_ttl, err, errsz) == -1 ||
	    config_int(file, S_PASSWORD_RESET_TOKEN_EXPIRATION_TIME, 1800,
	    1, 86400, &cfg->password_reset_ttl, err, errsz) == -1 ||
	    config_int(file, S_REQUIRE_CONFIRMED_EMAIL, 0, 0, 1, &require, err,
	    errsz) == -1 ||
	    config_int(file, S_THROTTLE_MAIL_PER_EMAIL, 5, 0, 1000000,
	    &per_email, err, errsz) == -1 ||
	    config_int(file, S_THROTTLE_MAIL_PER_ADDRESS, 20, 0, 1000000,
	    &per_address, err, errsz) == -1 ||
	    config_int(file, S_THROTTLE_CONFIRM_PER_ADDRESS, 30, 0, 1000000,
	    &confirm, err, errsz) == -1)
		return -1;
	if (cfg->mail_command[0] == '\0')
		strcpy(cfg->mail_command, CONFIG_MAIL_COMMAND);
	if (cfg->mail_command[0] != '/') {
		snprintf(err, errsz, "MAIL_COMMAND must start with the absolute "
		    "path of a program (it is run without a shell)");
		return -1;
	}
	if (cfg->mail_from[0] != '\0' && !mail_from_ok(cfg->mail_from)) {
		snprintf(err, errsz, "MAIL_FROM must be an address, or "
		    "Name <address>, in printable ASCII");
		return -1;
	}
	if (config_link(file, S_EMAIL_CONFIRMATION_URL,
	    cfg->email_confirmation_url, sizeof(cfg->email_confirmation_url),
	    err, errsz) == -1 ||
	    config_link(file, S_PASSWORD_RESET_URL, cfg->password_reset_url,
	    sizeof(cfg->password_reset_url), err, errsz) == -1)
		return -1;
	if (require && url[0] == '\0') {
		snprintf(err, errsz, "REQUIRE_CONFIRMED_EMAIL=1 needs "
		    "EMAIL_CONFIRMATION_URL: without it nobody could confirm");
		return -1;
	}
	cfg->mail_timeout = timeout;
	cfg->require_confirmed_email = (int)require;
	t->mail_per_email = (int)per_email;
	t->mail_per_address = (int)per_address;
	t->confirm_per_address = (int)confirm;
	return 0;
}

/* config_load() and config_load_settings(): the key too if need_key. */
static int
config_fill(struct config *cfg, int need_key, char *err, size_t errsz)
{
	struct config_file	*file;
	int64_t			 v;
	int			 rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	if ((file = malloc(sizeof(*file))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (config_file_load(file, err, errsz) == -1)
		goto done;
	strcpy(cfg->file, file->path);
	if (config_path(file, cfg, err, errsz) == -1 ||
	    config_url(file, cfg, err, errsz) == -1)
		goto done;
	/*
	 * KiB of SQLite page cache per process; unset keeps SQLite's own
	 * (2000).  Under 64 (16 pages) would save next to nothing and read
	 * a request's pages again from the kernel; past 1 GiB is a typo.
	 */
	if (config_int(file, S_SQLITE_CACHE_SIZE, 0, 64, 1048576,
	    &cfg->sqlite_cache_kib, err, errsz) == -1)
		goto done;

	if (config_sessions(file, cfg, err, errsz) == -1)
		goto done;
	/* libxcrypt silently picks cost 5 for 0; never let that happen. */
	if (config_int(file, S_BCRYPT_COST, 10, 4, 31, &v, err, errsz) == -1)
		goto done;
	cfg->bcrypt_cost = (int)v;
	if (config_int(file, S_COOKIE_SECURE, 0, 0, 1, &v, err, errsz) == -1)
		goto done;
	cfg->cookie_secure = (int)v;
	/* Off by default: the tutorial's front ends expect 201 or the 400. */
	if (config_int(file, S_REGISTER_HIDE_EXISTING, 0, 0, 1, &v, err,
	    errsz) == -1)
		goto done;
	cfg->register_hide_existing = (int)v;
	/* RFC 7519 4.1.4: "a small leeway, usually no more than a few minutes". */
	if (config_int(file, S_TOKEN_LEEWAY, 30, 0, 300, &cfg->token_leeway,
	    err, errsz) == -1)
		goto done;
	/*
	 * What one user's posts may add up to (issue 20): a thousand, and 10
	 * MiB of titles and contents, about 500 of the largest.  0 lifts a
	 * cap; past a million posts or 1 TiB is a typo.
	 */
	if (config_int(file, S_POSTS_MAX_PER_USER, 1000, 0, 1000000,
	    &cfg->posts_max, err, errsz) == -1 ||
	    config_int(file, S_POSTS_MAX_BYTES_PER_USER, 10485760, 0,
	    INT64_C(1099511627776), &cfg->posts_max_bytes, err, errsz) == -1)
		goto done;
	if (config_throttle(file, &cfg->throttle, err, errsz) == -1 ||
	    config_proxy(file, cfg, err, errsz) == -1 ||
	    config_origins(file, cfg, err, errsz) == -1 ||
	    config_mail(file, cfg, err, errsz) == -1)
		goto done;
	if (config_app_name(file, cfg, err, errsz) == -1 ||
	    config_totp_key(file, cfg, need_key, err, errsz) == -1)
		goto done;
	rc = config_secret(cfg, file, need_key, err, errsz);
done:
	util_wipe(file, sizeof(*file));
	free(file);
	return rc;
}

int
config_load(struct config *cfg, char *err, size_t errsz)
{
	return config_fill(cfg, 1, err, errsz);
}

int
config_load_settings(struct config *cfg, char *err, size_t errsz)
{
	return config_fill(cfg, 0, err, errsz);
}

void
config_clear(struct config *cfg)
{
	util_wipe(cfg->jwt_secret, sizeof(cfg->jwt_secret));
	cfg->jwt_secret_len = 0;
	util_wipe(cfg->totp_key, sizeof(cfg->totp_key));
	cfg->totp_key_len = 0;
	util_wipe(cfg->database_url, sizeof(cfg->database_url));
}
