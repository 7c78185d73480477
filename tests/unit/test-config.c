/*
 * Unit tests for common/config.c: settings read from the environment and
 * from the config file, the signing key's rules, and that the key never
 * leaks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* 32 bytes: the shortest key config_load() accepts. */
#define KEY32	"k3y-0123456789abcdef0123456789ab"
/* 31 bytes: one too short. */
#define KEY31	"k3y-0123456789abcdef0123456789a"

struct fixture {
	struct config	 cfg;
	char		 err[1024];
	char		 dir[64];
	char		 file[128];
	char		 xdir[64];	/* more files, made by extra_file() */
	char		 xfile[4][128];
	size_t		 nx;
};

/* Where the defaults point during the tests: nowhere, unless a test says. */
#define NO_DEFAULT_FILE		"/nonexistent/fcgi-auth-test/fcgi-auth.conf"
#define NO_DEFAULT_SECRET	"/nonexistent/fcgi-auth-test/jwt-secret"
#define NO_DEFAULT_TOTP_KEY	"/nonexistent/fcgi-auth-test/totp-key"

static const char *const config_vars[] = {
	"JWT_SECRET",
	"JWT_SECRET_FILE",
	"JWT_EXPIRATION_TIME",
	"JWT_ACCESS_TOKEN_EXPIRATION_TIME",
	"JWT_REFRESH_TOKEN_EXPIRATION_TIME",
	"REFRESH_TOKEN_REUSE_INTERVAL",
	"SESSION_MAX_LIFETIME",
	"AUDIT_RETENTION_DAYS",
	"SESSIONS_PER_USER_MAX",
	"BCRYPT_COST",
	"COOKIE_SECURE",
	"DATABASE_PATH",
	"DATABASE_URL",
	"SQLITE_CACHE_SIZE",
	"FCGI_AUTH_CONFIG",
	"TOKEN_LEEWAY",
	"THROTTLE_LOGIN_PER_PAIR",
	"THROTTLE_LOGIN_PER_ACCOUNT",
	"THROTTLE_LOGIN_PER_ADDRESS",
	"THROTTLE_REGISTER_PER_ADDRESS",
	"THROTTLE_IPV6_NETWORK_FACTOR",
	"THROTTLE_POSTS_PER_USER",
	"THROTTLE_POSTS_PER_ADDRESS",
	"THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT",
	"THROTTLE_LOGIN_SUCCESS_PER_ADDRESS",
	"TRUSTED_PROXY",
	"ALLOWED_ORIGINS",
	"FRONTEND_URL",
	"REGISTER_HIDE_EXISTING",
	"POSTS_MAX_PER_USER",
	"POSTS_MAX_BYTES_PER_USER",
	"MAIL_COMMAND",
	"MAIL_FROM",
	"MAIL_TIMEOUT",
	"EMAIL_CONFIRMATION_URL",
	"EMAIL_CONFIRMATION_TOKEN_EXPIRATION_TIME",
	"REQUIRE_CONFIRMED_EMAIL",
	"THROTTLE_MAIL_PER_EMAIL",
	"THROTTLE_MAIL_PER_ADDRESS",
	"THROTTLE_CONFIRM_PER_ADDRESS",
	"PASSWORD_RESET_URL",
	"PASSWORD_RESET_TOKEN_EXPIRATION_TIME",
	"TOTP_ENCRYPTION_KEY_FILE",
	"TWO_FACTOR_AUTHENTICATION_APP_NAME",
};

/* Every test starts from an environment without our variables. */
static int
setup(void **state)
{
	struct fixture	*f;
	size_t		 i;

	for (i = 0; i < sizeof(config_vars) / sizeof(config_vars[0]); i++)
		if (unsetenv(config_vars[i]) == -1)
			return -1;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	/* This machine's real settings and key must not reach the tests. */
	config_default_file = NO_DEFAULT_FILE;
	config_default_secret_file = NO_DEFAULT_SECRET;
	config_default_totp_key_file = NO_DEFAULT_TOTP_KEY;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	size_t		 i;

	if (f->file[0] != '\0')
		unlink(f->file);
	if (f->dir[0] != '\0')
		rmdir(f->dir);
	for (i = 0; i < f->nx; i++)
		if (unlink(f->xfile[i]) == -1)
			rmdir(f->xfile[i]);
	if (f->xdir[0] != '\0')
		rmdir(f->xdir);
	config_clear(&f->cfg);
	free(f);
	return 0;
}

/* Write content to a fresh secret file and point JWT_SECRET_FILE at it. */
static void
secret_file(struct fixture *f, const char *content, size_t len)
{
	const char	*tmp = getenv("TMPDIR");
	FILE		*fp;

	snprintf(f->dir, sizeof(f->dir), "%s/test-config.XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 32 ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->file, sizeof(f->file), "%s/jwt-secret", f->dir);
	assert_non_null(fp = fopen(f->file, "w"));
	assert_int_equal(fwrite(content, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	/* As a key file must be: others may not read it (fopen obeys the umask). */
	assert_int_equal(chmod(f->file, 0600), 0);
	assert_int_equal(setenv("JWT_SECRET_FILE", f->file, 1), 0);
}

static int
load(struct fixture *f)
{
	f->err[0] = '\0';
	return config_load(&f->cfg, f->err, sizeof(f->err));
}

/* Expect config_load() to refuse, naming var in its reason. */
static void
load_refused(struct fixture *f, const char *var)
{
	assert_int_equal(load(f), -1);
	assert_non_null(strstr(f->err, var));
	assert_null(strchr(f->err, '\n'));
}

static void
missing_secret_is_refused(void **state)
{
	struct fixture	*f = *state;

	load_refused(f, "JWT_SECRET");
}

static void
empty_secret_is_refused(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", "", 1), 0);
	load_refused(f, "JWT_SECRET");
}

static void
secret_of_31_bytes_is_refused(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY31, 1), 0);
	load_refused(f, "JWT_SECRET");
	assert_non_null(strstr(f->err, "31"));
}

static void
secret_of_32_bytes_is_accepted(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.jwt_secret_len, 32);
	assert_memory_equal(f->cfg.jwt_secret, KEY32, 32);
}

static void
secret_of_511_bytes_is_accepted_512_refused(void **state)
{
	struct fixture	*f = *state;
	char		 key[CONFIG_SECRET_MAX + 1];

	memset(key, 'k', sizeof(key) - 1);
	key[CONFIG_SECRET_MAX - 1] = '\0';
	assert_int_equal(setenv("JWT_SECRET", key, 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.jwt_secret_len, CONFIG_SECRET_MAX - 1);

	key[CONFIG_SECRET_MAX - 1] = 'k';
	key[CONFIG_SECRET_MAX] = '\0';
	assert_int_equal(setenv("JWT_SECRET", key, 1), 0);
	load_refused(f, "JWT_SECRET");
	assert_null(strstr(f->err, "kkkk"));
}

static void
short_secret_is_not_in_error(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY31, 1), 0);
	assert_int_equal(load(f), -1);
	assert_null(strstr(f->err, KEY31));
	assert_null(strstr(f->err, "k3y-"));
}

static void
secret_is_not_in_other_errors(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("BCRYPT_COST", "99", 1), 0);
	assert_int_equal(load(f), -1);
	assert_non_null(strstr(f->err, "BCRYPT_COST"));
	assert_null(strstr(f->err, "k3y-"));
}

static void
secret_is_wiped_from_environment(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), 0);
	assert_null(getenv("JWT_SECRET"));
}

static void
secret_file_is_read_without_newline(void **state)
{
	struct fixture	*f = *state;

	secret_file(f, KEY32 "\n", 33);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.jwt_secret_len, 32);
	assert_memory_equal(f->cfg.jwt_secret, KEY32, 32);
}

static void
secret_file_without_newline_is_read_whole(void **state)
{
	struct fixture	*f = *state;

	secret_file(f, KEY32 "x", 33);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.jwt_secret_len, 33);
	assert_memory_equal(f->cfg.jwt_secret, KEY32 "x", 33);
}

static void
secret_file_too_short_is_refused(void **state)
{
	struct fixture	*f = *state;

	secret_file(f, KEY31 "\n", 32);
	load_refused(f, "JWT_SECRET");
	assert_null(strstr(f->err, "k3y-"));
}

static void
secret_file_missing_is_refused(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET_FILE",
	    "/nonexistent/fcgi-auth/jwt-secret", 1), 0);
	load_refused(f, "JWT_SECRET_FILE");
	assert_non_null(strstr(f->err, "/nonexistent/fcgi-auth/jwt-secret"));
}

