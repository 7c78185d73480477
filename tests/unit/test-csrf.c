/*
 * Unit tests for common/csrf.c: which cookie-carrying writes csrf_check()
 * lets through, by Origin, Sec-Fetch-Site and Referer, against the request's
 * own origin and ALLOWED_ORIGINS.  Requests are built by the real parser,
 * http_req_parse(), from CGI-style parameters, as the web server sends them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "app.h"
#include "auth.h"
#include "csrf.h"
#include "http.h"
#include "log.h"

#define REFUSED	"{\"statusCode\":403,\"message\":" \
	"\"Cross-site request refused: origin not allowed\",\"error\":\"Forbidden\"}"

#define HOST	"localhost:8080"
#define OWN	"http://" HOST

struct fixture {
	struct app		 app;
	struct http_req		*req;
	struct http_reply	 rep;
	char			*env[16];
	struct http_io		 io;
	size_t			 base_len;	/* REQUEST_URI's, for check() */
};

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if ((f->req = calloc(1, sizeof(*f->req))) == NULL) {
		free(f);
		return -1;
	}
	f->app.name = "test-csrf";
	http_req_clear(f->req);
	http_reply_init(&f->rep);
	f->io.envp = f->env;
	*state = f;
	return 0;
}

/* Forget the parameters given so far. */
static void
forget(struct fixture *f)
{
	size_t	 i;

	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	f->base_len = 0;
	for (i = 0; f->env[i] != NULL; i++) {
		free(f->env[i]);
		f->env[i] = NULL;
	}
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	forget(f);
	free(f->req);
	free(f);
	return 0;
}

/* Add one "NAME=value" request parameter. */
static void
param(struct fixture *f, const char *name, const char *value)
{
	size_t	 i, nlen = strlen(name), vlen = strlen(value);

	for (i = 0; f->env[i] != NULL; i++)
		continue;
	assert_true(i + 1 < sizeof(f->env) / sizeof(f->env[0]));
	assert_non_null(f->env[i] = malloc(nlen + vlen + 2));
	memcpy(f->env[i], name, nlen);
	f->env[i][nlen] = '=';
	memcpy(f->env[i] + nlen + 1, value, vlen + 1);
}

/*
 * Start a request: method to /posts, Host: localhost:8080 and the session
 * cookie as given (NULL: no Cookie header).
 */
static void
request(struct fixture *f, const char *method, const char *cookie)
{
	forget(f);
	param(f, "REQUEST_METHOD", method);
	param(f, "REQUEST_URI", "/posts");
	param(f, "REMOTE_ADDR", "192.0.2.1");
	param(f, "HTTP_HOST", HOST);
	if (cookie != NULL)
		param(f, "HTTP_COOKIE", cookie);
}

/* The same under the base /api, as app_dispatch() would find it. */
static void
request_under_base(struct fixture *f, const char *method, const char *cookie)
{
	request(f, method, cookie);
	free(f->env[1]);
	assert_non_null(f->env[1] = strdup("REQUEST_URI=/api/posts"));
	f->base_len = 4;
}

/* A cookie-carrying POST. */
static void
post(struct fixture *f)
{
	request(f, "POST", "Authentication=tok.en.value");
}

/* Parse what was given and run the check. */
static int
check(struct fixture *f)
{
	assert_int_equal(http_req_parse(f->req, &f->io, &f->rep), 0);
	f->req->base = f->req->path;
	f->req->base_len = f->base_len;
	return csrf_check(&f->app, f->req, &f->rep);
}

static void
passes(struct fixture *f)
{
	assert_int_equal(check(f), 0);
	assert_int_equal(f->rep.status, 200);
	assert_null(f->rep.body);
}

static void
refused(struct fixture *f)
{
	assert_int_equal(check(f), -1);
	assert_int_equal(f->rep.status, 403);
	assert_non_null(f->rep.body);
	assert_string_equal(json_object_to_json_string_ext(f->rep.body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), REFUSED);
}

/* A cookie-carrying POST with this Origin. */
static void
origin(struct fixture *f, const char *o)
{
	post(f);
	param(f, "HTTP_ORIGIN", o);
}

static void
origin_passes(struct fixture *f, const char *o)
{
	origin(f, o);
	passes(f);
}

static void
origin_refused(struct fixture *f, const char *o)
{
	origin(f, o);
	refused(f);
}

