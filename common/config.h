/*
 * config: the service's settings, read once when a program starts, from the
 * environment or else from one settings file (FCGI_AUTH_CONFIG, else
 * fcgi-auth.conf beside the program, else DEFAULT_CONFIG_FILE).  A bad
 * setting stops the program with one clear log line.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/*
 * HS256 keys shorter than the hash size are guessable, and libjwt 1.10
 * accepts unsigned tokens when the key is empty (RFC 8725 section 3.5).
 */
#define CONFIG_SECRET_MIN	32
#define CONFIG_SECRET_MAX	512

/* FRONTEND_URL's room: "https://", a 253-byte host, ":65535", a slash. */
#define CONFIG_ORIGIN_MAX	272

/*
 * Set by configure (Makefile.am) from sysconfdir and localstatedir; the
 * fallbacks suit a plain Debian install.  With them an installed system
 * needs neither a settings file nor any environment.
 */
#ifndef DEFAULT_DATABASE_PATH
#define DEFAULT_DATABASE_PATH "/var/lib/fcgi-auth/fcgi-auth.sqlite"
#endif
#ifndef DEFAULT_CONFIG_FILE
#define DEFAULT_CONFIG_FILE "/etc/fcgi-auth/fcgi-auth.conf"
#endif
#ifndef DEFAULT_SECRET_FILE
#define DEFAULT_SECRET_FILE "/var/lib/fcgi-auth/jwt-secret"
#endif
#ifndef DEFAULT_TOTP_KEY_FILE
#define DEFAULT_TOTP_KEY_FILE "/var/lib/fcgi-auth/totp-key"
#endif

/* The TOTP secrets' AES-256 key: TOTP_ENCRYPTION_KEY_FILE holds it in hex. */
#define CONFIG_TOTP_KEY_LEN	32

/* TWO_FACTOR_AUTHENTICATION_APP_NAME's room, in bytes. */
#define CONFIG_APP_NAME_MAX	64

/*
 * DEFAULT_CONFIG_FILE and DEFAULT_SECRET_FILE as config_load() uses them.
 * Variables only so that the unit tests can point them elsewhere: a
 * developer's machine may have the real files.
 */
extern const char	*config_default_file;
extern const char	*config_default_secret_file;
extern const char	*config_default_totp_key_file;

/* Where a setting's value came from. */
enum config_from {
	CONFIG_FROM_DEFAULT,	/* neither had it: the built-in default */
	CONFIG_FROM_ENV,	/* the environment */
	CONFIG_FROM_FILE,	/* the settings file, config.file */
};

/* Settings of the log-in and registration throttle (see throttle.h). */
struct config_throttle {
	int		 per_pair;	/* THROTTLE_LOGIN_PER_PAIR, 0: off */
	int		 per_account;	/* THROTTLE_LOGIN_PER_ACCOUNT */
	int		 per_address;	/* THROTTLE_LOGIN_PER_ADDRESS */
	int		 register_per_address; /* THROTTLE_REGISTER_PER_ADDRESS */
	int		 network_factor; /* THROTTLE_IPV6_NETWORK_FACTOR: an
					   IPv6 /48's limits are this times
					   an address's; 0: not counted */
	int		 posts_per_user; /* THROTTLE_POSTS_PER_USER: a minute */
	int		 posts_per_address; /* THROTTLE_POSTS_PER_ADDRESS */
	int		 success_per_account; /* THROTTLE_LOGIN_SUCCESS_PER_ACCOUNT:
					   a minute */
	int		 success_per_address; /* THROTTLE_LOGIN_SUCCESS_PER_ADDRESS */
	int		 mail_per_email; /* THROTTLE_MAIL_PER_EMAIL: mails to one
					   address an hour */
	int		 mail_per_address; /* THROTTLE_MAIL_PER_ADDRESS: requests
					   that send mail, an hour */
	int		 confirm_per_address; /* THROTTLE_CONFIRM_PER_ADDRESS:
					   token attempts a minute */
};

/* MAIL_COMMAND's default: the sendmail interface every host has. */
#define CONFIG_MAIL_COMMAND	"/usr/sbin/sendmail -t -i"

