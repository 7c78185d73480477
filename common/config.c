/*
 * config: environment variables to struct config, checked once at start-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

/* Read an integer setting, or use dflt when the variable is unset or empty. */
static int
config_int(const char *name, int64_t dflt, int64_t min, int64_t max,
    int64_t *out, char *err, size_t errsz)
{
	const char	*value = getenv(name), *errstr;

	if (value == NULL || *value == '\0') {
		*out = dflt;
		return 0;
	}
	if (util_parse_int(value, min, max, out, &errstr) == -1) {
		snprintf(err, errsz, "%s is %s: expected a whole number from "
		    "%lld to %lld", name, errstr, (long long)min, (long long)max);
		return -1;
	}
	return 0;
}

/* Read the secret file named by JWT_SECRET_FILE; one trailing newline is dropped. */
static int
config_secret_file(struct config *cfg, const char *path, char *err,
    size_t errsz)
{
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "JWT_SECRET_FILE %s: %s", path,
		    strerror(errno));
		return -1;
	}
	/* Read one byte more than allowed to detect an over-long secret. */
	while (len < sizeof(cfg->jwt_secret)) {
		n = read(fd, cfg->jwt_secret + len, sizeof(cfg->jwt_secret) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > 0 && cfg->jwt_secret[len - 1] == '\n')
		len--;
	if (len > 0 && cfg->jwt_secret[len - 1] == '\r')
		len--;
	cfg->jwt_secret_len = len;
	if (len == sizeof(cfg->jwt_secret)) {
		snprintf(err, errsz, "JWT_SECRET_FILE %s holds more than %d bytes",
		    path, CONFIG_SECRET_MAX - 1);
		return -1;
	}
	return 0;
}

static int
config_secret(struct config *cfg, char *err, size_t errsz)
{
	char		*value = getenv("JWT_SECRET");
	const char	*path = getenv("JWT_SECRET_FILE"), *source;
	size_t		 len;

	if (value != NULL && *value != '\0') {
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
	} else if (path != NULL && *path != '\0') {
		source = "the secret in JWT_SECRET_FILE";
		if (config_secret_file(cfg, path, err, errsz) == -1)
			return -1;
	} else {
		snprintf(err, errsz, "JWT_SECRET (or JWT_SECRET_FILE) is not set: "
		    "refusing to start without a signing key");
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
config_database_path(void)
{
	const char	*path = getenv("DATABASE_PATH");

	return path != NULL && *path != '\0' ? path : DEFAULT_DATABASE_PATH;
}

int
config_load(struct config *cfg, char *err, size_t errsz)
{
	const char	*path = config_database_path();
	int64_t		 v;

	memset(cfg, 0, sizeof(*cfg));
	if (strlen(path) >= sizeof(cfg->database_path)) {
		snprintf(err, errsz, "DATABASE_PATH is too long");
		return -1;
	}
	strcpy(cfg->database_path, path);

	/* Cookies live at most 400 days in browsers (RFC 6265bis). */
	if (config_int("JWT_EXPIRATION_TIME", 3600, 1, 400 * 86400, &cfg->jwt_ttl,
	    err, errsz) == -1)
		return -1;
	/* libxcrypt silently picks cost 5 for 0; never let that happen. */
	if (config_int("BCRYPT_COST", 10, 4, 31, &v, err, errsz) == -1)
		return -1;
	cfg->bcrypt_cost = (int)v;
	if (config_int("COOKIE_SECURE", 0, 0, 1, &v, err, errsz) == -1)
		return -1;
	cfg->cookie_secure = (int)v;
	return config_secret(cfg, err, errsz);
}

void
config_clear(struct config *cfg)
{
	util_wipe(cfg->jwt_secret, sizeof(cfg->jwt_secret));
	cfg->jwt_secret_len = 0;
}