static void
defaults_apply(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.jwt_ttl, 3600);
	assert_int_equal(f->cfg.bcrypt_cost, 10);
	assert_int_equal(f->cfg.cookie_secure, 0);
	assert_string_equal(f->cfg.database_path, DEFAULT_DATABASE_PATH);
	assert_int_equal(f->cfg.database_from, CONFIG_FROM_DEFAULT);
	/* SQLite's own page cache size. */
	assert_int_equal(f->cfg.sqlite_cache_kib, 0);
	assert_string_equal(config_database(&f->cfg), DEFAULT_DATABASE_PATH);
}

static void
empty_values_mean_defaults(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("JWT_EXPIRATION_TIME", "", 1), 0);
	assert_int_equal(setenv("BCRYPT_COST", "", 1), 0);
	assert_int_equal(setenv("DATABASE_PATH", "", 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.jwt_ttl, 3600);
	assert_int_equal(f->cfg.bcrypt_cost, 10);
	assert_string_equal(f->cfg.database_path, DEFAULT_DATABASE_PATH);
}

static void
database_path_from_environment(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("DATABASE_PATH", "/srv/db/auth.sqlite", 1), 0);
	assert_int_equal(load(f), 0);
	assert_string_equal(f->cfg.database_path, "/srv/db/auth.sqlite");
	assert_int_equal(f->cfg.database_from, CONFIG_FROM_ENV);
	assert_string_equal(config_database(&f->cfg), "/srv/db/auth.sqlite");
}

static void
settings_from_environment(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("JWT_EXPIRATION_TIME", "60", 1), 0);
	assert_int_equal(setenv("BCRYPT_COST", "12", 1), 0);
	assert_int_equal(setenv("COOKIE_SECURE", "1", 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.jwt_ttl, 60);
	assert_int_equal(f->cfg.bcrypt_cost, 12);
	assert_int_equal(f->cfg.cookie_secure, 1);
}

/* load() and load_refused() with the key set again: a load wipes it. */
static int
load_keyed(struct fixture *f)
{
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	return load(f);
}

static void
refused_keyed(struct fixture *f, const char *var)
{
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	load_refused(f, var);
}

static void
session_lifetimes_default(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(load_keyed(f), 0);
	assert_int_equal(f->cfg.jwt_ttl, 3600);
	assert_int_equal(f->cfg.refresh_ttl, 14 * 86400);
	assert_int_equal(f->cfg.refresh_grace, 10);
	assert_int_equal(f->cfg.session_lifetime, 30 * 86400);
	assert_int_equal(f->cfg.audit_days, 90);
	assert_int_equal(f->cfg.sessions_max, 100);
}

/* Issue 20: a cap on each user's sessions, never off. */
static void
sessions_per_user_range(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("SESSIONS_PER_USER_MAX", "1", 1), 0);
	assert_int_equal(load_keyed(f), 0);
	assert_int_equal(f->cfg.sessions_max, 1);
	assert_int_equal(setenv("SESSIONS_PER_USER_MAX", "10000", 1), 0);
	assert_int_equal(load_keyed(f), 0);
	assert_int_equal(f->cfg.sessions_max, 10000);
	assert_int_equal(setenv("SESSIONS_PER_USER_MAX", "0", 1), 0);
	refused_keyed(f, "SESSIONS_PER_USER_MAX");
	assert_int_equal(setenv("SESSIONS_PER_USER_MAX", "10001", 1), 0);
	refused_keyed(f, "SESSIONS_PER_USER_MAX");
	assert_int_equal(setenv("SESSIONS_PER_USER_MAX", "lots", 1), 0);
	refused_keyed(f, "SESSIONS_PER_USER_MAX");
}

/* Part 3's name still sets the access lifetime; part 13's wins over it. */
static void
access_lifetime_from_either_name(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_EXPIRATION_TIME", "120", 1), 0);
	assert_int_equal(load_keyed(f), 0);
	assert_int_equal(f->cfg.jwt_ttl, 120);
	assert_int_equal(setenv("JWT_ACCESS_TOKEN_EXPIRATION_TIME", "900", 1), 0);
	assert_int_equal(load_keyed(f), 0);
	assert_int_equal(f->cfg.jwt_ttl, 900);
	assert_int_equal(setenv("JWT_ACCESS_TOKEN_EXPIRATION_TIME", "0", 1), 0);
	refused_keyed(f, "JWT_ACCESS_TOKEN_EXPIRATION_TIME");
}

static void
refresh_settings_ranges(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_REFRESH_TOKEN_EXPIRATION_TIME", "0", 1), 0);
	assert_int_equal(setenv("REFRESH_TOKEN_REUSE_INTERVAL", "0", 1), 0);
	assert_int_equal(load_keyed(f), 0);
	assert_int_equal(f->cfg.refresh_ttl, 0);
	assert_int_equal(f->cfg.refresh_grace, 0);
	assert_int_equal(setenv("JWT_REFRESH_TOKEN_EXPIRATION_TIME", "15m", 1), 0);
	refused_keyed(f, "JWT_REFRESH_TOKEN_EXPIRATION_TIME");
	assert_int_equal(setenv("JWT_REFRESH_TOKEN_EXPIRATION_TIME", "60", 1), 0);
	assert_int_equal(setenv("REFRESH_TOKEN_REUSE_INTERVAL", "301", 1), 0);
	refused_keyed(f, "REFRESH_TOKEN_REUSE_INTERVAL");
	assert_int_equal(setenv("REFRESH_TOKEN_REUSE_INTERVAL", "10", 1), 0);
	assert_int_equal(setenv("SESSION_MAX_LIFETIME", "59", 1), 0);
	refused_keyed(f, "SESSION_MAX_LIFETIME");
	assert_int_equal(setenv("SESSION_MAX_LIFETIME", "60", 1), 0);
	assert_int_equal(setenv("AUDIT_RETENTION_DAYS", "0", 1), 0);
	refused_keyed(f, "AUDIT_RETENTION_DAYS");
}

static void
bcrypt_cost_3_is_refused(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("BCRYPT_COST", "3", 1), 0);
	load_refused(f, "BCRYPT_COST");
}

static void
bcrypt_cost_32_is_refused(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("BCRYPT_COST", "32", 1), 0);
	load_refused(f, "BCRYPT_COST");
}

static void
bcrypt_cost_4_is_accepted(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("BCRYPT_COST", "4", 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.bcrypt_cost, 4);
}

static void
bcrypt_cost_31_is_accepted(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("BCRYPT_COST", "31", 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.bcrypt_cost, 31);
}

static void
expiration_zero_is_refused(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("JWT_EXPIRATION_TIME", "0", 1), 0);
	load_refused(f, "JWT_EXPIRATION_TIME");
}

static void
expiration_not_a_number_is_refused(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("JWT_EXPIRATION_TIME", "abc", 1), 0);
	load_refused(f, "JWT_EXPIRATION_TIME");
}

static void
expiration_with_unit_is_refused(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("JWT_EXPIRATION_TIME", "10s", 1), 0);
	load_refused(f, "JWT_EXPIRATION_TIME");
}

static void
expiration_400_days_is_the_limit(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("JWT_EXPIRATION_TIME", "34560000", 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.jwt_ttl, 34560000);

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("JWT_EXPIRATION_TIME", "34560001", 1), 0);
	load_refused(f, "JWT_EXPIRATION_TIME");
}

static void
cookie_secure_2_is_refused(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("COOKIE_SECURE", "2", 1), 0);
	load_refused(f, "COOKIE_SECURE");
}

static void
clear_wipes_secret(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 zero[CONFIG_SECRET_MAX];

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), 0);
	config_clear(&f->cfg);
	memset(zero, 0, sizeof(zero));
	assert_int_equal(f->cfg.jwt_secret_len, 0);
	assert_memory_equal(f->cfg.jwt_secret, zero, sizeof(zero));
}

/* --- the config file */