/* --- methods and the cookie */

static void
get_and_head_are_never_refused(void **state)
{
	static const char *const methods[] = { "GET", "HEAD", "OPTIONS" };
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		request(f, methods[i], "Authentication=tok");
		param(f, "HTTP_ORIGIN", "https://evil.example");
		param(f, "HTTP_SEC_FETCH_SITE", "cross-site");
		param(f, "HTTP_REFERER", "https://evil.example/page");
		passes(f);
	}
}

static void
writes_are_all_checked(void **state)
{
	static const char *const methods[] = { "POST", "PUT", "PATCH", "DELETE" };
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		request(f, methods[i], "Authentication=tok");
		param(f, "HTTP_ORIGIN", "https://evil.example");
		refused(f);
	}
}

static void
post_without_cookie_passes(void **state)
{
	struct fixture	*f = *state;

	request(f, "POST", NULL);
	param(f, "HTTP_ORIGIN", "https://evil.example");
	passes(f);
	/* Other cookies carry no authority either. */
	request(f, "POST", "theme=dark; lang=en");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	passes(f);
	/* Nor does a name that merely contains ours. */
	request(f, "POST", "XAuthentication=tok; Authentication_old=tok");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	passes(f);
}

/* The refresh cookie alone buys a session too: its writes are checked. */
static void
refresh_cookie_alone_is_checked(void **state)
{
	struct fixture	*f = *state;

	request(f, "POST", "Refresh=0123456789abcdef");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	refused(f);
	request(f, "POST", "Refresh=0123456789abcdef");
	param(f, "HTTP_ORIGIN", OWN);
	passes(f);
	/* With COOKIE_SECURE=1 the prefixed names count, the plain one not. */
	f->app.cfg.cookie_secure = 1;
	request(f, "POST", "__Host-Refresh=0123456789abcdef");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	refused(f);
	request_under_base(f, "POST", "__Secure-Refresh=0123456789abcdef");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	refused(f);
	request(f, "POST", "Refresh=0123456789abcdef");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	passes(f);
}

static void
cookie_among_others_is_found(void **state)
{
	struct fixture	*f = *state;

	request(f, "POST", "theme=dark; Authentication=tok; lang=en");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	refused(f);
}

static void
refusal_is_logged(void **state)
{
	struct fixture	*f = *state;
	char		 log[4096];
	FILE		*tmp;
	size_t		 n;
	int		 saved, rc;

	origin(f, "https://evil.example");
	fflush(stderr);
	assert_non_null(tmp = tmpfile());
	assert_true((saved = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) != -1);
	rc = check(f);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	rewind(tmp);
	n = fread(log, 1, sizeof(log) - 1, tmp);
	log[n] = '\0';
	fclose(tmp);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(log, "192.0.2.1"));
	assert_non_null(strstr(log, "POST /posts"));
	assert_non_null(strstr(log, "https://evil.example"));
	/* The cookie's value is never logged. */
	assert_null(strstr(log, "tok.en.value"));
}

/* --- Origin */

static void
own_origin_passes(void **state)
{
	struct fixture	*f = *state;

	origin_passes(f, OWN);
}

static void
own_origin_any_case(void **state)
{
	struct fixture	*f = *state;

	origin_passes(f, "HTTP://LocalHost:8080");
	/* The Host header's case does not matter either. */
	origin(f, OWN);
	free(f->env[3]);
	assert_non_null(f->env[3] = strdup("HTTP_HOST=LOCALHOST:8080"));
	passes(f);
}

static void
own_origin_with_trailing_slash_passes(void **state)
{
	struct fixture	*f = *state;

	origin_passes(f, OWN "/");
	origin_refused(f, OWN "//");
	origin_refused(f, OWN "/posts");
}

