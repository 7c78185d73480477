/*
 * log: escaped single-line messages to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "json.h"
#include "log.h"
#include "text.h"

static const char	*log_program = "fcgi-auth";

/* log_ident()'s key; log_keyed says whether it is set. */
static unsigned char	 log_key[32];
static int		 log_keyed;

void
log_init(const char *program)
{
	log_program = program;
}

/*
 * May cp appear in a line as it is?  Not controls, a backslash (the escape
 * itself), bidirectional controls that would reorder what a reader sees,
 * nor line and paragraph separators that some viewers break lines at.
 */
static int
log_shown(uint32_t cp)
{
	return !(cp < 0x20 || cp == '\\' || (cp >= 0x7f && cp <= 0x9f) ||
	    cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069));
}

void
log_escape(char *dst, size_t dstsz, const char *src)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, k, n, at, o = 0, len = strlen(src);
	int32_t			 cp;

	if (dstsz == 0)
		return;
	for (i = 0; i < len; i += n) {
		at = i;
		cp = text_utf8_next(src, len, &at);
		n = at - i;
		if (cp >= 0 && log_shown((uint32_t)cp)) {
			/* Whole characters only. */
			if (o + n >= dstsz)
				goto truncated;
			memcpy(dst + o, src + i, n);
			o += n;
			continue;
		}
		/* Bytes that are no UTF-8 are escaped one at a time. */
		if (n == 0)
			n = 1;
		if (o + 4 * n >= dstsz)
			goto truncated;
		for (k = i; k < i + n; k++) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[(unsigned char)src[k] >> 4];
			dst[o++] = hex[(unsigned char)src[k] & 0xf];
		}
	}
	dst[o] = '\0';
	return;
truncated:
	/* Leave room for the marker so a cut line says it was cut. */
	if (dstsz >= 4) {
		if (o > dstsz - 4)
			o = util_utf8_cut(dst, dstsz - 4);
		memcpy(dst + o, "...", 4);
	} else
		dst[0] = '\0';
}

void
log_ident_key(const void *secret, size_t len)
{
	static const char	 purpose[] = "fcgi-auth log identifiers";
	unsigned int		 mdlen = 0;

	/* A key of its own, derived: the JWT key itself never hashes input. */
	log_keyed = HMAC(EVP_sha256(), secret, (int)len,
	    (const unsigned char *)purpose, sizeof(purpose) - 1, log_key,
	    &mdlen) != NULL && mdlen == sizeof(log_key);
}

void
log_ident(const char *ident, char out[LOG_IDENT_SIZE])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	size_t		 len = strlen(ident);

	/* Addresses are ASCII, so any cut falls between characters. */
	if (json_is_email(ident, len)) {
		if (len <= LOG_IDENT_MAX)
			memcpy(out, ident, len + 1);
		else {
			memcpy(out, ident, LOG_IDENT_MAX);
			memcpy(out + LOG_IDENT_MAX, "...", 4);
		}
		return;
	}
	if (!log_keyed && util_random(log_key, sizeof(log_key)) == 0)
		log_keyed = 1;
	if (!log_keyed || HMAC(EVP_sha256(), log_key, sizeof(log_key),
	    (const unsigned char *)ident, len, md, &mdlen) == NULL ||
	    mdlen < 6) {
		memcpy(out, "#?", 3);
		return;
	}
	/* 48 bits: repeats stand out, collisions are rare among a log's. */
	out[0] = '#';
	util_hex(md, 6, out + 1);
}

void
log_msg(const char *client, const char *fmt, ...)
{
	char		 raw[1024], line[1500], addr[80], stamp[32];
	va_list		 ap;
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 n;

	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* A long message loses its end, not the first bytes of a character. */
	if (n >= (int)sizeof(raw))
		raw[util_utf8_cut(raw, sizeof(raw) - 1)] = '\0';
	log_escape(line, sizeof(line), raw);
	log_escape(addr, sizeof(addr), client != NULL ? client : "-");
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(stamp, "-");
	/* One fprintf per line: stderr is unbuffered, so lines stay whole. */
	fprintf(stderr, "%s %s[%ld] %s: %s\n", stamp, log_program,
	    (long)getpid(), addr, line);
}
