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

/* Does origin (len bytes) match ours or an allowed one? */
static int
csrf_origin_ok(const struct app *app, const struct http_req *req,
    const char *origin, size_t len)
{
	/* A trailing slash is not part of an origin, but tolerate one. */
	if (len > 0 && origin[len - 1] == '/')
		len--;
	return csrf_own(req, origin, len) ||
	    csrf_allowed(app->cfg.allowed_origins, origin, len);
}

int
csrf_check(const struct app *app, const struct http_req *req,
    struct http_reply *rep)
{
	const char	*from, *p;
	size_t		 len, cookie_len;
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
		ok = csrf_origin_ok(app, req, from, strlen(from));
	} else if ((from = req->fetch_site) != NULL) {
		ok = strcmp(from, "same-origin") == 0 || strcmp(from, "none") == 0;
	} else if ((from = req->referer) != NULL) {
		/* The Referer's origin: scheme://host[:port], up to the path. */
		p = strstr(from, "://");
		len = p == NULL ? 0 : (size_t)(p + 3 - from) + strcspn(p + 3, "/?#");
		ok = len > 0 && csrf_origin_ok(app, req, from, len);
	} else
		return 0;
	if (ok)
		return 0;
	log_msg(req->client, "refused a cross-site %s %.*s from %s",
	    req->method_name, (int)(req->path_len > 200 ? 200 : req->path_len),
	    req->path, from);
	return http_error(rep, ERR_FORBIDDEN,
	    "Cross-site request refused: origin not allowed");
}
