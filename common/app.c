/*
 * app: process start-up, the FastCGI/CGI request loop and route dispatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app.h"
#include "cors.h"
#include "csrf.h"
#include "log.h"
#include "util.h"

extern char **environ;

/*
 * SIGTERM (lighttpd and mod_fcgid send it to stop a FastCGI process) ends
 * the loop after the request in progress: a process between requests stops
 * waiting by closing its listening socket (the restarted accept() fails);
 * one inside a request finishes it first (SA_RESTART: its reads and writes
 * carry on).  A normal exit then frees everything, which is what
 * LeakSanitizer checks.  A CGI process keeps the default: it just dies.
 */
static volatile sig_atomic_t	 app_stopping;
static volatile sig_atomic_t	 app_idle;

static void
app_on_term(int sig)
{
	(void)sig;
	app_stopping = 1;
	if (app_idle)
		close(STDIN_FILENO);	/* FCGX_Accept_r() then fails */
}

/* Start the process; -1 (logged) if it must not serve. */
static int
app_open(struct app *app, const char *name)
{
	char	 err[1024];	/* a reason may name two paths */

	memset(app, 0, sizeof(*app));
	app->name = name;
	log_init(name);
	/* A client that hangs up must not kill the process mid-write. */
	signal(SIGPIPE, SIG_IGN);
	if (config_load(&app->cfg, err, sizeof(err)) == -1) {
		log_msg(NULL, "refusing to start: %s", err);
		return -1;
	}
	/* The same digests of logged identifiers in every process and node. */
	log_ident_key(app->cfg.jwt_secret, app->cfg.jwt_secret_len);
	/*
	 * Once per process (plain CGI, a process per request, keeps quiet):
	 * a log-in over plain HTTP then gets a cookie without Secure.
	 */
	if (!app->cfg.cookie_secure && !FCGX_IsCGI())
		log_msg(NULL, "COOKIE_SECURE is off: only requests that arrive "
		    "over HTTPS get Secure, prefixed cookies; set COOKIE_SECURE=1 "
		    "once the site is served over HTTPS only");
	if ((app->store = store_new(config_database(&app->cfg))) == NULL) {
		log_msg(NULL, "refusing to start: out of memory");
		return -1;
	}
	store_set_cache(app->store, app->cfg.sqlite_cache_kib);
	return 0;
}

static void
app_close(struct app *app)
{
	store_free(app->store);
	app->store = NULL;
	config_clear(&app->cfg);
}

int
app_store_error(struct http_reply *rep, enum store_rc rc)
{
	switch (rc) {
	case STORE_BUSY:
		return http_error(rep, ERR_UNAVAILABLE, "Database is busy, try again");
	case STORE_DOWN:
		return http_error(rep, ERR_UNAVAILABLE, "Database is unavailable");
	case STORE_FULL:
		return http_error(rep, ERR_STORAGE_FULL, NULL);
	default:
		return http_error(rep, ERR_INTERNAL, NULL);
	}
}

void
app_after(struct app *app, const struct http_req *req, app_after_fn fn,
    void *arg)
{
	app->after = fn;
	app->after_arg = arg;
	snprintf(app->after_client, sizeof(app->after_client), "%s",
	    req->client);
}

/* Run the work app_after() left, once the reply is out. */
static void
app_run_after(struct app *app)
{
	app_after_fn	 fn = app->after;

	if (fn == NULL)
		return;
	app->after = NULL;
	fn(app, app->after_client, app->after_arg);
	app->after_arg = NULL;
}

/* Did the request come from TRUSTED_PROXY? */
static int
app_from_proxy(const struct app *app, const struct http_req *req)
{
	char	 remote[64];

	return app->cfg.trusted_proxy[0] != '\0' &&
	    util_ip_canonical(req->client, remote, sizeof(remote)) == 0 &&
	    strcmp(remote, app->cfg.trusted_proxy) == 0;
}

/*
 * The last entry of a comma-separated header that each proxy appends to,
 * without blanks, into out.  Returns 0, or -1 if it is empty or does not
 * fit.
 */
static int
app_last_entry(const char *list, char *out, size_t outsz)
{
	const char	*last, *end;
	size_t		 len;

	last = strrchr(list, ',');
	last = last == NULL ? list : last + 1;
	last += strspn(last, " \t");
	for (end = last + strlen(last); end > last && (end[-1] == ' ' ||
	    end[-1] == '\t'); end--)
		;
	len = (size_t)(end - last);
	if (len == 0 || len >= outsz)
		return -1;
	memcpy(out, last, len);
	out[len] = '\0';
	return 0;
}