/* Write content to a fresh config file (mode 0600) named by FCGI_AUTH_CONFIG. */
static void
config_file(struct fixture *f, const char *content, mode_t mode)
{
	const char	*tmp = getenv("TMPDIR");
	FILE		*fp;

	snprintf(f->dir, sizeof(f->dir), "%s/test-config.XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 32 ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->file, sizeof(f->file), "%s/fcgi-auth.conf", f->dir);
	assert_non_null(fp = fopen(f->file, "w"));
	assert_int_equal(fputs(content, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(f->file, mode), 0);
	assert_int_equal(setenv("FCGI_AUTH_CONFIG", f->file, 1), 0);
}

static void
file_gives_every_setting(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "# settings for the test\n"
	    "\n"
	    "DATABASE_PATH = /srv/db.sqlite\n"
	    "  JWT_SECRET=" KEY32 "\r\n"
	    "JWT_EXPIRATION_TIME=60\n"
	    "BCRYPT_COST=\t12\n"
	    "COOKIE_SECURE=1", 0600);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), 0);
	assert_string_equal(f->cfg.database_path, "/srv/db.sqlite");
	assert_int_equal(f->cfg.database_from, CONFIG_FROM_FILE);
	assert_string_equal(f->cfg.file, f->file);
	assert_int_equal(f->cfg.jwt_secret_len, 32);
	assert_memory_equal(f->cfg.jwt_secret, KEY32, 32);
	assert_int_equal(f->cfg.jwt_ttl, 60);
	assert_int_equal(f->cfg.bcrypt_cost, 12);
	assert_int_equal(f->cfg.cookie_secure, 1);
}

static void
environment_wins_over_file(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET=" KEY32 "\nBCRYPT_COST=12\n", 0600);
	assert_int_equal(setenv("BCRYPT_COST", "5", 1), 0);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->cfg.bcrypt_cost, 5);
}

static void
file_unknown_setting_is_refused(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET=" KEY32 "\nBCRYPT_COSTS=12\n", 0600);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, ":2: unknown setting 'BCRYPT_COSTS'"));
}

static void
file_repeated_setting_is_refused(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET=" KEY32 "\nBCRYPT_COST=5\nBCRYPT_COST=6\n",
	    0600);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, ":3: repeated setting 'BCRYPT_COST'"));
}

/* A base64 key on a line of its own has "=" in it: not a name to echo. */
static void
file_stray_base64_line_is_not_echoed(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET_FILE=/nonexistent\nc2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNl==\n",
	    0600);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, ":2: expected NAME=value"));
	assert_null(strstr(f->err, "c2VjcmV0"));
}

static void
file_line_without_equals_is_refused(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET " KEY32 "\n", 0600);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, ":1: expected NAME=value"));
	/* The line held the key: it must not be in the message. */
	assert_null(strstr(f->err, KEY32));
}

static void
file_secret_readable_by_others_is_refused(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET=" KEY32 "\n", 0644);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "other users can read it"));
	assert_null(strstr(f->err, KEY32));
}

static void
database_url_wins_over_path(void **state)
{
	struct fixture	*f = *state;
	const char	*url = "postgresql://auth:pw@db.example:5432/auth";

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("DATABASE_PATH", "/srv/db/auth.sqlite", 1), 0);
	assert_int_equal(load(f), 0);
	assert_string_equal(config_database(&f->cfg), "/srv/db/auth.sqlite");
	/* config_load() took JWT_SECRET out of the environment. */
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("DATABASE_URL", url, 1), 0);
	assert_int_equal(load(f), 0);
	assert_string_equal(f->cfg.database_url, url);
	assert_string_equal(config_database(&f->cfg), url);
	/* config_clear() wipes the URL with its password. */
	config_clear(&f->cfg);
	assert_string_equal(f->cfg.database_url, "");
}

static void
database_url_must_be_postgresql(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("DATABASE_URL", "host=db dbname=auth", 1), 0);
	load_refused(f, "DATABASE_URL");
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("DATABASE_URL", "postgres://db/auth", 1), 0);
	assert_int_equal(load(f), 0);
}

static void
database_url_too_long_is_refused(void **state)
{
	struct fixture	*f = *state;
	char		 url[sizeof(f->cfg.database_url) + 1];

	memset(url, 'a', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	memcpy(url, "postgresql://", 13);
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv("DATABASE_URL", url, 1), 0);
	load_refused(f, "DATABASE_URL");
}

static void
file_database_password_readable_by_others_is_refused(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "DATABASE_URL=postgresql://auth:hunter2pw@db/auth\n",
	    0644);
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "other users can read it"));
	assert_null(strstr(f->err, "hunter2pw"));
	/* Without a password in it, the URL may be world-readable. */
	config_clear(&f->cfg);
	unlink(f->file);
	rmdir(f->dir);
	config_file(f, "DATABASE_URL=postgresql://auth@db/auth\n", 0644);
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), 0);
	assert_string_equal(f->cfg.database_url, "postgresql://auth@db/auth");
}

/*
 * Passwords util_redact_url() hides are passwords here too: a ? or # in
 * one, and password query keys however spelt.
 */
static void
file_database_password_in_any_form_is_refused(void **state)
{
	static const char *const urls[] = {
		"postgresql://app:pa?ss@db/auth",
		"postgresql://app:pa#ss@db/auth",
		"postgresql://app@db/auth?sslpassword=hunter2pw",
		"postgresql://app@db/auth?sslmode=require&password=hunter2pw",
		"postgresql://app@db/auth?pass%77ord=hunter2pw",
	};
	struct fixture	*f = *state;
	char		 line[256];
	size_t		 i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		snprintf(line, sizeof(line), "DATABASE_URL=%s\n", urls[i]);
		config_file(f, line, 0644);
		assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
		assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)),
		    -1);
		assert_non_null(strstr(f->err, "other users can read it"));
		assert_null(strstr(f->err, "hunter2pw"));
		config_clear(&f->cfg);
		unlink(f->file);
		rmdir(f->dir);
	}
}

static void
file_without_secret_may_be_readable(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "BCRYPT_COST=6\n", 0644);
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->cfg.bcrypt_cost, 6);
}

static void
file_named_but_missing_is_refused(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("FCGI_AUTH_CONFIG", "/nonexistent/fcgi-auth.conf",
	    1), 0);
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "/nonexistent/fcgi-auth.conf"));
}

static void
file_bad_value_is_refused(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET=" KEY32 "\nBCRYPT_COST=3\n", 0600);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "BCRYPT_COST is too small"));
}

/* --- the newer settings: token leeway, throttle, proxy, origins */

static const char *const throttle_vars[] = {
	"THROTTLE_LOGIN_PER_PAIR",
	"THROTTLE_LOGIN_PER_ACCOUNT",
	"THROTTLE_LOGIN_PER_ADDRESS",
	"THROTTLE_REGISTER_PER_ADDRESS",
	"THROTTLE_IPV6_NETWORK_FACTOR",
	"THROTTLE_POSTS_PER_USER",
	"THROTTLE_POSTS_PER_ADDRESS",
	"THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT",
	"THROTTLE_LOGIN_SUCCESS_PER_ADDRESS",
};

/* Load with a valid key and name=value set; expect it refused, naming name. */
static void
value_refused(struct fixture *f, const char *name, const char *value)
{
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv(name, value, 1), 0);
	load_refused(f, name);
	assert_int_equal(unsetenv(name), 0);
}

/* Load with a valid key and name=value set; expect it accepted. */
static void
value_accepted(struct fixture *f, const char *name, const char *value)
{
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(setenv(name, value, 1), 0);
	assert_int_equal(load(f), 0);
	assert_string_equal(f->err, "");
}

static void
newer_defaults_apply(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.token_leeway, 30);
	assert_int_equal(f->cfg.throttle.per_pair, 5);
	assert_int_equal(f->cfg.throttle.per_account, 10);
	assert_int_equal(f->cfg.throttle.per_address, 30);
	assert_int_equal(f->cfg.throttle.register_per_address, 10);
	assert_int_equal(f->cfg.throttle.network_factor, 4);
	assert_int_equal(f->cfg.throttle.posts_per_user, 30);
	assert_int_equal(f->cfg.throttle.posts_per_address, 120);
	assert_int_equal(f->cfg.throttle.success_per_account, 10);
	assert_int_equal(f->cfg.throttle.success_per_address, 60);
	assert_string_equal(f->cfg.trusted_proxy, "");
	assert_string_equal(f->cfg.allowed_origins, "");
}

