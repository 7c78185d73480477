/*
 * log: escaped single-line messages to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_program = "fcgi-auth";

void
log_init(const char *program)
{
	log_program = program;
}

void
log_escape(char *dst, size_t dstsz, const char *src)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 o = 0;
	const unsigned char	*s = (const unsigned char *)src;

	if (dstsz == 0)
		return;
	for (; *s != '\0'; s++) {
		if (*s < 0x20 || *s == 0x7f || *s == '\\') {
			if (o + 4 >= dstsz)
				goto truncated;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[*s >> 4];
			dst[o++] = hex[*s & 0xf];
		} else {
			if (o + 1 >= dstsz)
				goto truncated;
			dst[o++] = (char)*s;
		}
	}
	dst[o] = '\0';
	return;
truncated:
	/* Leave room for the marker so a cut line says it was cut. */
	if (dstsz >= 4) {
		o = o < dstsz - 4 ? o : dstsz - 4;
		memcpy(dst + o, "...", 4);
	} else
		dst[0] = '\0';
}

void
log_msg(const char *client, const char *fmt, ...)
{
	char		 raw[1024], line[1500], addr[80], stamp[32];
	va_list		 ap;
	time_t		 now = time(NULL);
	struct tm	 tm;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_escape(line, sizeof(line), raw);
	log_escape(addr, sizeof(addr), client != NULL ? client : "-");
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(stamp, "-");
	/* One fprintf per line: stderr is unbuffered, so lines stay whole. */
	fprintf(stderr, "%s %s[%ld] %s: %s\n", stamp, log_program,
	    (long)getpid(), addr, line);
}
