/*
 * util: strict integer parsing, constant-time comparison, kernel randomness.
 */
#include <sys/random.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>

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

int
util_random_hex(char *out, size_t len)
{
	static const char	 digits[] = "0123456789abcdef";
	unsigned char		 bytes[64];
	size_t			 i;

	if (len > sizeof(bytes) || util_random(bytes, len) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * len] = '\0';
	util_wipe(bytes, sizeof(bytes));
	return 0;
}

void
util_wipe(void *p, size_t len)
{
	explicit_bzero(p, len);
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