static void
newer_empty_values_mean_defaults(void **state)
{
	struct fixture	*f = *state;
	size_t		 i;

	assert_int_equal(setenv("TOKEN_LEEWAY", "", 1), 0);
	for (i = 0; i < sizeof(throttle_vars) / sizeof(throttle_vars[0]); i++)
		assert_int_equal(setenv(throttle_vars[i], "", 1), 0);
	assert_int_equal(setenv("TRUSTED_PROXY", "", 1), 0);
	value_accepted(f, "ALLOWED_ORIGINS", "");
	assert_int_equal(f->cfg.token_leeway, 30);
	assert_int_equal(f->cfg.throttle.per_pair, 5);
	assert_int_equal(f->cfg.throttle.per_account, 10);
	assert_int_equal(f->cfg.throttle.per_address, 30);
	assert_int_equal(f->cfg.throttle.register_per_address, 10);
	assert_int_equal(f->cfg.throttle.network_factor, 4);
	assert_int_equal(f->cfg.throttle.posts_per_user, 30);
	assert_int_equal(f->cfg.throttle.posts_per_address, 120);
	assert_int_equal(f->cfg.throttle.success_per_account, 10);
	assert_int_equal(f->cfg.throttle.success_per_address, 60);
	assert_string_equal(f->cfg.trusted_proxy, "");
	assert_string_equal(f->cfg.allowed_origins, "");
}

static void
token_leeway_0_to_300(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "TOKEN_LEEWAY", "0");
	assert_int_equal(f->cfg.token_leeway, 0);
	value_accepted(f, "TOKEN_LEEWAY", "45");
	assert_int_equal(f->cfg.token_leeway, 45);
	value_accepted(f, "TOKEN_LEEWAY", "300");
	assert_int_equal(f->cfg.token_leeway, 300);
	value_refused(f, "TOKEN_LEEWAY", "301");
	value_refused(f, "TOKEN_LEEWAY", "86400");
}

static void
sqlite_cache_size_64_to_1048576(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "SQLITE_CACHE_SIZE", "");
	assert_int_equal(f->cfg.sqlite_cache_kib, 0);
	value_accepted(f, "SQLITE_CACHE_SIZE", "64");
	assert_int_equal(f->cfg.sqlite_cache_kib, 64);
	value_accepted(f, "SQLITE_CACHE_SIZE", "2000");
	assert_int_equal(f->cfg.sqlite_cache_kib, 2000);
	value_accepted(f, "SQLITE_CACHE_SIZE", "1048576");
	assert_int_equal(f->cfg.sqlite_cache_kib, 1048576);
	value_refused(f, "SQLITE_CACHE_SIZE", "63");
	assert_string_equal(f->err, "SQLITE_CACHE_SIZE is too small: "
	    "expected a whole number from 64 to 1048576");
	/* Not "SQLite's default": that is leaving it unset. */
	value_refused(f, "SQLITE_CACHE_SIZE", "0");
	value_refused(f, "SQLITE_CACHE_SIZE", "1048577");
}

/* KiB, written as a plain number: no unit, and no pages (SQLite's -N/N). */
static void
sqlite_cache_size_not_a_number_is_refused(void **state)
{
	static const char *const bad[] = {
		"abc", "-2000", "2MB", "64k", " 64", "64 ", "+64", "1e3",
		"0x40", "99999999999999999999",
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		value_refused(f, "SQLITE_CACHE_SIZE", bad[i]);
}

static void
sqlite_cache_size_from_file(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET=" KEY32 "\nSQLITE_CACHE_SIZE=256\n", 0600);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.sqlite_cache_kib, 256);
	/* The environment wins, as for every setting. */
	assert_int_equal(setenv("SQLITE_CACHE_SIZE", "512", 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.sqlite_cache_kib, 512);
}

static void
token_leeway_not_a_number_is_refused(void **state)
{
	static const char *const bad[] = {
		"abc", "-1", "30s", " 30", "30 ", "+30", "3.5", "0x1e", "030",
		"99999999999999999999",
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		value_refused(f, "TOKEN_LEEWAY", bad[i]);
}

static void
throttle_limits_from_environment(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("THROTTLE_LOGIN_PER_PAIR", "3", 1), 0);
	assert_int_equal(setenv("THROTTLE_LOGIN_PER_ACCOUNT", "7", 1), 0);
	assert_int_equal(setenv("THROTTLE_LOGIN_PER_ADDRESS", "100", 1), 0);
	assert_int_equal(setenv("THROTTLE_POSTS_PER_USER", "5", 1), 0);
	assert_int_equal(setenv("THROTTLE_POSTS_PER_ADDRESS", "50", 1), 0);
	value_accepted(f, "THROTTLE_REGISTER_PER_ADDRESS", "1");
	assert_int_equal(f->cfg.throttle.posts_per_user, 5);
	assert_int_equal(f->cfg.throttle.posts_per_address, 50);
	assert_int_equal(f->cfg.throttle.per_pair, 3);
	assert_int_equal(f->cfg.throttle.per_account, 7);
	assert_int_equal(f->cfg.throttle.per_address, 100);
	assert_int_equal(f->cfg.throttle.register_per_address, 1);
}

static void
throttle_limit_0_is_off(void **state)
{
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(throttle_vars) / sizeof(throttle_vars[0]); i++)
		assert_int_equal(setenv(throttle_vars[i], "0", 1), 0);
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.throttle.per_pair, 0);
	assert_int_equal(f->cfg.throttle.per_account, 0);
	assert_int_equal(f->cfg.throttle.per_address, 0);
	assert_int_equal(f->cfg.throttle.register_per_address, 0);
	assert_int_equal(f->cfg.throttle.network_factor, 0);
	assert_int_equal(f->cfg.throttle.posts_per_user, 0);
	assert_int_equal(f->cfg.throttle.posts_per_address, 0);
	assert_int_equal(f->cfg.throttle.success_per_account, 0);
	assert_int_equal(f->cfg.throttle.success_per_address, 0);
}

/* An IPv6 /48's limits are N times an address's: a small N (issue 20). */
static void
throttle_network_factor_0_to_1000(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "THROTTLE_IPV6_NETWORK_FACTOR", "1");
	assert_int_equal(f->cfg.throttle.network_factor, 1);
	value_accepted(f, "THROTTLE_IPV6_NETWORK_FACTOR", "1000");
	assert_int_equal(f->cfg.throttle.network_factor, 1000);
	value_refused(f, "THROTTLE_IPV6_NETWORK_FACTOR", "1001");
	assert_string_equal(f->err, "THROTTLE_IPV6_NETWORK_FACTOR is too "
	    "large: expected a whole number from 0 to 1000");
}

/* Each limit on its own: the others keep their defaults. */
static void
throttle_limit_0_leaves_the_others(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "THROTTLE_LOGIN_PER_ACCOUNT", "0");
	assert_int_equal(f->cfg.throttle.per_pair, 5);
	assert_int_equal(f->cfg.throttle.per_account, 0);
	assert_int_equal(f->cfg.throttle.per_address, 30);
	assert_int_equal(f->cfg.throttle.register_per_address, 10);
}

static void
throttle_negative_or_garbage_is_refused(void **state)
{
	static const char *const bad[] = {
		"-1", "-5", "five", "5x", "5 ", " 5", "+5", "1e3", "05", "0x10",
		"99999999999999999999",
	};
	struct fixture	*f = *state;
	size_t		 i, j;

	for (i = 0; i < sizeof(throttle_vars) / sizeof(throttle_vars[0]); i++)
		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++)
			value_refused(f, throttle_vars[i], bad[j]);
}

static void
throttle_huge_limit_is_refused(void **state)
{
	struct fixture	*f = *state;
	size_t		 i;

	/* The limits are ints: nothing near INT_MAX gets through. */
	for (i = 0; i < sizeof(throttle_vars) / sizeof(throttle_vars[0]); i++) {
		value_refused(f, throttle_vars[i], "2147483648");
		value_refused(f, throttle_vars[i], "4294967301");
	}
}

static void
throttle_limits_from_file(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET=" KEY32 "\n"
	    "TOKEN_LEEWAY=5\n"
	    "THROTTLE_LOGIN_PER_PAIR=0\n"
	    "THROTTLE_LOGIN_PER_ACCOUNT = 20\n"
	    "THROTTLE_LOGIN_PER_ADDRESS=40\n"
	    "THROTTLE_REGISTER_PER_ADDRESS=2\n"
	    "TRUSTED_PROXY=10.0.0.1\n"
	    "ALLOWED_ORIGINS=https://app.example.com, http://localhost:3000\n",
	    0600);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->cfg.token_leeway, 5);
	assert_int_equal(f->cfg.throttle.per_pair, 0);
	assert_int_equal(f->cfg.throttle.per_account, 20);
	assert_int_equal(f->cfg.throttle.per_address, 40);
	assert_int_equal(f->cfg.throttle.register_per_address, 2);
	assert_string_equal(f->cfg.trusted_proxy, "10.0.0.1");
	assert_string_equal(f->cfg.allowed_origins,
	    "https://app.example.com,http://localhost:3000");
}

