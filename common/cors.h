/*
 * cors: let the front ends on the one origin list (ALLOWED_ORIGINS and
 * FRONTEND_URL, as the CSRF check reads it) call the API with credentials
 * from another origin, by the Fetch standard's CORS protocol (issue 21).
 */
#ifndef CORS_H
#define CORS_H

#include "app.h"

/* How long a browser may keep a preflight's answer, seconds (Chromium's cap). */
#define CORS_MAX_AGE	7200

/*
 * Answer a preflight (OPTIONS with Origin and Access-Control-Request-Method)
 * for a route whose methods are the Allow list methods: 204 with
 * Access-Control-Allow-Methods (those), -Allow-Headers (Content-Type, all
 * a request of ours needs) and -Max-Age, if the origin is listed; then
 * cors_reply() adds the rest.  Returns 0, or -1 with rep untouched when
 * the request is no preflight or its origin is not listed: the caller
 * answers as to any other OPTIONS, and the browser refuses the call.
 */
int	cors_preflight(const struct app *app, const struct http_req *req,
	    const char *methods, struct http_reply *rep);

/*
 * Finish any reply, errors included: with a list set, Vary: Origin (the
 * reply depends on it); to a listed origin, Access-Control-Allow-Origin
 * (that origin, as sent), -Allow-Credentials: true and, but on a
 * preflight's 204, -Expose-Headers (Link, Retry-After).  Nothing else:
 * never "*", never an origin off the list.
 */
void	cors_reply(const struct app *app, const struct http_req *req,
	    struct http_reply *rep);

#endif
