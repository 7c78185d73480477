/*
 * config-file: the settings' names, and where a setting's value comes from:
 * the environment, else the settings file, found, read and checked here.
 * Internal to config.c, which gives each value its meaning and range.
 */
#ifndef CONFIG_FILE_H
#define CONFIG_FILE_H

#include <sys/stat.h>
#include <sys/types.h>

#include <limits.h>
#include <stdint.h>

enum setting {
	S_DATABASE_PATH,
	S_DATABASE_URL,
	S_SQLITE_CACHE_SIZE,
	S_JWT_SECRET,
	S_JWT_SECRET_FILE,
	S_JWT_EXPIRATION_TIME,
	S_JWT_ACCESS_TOKEN_EXPIRATION_TIME,
	S_JWT_REFRESH_TOKEN_EXPIRATION_TIME,
	S_REFRESH_TOKEN_REUSE_INTERVAL,
	S_SESSION_MAX_LIFETIME,
	S_AUDIT_RETENTION_DAYS,
	S_SESSIONS_PER_USER_MAX,
	S_BCRYPT_COST,
	S_COOKIE_SECURE,
	S_TOKEN_LEEWAY,
	S_THROTTLE_LOGIN_PER_PAIR,
	S_THROTTLE_LOGIN_PER_ACCOUNT,
	S_THROTTLE_LOGIN_PER_ADDRESS,
	S_THROTTLE_REGISTER_PER_ADDRESS,
	S_THROTTLE_IPV6_NETWORK_FACTOR,
	S_THROTTLE_POSTS_PER_USER,
	S_THROTTLE_POSTS_PER_ADDRESS,
	S_THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT,
	S_THROTTLE_LOGIN_SUCCESS_PER_ADDRESS,
	S_TRUSTED_PROXY,
	S_ALLOWED_ORIGINS,
	S_FRONTEND_URL,
	S_REGISTER_HIDE_EXISTING,
	S_POSTS_MAX_PER_USER,
	S_POSTS_MAX_BYTES_PER_USER,
	S_MAIL_COMMAND,
	S_MAIL_FROM,
	S_MAIL_TIMEOUT,
	S_EMAIL_CONFIRMATION_URL,
	S_EMAIL_CONFIRMATION_TOKEN_EXPIRATION_TIME,
	S_REQUIRE_CONFIRMED_EMAIL,
	S_THROTTLE_MAIL_PER_EMAIL,
	S_THROTTLE_MAIL_PER_ADDRESS,
	S_THROTTLE_CONFIRM_PER_ADDRESS,
	S_PASSWORD_RESET_URL,
	S_PASSWORD_RESET_TOKEN_EXPIRATION_TIME,
	S_TOTP_ENCRYPTION_KEY_FILE,
	S_TWO_FACTOR_AUTHENTICATION_APP_NAME,
	S__MAX
};

/* The names, as the environment and the settings file spell them. */
extern const char *const setting_names[S__MAX];

/* The config file's settings, pointing into its text; wiped after use. */
struct config_file {
	char	 path[PATH_MAX];
	char	 text[8192];
	char	*value[S__MAX];
};

/* config_read()'s answer for something that is not a regular file. */
#define CONFIG_NOT_REGULAR	(-2)

ssize_t	config_read(const char *path, struct stat *st, char *buf, size_t size);
int	config_file_load(struct config_file *file, char *err, size_t errsz);
char	*config_get(struct config_file *file, enum setting s);
int	config_int(struct config_file *file, enum setting s, int64_t dflt,
	    int64_t min, int64_t max, int64_t *out, char *err, size_t errsz);
int	config_str(struct config_file *file, enum setting s, char *dst,
	    size_t dstsz, char *err, size_t errsz);

#endif