static void
throttle_bad_value_in_file_is_refused(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET=" KEY32 "\nTHROTTLE_LOGIN_PER_PAIR=-1\n",
	    0600);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "THROTTLE_LOGIN_PER_PAIR"));
}

/* --- the post quotas (issue 20) */

static void
post_quotas_default_to_1000_posts_and_10_mib(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "POSTS_MAX_PER_USER", "");
	assert_int_equal(f->cfg.posts_max, 1000);
	assert_int_equal(f->cfg.posts_max_bytes, 10485760);
}

static void
post_quotas_0_lifts_a_cap(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "POSTS_MAX_PER_USER", "0");
	assert_int_equal(f->cfg.posts_max, 0);
	assert_int_equal(f->cfg.posts_max_bytes, 10485760);
	assert_int_equal(unsetenv("POSTS_MAX_PER_USER"), 0);
	value_accepted(f, "POSTS_MAX_BYTES_PER_USER", "0");
	assert_int_equal(f->cfg.posts_max, 1000);
	assert_int_equal(f->cfg.posts_max_bytes, 0);
}

static void
post_quotas_ranges(void **state)
{
	static const char *const bad[] = {
		"-1", "ten", "10MB", " 5", "5 ", "+5", "1e3", "05", "0x10",
		"99999999999999999999",
	};
	struct fixture	*f = *state;
	size_t		 i;

	value_accepted(f, "POSTS_MAX_PER_USER", "1000000");
	assert_int_equal(f->cfg.posts_max, 1000000);
	value_refused(f, "POSTS_MAX_PER_USER", "1000001");
	assert_string_equal(f->err, "POSTS_MAX_PER_USER is too large: "
	    "expected a whole number from 0 to 1000000");
	value_accepted(f, "POSTS_MAX_BYTES_PER_USER", "1099511627776");
	assert_int_equal(f->cfg.posts_max_bytes, INT64_C(1099511627776));
	value_refused(f, "POSTS_MAX_BYTES_PER_USER", "1099511627777");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		value_refused(f, "POSTS_MAX_PER_USER", bad[i]);
		value_refused(f, "POSTS_MAX_BYTES_PER_USER", bad[i]);
	}
}

static void
post_quotas_from_file(void **state)
{
	struct fixture	*f = *state;

	config_file(f, "JWT_SECRET=" KEY32 "\nPOSTS_MAX_PER_USER=50\n"
	    "POSTS_MAX_BYTES_PER_USER=65536\n", 0600);
	assert_int_equal(config_load(&f->cfg, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->cfg.posts_max, 50);
	assert_int_equal(f->cfg.posts_max_bytes, 65536);
}

static void
trusted_proxy_ipv4_and_ipv6_are_accepted(void **state)
{
	static const char *const good[] = {
		"10.0.0.1", "127.0.0.1", "192.0.2.254", "::1", "2001:db8::1",
		"fe80::1:2:3:4", "::ffff:192.0.2.1",
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		value_accepted(f, "TRUSTED_PROXY", good[i]);
		assert_string_equal(f->cfg.trusted_proxy, good[i]);
	}
}

/*
 * REMOTE_ADDR is always an address: anything else could never match, and
 * would silently leave the proxy untrusted (README: "the IP address of a
 * reverse proxy").
 */
static void
trusted_proxy_garbage_is_refused(void **state)
{
	static const char *const bad[] = {
		"proxy", "proxy.example.com", "10.0.0.256", "10.0.0", "10.0.0.1.2",
		"10.0.0.1,10.0.0.2", "10.0.0.1 10.0.0.2", "10.0.0.0/8",
		"10.0.0.1:8080", "[::1]", "2001:db8:::1", " 10.0.0.1x",
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		value_refused(f, "TRUSTED_PROXY", bad[i]);
}

/* Kept as inet_ntop writes it, so it compares equal to REMOTE_ADDR. */
static void
trusted_proxy_is_kept_canonical(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "TRUSTED_PROXY", "2001:DB8:0:0::0001");
	assert_string_equal(f->cfg.trusted_proxy, "2001:db8::1");
}

static void
trusted_proxy_too_long_is_refused(void **state)
{
	struct fixture	*f = *state;
	char		 v[sizeof(f->cfg.trusted_proxy) + 1];

	memset(v, '1', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	value_refused(f, "TRUSTED_PROXY", v);
}

static void
allowed_origins_are_kept(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "ALLOWED_ORIGINS", "https://app.example.com");
	assert_string_equal(f->cfg.allowed_origins, "https://app.example.com");
	/* Kept as one list, without blanks, empty entries or trailing slashes. */
	value_accepted(f, "ALLOWED_ORIGINS",
	    "https://app.example.com/ , https://admin.example.com,,"
	    "http://localhost:3000");
	assert_string_equal(f->cfg.allowed_origins,
	    "https://app.example.com,https://admin.example.com,"
	    "http://localhost:3000");
}

/* Issue 21: the series' FRONTEND_URL joins the same list. */
static void
frontend_url_joins_allowed_origins(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "FRONTEND_URL", "http://localhost:3000/");
	assert_string_equal(f->cfg.allowed_origins, "http://localhost:3000");
	setenv("ALLOWED_ORIGINS", "https://app.example.com", 1);
	value_accepted(f, "FRONTEND_URL", "http://[::1]:5173");
	assert_string_equal(f->cfg.allowed_origins,
	    "https://app.example.com,http://[::1]:5173");
	unsetenv("ALLOWED_ORIGINS");
	value_refused(f, "FRONTEND_URL", "http://a.example,http://b.example");
	assert_non_null(strstr(f->err, "one origin"));
}

/* Issue 21: an entry that is no origin would never match, or match too much. */
static void
origins_that_are_none_are_refused(void **state)
{
	struct fixture	*f = *state;
	static const char *const bad[] = {
		"*", "null", "app.example.com", "ftp://app.example.com",
		"https://", "https://app.example.com/login",
		"https://app.example.com?x", "https://user@app.example.com",
		"https://app.example.com:443", "http://app.example.com:80",
		"http://app.example.com:0", "http://app.example.com:65536",
		"http://app.example.com:080", "http://[::1", "http://[]",
		"http://.example.com", "http://app example.com",
		"https://app.example.com, null",
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		value_refused(f, "ALLOWED_ORIGINS", bad[i]);
		assert_non_null(strstr(f->err, "ALLOWED_ORIGINS: '"));
		assert_non_null(strstr(f->err, "is no origin"));
	}
	value_accepted(f, "ALLOWED_ORIGINS",
	    "HTTPS://App.Example.com:8443, http://127.0.0.1:8080");
}

static void
allowed_origins_up_to_1023_bytes(void **state)
{
	struct fixture	*f = *state;
	char		 v[1025];
	size_t		 n;

	/* "https://a.example," 56 times, then one more: exactly 1023 bytes. */
	for (n = 0; n < 1008; n += 18)
		memcpy(v + n, "https://a.example,", 18);
	memcpy(v + n, "http://abcdefgh", 15);
	v[1023] = '\0';
	assert_int_equal(strlen(v), 1023);
	value_accepted(f, "ALLOWED_ORIGINS", v);
	assert_string_equal(f->cfg.allowed_origins, v);

	v[1023] = 'i';
	v[1024] = '\0';
	value_refused(f, "ALLOWED_ORIGINS", v);
	assert_non_null(strstr(f->err, "1023"));
}

/* --- issue 19: the default settings and key files, key file permissions */

/*
 * Make a file called name (a directory when content is NULL) with mode in
 * a directory of the test's own; its path goes to out.
 */
static void
extra_file(struct fixture *f, const char *name, const char *content,
    mode_t mode, char *out, size_t outsz)
{
	const char	*tmp = getenv("TMPDIR");
	char		*path = f->xfile[f->nx];
	FILE		*fp;

	assert_true(f->nx < sizeof(f->xfile) / sizeof(f->xfile[0]));
	if (f->xdir[0] == '\0') {
		snprintf(f->xdir, sizeof(f->xdir), "%s/test-config.XXXXXX",
		    tmp != NULL && *tmp != '\0' && strlen(tmp) < 32 ? tmp : "/tmp");
		assert_non_null(mkdtemp(f->xdir));
	}
	snprintf(path, sizeof(f->xfile[0]), "%s/%s", f->xdir, name);
	if (content == NULL)
		assert_int_equal(mkdir(path, mode), 0);
	else {
		assert_non_null(fp = fopen(path, "w"));
		assert_int_equal(fputs(content, fp) >= 0, 1);
		assert_int_equal(fclose(fp), 0);
	}
	assert_int_equal(chmod(path, mode), 0);
	f->nx++;
	assert_true(strlen(path) < outsz);
	strcpy(out, path);
}

