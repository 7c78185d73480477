/*
 * cors: the preflight's answer and the headers every reply to a listed
 * origin carries.
 */
#include <string.h>

#include "cors.h"
#include "csrf.h"

/* Is the request's Origin on the list? */
static int
cors_listed(const struct app *app, const struct http_req *req)
{
	return req->origin != NULL &&
	    csrf_origin_listed(app, req->origin, strlen(req->origin));
}

int
cors_preflight(const struct app *app, const struct http_req *req,
    const char *methods, struct http_reply *rep)
{
	if (req->method != HTTP_OPTIONS || req->cors_method == NULL ||
	    !cors_listed(app, req))
		return -1;
	http_ok(rep, 204, NULL);
	http_header(rep, "Access-Control-Allow-Methods: %s", methods);
	http_header(rep, "Access-Control-Allow-Headers: Content-Type");
	http_header(rep, "Access-Control-Max-Age: %d", CORS_MAX_AGE);
	return 0;
}

void
cors_reply(const struct app *app, const struct http_req *req,
    struct http_reply *rep)
{
	/* Settings we could not load (a 503 to all) name no one. */
	if (app->store == NULL || app->cfg.allowed_origins[0] == '\0')
		return;
	http_header(rep, "Vary: Origin");
	if (!cors_listed(app, req))
		return;
	/* Listed: its bytes are an origin's, safe in a header line. */
	http_header(rep, "Access-Control-Allow-Origin: %s", req->origin);
	http_header(rep, "Access-Control-Allow-Credentials: true");
	/* A preflight's answer exposes nothing: no script reads it. */
	if (!(req->method == HTTP_OPTIONS && rep->status == 204))
		http_header(rep, "Access-Control-Expose-Headers: Link, Retry-After");
}
