/*
 * config: the service's settings, read once when a program starts, from the
 * environment or else from a config file (FCGI_AUTH_CONFIG, or
 * fcgi-auth.conf beside the program).  A bad setting stops the program with
 * one clear log line.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

/*
 * HS256 keys shorter than the hash size are guessable, and libjwt 1.10
 * accepts unsigned tokens when the key is empty (RFC 8725 section 3.5).
 */
#define CONFIG_SECRET_MIN	32
#define CONFIG_SECRET_MAX	512

/* Set by configure from localstatedir; the fallback suits a plain install. */
#ifndef DEFAULT_DATABASE_PATH
#define DEFAULT_DATABASE_PATH "/var/lib/fcgi-auth/fcgi-auth.sqlite"
#endif

/* Settings of the log-in and registration throttle (see throttle.h). */
struct config_throttle {
	int		 per_pair;	/* THROTTLE_LOGIN_PER_PAIR, 0: off */
	int		 per_account;	/* THROTTLE_LOGIN_PER_ACCOUNT */
	int		 per_address;	/* THROTTLE_LOGIN_PER_ADDRESS */
	int		 register_per_address; /* THROTTLE_REGISTER_PER_ADDRESS */
};

struct config {
	char		 database_path[4096];	/* DATABASE_PATH */
	char		 database_url[4096];	/* DATABASE_URL: wins if set */
	unsigned char	 jwt_secret[CONFIG_SECRET_MAX]; /* JWT_SECRET or JWT_SECRET_FILE */
	size_t		 jwt_secret_len;
	int64_t		 jwt_ttl;	/* JWT_EXPIRATION_TIME, seconds */
	int		 bcrypt_cost;	/* BCRYPT_COST, 4..31 */
	int		 cookie_secure;	/* COOKIE_SECURE=1: Secure, __Host- name */
	int64_t		 token_leeway;	/* TOKEN_LEEWAY: clock skew allowed, seconds */
	struct config_throttle throttle;
	char		 trusted_proxy[64];	/* TRUSTED_PROXY: its X-Forwarded-For counts */
	char		 allowed_origins[1024];	/* ALLOWED_ORIGINS: comma-separated */
};

/*
 * Fill cfg from the environment and the config file: each setting from the
 * environment if set there and not empty, else from the file.  The file has
 * NAME=value lines and # comments; it must exist if FCGI_AUTH_CONFIG names
 * it, an unknown or repeated name is an error, and it may not hold
 * JWT_SECRET while other users can read it.  Returns 0, or -1 with a
 * one-line reason in err (never containing the secret).  JWT_SECRET is
 * wiped from the environment once copied, so it cannot leak through a later
 * exec or core.
 */
int	config_load(struct config *cfg, char *err, size_t errsz);

/* DATABASE_PATH if set and not empty, else DEFAULT_DATABASE_PATH. */
const char	*config_database_path(void);

/* DATABASE_URL if set and not empty, else config_database_path(). */
const char	*config_database_target(void);

/* The store target (store.h) of a loaded configuration: its URL, else its path. */
const char	*config_database(const struct config *cfg);

/* Wipe the secret and the database URL (it may hold a password); call before exit. */
void	config_clear(struct config *cfg);

#endif