/* Hosts where the settings live elsewhere point FCGI_AUTH_CONFIG at /dev/null. */
static void
dev_null_is_an_empty_settings_file(void **state)
{
	struct fixture	*f = *state;
	char		 dflt[128];

	extra_file(f, "default.conf", "BCRYPT_COST=6\n", 0600, dflt,
	    sizeof(dflt));
	config_default_file = dflt;
	assert_int_equal(setenv("FCGI_AUTH_CONFIG", "/dev/null", 1), 0);
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), 0);
	assert_string_equal(f->cfg.file, "/dev/null");
	/* Only one file is read: the default's settings do not apply. */
	assert_int_equal(f->cfg.bcrypt_cost, 10);
}

static void
default_settings_file_is_read_when_there(void **state)
{
	struct fixture	*f = *state;
	char		 dflt[128];

	extra_file(f, "default.conf", "BCRYPT_COST=6\n"
	    "DATABASE_PATH=/srv/default.sqlite\n", 0644, dflt, sizeof(dflt));
	config_default_file = dflt;
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), 0);
	assert_string_equal(f->cfg.file, dflt);
	assert_int_equal(f->cfg.bcrypt_cost, 6);
	assert_string_equal(f->cfg.database_path, "/srv/default.sqlite");
	assert_int_equal(f->cfg.database_from, CONFIG_FROM_FILE);
}

static void
default_settings_file_missing_is_fine(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), 0);
	assert_string_equal(f->cfg.file, "");
	assert_int_equal(f->cfg.bcrypt_cost, 10);
}

/* FCGI_AUTH_CONFIG wins, and the default is then not read at all. */
static void
named_settings_file_wins_over_default(void **state)
{
	struct fixture	*f = *state;
	char		 named[128], dflt[128];

	extra_file(f, "named.conf", "BCRYPT_COST=5\n", 0600, named,
	    sizeof(named));
	extra_file(f, "default.conf", "BCRYPT_COST=6\nTOKEN_LEEWAY=7\n", 0600,
	    dflt, sizeof(dflt));
	config_default_file = dflt;
	assert_int_equal(setenv("FCGI_AUTH_CONFIG", named, 1), 0);
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), 0);
	assert_string_equal(f->cfg.file, named);
	assert_int_equal(f->cfg.bcrypt_cost, 5);
	assert_int_equal(f->cfg.token_leeway, 30);
}

/* One that is there but cannot be read is an error, not silently skipped. */
static void
default_settings_file_unreadable_is_refused(void **state)
{
	struct fixture	*f = *state;
	char		 dflt[128];

	extra_file(f, "default.conf", NULL, 0755, dflt, sizeof(dflt));
	config_default_file = dflt;
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(load(f), -1);
	assert_non_null(strstr(f->err, dflt));
}

static void
default_key_file_is_read(void **state)
{
	struct fixture	*f = *state;
	char		 key[128];

	extra_file(f, "jwt-secret", KEY32 "\n", 0600, key, sizeof(key));
	config_default_secret_file = key;
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.jwt_secret_len, 32);
	assert_memory_equal(f->cfg.jwt_secret, KEY32, 32);
	assert_string_equal(f->cfg.secret_file, key);
}

static void
default_key_file_missing_says_how_to_create_it(void **state)
{
	struct fixture	*f = *state;

	load_refused(f, "JWT_SECRET");
	assert_non_null(strstr(f->err, NO_DEFAULT_SECRET));
	assert_non_null(strstr(f->err,
	    "(create it with: fcgi-auth-admin init-secret)"));
}

/* JWT_SECRET_FILE in the settings file, as in the environment. */
static void
key_file_named_in_settings_file(void **state)
{
	struct fixture	*f = *state;
	char		 key[128], conf[128], line[256];

	extra_file(f, "jwt-secret", KEY32, 0640, key, sizeof(key));
	snprintf(line, sizeof(line), "JWT_SECRET_FILE=%s\n", key);
	extra_file(f, "fcgi-auth.conf", line, 0644, conf, sizeof(conf));
	assert_int_equal(setenv("FCGI_AUTH_CONFIG", conf, 1), 0);
	assert_int_equal(load(f), 0);
	assert_string_equal(f->cfg.secret_file, key);
	assert_int_equal(f->cfg.jwt_secret_len, 32);
}

/* A key file with each of the n modes bad is refused, saying why, never the key. */
static void
key_modes_refused(struct fixture *f, const mode_t *bad, size_t n,
    const char *why)
{
	size_t	 i;

	secret_file(f, KEY32 "\n", 33);
	for (i = 0; i < n; i++) {
		assert_int_equal(chmod(f->file, bad[i]), 0);
		load_refused(f, "JWT_SECRET_FILE");
		assert_non_null(strstr(f->err, f->file));
		assert_non_null(strstr(f->err, why));
		assert_null(strstr(f->err, "k3y-"));
	}
}

/* Others may neither read the key nor write it (then it is theirs). */
static void
key_file_open_to_others_is_refused(void **state)
{
	static const mode_t	 bad[] = { 0644, 0604, 0602, 0606, 0666 };

	key_modes_refused(*state, bad, sizeof(bad) / sizeof(bad[0]),
	    "can be read or written by other users: chmod o-rwx it");
}

/* 0640 with the web server's group is a documented set-up. */
static void
key_file_for_owner_and_group_is_accepted(void **state)
{
	static const mode_t	 good[] = { 0600, 0640, 0400, 0440 };
	struct fixture		*f = *state;
	size_t			 i;

	secret_file(f, KEY32 "\n", 33);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(chmod(f->file, good[i]), 0);
		assert_int_equal(load(f), 0);
		assert_int_equal(f->cfg.jwt_secret_len, 32);
	}
}

static void
default_key_file_open_to_others_is_refused(void **state)
{
	struct fixture	*f = *state;
	char		 key[128];

	extra_file(f, "jwt-secret", KEY32 "\n", 0644, key, sizeof(key));
	config_default_secret_file = key;
	load_refused(f, "chmod o-rwx");
	assert_non_null(strstr(f->err, key));
}

/* --- issue 20: what the settings and key files may be */

/* Make a FIFO in the test's own directory; its path goes to out. */
static void
fifo_file(struct fixture *f, char *out, size_t outsz)
{
	extra_file(f, "fifo", "", 0600, out, outsz);
	assert_int_equal(unlink(out), 0);
	assert_int_equal(mkfifo(out, 0600), 0);
}

/*
 * Expect config_load() to refuse path as no regular file, and at once: a
 * FIFO opened without O_NONBLOCK would wait for a writer for ever, so the
 * alarm turns such a hang into a failure (SIGALRM ends the test program).
 */
static void
refused_not_regular(struct fixture *f, const char *path)
{
	alarm(10);
	load_refused(f, path);
	alarm(0);
	assert_non_null(strstr(f->err, "is not a regular file"));
}

static void
settings_file_writable_by_others_is_refused(void **state)
{
	static const mode_t	 bad[] = { 0602, 0646, 0666, 0622 };
	struct fixture		*f = *state;
	size_t			 i;

	config_file(f, "BCRYPT_COST=6\n", 0600);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(f->file, bad[i]), 0);
		refused_keyed(f, f->file);
		assert_non_null(strstr(f->err, "other users can write it: "
		    "chmod o-w it"));
	}
}

/* Group-writable settings are a shared host's business: allowed. */
static void
settings_file_writable_by_group_is_accepted(void **state)
{
	static const mode_t	 good[] = { 0600, 0644, 0664, 0620, 0444 };
	struct fixture		*f = *state;
	size_t			 i;

	config_file(f, "BCRYPT_COST=6\n", 0600);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(chmod(f->file, good[i]), 0);
		assert_int_equal(load_keyed(f), 0);
		assert_int_equal(f->cfg.bcrypt_cost, 6);
	}
}