static void
other_origins_are_refused(void **state)
{
	static const char *const others[] = {
		"https://evil.example",
		"http://localhost:8081",	/* another port */
		"http://localhost",		/* no port */
		"http://localhost:80",
		"https://localhost:8080",	/* another scheme */
		"http://127.0.0.1:8080",	/* the same machine by another name */
		"http://localhost:8080.evil.example",
		"http://evil.localhost:8080",
		"http://localhost:808",
		"localhost:8080",
		"//localhost:8080",
		"http:/localhost:8080",
		"null",
		"",
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		origin_refused(f, others[i]);
}

/*
 * A cookie-carrying POST over TLS with this Origin: the cookie is then
 * __Host-Authentication, even with COOKIE_SECURE=0 (auth_secure()).
 */
static void
tls_origin(struct fixture *f, const char *o)
{
	request(f, "POST", "__Host-Authentication=tok.en.value");
	param(f, "HTTP_ORIGIN", o);
}

static void
https_origin_when_over_tls(void **state)
{
	struct fixture	*f = *state;

	/* lighttpd and mod_ssl: HTTPS=on. */
	tls_origin(f, "https://" HOST);
	param(f, "HTTPS", "on");
	passes(f);
	tls_origin(f, "http://" HOST);
	param(f, "HTTPS", "on");
	refused(f);
	/* Others: REQUEST_SCHEME=https. */
	tls_origin(f, "https://" HOST);
	param(f, "REQUEST_SCHEME", "https");
	passes(f);
	tls_origin(f, "http://" HOST);
	param(f, "REQUEST_SCHEME", "https");
	refused(f);
	/* HTTPS=off is plain HTTP. */
	origin(f, "https://" HOST);
	param(f, "HTTPS", "off");
	refused(f);
}

/*
 * Issue 20: over TLS the cookies are the prefixed ones whatever
 * COOKIE_SECURE says, so a cross-site write carrying them is checked;
 * the plain names are no session there (auth_require() ignores them too).
 */
static void
prefixed_cookies_are_checked_over_tls(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(f->app.cfg.cookie_secure, 0);
	tls_origin(f, "https://evil.example");
	param(f, "HTTPS", "on");
	refused(f);
	request(f, "POST", "__Host-Refresh=0123456789abcdef");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	param(f, "HTTPS", "on");
	refused(f);
	request_under_base(f, "POST", "__Secure-Refresh=0123456789abcdef");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	param(f, "REQUEST_SCHEME", "https");
	refused(f);
	/* Over plain HTTP the prefixed names mean nothing, as before. */
	tls_origin(f, "https://evil.example");
	passes(f);
}

static void
origin_without_host_is_not_ours(void **state)
{
	struct fixture	*f = *state;

	forget(f);
	param(f, "REQUEST_METHOD", "POST");
	param(f, "REQUEST_URI", "/posts");
	param(f, "HTTP_COOKIE", "Authentication=tok");
	param(f, "HTTP_ORIGIN", OWN);
	refused(f);
	forget(f);
	param(f, "REQUEST_METHOD", "POST");
	param(f, "REQUEST_URI", "/posts");
	param(f, "HTTP_COOKIE", "Authentication=tok");
	param(f, "HTTP_ORIGIN", "http://");
	refused(f);
}

/* --- ALLOWED_ORIGINS */

static void
allowed_origins_pass(void **state)
{
	static const char *const good[] = {
		"https://app.example.com",
		"https://admin.example.com",
		"http://localhost:3000",
		"HTTPS://APP.EXAMPLE.COM",
		"https://app.example.com/",
		OWN,
	};
	struct fixture	*f = *state;
	size_t		 i;

	snprintf(f->app.cfg.allowed_origins, sizeof(f->app.cfg.allowed_origins),
	    "https://app.example.com , https://admin.example.com,"
	    "  http://localhost:3000  ");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		origin_passes(f, good[i]);
}

static void
near_misses_of_allowed_origins_are_refused(void **state)
{
	static const char *const bad[] = {
		"https://app.example.com.evil.com",
		"https://app.example.co",
		"https://xapp.example.com",
		"https://app.example.com:8443",
		"http://app.example.com",
		"https://example.com",
		"https://app.example.com , https://admin.example.com",
		"https://app.example.com,https://admin.example.com",
		"https://app.example.com ",
		" https://app.example.com",
		"http://localhost:300",
		"http://localhost:30000",
		"null",
		"",
	};
	struct fixture	*f = *state;
	size_t		 i;

	snprintf(f->app.cfg.allowed_origins, sizeof(f->app.cfg.allowed_origins),
	    "https://app.example.com , https://admin.example.com,"
	    "  http://localhost:3000  ");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		origin_refused(f, bad[i]);
}

/* "https://app.example.com/" as configured is the same origin. */
static void
allowed_origin_written_with_slash_passes(void **state)
{
	struct fixture	*f = *state;

	snprintf(f->app.cfg.allowed_origins, sizeof(f->app.cfg.allowed_origins),
	    "https://app.example.com/, /");
	origin_passes(f, "https://app.example.com");
	origin_passes(f, "https://app.example.com/");
	origin_refused(f, "https://app.example.co");
	origin_refused(f, "");
}

static void
empty_entries_allow_nothing(void **state)
{
	struct fixture	*f = *state;

	snprintf(f->app.cfg.allowed_origins, sizeof(f->app.cfg.allowed_origins),
	    " , ,,  ,");
	origin_refused(f, "");
	origin_refused(f, " ");
	origin_refused(f, ",");
	origin_refused(f, "https://evil.example");
	origin_passes(f, OWN);
}

/* Issue 21: what CORS asks is the list only, never the request's own origin. */
static void
origin_listed_is_the_list_only(void **state)
{
	static const char *const no[] = {
		OWN, "null", "http://localhost:3000//", "http://localhost:3001",
		"https://localhost:3000", "",
	};
	struct fixture	*f = *state;
	size_t		 i;

	snprintf(f->app.cfg.allowed_origins, sizeof(f->app.cfg.allowed_origins),
	    "https://app.example.com,http://localhost:3000");
	assert_true(csrf_origin_listed(&f->app, "https://app.example.com", 23));
	assert_true(csrf_origin_listed(&f->app, "http://localhost:3000/", 22));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(csrf_origin_listed(&f->app, no[i], strlen(no[i])));
}

/* --- Sec-Fetch-Site, without Origin */

static void
fetch_site(struct fixture *f, const char *value)
{
	post(f);
	param(f, "HTTP_SEC_FETCH_SITE", value);
}

static void
fetch_site_same_origin_and_none_pass(void **state)
{
	struct fixture	*f = *state;

	fetch_site(f, "same-origin");
	passes(f);
	fetch_site(f, "none");
	passes(f);
}

static void
fetch_site_others_are_refused(void **state)
{
	static const char *const bad[] = {
		"same-site", "cross-site", "Same-Origin", "same-origin ", "", "x",
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fetch_site(f, bad[i]);
		refused(f);
	}
}

/* Origin, when sent, decides: Sec-Fetch-Site and Referer are not asked. */
static void
origin_takes_precedence(void **state)
{
	struct fixture	*f = *state;

	origin(f, "https://evil.example");
	param(f, "HTTP_SEC_FETCH_SITE", "same-origin");
	param(f, "HTTP_REFERER", OWN "/posts");
	refused(f);
	origin(f, OWN);
	param(f, "HTTP_SEC_FETCH_SITE", "cross-site");
	param(f, "HTTP_REFERER", "https://evil.example/");
	passes(f);
}

/* Without Origin, Sec-Fetch-Site decides before the Referer. */
static void
fetch_site_takes_precedence_over_referer(void **state)
{
	struct fixture	*f = *state;

	fetch_site(f, "cross-site");
	param(f, "HTTP_REFERER", OWN "/posts");
	refused(f);
	fetch_site(f, "same-origin");
	param(f, "HTTP_REFERER", "https://evil.example/");
	passes(f);
}

/* --- Referer, without Origin or Sec-Fetch-Site */

static void
referer(struct fixture *f, const char *value)
{
	post(f);
	param(f, "HTTP_REFERER", value);
}

static void
referer_of_own_origin_passes(void **state)
{
	static const char *const good[] = {
		OWN "/posts",
		OWN "/",
		OWN,
		OWN "?page=2",
		OWN "#top",
		OWN "/a/b?c=d#e",
		"HTTP://LOCALHOST:8080/posts",
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		referer(f, good[i]);
		passes(f);
	}
}

static void
foreign_referer_is_refused(void **state)
{
	static const char *const bad[] = {
		"https://evil.example/posts",
		"http://localhost:8081/posts",
		"https://localhost:8080/posts",
		"http://localhost:8080.evil.example/posts",
		"http://localhost:8080@evil.example/posts",
		"http://evil.example/http://localhost:8080/",
		/* No "://": not a URL we can take an origin from. */
		"localhost:8080/posts",
		"/posts",
		"about:blank",
		"",
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		referer(f, bad[i]);
		refused(f);
	}
}

static void
referer_of_allowed_origin_passes(void **state)
{
	struct fixture	*f = *state;

	snprintf(f->app.cfg.allowed_origins, sizeof(f->app.cfg.allowed_origins),
	    "https://app.example.com");
	referer(f, "https://app.example.com/dashboard?x=1");
	passes(f);
	referer(f, "https://app.example.com.evil.com/dashboard");
	refused(f);
}

static void
none_of_the_three_passes(void **state)
{
	struct fixture	*f = *state;

	/* curl, a server-side client: not a browser page. */
	post(f);
	passes(f);
}

/* --- COOKIE_SECURE */

static void
secure_cookie_name_triggers_check(void **state)
{
	struct fixture	*f = *state;

	f->app.cfg.cookie_secure = 1;
	assert_string_equal(auth_cookie_name(&f->app, f->req),
	    "__Host-Authentication");
	request(f, "POST", "__Host-Authentication=tok");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	param(f, "HTTPS", "on");
	refused(f);
	request(f, "POST", "__Host-Authentication=tok");
	param(f, "HTTP_ORIGIN", "https://" HOST);
	param(f, "HTTPS", "on");
	passes(f);
}

static void
plain_cookie_name_ignored_when_secure(void **state)
{
	struct fixture	*f = *state;

	f->app.cfg.cookie_secure = 1;
	/* Not our cookie under COOKIE_SECURE=1: it authenticates nothing. */
	request(f, "POST", "Authentication=tok");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	param(f, "HTTPS", "on");
	passes(f);
}

static void
secure_cookie_name_ignored_when_not_secure(void **state)
{
	struct fixture	*f = *state;

	assert_string_equal(auth_cookie_name(&f->app, f->req), "Authentication");
	request(f, "POST", "__Host-Authentication=tok");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	passes(f);
}

/*
 * Issue 19: under a base the secure cookie is __Secure-Authentication
 * (__Host- requires Path=/); that is the cookie the check looks for there.
 */
static void
secure_cookie_under_base_is_secure_prefixed(void **state)
{
	struct fixture	*f = *state;

	f->app.cfg.cookie_secure = 1;
	request_under_base(f, "POST", "__Secure-Authentication=tok");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	param(f, "HTTPS", "on");
	refused(f);
	assert_string_equal(auth_cookie_name(&f->app, f->req),
	    "__Secure-Authentication");
	/* The root's cookie authenticates nothing under the base. */
	request_under_base(f, "POST", "__Host-Authentication=tok");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	param(f, "HTTPS", "on");
	passes(f);
	/* Without COOKIE_SECURE the name is the tutorial's, base or not. */
	f->app.cfg.cookie_secure = 0;
	request_under_base(f, "POST", "Authentication=tok");
	param(f, "HTTP_ORIGIN", "https://evil.example");
	refused(f);
	assert_string_equal(auth_cookie_name(&f->app, f->req), "Authentication");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(get_and_head_are_never_refused),
		T(writes_are_all_checked),
		T(post_without_cookie_passes),
		T(cookie_among_others_is_found),
		T(refusal_is_logged),
		T(own_origin_passes),
		T(own_origin_any_case),
		T(own_origin_with_trailing_slash_passes),
		T(other_origins_are_refused),
		T(https_origin_when_over_tls),
		T(prefixed_cookies_are_checked_over_tls),
		T(origin_without_host_is_not_ours),
		T(allowed_origins_pass),
		T(near_misses_of_allowed_origins_are_refused),
		T(origin_listed_is_the_list_only),
		T(allowed_origin_written_with_slash_passes),
		T(empty_entries_allow_nothing),
		T(fetch_site_same_origin_and_none_pass),
		T(fetch_site_others_are_refused),
		T(origin_takes_precedence),
		T(fetch_site_takes_precedence_over_referer),
		T(referer_of_own_origin_passes),
		T(foreign_referer_is_refused),
		T(referer_of_allowed_origin_passes),
		T(none_of_the_three_passes),
		T(secure_cookie_name_triggers_check),
		T(plain_cookie_name_ignored_when_secure),
		T(secure_cookie_name_ignored_when_not_secure),
		T(secure_cookie_under_base_is_secure_prefixed),
		T(refresh_cookie_alone_is_checked),
	};

	log_init("test-csrf");
	return cmocka_run_group_tests_name("csrf", tests, NULL, NULL);
}
