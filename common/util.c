/*
 * util: strict integer parsing, constant-time comparison, kernel randomness.
 */
#include <sys/random.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "util.h"

int
util_parse_int(const char *str, int64_t min, int64_t max, int64_t *out,
    const char **errstr)
{
	const char	*p = str;
	int64_t		 value = 0;

	if (p == NULL || *p < '0' || *p > '9')
		goto invalid;
	/* "007" is not a number string here: ids and counts have one spelling. */
	if (p[0] == '0' && p[1] != '\0')
		goto invalid;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			goto invalid;
		if (value > (INT64_MAX - (*p - '0')) / 10) {
			*errstr = "too large";
			return -1;
		}
		value = value * 10 + (*p - '0');
	}
	if (value < min) {
		*errstr = "too small";
		return -1;
	}
	if (value > max) {
		*errstr = "too large";
		return -1;
	}
	*out = value;
	return 0;
invalid:
	*errstr = "invalid";
	return -1;
}

int
util_equal_ct(const void *a, size_t alen, const void *b, size_t blen)
{
	const volatile unsigned char	*pa = a, *pb = b;
	unsigned char			 diff = 0;
	size_t				 i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		diff |= pa[i] ^ pb[i];
	return diff == 0;
}

int
util_random(void *buf, size_t len)
{
	unsigned char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
util_hex(const unsigned char *bytes, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int
util_random_hex(char *out, size_t len)
{
	unsigned char		 bytes[64];

	if (len > sizeof(bytes) || util_random(bytes, len) == -1)
		return -1;
	util_hex(bytes, len, out);
	util_wipe(bytes, sizeof(bytes));
	return 0;
}

void
util_wipe(void *p, size_t len)
{
	explicit_bzero(p, len);
}

size_t
util_utf8_cut(const char *s, size_t max)
{
	size_t		 i, need;
	unsigned char	 c;

	/* The last character's first byte, within the longest one's reach. */
	for (i = max; i > 0 && max - i < 4; i--) {
		if (((c = (unsigned char)s[i - 1]) & 0xc0) == 0x80)
			continue;
		need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		return max - (i - 1) < need ? i - 1 : max;
	}
	return max;
}

int
util_ip_canonical(const char *str, char *out, size_t outsz)
{
	unsigned char	 addr[sizeof(struct in6_addr)];
	int		 af;

	if (inet_pton(AF_INET, str, addr) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, str, addr) == 1)
		af = AF_INET6;
	else
		return -1;
	return inet_ntop(af, addr, out, (socklen_t)outsz) == NULL ? -1 : 0;
}

/* Append n bytes of s to out (size outsz, *len used so far), truncating. */
static void
util_put(char *out, size_t outsz, size_t *len, const char *s, size_t n)
{
	if (n > outsz - 1 - *len)
		n = outsz - 1 - *len;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
}

int
util_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode the n bytes at s into out (NUL-terminated) as libpq
 * does; -1 if an escape is malformed or out is too small.
 */
static int
util_url_decode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t	 i, len = 0;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		if (len + 1 >= outsz)
			return -1;
		if (s[i] != '%') {
			out[len++] = s[i];
			continue;
		}
		if (i + 2 >= n)
			return -1;
		if ((hi = util_hexval((unsigned char)s[i + 1])) == -1 ||
		    (lo = util_hexval((unsigned char)s[i + 2])) == -1)
			return -1;
		out[len++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[len] = '\0';
	return 0;
}

/*
 * Is the query key of n bytes at s a password?  libpq knows password and
 * sslpassword; any name ending in "password", in any case and however
 * percent-encoded, counts, and so does one we cannot decode: better an
 * odd name hidden than a secret shown.
 */
static int
util_url_secret_key(const char *s, size_t n)
{
	char	 key[256];
	size_t	 len;

	if (util_url_decode(s, n, key, sizeof(key)) == -1)
		return 1;
	len = strlen(key);
	return len >= 8 && strcasecmp(key + len - 8, "password") == 0;
}

/*
 * Find secret number n (from 0) of a URL: the password of its
 * user:password@, then each password query value.  libpq ends the user
 * information at the first @ before the first / (not at ? or #, which may
 * be in a password); we hide up to the last such @, so a password with a
 * bare @ in it is hidden whole too.  The query starts at the first ?
 * after that, and a value ends only at & (libpq does not stop at #).
 * Returns 1 and sets *start and *len, or 0 if there are fewer secrets.
 */
static int
util_url_secret(const char *url, int n, const char **start, size_t *len)
{
	const char	*auth, *end, *at = NULL, *colon = NULL, *q, *eq;
	size_t		 klen;

	if ((auth = strstr(url, "://")) == NULL)
		return 0;
	auth += 3;
	end = auth + strcspn(auth, "/");
	for (q = auth; q < end; q++)
		if (*q == '@')
			at = q;
	if (at != NULL && (colon = memchr(auth, ':', (size_t)(at - auth))) != NULL &&
	    n-- == 0) {
		*start = colon + 1;
		*len = (size_t)(at - *start);
		return 1;
	}
	if ((q = strchr(at != NULL ? at + 1 : auth, '?')) == NULL)
		return 0;
	for (q++;; q += klen + 1) {
		klen = strcspn(q, "&");
		if ((eq = memchr(q, '=', klen)) != NULL &&
		    util_url_secret_key(q, (size_t)(eq - q)) && n-- == 0) {
			*start = eq + 1;
			*len = klen - (size_t)(eq + 1 - q);
			return 1;
		}
		if (q[klen] == '\0')
			return 0;
	}
}

const char *
util_redact_url(const char *target, char *out, size_t outsz)
{
	const char	*p = target, *secret;
	size_t		 len = 0, n;
	int		 i;

	out[0] = '\0';
	for (i = 0; util_url_secret(target, i, &secret, &n); i++) {
		util_put(out, outsz, &len, p, (size_t)(secret - p));
		util_put(out, outsz, &len, "***", 3);
		p = secret + n;
	}
	util_put(out, outsz, &len, p, strlen(p));
	return out;
}

int
util_url_has_password(const char *url)
{
	const char	*secret;
	size_t		 n;

	return util_url_secret(url, 0, &secret, &n);
}

#define UTIL_SECRETS_MAX	8

const char *
util_redact_text(const char *text, const char *url, char *out, size_t outsz)
{
	char		 plain[UTIL_SECRETS_MAX][256];
	const char	*raw[UTIL_SECRETS_MAX];
	size_t		 rawlen[UTIL_SECRETS_MAX], plainlen[UTIL_SECRETS_MAX];
	size_t		 len = 0, k, skip;
	int		 n, i;

	/* The secrets as written in the URL and as libpq decodes them. */
	for (n = 0; n < UTIL_SECRETS_MAX &&
	    util_url_secret(url, n, &raw[n], &rawlen[n]); n++)
		if (util_url_decode(raw[n], rawlen[n], plain[n],
		    sizeof(plain[n])) == -1)
			plain[n][0] = '\0';
	for (i = 0; i < n; i++)
		plainlen[i] = strlen(plain[i]);
	out[0] = '\0';
	for (k = 0; text[k] != '\0'; k += skip) {
		skip = 0;
		for (i = 0; i < n && skip == 0; i++) {
			if (rawlen[i] > 0 &&
			    strncmp(text + k, raw[i], rawlen[i]) == 0)
				skip = rawlen[i];
			else if (plainlen[i] > 0 &&
			    strncmp(text + k, plain[i], plainlen[i]) == 0)
				skip = plainlen[i];
		}
		if (skip > 0)
			util_put(out, outsz, &len, "***", 3);
		else
			util_put(out, outsz, &len, text + k, skip = 1);
	}
	util_wipe(plain, sizeof(plain));
	return out;
}

const char *
util_origin_check(const char *s, size_t len)
{
	size_t		 i, host, digits;
	int64_t		 port = 0;
	int		 https;

	if (len > 0 && s[len - 1] == '/')
		len--;
	if (len > 7 && strncasecmp(s, "http://", 7) == 0)
		https = 0, i = 7;
	else if (len > 8 && strncasecmp(s, "https://", 8) == 0)
		https = 1, i = 8;
	else
		return "expected http:// or https:// and a host";
	host = i;
	if (s[i] == '[') {
		while (++i < len && (isxdigit((unsigned char)s[i]) ||
		    s[i] == ':' || s[i] == '.'))
			;
		if (i == len || s[i] != ']' || i == host + 1)
			return "expected an IPv6 address in brackets";
		i++;
	} else {
		while (i < len && (isalnum((unsigned char)s[i]) ||
		    s[i] == '-' || s[i] == '.'))
			i++;
		if (i == host || i - host > 253 || s[host] == '.' ||
		    s[i - 1] == '.')
			return "expected a host name or address";
	}
	if (i < len && s[i] == ':') {
		for (digits = 0, i++; i < len && isdigit((unsigned char)s[i]) &&
		    digits < 6; i++, digits++)
			port = port * 10 + (s[i] - '0');
		/* As browsers write it: no leading zero. */
		if (digits == 0 || port < 1 || port > 65535 ||
		    s[i - digits] == '0')
			return "expected a port from 1 to 65535";
		if (port == (https ? 443 : 80))
			return "leave out the default port (browsers do)";
	}
	if (i < len)
		return "expected scheme://host[:port] only: no user, path or query";
	return NULL;
}