static void
settings_file_fifo_is_refused_at_once(void **state)
{
	struct fixture	*f = *state;
	char		 fifo[128];

	fifo_file(f, fifo, sizeof(fifo));
	assert_int_equal(setenv("FCGI_AUTH_CONFIG", fifo, 1), 0);
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	refused_not_regular(f, fifo);
	/* The default file likewise. */
	assert_int_equal(unsetenv("FCGI_AUTH_CONFIG"), 0);
	config_default_file = fifo;
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	refused_not_regular(f, fifo);
}

static void
settings_file_directory_is_refused(void **state)
{
	struct fixture	*f = *state;
	char		 dir[128];

	extra_file(f, "fcgi-auth.conf", NULL, 0755, dir, sizeof(dir));
	assert_int_equal(setenv("FCGI_AUTH_CONFIG", dir, 1), 0);
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	refused_not_regular(f, dir);
}

/* A symlink to a regular file is fine (configuration management, k8s). */
static void
settings_file_and_key_through_symlinks_are_read(void **state)
{
	struct fixture	*f = *state;
	char		 key[128], conf[128], line[256], link[128], klink[128];

	extra_file(f, "jwt-secret", KEY32 "\n", 0600, key, sizeof(key));
	assert_int_equal(snprintf(klink, sizeof(klink), "%s/key-link",
	    f->xdir) < (int)sizeof(klink), 1);
	assert_int_equal(symlink(key, klink), 0);
	strcpy(f->xfile[f->nx++], klink);
	snprintf(line, sizeof(line), "JWT_SECRET_FILE=%s\n", klink);
	extra_file(f, "fcgi-auth.conf", line, 0644, conf, sizeof(conf));
	assert_int_equal(snprintf(link, sizeof(link), "%s/conf-link",
	    f->xdir) < (int)sizeof(link), 1);
	assert_int_equal(symlink(conf, link), 0);
	strcpy(f->xfile[f->nx++], link);
	assert_int_equal(setenv("FCGI_AUTH_CONFIG", link, 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.jwt_secret_len, 32);
}

/* The group may read the key (0640, the web server's group), not write it. */
static void
key_file_writable_by_group_is_refused(void **state)
{
	static const mode_t	 bad[] = { 0660, 0620, 0670, 0630 };

	key_modes_refused(*state, bad, sizeof(bad) / sizeof(bad[0]),
	    "can be written by its group: chmod g-w it");
}

static void
key_file_fifo_is_refused_at_once(void **state)
{
	struct fixture	*f = *state;
	char		 fifo[128];

	fifo_file(f, fifo, sizeof(fifo));
	assert_int_equal(setenv("JWT_SECRET_FILE", fifo, 1), 0);
	refused_not_regular(f, fifo);
	/* The default key file likewise. */
	assert_int_equal(unsetenv("JWT_SECRET_FILE"), 0);
	config_default_secret_file = fifo;
	refused_not_regular(f, fifo);
}

static void
key_file_directory_is_refused(void **state)
{
	struct fixture	*f = *state;
	char		 dir[128];

	extra_file(f, "jwt-secret", NULL, 0700, dir, sizeof(dir));
	assert_int_equal(setenv("JWT_SECRET_FILE", dir, 1), 0);
	refused_not_regular(f, dir);
}

/* Issue 20: REGISTER_HIDE_EXISTING is off by default, 0 or 1. */
static void
register_hide_existing_0_or_1(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "REGISTER_HIDE_EXISTING", "");
	assert_int_equal(f->cfg.register_hide_existing, 0);
	value_accepted(f, "REGISTER_HIDE_EXISTING", "1");
	assert_int_equal(f->cfg.register_hide_existing, 1);
	value_accepted(f, "REGISTER_HIDE_EXISTING", "0");
	assert_int_equal(f->cfg.register_hide_existing, 0);
	value_refused(f, "REGISTER_HIDE_EXISTING", "2");
	value_refused(f, "REGISTER_HIDE_EXISTING", "yes");
}

/* Issue 14: the mail settings, their defaults and what each refuses. */
static void
mail_settings_checked(void **state)
{
	struct fixture	*f = *state;

	value_accepted(f, "MAIL_FROM", "");
	assert_string_equal(f->cfg.mail_command, "/usr/sbin/sendmail -t -i");
	assert_string_equal(f->cfg.mail_from, "");
	assert_int_equal(f->cfg.mail_timeout, 10);
	assert_string_equal(f->cfg.email_confirmation_url, "");
	assert_int_equal(f->cfg.email_confirmation_ttl, 86400);
	assert_int_equal(f->cfg.require_confirmed_email, 0);
	assert_int_equal(f->cfg.throttle.mail_per_email, 5);
	assert_int_equal(f->cfg.throttle.mail_per_address, 20);
	assert_int_equal(f->cfg.throttle.confirm_per_address, 30);
	value_accepted(f, "MAIL_FROM", "Example <noreply@example.org>");
	value_refused(f, "MAIL_FROM", "noreply");
	value_refused(f, "MAIL_FROM", "Ex\r\nBcc: x@example.org <a@example.org>");
	value_refused(f, "MAIL_FROM", "a@example.org, b@example.org");
	value_refused(f, "MAIL_COMMAND", "sendmail -t");
	value_accepted(f, "MAIL_COMMAND", "/usr/bin/msmtp -t -i");
	assert_string_equal(f->cfg.mail_command, "/usr/bin/msmtp -t -i");
	value_refused(f, "MAIL_TIMEOUT", "0");
	value_refused(f, "MAIL_TIMEOUT", "121");
	value_refused(f, "EMAIL_CONFIRMATION_URL", "ftp://example.org/c");
	value_refused(f, "EMAIL_CONFIRMATION_URL", "https://example.org/c d");
	value_refused(f, "EMAIL_CONFIRMATION_URL", "https://example.org/#c");
	value_refused(f, "EMAIL_CONFIRMATION_TOKEN_EXPIRATION_TIME", "0");
	value_refused(f, "EMAIL_CONFIRMATION_TOKEN_EXPIRATION_TIME", "2592001");
	/* Required confirmation without a way to confirm locks users out. */
	value_refused(f, "REQUIRE_CONFIRMED_EMAIL", "1");
	value_accepted(f, "EMAIL_CONFIRMATION_URL", "https://app.example/c?x=1");
	value_accepted(f, "REQUIRE_CONFIRMED_EMAIL", "1");
	assert_int_equal(f->cfg.require_confirmed_email, 1);
	value_refused(f, "THROTTLE_MAIL_PER_EMAIL", "-1");
	assert_int_equal(unsetenv("REQUIRE_CONFIRMED_EMAIL"), 0);
	value_accepted(f, "PASSWORD_RESET_URL", "");
	assert_string_equal(f->cfg.password_reset_url, "");
	assert_int_equal(f->cfg.password_reset_ttl, 1800);
	value_refused(f, "PASSWORD_RESET_URL", "mailto:a@example.org");
	value_refused(f, "PASSWORD_RESET_URL", "https://app.example/r\x01");
	value_accepted(f, "PASSWORD_RESET_URL", "http://127.0.0.1:8080/reset");
	value_refused(f, "PASSWORD_RESET_TOKEN_EXPIRATION_TIME", "86401");
	value_accepted(f, "PASSWORD_RESET_TOKEN_EXPIRATION_TIME", "60");
	assert_int_equal(f->cfg.password_reset_ttl, 60);
}

/* The admin tool's load: every setting, no key needed, none touched. */
static void
settings_without_key(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(config_load_settings(&f->cfg, f->err, sizeof(f->err)),
	    0);
	assert_string_equal(f->cfg.secret_file, NO_DEFAULT_SECRET);
	assert_int_equal(f->cfg.jwt_secret_len, 0);
	assert_int_equal(setenv("JWT_SECRET_FILE", "/srv/key", 1), 0);
	assert_int_equal(config_load_settings(&f->cfg, f->err, sizeof(f->err)),
	    0);
	assert_string_equal(f->cfg.secret_file, "/srv/key");
	/* With JWT_SECRET there is no key file, and the variable stays. */
	assert_int_equal(setenv("JWT_SECRET", KEY32, 1), 0);
	assert_int_equal(config_load_settings(&f->cfg, f->err, sizeof(f->err)),
	    0);
	assert_string_equal(f->cfg.secret_file, "");
	assert_int_equal(f->cfg.jwt_secret_len, 0);
	assert_string_equal(getenv("JWT_SECRET"), KEY32);
	/* Bad settings are still refused. */
	assert_int_equal(setenv("BCRYPT_COST", "3", 1), 0);
	assert_int_equal(config_load_settings(&f->cfg, f->err, sizeof(f->err)),
	    -1);
	assert_non_null(strstr(f->err, "BCRYPT_COST"));
}