struct config {
	char		 database_path[4096];	/* DATABASE_PATH */
	char		 database_url[4096];	/* DATABASE_URL: wins if set */
	int64_t		 sqlite_cache_kib; /* SQLITE_CACHE_SIZE, 0: SQLite's */
	unsigned char	 jwt_secret[CONFIG_SECRET_MAX]; /* JWT_SECRET or JWT_SECRET_FILE */
	size_t		 jwt_secret_len;
	int64_t		 jwt_ttl;	/* the access token's lifetime, seconds:
					   JWT_ACCESS_TOKEN_EXPIRATION_TIME,
					   else JWT_EXPIRATION_TIME */
	int64_t		 refresh_ttl;	/* JWT_REFRESH_TOKEN_EXPIRATION_TIME:
					   a refresh token's lifetime, so a
					   session's idle timeout; 0: no
					   refresh tokens (part 3) */
	int64_t		 refresh_grace;	/* REFRESH_TOKEN_REUSE_INTERVAL, s */
	int64_t		 session_lifetime; /* SESSION_MAX_LIFETIME: absolute, s */
	int64_t		 audit_days;	/* AUDIT_RETENTION_DAYS */
	int64_t		 sessions_max;	/* SESSIONS_PER_USER_MAX: a user's
					   sessions kept at most */
	int		 bcrypt_cost;	/* BCRYPT_COST, 4..31 */
	int		 cookie_secure;	/* COOKIE_SECURE=1: Secure, prefixed name */
	int64_t		 token_leeway;	/* TOKEN_LEEWAY: clock skew allowed, seconds */
	struct config_throttle throttle;
	int64_t		 posts_max;	/* POSTS_MAX_PER_USER, 0: no cap */
	int64_t		 posts_max_bytes; /* POSTS_MAX_BYTES_PER_USER, 0: no cap */
	char		 trusted_proxy[64];	/* TRUSTED_PROXY: its X-Forwarded-For counts */
	/*
	 * ALLOWED_ORIGINS and FRONTEND_URL, merged: "a,b", each an origin
	 * without its trailing slash (the CSRF check and CORS read it).
	 */
	char		 allowed_origins[1024 + CONFIG_ORIGIN_MAX];
	int		 register_hide_existing; /* REGISTER_HIDE_EXISTING=1: every
					   registration answered alike */
	char		 mail_command[1024];	/* MAIL_COMMAND */
	char		 mail_from[256];	/* MAIL_FROM; "": no mail is sent */
	int64_t		 mail_timeout;	/* MAIL_TIMEOUT: seconds */
	char		 email_confirmation_url[1024]; /* EMAIL_CONFIRMATION_URL;
					   "": confirmation is off */
	int64_t		 email_confirmation_ttl; /* its tokens' lifetime, s */
	int		 require_confirmed_email; /* REQUIRE_CONFIRMED_EMAIL=1 */
	char		 password_reset_url[1024]; /* PASSWORD_RESET_URL; "": off */
	int64_t		 password_reset_ttl; /* its tokens' lifetime, s */
	char		 file[PATH_MAX];	/* the settings file read, or "" */
	enum config_from database_from;	/* where DATABASE_PATH came from */
	char		 secret_file[PATH_MAX];	/* the key file; "" with JWT_SECRET */
	/*
	 * TOTP_ENCRYPTION_KEY_FILE (else config_default_totp_key_file): the
	 * key of the TOTP secrets, separate from the JWT key.  totp_key_len
	 * is 0 when the setting is unset and the default file does not
	 * exist: two-factor authentication is then off (503).
	 */
	unsigned char	 totp_key[CONFIG_TOTP_KEY_LEN];
	size_t		 totp_key_len;
	char		 totp_key_file[PATH_MAX];
	/* TWO_FACTOR_AUTHENTICATION_APP_NAME: the issuer; "": the host's name */
	char		 totp_issuer[CONFIG_APP_NAME_MAX + 1];
};

/*
 * Fill cfg from the environment and the settings file: each setting from
 * the environment if set there and not empty, else from the file.  Only one
 * file is read, the first found of: FCGI_AUTH_CONFIG (which must then
 * exist; /dev/null reads as empty), fcgi-auth.conf beside the running
 * program, config_default_file.  It has NAME=value lines and # comments;
 * an unknown or repeated name is an error, and it may not hold JWT_SECRET
 * (or a database password) while other users can read it, nor be writable
 * by them at all.  The key is JWT_SECRET, else the file JWT_SECRET_FILE
 * names, else config_default_secret_file; a key file others can read or
 * write, or its group write, is refused.  Either file must be a regular
 * file (FCGI_AUTH_CONFIG=/dev/null aside), and a FIFO is refused at once.
 * The TOTP key file follows the key file's rules, and must hold 64 hex
 * digits (fcgi-auth-admin init-totp-key); only the default one may be
 * missing (2FA is then off).  Returns 0, or -1 with a one-line reason in err (never
 * containing the secret).  JWT_SECRET is wiped from the environment once
 * copied, so it cannot leak through a later exec or core.
 */
int	config_load(struct config *cfg, char *err, size_t errsz);

/*
 * The same, without the key: what the admin tool needs (migrate runs
 * before a key exists).  cfg->secret_file still names the key file the
 * programs would read; jwt_secret stays empty and JWT_SECRET untouched.
 */
int	config_load_settings(struct config *cfg, char *err, size_t errsz);

/* The store target (store.h) of a loaded configuration: its URL, else its path. */
const char	*config_database(const struct config *cfg);

/* Wipe the secret and the database URL (it may hold a password); call before exit. */
void	config_clear(struct config *cfg);

#endif
