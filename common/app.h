/*
 * app: what every endpoint program shares: the process's state (config,
 * store), start-up, the request loop (FastCGI, or one plain CGI request) and
 * the route table dispatch that answers 404 and 405 for them.
 */
#ifndef APP_H
#define APP_H

#include <stddef.h>

#include "config.h"
#include "http.h"
#include "store.h"

struct app;

/* Work a handler leaves for after its reply (app_after()). */
typedef void (*app_after_fn)(struct app *, const char *client, void *arg);

/* Lives as long as the process. */
struct app {
	const char	*name;		/* program name for the log */
	struct config	 cfg;
	struct store	*store;	/* NULL: the settings are unusable (503) */
	/*
	 * The log-in's: the bcrypt cost every failed log-in pays (the
	 * highest of the configured one and the stored hashes'), and when it
	 * was read from the store; 0: not yet.
	 */
	int		 login_cost;
	int64_t		 login_cost_at;
	/* Set by app_after() for the request in progress; NULL: nothing. */
	app_after_fn	 after;
	void		*after_arg;
	char		 after_client[64];
};

/*
 * A handler answers one request: it fills rep (http_ok, http_error ...) and
 * returns 0, or -1 when rep holds an error.  The body of a POST, PUT or PATCH
 * (or of a DELETE that declares one) has been read and the store is ready
 * when it runs.
 */
typedef int (*app_handler)(struct app *, struct http_req *, struct http_reply *);

/*
 * One path and its handlers by method.  A request matches it under a base,
 * the path the API is mounted at: its path is <base><path>, the base ""
 * or a clean prefix such as "/api" (http_route_match()), left in
 * req->base; the shortest base wins.  A path ending in "/:id" matches any
 * one non-empty segment there, left in req->param.  A GET handler also
 * answers HEAD.
 */
struct route {
	const char	*path;
	app_handler	 handlers[HTTP_METHOD__MAX];
};

/*
 * The whole life of an endpoint program: start up (log name, configuration,
 * store handle; a bad configuration is logged and fatal), then serve these
 * routes until the web server closes the FastCGI socket, or serve a single
 * request when started as plain CGI.  Any other path is a 404 naming the
 * whole path, any other method a 405.  Returns main's exit status.
 */
int	app_main(const char *name, const struct route *routes, size_t nroutes);

/*
 * Answer as if no route matched: 404 "Cannot METHOD PATH", from a handler
 * whose route the configuration turns off.  Returns -1.
 */
int	app_not_found(const struct http_req *req, struct http_reply *rep);

/*
 * Run fn(app, client, arg) once req's reply has gone out (FastCGI: the
 * request finished; plain CGI: standard output closed), so that its time
 * is not the reply's: a password reset's mail, which only some addresses
 * get.  One per request; arg is fn's to free.
 */
void	app_after(struct app *app, const struct http_req *req,
	    app_after_fn fn, void *arg);

/* Answer a failed store call: 503 for busy or unavailable, else 500.  Returns -1. */
int	app_store_error(struct http_reply *rep, enum store_rc rc);

#endif