#define TOTP_KEY_HEX \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* Without TOTP_ENCRYPTION_KEY_FILE and its default file, 2FA is off. */
static void
totp_key_default_missing_is_off(void **state)
{
	struct fixture	*f = *state;

	secret_file(f, "0123456789abcdef0123456789abcdef", 32);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.totp_key_len, 0);
	assert_string_equal(f->cfg.totp_key_file, NO_DEFAULT_TOTP_KEY);
	assert_string_equal(f->cfg.totp_issuer, "");
}

/* A key file named, or the default one present, is read: 64 hex digits. */
static void
totp_key_is_read(void **state)
{
	struct fixture	*f = *state;
	char		 key[128];
	size_t		 i;

	secret_file(f, "0123456789abcdef0123456789abcdef", 32);
	extra_file(f, "totp-key", TOTP_KEY_HEX "\n", 0600, key, sizeof(key));
	assert_int_equal(setenv("TOTP_ENCRYPTION_KEY_FILE", key, 1), 0);
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.totp_key_len, CONFIG_TOTP_KEY_LEN);
	for (i = 0; i < CONFIG_TOTP_KEY_LEN; i++)
		assert_int_equal(f->cfg.totp_key[i], i);
	config_clear(&f->cfg);
	assert_int_equal(unsetenv("TOTP_ENCRYPTION_KEY_FILE"), 0);
	config_default_totp_key_file = key;
	assert_int_equal(load(f), 0);
	assert_int_equal(f->cfg.totp_key_len, CONFIG_TOTP_KEY_LEN);
}

/* A key file named but missing, short, not hex or readable by others: refused. */
static void
totp_key_bad_is_refused(void **state)
{
	struct fixture	*f = *state;
	char		 key[128];

	secret_file(f, "0123456789abcdef0123456789abcdef", 32);
	assert_int_equal(setenv("TOTP_ENCRYPTION_KEY_FILE",
	    "/nonexistent/fcgi-auth-test/other-key", 1), 0);
	load_refused(f, "TOTP_ENCRYPTION_KEY_FILE");
	assert_non_null(strstr(f->err, "init-totp-key"));
	extra_file(f, "short", "0011\n", 0600, key, sizeof(key));
	assert_int_equal(setenv("TOTP_ENCRYPTION_KEY_FILE", key, 1), 0);
	load_refused(f, "must hold 64 hex digits");
	extra_file(f, "nothex", "zzzz0203040506070809"
	    "0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600, key,
	    sizeof(key));
	assert_int_equal(setenv("TOTP_ENCRYPTION_KEY_FILE", key, 1), 0);
	load_refused(f, "other than hex digits");
	extra_file(f, "open", TOTP_KEY_HEX, 0644, key, sizeof(key));
	assert_int_equal(setenv("TOTP_ENCRYPTION_KEY_FILE", key, 1), 0);
	load_refused(f, "chmod o-rwx");
	/* A default file that exists but is unusable is refused too. */
	assert_int_equal(unsetenv("TOTP_ENCRYPTION_KEY_FILE"), 0);
	config_default_totp_key_file = key;
	load_refused(f, "TOTP_ENCRYPTION_KEY_FILE");
}

static void
totp_issuer_is_checked(void **state)
{
	struct fixture	*f = *state;

	secret_file(f, "0123456789abcdef0123456789abcdef", 32);
	assert_int_equal(setenv("TWO_FACTOR_AUTHENTICATION_APP_NAME",
	    "My App", 1), 0);
	assert_int_equal(load(f), 0);
	assert_string_equal(f->cfg.totp_issuer, "My App");
	assert_int_equal(setenv("TWO_FACTOR_AUTHENTICATION_APP_NAME",
	    "My:App", 1), 0);
	load_refused(f, "TWO_FACTOR_AUTHENTICATION_APP_NAME");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(missing_secret_is_refused),
		T(totp_key_default_missing_is_off),
		T(totp_key_is_read),
		T(totp_key_bad_is_refused),
		T(totp_issuer_is_checked),
		T(session_lifetimes_default),
		T(sessions_per_user_range),
		T(access_lifetime_from_either_name),
		T(refresh_settings_ranges),
		T(database_url_wins_over_path),
		T(database_url_must_be_postgresql),
		T(database_url_too_long_is_refused),
		T(file_database_password_readable_by_others_is_refused),
		T(file_database_password_in_any_form_is_refused),
		T(empty_secret_is_refused),
		T(secret_of_31_bytes_is_refused),
		T(secret_of_32_bytes_is_accepted),
		T(secret_of_511_bytes_is_accepted_512_refused),
		T(short_secret_is_not_in_error),
		T(secret_is_not_in_other_errors),
		T(secret_is_wiped_from_environment),
		T(secret_file_is_read_without_newline),
		T(secret_file_without_newline_is_read_whole),
		T(secret_file_too_short_is_refused),
		T(secret_file_missing_is_refused),
		T(defaults_apply),
		T(empty_values_mean_defaults),
		T(database_path_from_environment),
		T(settings_from_environment),
		T(bcrypt_cost_3_is_refused),
		T(bcrypt_cost_32_is_refused),
		T(bcrypt_cost_4_is_accepted),
		T(bcrypt_cost_31_is_accepted),
		T(expiration_zero_is_refused),
		T(expiration_not_a_number_is_refused),
		T(expiration_with_unit_is_refused),
		T(expiration_400_days_is_the_limit),
		T(cookie_secure_2_is_refused),
		T(clear_wipes_secret),
		T(file_gives_every_setting),
		T(environment_wins_over_file),
		T(file_unknown_setting_is_refused),
		T(file_repeated_setting_is_refused),
		T(file_line_without_equals_is_refused),
		T(file_stray_base64_line_is_not_echoed),
		T(file_secret_readable_by_others_is_refused),
		T(file_without_secret_may_be_readable),
		T(file_named_but_missing_is_refused),
		T(file_bad_value_is_refused),
		T(newer_defaults_apply),
		T(newer_empty_values_mean_defaults),
		T(token_leeway_0_to_300),
		T(token_leeway_not_a_number_is_refused),
		T(sqlite_cache_size_64_to_1048576),
		T(sqlite_cache_size_not_a_number_is_refused),
		T(sqlite_cache_size_from_file),
		T(throttle_limits_from_environment),
		T(throttle_limit_0_is_off),
		T(throttle_network_factor_0_to_1000),
		T(throttle_limit_0_leaves_the_others),
		T(throttle_negative_or_garbage_is_refused),
		T(throttle_huge_limit_is_refused),
		T(throttle_limits_from_file),
		T(throttle_bad_value_in_file_is_refused),
		T(post_quotas_default_to_1000_posts_and_10_mib),
		T(post_quotas_0_lifts_a_cap),
		T(post_quotas_ranges),
		T(post_quotas_from_file),
		T(trusted_proxy_ipv4_and_ipv6_are_accepted),
		T(trusted_proxy_garbage_is_refused),
		T(trusted_proxy_is_kept_canonical),
		T(trusted_proxy_too_long_is_refused),
		T(allowed_origins_are_kept),
		T(frontend_url_joins_allowed_origins),
		T(origins_that_are_none_are_refused),
		T(allowed_origins_up_to_1023_bytes),
		T(dev_null_is_an_empty_settings_file),
		T(default_settings_file_is_read_when_there),
		T(default_settings_file_missing_is_fine),
		T(named_settings_file_wins_over_default),
		T(default_settings_file_unreadable_is_refused),
		T(default_key_file_is_read),
		T(default_key_file_missing_says_how_to_create_it),
		T(key_file_named_in_settings_file),
		T(key_file_open_to_others_is_refused),
		T(key_file_for_owner_and_group_is_accepted),
		T(default_key_file_open_to_others_is_refused),
		T(settings_without_key),
		T(register_hide_existing_0_or_1),
		T(mail_settings_checked),
		T(settings_file_writable_by_others_is_refused),
		T(settings_file_writable_by_group_is_accepted),
		T(settings_file_fifo_is_refused_at_once),
		T(settings_file_directory_is_refused),
		T(settings_file_and_key_through_symlinks_are_read),
		T(key_file_writable_by_group_is_refused),
		T(key_file_fifo_is_refused_at_once),
		T(key_file_directory_is_refused),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
