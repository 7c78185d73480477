/*
 * util: the few small helpers every module needs (table sizes, strict
 * number parsing, constant-time comparison, random bytes from the kernel).
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((__format__(__printf__, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/*
 * Parse the whole of str as a non-negative decimal integer within [min, max],
 * like OpenBSD's strtonum(3) but stricter: no sign, no spaces, no trailing
 * bytes, no leading zeros beyond a lone "0".  Returns 0 and sets *out, or -1
 * and sets *errstr to "invalid", "too small" or "too large".
 */
int	util_parse_int(const char *str, int64_t min, int64_t max,
	    int64_t *out, const char **errstr);

/*
 * Compare two byte strings in time that depends only on their lengths.
 * Returns 1 if equal, 0 otherwise.
 */
int	util_equal_ct(const void *a, size_t alen, const void *b, size_t blen);

/*
 * Fill buf with len bytes from the kernel's CSPRNG (getrandom(2)).
 * Returns 0, or -1 if the kernel could not supply them.
 */
int	util_random(void *buf, size_t len);

/* Write len bytes as 2 * len lower-case hex digits and a NUL into out. */
void	util_hex(const unsigned char *bytes, size_t len, char *out);

/*
 * Write len random bytes as 2 * len lower-case hex digits and a NUL into out,
 * which must hold 2 * len + 1 bytes.  Returns 0 or -1 as util_random().
 */
int	util_random_hex(char *out, size_t len);

/* The value of hex digit c (either case), or -1. */
int	util_hexval(int c);

/* Overwrite len bytes at p with zeros in a way the compiler keeps. */
void	util_wipe(void *p, size_t len);

/*
 * Where to cut s, of which max bytes are kept at most, so as not to end
 * inside a UTF-8 character: max, or less by the first bytes of a character
 * that would go on past it.  Reads only s[0..max).
 */
size_t	util_utf8_cut(const char *s, size_t max);

/*
 * If str is an IPv4 or IPv6 address, write its canonical text (as
 * inet_ntop gives it) into out (outsz >= 46) and return 0; else -1.
 */
int	util_ip_canonical(const char *str, char *out, size_t outsz);

/*
 * Is s (len bytes) an origin as a browser's Origin header gives it,
 * scheme://host[:port]: scheme http or https, host a name or IPv4
 * address (letters, digits, '-', '.') or an IPv6 one in brackets, port
 * 1-65535 and not the scheme's default (browsers leave that out); one
 * trailing '/' is tolerated.  Never "*" or "null", no user, path or
 * query.  Returns NULL, or why not (a short phrase).
 */
const char	*util_origin_check(const char *s, size_t len);

/*
 * Copy target into out (always NUL-terminated, truncated if outsz is too
 * small) with the secrets of a URL replaced by "***", so a database URL
 * can be logged or shown: the password of user:password@ (the user
 * information ends at the last @ before the first /, even if a ? or # is
 * in it) and the value of every query parameter whose percent-decoded
 * name ends in "password" (password, sslpassword).  Anything else, and
 * any target without "://", is copied as it is.  Returns out.
 */
const char	*util_redact_url(const char *target, char *out, size_t outsz);

/* Does url hold a secret util_redact_url() would hide?  1 or 0. */
int		 util_url_has_password(const char *url);

/*
 * Copy text (a library's error message) into out like util_redact_url(),
 * with every secret of url in it, as written or percent-decoded, replaced
 * by "***".  Returns out.
 */
const char	*util_redact_text(const char *text, const char *url, char *out,
		    size_t outsz);

#endif
