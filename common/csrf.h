/*
 * csrf: refuse a state-changing request that carries the session cookie
 * but was sent by another site's page.  With JSON-only bodies (no "simple"
 * cross-site POST can carry one) and SameSite=Strict cookies this is the
 * third layer; see SECURITY.md.
 */
#ifndef CSRF_H
#define CSRF_H

#include "app.h"

/*
 * Let a POST, PUT, PATCH or DELETE with a session cookie (access or
 * refresh) through only if
 * its Origin is the service's own (scheme and Host of the request) or one
 * of ALLOWED_ORIGINS and FRONTEND_URL; without Origin, if Sec-Fetch-Site
 * says same-origin
 * (or none: typed by the user); without either, if the Referer's origin
 * matches.  A request with none of the three is not from a browser page and
 * passes.  Returns 0, or -1 with a 403 in rep (logged).
 */
int	csrf_check(const struct app *app, const struct http_req *req,
	    struct http_reply *rep);

/*
 * Is origin (len bytes, an Origin header) one of ALLOWED_ORIGINS and
 * FRONTEND_URL?  Compared as the check above compares: scheme, host and
 * port exactly, letters in any case, a trailing slash tolerated.  CORS
 * (cors.h) asks the same question, so the two never disagree.  1 or 0.
 */
int	csrf_origin_listed(const struct app *app, const char *origin,
	    size_t len);

#endif