/*
 * Behind a trusted reverse proxy the client is the address the proxy
 * appended to X-Forwarded-For (its last entry): anything before it came
 * from the client and proves nothing.  Only a well-formed IP address is
 * taken, so a key built from it cannot be made of arbitrary bytes.
 * Likewise the proxy's X-Forwarded-Proto (its last entry): "https" says
 * the client reached it over TLS, which the proxy ended, so the request
 * counts as over HTTPS (cookies, own origin).  From anyone else it is
 * ignored.  A client could only make its own reply's cookies Secure with
 * it, never another's: a browser sends no such header cross-site.
 */
static void
app_client(const struct app *app, struct http_req *req)
{
	char	 entry[64];

	if (!app_from_proxy(app, req))
		return;
	if (req->forwarded_proto != NULL &&
	    app_last_entry(req->forwarded_proto, entry, sizeof(entry)) == 0 &&
	    strcasecmp(entry, "https") == 0)
		req->https = 1;
	if (req->forwarded_for != NULL &&
	    app_last_entry(req->forwarded_for, entry, sizeof(entry)) == 0 &&
	    util_ip_canonical(entry, req->client_buf,
	    sizeof(req->client_buf)) == 0)
		req->client = req->client_buf;
}

/* Copy at most 200 bytes of src for a message, '?' for anything not printable ASCII. */
static void
app_printable(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t	 i;

	if (len > 200)
		len = 200;
	for (i = 0; i < len && i + 1 < dstsz; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/*
 * The route the path names, under the shortest base when it could name
 * several ("/posts/posts" is post "posts", not the list under "/posts");
 * the base and the ":id" segment go into req.  NULL if none.
 */
static const struct route *
app_route(const struct route *routes, size_t nroutes, struct http_req *req)
{
	const struct route	*r = NULL;
	struct http_match	 m, best = { 0, NULL, 0 };
	size_t			 i;

	for (i = 0; i < nroutes; i++)
		if (http_route_match(req->path, req->path_len, routes[i].path,
		    &m) && (r == NULL || m.base_len < best.base_len)) {
			r = &routes[i];
			best = m;
		}
	if (r == NULL)
		return NULL;
	req->base = req->path;
	req->base_len = best.base_len;
	req->param = best.param;
	req->param_len = best.param_len;
	return r;
}

int
app_not_found(const struct http_req *req, struct http_reply *rep)
{
	char	 path[256], method[32];

	app_printable(path, sizeof(path), req->path, req->path_len);
	app_printable(method, sizeof(method), req->method_name,
	    strlen(req->method_name));
	return http_error(rep, ERR_NOT_FOUND, "Cannot %s %s", method, path);
}

static void
app_dispatch(struct app *app, const struct route *routes, size_t nroutes,
    struct http_req *req, struct http_reply *rep, const struct http_io *io)
{
	const struct route	*r;
	app_handler		 h;
	char			 method[32], allow[128];
	enum store_rc		 rc;
	int			 m;

	if (app->store == NULL) {
		/* Unusable settings: said once in the log, at start-up. */
		http_error(rep, ERR_UNAVAILABLE, "Service is unavailable");
		return;
	}
	/* As lighttpd does: a method nobody here knows is not "not allowed". */
	if (req->method == HTTP_METHOD__MAX) {
		http_error(rep, ERR_NOT_IMPLEMENTED, NULL);
		return;
	}
	if ((r = app_route(routes, nroutes, req)) == NULL) {
		app_not_found(req, rep);
		return;
	}
	h = req->method < HTTP_METHOD__MAX ? r->handlers[req->method] : NULL;
	if (h == NULL && req->method == HTTP_HEAD)
		h = r->handlers[HTTP_GET];
	if (h == NULL) {
		allow[0] = '\0';
		for (m = 0; m < HTTP_METHOD__MAX; m++) {
			if (r->handlers[m] == NULL)
				continue;
			if (allow[0] != '\0')
				strcat(allow, ", ");
			strcat(allow, http_method_name((enum http_method)m));
			if (m == HTTP_GET && r->handlers[HTTP_HEAD] == NULL)
				strcat(allow, ", HEAD");
		}
		/* A listed front end's preflight, on every route alike. */
		if (cors_preflight(app, req, allow, rep) == 0)
			return;
		app_printable(method, sizeof(method), req->method_name,
		    strlen(req->method_name));
		http_error(rep, ERR_METHOD, "Method %s is not allowed here; use %s",
		    method, allow);
		http_header(rep, "Allow: %s", allow);
		return;
	}
	if (csrf_check(app, req, rep) == -1)
		return;
	/* A DELETE may carry a body (the password deleting an account). */
	if ((req->method == HTTP_POST || req->method == HTTP_PUT ||
	    req->method == HTTP_PATCH || (req->method == HTTP_DELETE &&
	    req->has_length && req->content_length > 0)) &&
	    http_req_body(req, io, rep) == -1)
		return;
	if ((rc = store_ready(app->store)) != STORE_OK) {
		app_store_error(rep, rc);
		return;
	}
	h(app, req, rep);
}

/*
 * Parse, dispatch, answer and forget one request.  Under plain CGI (cgi
 * set) the unread rest of the body is read before the process exits; under
 * FastCGI, FCGX_Finish_r() skips it.
 */
static void
app_one(struct app *app, const struct route *routes, size_t nroutes,
    struct http_req *req, const struct http_io *io, int cgi)
{
	struct http_reply	 rep;

	http_reply_init(&rep);
	if (http_req_parse(req, io, &rep) == 0) {
		app_client(app, req);
		app_dispatch(app, routes, nroutes, req, &rep, io);
	}
	cors_reply(app, req, &rep);
	http_send(&rep, req, io);
	if (cgi)
		http_req_drain(req, io);
	http_reply_clear(&rep);
	http_req_clear(req);
}

static int
fcgi_read(void *ctx, char *buf, size_t len)
{
	FCGX_Request	*fr = ctx;

	return FCGX_GetStr(buf, len > 65536 ? 65536 : (int)len, fr->in);
}

static int
fcgi_write(void *ctx, const char *buf, size_t len)
{
	FCGX_Request	*fr = ctx;

	return FCGX_PutStr(buf, (int)len, fr->out) == (int)len ? 0 : -1;
}

static int
cgi_read(void *ctx, char *buf, size_t len)
{
	ssize_t	 n;

	(void)ctx;
	do
		n = read(STDIN_FILENO, buf, len > 65536 ? 65536 : len);
	while (n == -1 && errno == EINTR);
	return (int)n;
}

static int
cgi_write(void *ctx, const char *buf, size_t len)
{
	ssize_t	 n;

	(void)ctx;
	while (len > 0) {
		n = write(STDOUT_FILENO, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Serve until the FastCGI socket closes, or one CGI request. */
static void
app_serve(struct app *app, const struct route *routes, size_t nroutes)
{
	struct http_req		*req;
	struct http_io		 io;
	struct sigaction	 sa;
	FCGX_Request		 fr;
	int			 null;

	/* One request buffer per process, reused: nothing grows per request. */
	if ((req = calloc(1, sizeof(*req))) == NULL) {
		log_msg(NULL, "out of memory");
		return;
	}
	http_req_clear(req);
	if (FCGX_IsCGI()) {
		io = (struct http_io){ environ, cgi_read, cgi_write, NULL };
		app_one(app, routes, nroutes, req, &io, 1);
		free(req);
		/* The server's end of the reply: it need not wait for the rest. */
		if (app->after != NULL &&
		    (null = open("/dev/null", O_WRONLY)) != -1) {
			dup2(null, STDOUT_FILENO);
			close(null);
		}
		app_run_after(app);
		return;
	}
	sa.sa_handler = app_on_term;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		log_msg(NULL, "cannot initialise FastCGI");
		free(req);
		return;
	}
	for (;;) {
		app_idle = 1;
		if (app_stopping || FCGX_Accept_r(&fr) < 0)
			break;
		app_idle = 0;
		io = (struct http_io){ fr.envp, fcgi_read, fcgi_write, &fr };
		app_one(app, routes, nroutes, req, &io, 0);
		FCGX_Finish_r(&fr);
		app_run_after(app);
	}
	FCGX_Free(&fr, 1);
	free(req);
}

/*
 * With settings it cannot use, a plain CGI program exits (the server
 * answers 500 and logs why).  A FastCGI one stays up and answers every
 * request 503 instead: lighttpd gives up starting altogether when a
 * program it spawns exits at once, so one bad setting would take down
 * every site on the server; and mod_fcgid would spawn it again and again.
 */
int
app_main(const char *name, const struct route *routes, size_t nroutes)
{
	struct app	 app;

	if (app_open(&app, name) == -1) {
		if (FCGX_IsCGI())
			return 1;
		log_msg(NULL, "answering 503 until restarted with usable settings");
		app.store = NULL;
	}
	app_serve(&app, routes, nroutes);
	app_close(&app);
	return 0;
}
