/*
 * csrf: the Origin (or Sec-Fetch-Site, or Referer) of a cookie-carrying
 * write must be our own or an allowed one.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "csrf.h"
#include "log.h"

/* The most bytes of where a refused write came from that a line shows. */
#define CSRF_SHOWN_MAX	100

/* Is origin (len bytes) this request's own origin, scheme://host? */
static int
csrf_own(const struct http_req *req, const char *origin, size_t len)
{
	const char	*scheme = req->https ? "https://" : "http://";
	size_t		 slen = strlen(scheme);

	if (req->host == NULL || len != slen + strlen(req->host))
		return 0;
	return strncasecmp(origin, scheme, slen) == 0 &&
	    strncasecmp(origin + slen, req->host, len - slen) == 0;
}

/* Is origin (len bytes) one of the comma-separated allowed origins? */
static int
csrf_allowed(const char *allowed, const char *origin, size_t len)
{
	const char	*p = allowed, *end;
	size_t		 n;

	while (*p != '\0') {
		p += strspn(p, " ,");
		end = p + strcspn(p, ",");
		/* Spaces around commas, and a trailing slash, are not part of it. */
		for (n = (size_t)(end - p); n > 0 && p[n - 1] == ' '; n--)
			;
		if (n > 0 && p[n - 1] == '/')
			n--;
		if (n > 0 && n == len && strncasecmp(p, origin, len) == 0)
			return 1;
		p = end;
	}
	return 0;
}

int
csrf_origin_listed(const struct app *app, const char *origin, size_t len)
{
	/* A trailing slash is not part of an origin, but tolerate one. */
	if (len > 0 && origin[len - 1] == '/')
		len--;
	return csrf_allowed(app->cfg.allowed_origins, origin, len);
}

/* Does origin (len bytes) match ours or an allowed one? */
static int
csrf_origin_ok(const struct app *app, const struct http_req *req,
    const char *origin, size_t len)
{
	size_t	 n = len;

	if (n > 0 && origin[n - 1] == '/')
		n--;
	return csrf_own(req, origin, n) ||
	    csrf_origin_listed(app, origin, len);
}

/*
 * Write what a log line shows of origin (len bytes, scheme://host[:port]
 * as a header gave it) into out: without user information (a password may
 * sit before an @), cut to CSRF_SHOWN_MAX bytes between characters.
 */
static void
csrf_shown(const char *origin, size_t len, char out[CSRF_SHOWN_MAX + 4])
{
	size_t	 scheme = 0, host, i, o, n;

	for (i = 0; i + 3 <= len && scheme == 0; i++)
		if (memcmp(origin + i, "://", 3) == 0)
			scheme = i + 3;
	for (host = scheme, i = scheme; i < len; i++)
		if (origin[i] == '@')
			host = i + 1;
	o = scheme < CSRF_SHOWN_MAX ? scheme : CSRF_SHOWN_MAX;
	memcpy(out, origin, o);
	n = len - host;
	if (scheme + n <= CSRF_SHOWN_MAX) {
		memcpy(out + o, origin + host, n);
		out[o + n] = '\0';
		return;
	}
	memcpy(out + o, origin + host, CSRF_SHOWN_MAX - o);
	o = util_utf8_cut(out, CSRF_SHOWN_MAX);
	memcpy(out + o, "...", 4);
}

int
csrf_check(const struct app *app, const struct http_req *req,
    struct http_reply *rep)
{
	const char	*from, *p, *kind = "";
	char		 shown[CSRF_SHOWN_MAX + 4];
	size_t		 len, cookie_len, path_len;
	int		 ok;

	if (req->method != HTTP_POST && req->method != HTTP_PUT &&
	    req->method != HTTP_PATCH && req->method != HTTP_DELETE)
		return 0;
	/* Without a cookie a forged request has no authority to abuse. */
	if (http_cookie(req, auth_cookie_name(app, req), &cookie_len) == NULL &&
	    http_cookie(req, auth_refresh_name(app, req), &cookie_len) == NULL)
		return 0;
	if ((from = req->origin) != NULL) {
		/* "null" (sandboxed frames, file: pages) is nobody's origin. */
		len = strlen(from);
		ok = csrf_origin_ok(app, req, from, len);
	} else if ((from = req->fetch_site) != NULL) {
		len = strlen(from);
		ok = strcmp(from, "same-origin") == 0 || strcmp(from, "none") == 0;
	} else if ((from = req->referer) != NULL) {
		/* The Referer's origin: scheme://host[:port], up to the path. */
		p = strstr(from, "://");
		len = p == NULL ? 0 : (size_t)(p + 3 - from) + strcspn(p + 3, "/?#");
		ok = len > 0 && csrf_origin_ok(app, req, from, len);
		kind = " (Referer)";
		if (len == 0) {
			from = "a Referer without an origin";
			len = strlen(from);
			kind = "";
		}
	} else
		return 0;
	if (ok)
		return 0;
	/* Of a Referer, its origin only: its path or query may hold secrets. */
	csrf_shown(from, len, shown);
	path_len = util_utf8_cut(req->path,
	    req->path_len > 200 ? 200 : req->path_len);
	log_msg(req->client, "refused a cross-site %s %.*s from %s%s",
	    req->method_name, (int)path_len, req->path, shown, kind);
	return http_error(rep, ERR_FORBIDDEN,
	    "Cross-site request refused: origin not allowed");
}
