/*
 * Unit tests for common/http.c: request parameters, body reading, cookies,
 * query strings, NestJS-shaped errors and the exact bytes of a reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "http.h"

/* The fixed headers every reply carries after Content-Length. */
#define SECURITY_HEADERS \
	"X-Content-Type-Options: nosniff\r\n" \
	"Cache-Control: no-store\r\n" \
	"Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n" \
	"Referrer-Policy: no-referrer\r\n"

/*
 * A stand-in for the web server: request parameters, a request body to
 * hand out through read, and a buffer collecting what write is given.
 */
struct server {
	char		*env[16];
	const char	*in;		/* the body the client sends */
	size_t		 in_len;
	size_t		 in_off;
	size_t		 chunk;		/* most bytes per read; 0: any */
	int		 reads;
	int		 read_fails;
	char		 out[HTTP_BODY_MAX + 8192];
	size_t		 out_len;
	int		 writes;
	int		 write_fails;
	struct http_io	 io;
};

struct fixture {
	struct server		 sv;
	struct http_req		*req;
	struct http_reply	 rep;
};

static int
server_read(void *ctx, char *buf, size_t len)
{
	struct server	*sv = ctx;
	size_t		 n = sv->in_len - sv->in_off;

	sv->reads++;
	if (sv->read_fails)
		return -1;
	if (n > len)
		n = len;
	if (sv->chunk > 0 && n > sv->chunk)
		n = sv->chunk;
	memcpy(buf, sv->in + sv->in_off, n);
	sv->in_off += n;
	return (int)n;
}

static int
server_write(void *ctx, const char *buf, size_t len)
{
	struct server	*sv = ctx;

	sv->writes++;
	if (sv->write_fails || len > sizeof(sv->out) - sv->out_len)
		return -1;
	memcpy(sv->out + sv->out_len, buf, len);
	sv->out_len += len;
	return 0;
}

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
	http_req_clear(f->req);
	http_reply_init(&f->rep);
	f->sv.io.envp = f->sv.env;
	f->sv.io.read = server_read;
	f->sv.io.write = server_write;
	f->sv.io.ctx = &f->sv;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	size_t		 i;

	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	for (i = 0; f->sv.env[i] != NULL; i++)
		free(f->sv.env[i]);
	free(f->req);
	free(f);
	return 0;
}

/* Add one "NAME=value" request parameter. */
static void
param(struct fixture *f, const char *nv)
{
	size_t	 i;

	for (i = 0; f->sv.env[i] != NULL; i++)
		continue;
	assert_true(i + 1 < sizeof(f->sv.env) / sizeof(f->sv.env[0]));
	assert_non_null(f->sv.env[i] = strdup(nv));
}

/* The client's body, available through io->read. */
static void
body(struct fixture *f, const char *b, size_t len)
{
	f->sv.in = b;
	f->sv.in_len = len;
	f->sv.in_off = 0;
}

static int
parse(struct fixture *f)
{
	return http_req_parse(f->req, &f->sv.io, &f->rep);
}

/* The reply body as compact JSON, or "" without one. */
static const char *
reply_json(const struct http_reply *rep)
{
	if (rep->body == NULL)
		return "";
	return json_object_to_json_string_ext(rep->body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Expect rep to be status with exactly this JSON body. */
static void
assert_reply(const struct http_reply *rep, int status, const char *json)
{
	assert_int_equal(rep->status, status);
	assert_string_equal(reply_json(rep), json);
}

/* Everything the server was sent, NUL-terminated. */
static const char *
sent(struct fixture *f)
{
	assert_true(f->sv.out_len < sizeof(f->sv.out));
	f->sv.out[f->sv.out_len] = '\0';
	return f->sv.out;
}

/* --- http_req_parse */

static void
parse_maps_known_methods(void **state)
{
	static const struct {
		const char		*name;
		enum http_method	 method;
	} methods[] = {
		{ "GET", HTTP_GET },
		{ "HEAD", HTTP_HEAD },
		{ "POST", HTTP_POST },
		{ "PUT", HTTP_PUT },
		{ "PATCH", HTTP_PATCH },
		{ "DELETE", HTTP_DELETE },
		{ "OPTIONS", HTTP_OPTIONS },
	};
	struct fixture	*f = *state;
	char		 nv[64];
	size_t		 i;

	param(f, "REQUEST_URI=/");
	param(f, "REQUEST_METHOD=placeholder");
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		free(f->sv.env[1]);
		snprintf(nv, sizeof(nv), "REQUEST_METHOD=%s", methods[i].name);
		assert_non_null(f->sv.env[1] = strdup(nv));
		http_req_clear(f->req);
		assert_int_equal(parse(f), 0);
		assert_int_equal(f->req->method, methods[i].method);
		assert_string_equal(f->req->method_name, methods[i].name);
		assert_string_equal(http_method_name(methods[i].method),
		    methods[i].name);
	}
}

static void
parse_unknown_method(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_METHOD=TRACE");
	param(f, "REQUEST_URI=/");
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->req->method, HTTP_METHOD__MAX);
	assert_string_equal(f->req->method_name, "TRACE");
	assert_string_equal(http_method_name(HTTP_METHOD__MAX), "UNKNOWN");
}

static void
parse_method_is_case_sensitive(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_METHOD=get");
	param(f, "REQUEST_URI=/");
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->req->method, HTTP_METHOD__MAX);
}

static void
parse_missing_method(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_URI=/");
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->req->method, HTTP_METHOD__MAX);
	assert_string_equal(f->req->method_name, "");
}

static void
parse_matches_whole_parameter_names(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_METHODX=GET");
	param(f, "REQUEST_URI_X=/nope");
	param(f, "REQUEST_URI=/yes");
	param(f, "X_REMOTE_ADDR=10.0.0.1");
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->req->method, HTTP_METHOD__MAX);
	assert_int_equal(f->req->path_len, 4);
	assert_memory_equal(f->req->path, "/yes", 4);
	assert_string_equal(f->req->client, "-");
}

static void
parse_splits_path_and_query(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_METHOD=GET");
	param(f, "REQUEST_URI=/users/42?x=1&y=2?z");
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->req->path_len, 9);
	assert_memory_equal(f->req->path, "/users/42", 9);
	assert_string_equal(f->req->query, "x=1&y=2?z");
}

static void
parse_path_without_query(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_METHOD=GET");
	param(f, "REQUEST_URI=/authentication");
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->req->path_len, strlen("/authentication"));
	assert_string_equal(f->req->path, "/authentication");
	assert_string_equal(f->req->query, "");
}

static void
parse_empty_query(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_URI=/a?");
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->req->path_len, 2);
	assert_string_equal(f->req->query, "");
}

static void
parse_other_parameters(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_METHOD=POST");
	param(f, "REQUEST_URI=/authentication/log-in");
	param(f, "REMOTE_ADDR=192.0.2.7");
	param(f, "CONTENT_TYPE=application/json");
	param(f, "CONTENT_LENGTH=17");
	param(f, "HTTP_COOKIE=Authentication=abc");
	param(f, "HTTP_USER_AGENT=Mozilla/5.0 (X11; Linux x86_64)");
	assert_int_equal(parse(f), 0);
	assert_string_equal(f->req->client, "192.0.2.7");
	assert_string_equal(f->req->content_type, "application/json");
	assert_int_equal(f->req->content_length, 17);
	assert_string_equal(f->req->cookie, "Authentication=abc");
	assert_string_equal(f->req->user_agent, "Mozilla/5.0 (X11; Linux x86_64)");
}

static void
parse_absent_parameters(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_URI=/");
	param(f, "REMOTE_ADDR=");
	assert_int_equal(parse(f), 0);
	assert_string_equal(f->req->client, "-");
	assert_null(f->req->content_type);
	assert_null(f->req->cookie);
	assert_null(f->req->user_agent);
	assert_int_equal(f->req->content_length, 0);
	assert_null(f->req->body);
}

static void
parse_missing_uri_is_400(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_METHOD=GET");
	assert_int_equal(parse(f), -1);
	assert_reply(&f->rep, 400, "{\"statusCode\":400,\"message\":"
	    "\"Request URI must be an absolute path\",\"error\":\"Bad Request\"}");
}

static void
parse_relative_uri_is_400(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_METHOD=GET");
	param(f, "REQUEST_URI=users/1");
	assert_int_equal(parse(f), -1);
	assert_int_equal(f->rep.status, 400);
}

static void
parse_absolute_form_uri_is_400(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_URI=http://example.com/");
	assert_int_equal(parse(f), -1);
	assert_int_equal(f->rep.status, 400);
}

static void
parse_empty_uri_is_400(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_URI=");
	assert_int_equal(parse(f), -1);
	assert_int_equal(f->rep.status, 400);
}

static void
parse_bad_content_length_is_400(void **state)
{
	static const char *const bad[] = {
		"CONTENT_LENGTH=abc", "CONTENT_LENGTH=-1", "CONTENT_LENGTH=+5",
		"CONTENT_LENGTH= 5", "CONTENT_LENGTH=5 ", "CONTENT_LENGTH=05",
		"CONTENT_LENGTH=1e3", "CONTENT_LENGTH=99999999999999999999",
	};
	struct fixture	*f = *state;
	size_t		 i;

	param(f, "REQUEST_METHOD=POST");
	param(f, "REQUEST_URI=/");
	param(f, "CONTENT_LENGTH=placeholder");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		free(f->sv.env[2]);
		assert_non_null(f->sv.env[2] = strdup(bad[i]));
		http_req_clear(f->req);
		http_reply_clear(&f->rep);
		assert_int_equal(parse(f), -1);
		assert_int_equal(f->rep.status, 400);
	}
	assert_reply(&f->rep, 400, "{\"statusCode\":400,\"message\":"
	    "\"Content-Length is too large\",\"error\":\"Bad Request\"}");
}

static void
parse_content_length_abc_message(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_URI=/");
	param(f, "CONTENT_LENGTH=abc");
	assert_int_equal(parse(f), -1);
	assert_reply(&f->rep, 400, "{\"statusCode\":400,\"message\":"
	    "\"Content-Length is invalid\",\"error\":\"Bad Request\"}");
}

static void
parse_empty_content_length_is_zero(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_URI=/");
	param(f, "CONTENT_LENGTH=");
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->req->content_length, 0);
}

/* --- http_req_body */

/* A POST to / with this content type (NULL: none) and length. */
static void
post(struct fixture *f, const char *type, const char *length)
{
	char	 nv[128];

	param(f, "REQUEST_METHOD=POST");
	param(f, "REQUEST_URI=/");
	if (type != NULL) {
		snprintf(nv, sizeof(nv), "CONTENT_TYPE=%s", type);
		param(f, nv);
	}
	if (length != NULL) {
		snprintf(nv, sizeof(nv), "CONTENT_LENGTH=%s", length);
		param(f, nv);
	}
	assert_int_equal(parse(f), 0);
}

static int
read_body(struct fixture *f)
{
	return http_req_body(f->req, &f->sv.io, &f->rep);
}

static void
body_without_content_type_is_415(void **state)
{
	struct fixture	*f = *state;

	post(f, NULL, "2");
	body(f, "{}", 2);
	assert_int_equal(read_body(f), -1);
	assert_reply(&f->rep, 415, "{\"statusCode\":415,\"message\":"
	    "\"Content-Type must be application/json\","
	    "\"error\":\"Unsupported Media Type\"}");
	assert_int_equal(f->sv.reads, 0);
}

static void
body_form_content_type_is_415(void **state)
{
	struct fixture	*f = *state;

	post(f, "application/x-www-form-urlencoded", "3");
	body(f, "a=1", 3);
	assert_int_equal(read_body(f), -1);
	assert_int_equal(f->rep.status, 415);
	assert_int_equal(f->sv.reads, 0);
}

static void
body_other_types_are_415(void **state)
{
	static const char *const bad[] = {
		"text/plain", "application/jsonx", "application/json-patch+json",
		"text/json", "multipart/form-data; boundary=x", "",
		"application/json charset=utf-8",
	};
	struct fixture	*f = *state;
	size_t		 i;

	post(f, "placeholder", "2");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f->req->content_type = bad[i];
		http_reply_clear(&f->rep);
		body(f, "{}", 2);
		assert_int_equal(read_body(f), -1);
		assert_int_equal(f->rep.status, 415);
	}
	assert_int_equal(f->sv.reads, 0);
}

static void
body_json_with_utf8_charset_is_accepted(void **state)
{
	static const char *const good[] = {
		"application/json",
		"application/json; charset=utf-8",
		"application/json;charset=UTF-8",
		"Application/JSON; charset=\"utf-8\"",
		"application/json; charset=utf8",
		"application/json ; charset=utf-8 ",
		"application/json; foo=bar",
	};
	struct fixture	*f = *state;
	size_t		 i;

	post(f, "placeholder", "2");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		f->req->content_type = good[i];
		body(f, "{}", 2);
		assert_int_equal(read_body(f), 0);
		assert_string_equal(f->req->body, "{}");
	}
}

static void
body_json_with_latin1_charset_is_415(void **state)
{
	struct fixture	*f = *state;

	post(f, "application/json; charset=latin1", "2");
	body(f, "{}", 2);
	assert_int_equal(read_body(f), -1);
	assert_int_equal(f->rep.status, 415);
	assert_int_equal(f->sv.reads, 0);
}

static void
body_charset_after_other_parameter_is_checked(void **state)
{
	struct fixture	*f = *state;

	post(f, "application/json; foo=bar; charset=iso-8859-1", "2");
	body(f, "{}", 2);
	assert_int_equal(read_body(f), -1);
	assert_int_equal(f->rep.status, 415);
}

static void
body_over_max_is_413_without_reading(void **state)
{
	struct fixture	*f = *state;

	post(f, "application/json", "65537");
	body(f, "{}", 2);
	assert_int_equal(read_body(f), -1);
	assert_reply(&f->rep, 413, "{\"statusCode\":413,\"message\":"
	    "\"Request body is larger than 65536 bytes\","
	    "\"error\":\"Payload Too Large\"}");
	assert_int_equal(f->sv.reads, 0);
}

static void
body_of_exactly_max_is_read(void **state)
{
	struct fixture	*f = *state;
	char		*big;

	assert_non_null(big = malloc(HTTP_BODY_MAX));
	memset(big, ' ', HTTP_BODY_MAX);
	big[0] = '{';
	big[HTTP_BODY_MAX - 1] = '}';
	post(f, "application/json", "65536");
	body(f, big, HTTP_BODY_MAX);
	assert_int_equal(read_body(f), 0);
	assert_int_equal(f->req->body_len, HTTP_BODY_MAX);
	assert_int_equal(f->req->body[HTTP_BODY_MAX], '\0');
	assert_memory_equal(f->req->body, big, HTTP_BODY_MAX);
	free(big);
}

static void
body_shorter_than_length_is_400(void **state)
{
	struct fixture	*f = *state;

	post(f, "application/json", "10");
	body(f, "{\"a\":", 5);
	assert_int_equal(read_body(f), -1);
	assert_reply(&f->rep, 400, "{\"statusCode\":400,\"message\":"
	    "\"Request body is shorter than its Content-Length\","
	    "\"error\":\"Bad Request\"}");
}

static void
body_read_error_is_400(void **state)
{
	struct fixture	*f = *state;

	post(f, "application/json", "2");
	body(f, "{}", 2);
	f->sv.read_fails = 1;
	assert_int_equal(read_body(f), -1);
	assert_int_equal(f->rep.status, 400);
}

static void
body_is_read_exactly_and_terminated(void **state)
{
	struct fixture	*f = *state;

	post(f, "application/json", "7");
	/* The server offers more than declared; only 7 bytes are taken. */
	body(f, "{\"a\":1}GARBAGE", 14);
	assert_int_equal(read_body(f), 0);
	assert_int_equal(f->req->body_len, 7);
	assert_string_equal(f->req->body, "{\"a\":1}");
	assert_int_equal(f->sv.in_off, 7);
}

static void
body_is_read_in_pieces(void **state)
{
	struct fixture	*f = *state;

	post(f, "application/json", "13");
	body(f, "{\"abc\":12345}", 13);
	f->sv.chunk = 3;
	assert_int_equal(read_body(f), 0);
	assert_int_equal(f->req->body_len, 13);
	assert_string_equal(f->req->body, "{\"abc\":12345}");
	assert_int_equal(f->sv.reads, 5);
}

static void
body_empty_is_ok(void **state)
{
	struct fixture	*f = *state;

	post(f, NULL, "0");
	assert_int_equal(read_body(f), 0);
	assert_non_null(f->req->body);
	assert_string_equal(f->req->body, "");
	assert_int_equal(f->req->body_len, 0);
	assert_int_equal(f->sv.reads, 0);
}

static void
body_without_length_is_411(void **state)
{
	struct fixture	*f = *state;

	/* No CONTENT_LENGTH: CGI cannot know where the body ends. */
	post(f, "text/plain", NULL);
	assert_int_equal(read_body(f), -1);
	assert_int_equal(f->rep.status, 411);
	assert_int_equal(f->sv.reads, 0);
}

static void
drain_reads_the_unread_rest(void **state)
{
	struct fixture	*f = *state;
	static char	 big[70000];

	/* A refused body (415) was never read: drain takes all of it. */
	memset(big, 'x', sizeof(big));
	post(f, "text/plain", "70000");
	body(f, big, sizeof(big));
	assert_int_equal(read_body(f), -1);
	assert_int_equal(f->sv.in_off, 0);
	http_req_drain(f->req, &f->sv.io);
	assert_int_equal(f->sv.in_off, sizeof(big));
}

static void
drain_after_a_read_body_reads_nothing_more(void **state)
{
	struct fixture	*f = *state;

	post(f, "application/json", "2");
	body(f, "{}", 2);
	assert_int_equal(read_body(f), 0);
	f->sv.reads = 0;
	http_req_drain(f->req, &f->sv.io);
	assert_int_equal(f->sv.reads, 0);
}

static void
drain_stops_at_end_of_input(void **state)
{
	struct fixture	*f = *state;

	/* The client promised 100 bytes and sent 3: no endless loop. */
	post(f, "text/plain", "100");
	body(f, "abc", 3);
	http_req_drain(f->req, &f->sv.io);
	assert_int_equal(f->sv.in_off, 3);
}

/* --- http_cookie */

static void
cookie_single(void **state)
{
	struct fixture	*f = *state;
	const char	*v;
	size_t		 len = 0;

	f->req->cookie = "Authentication=abc.def.ghi";
	assert_non_null(v = http_cookie(f->req, "Authentication", &len));
	assert_int_equal(len, 11);
	assert_memory_equal(v, "abc.def.ghi", 11);
}

static void
cookie_first_match_wins(void **state)
{
	struct fixture	*f = *state;
	const char	*v;
	size_t		 len = 0;

	f->req->cookie = "Authentication=one; Authentication=two";
	assert_non_null(v = http_cookie(f->req, "Authentication", &len));
	assert_int_equal(len, 3);
	assert_memory_equal(v, "one", 3);
}

static void
cookie_among_several(void **state)
{
	struct fixture	*f = *state;
	const char	*v;
	size_t		 len = 0;

	f->req->cookie = "theme=dark; Authentication=tok; lang=en";
	assert_non_null(v = http_cookie(f->req, "Authentication", &len));
	assert_int_equal(len, 3);
	assert_memory_equal(v, "tok", 3);
	assert_non_null(v = http_cookie(f->req, "lang", &len));
	assert_int_equal(len, 2);
	assert_memory_equal(v, "en", 2);
}

static void
cookie_suffix_name_does_not_match(void **state)
{
	struct fixture	*f = *state;
	size_t		 len = 0;

	f->req->cookie = "XAuthentication=1";
	assert_null(http_cookie(f->req, "Authentication", &len));
}

static void
cookie_suffix_name_then_real_one(void **state)
{
	struct fixture	*f = *state;
	const char	*v;
	size_t		 len = 0;

	f->req->cookie = "XAuthentication=1; Authentication=2";
	assert_non_null(v = http_cookie(f->req, "Authentication", &len));
	assert_int_equal(len, 1);
	assert_memory_equal(v, "2", 1);
}

static void
cookie_prefix_name_does_not_match(void **state)
{
	struct fixture	*f = *state;
	size_t		 len = 0;

	f->req->cookie = "Authentication2=1; Auth=2";
	assert_null(http_cookie(f->req, "Authentication", &len));
}

static void
cookie_name_inside_value_does_not_match(void **state)
{
	struct fixture	*f = *state;
	const char	*v;
	size_t		 len = 0;

	f->req->cookie = "a=Authentication=evil; Authentication=good";
	assert_non_null(v = http_cookie(f->req, "Authentication", &len));
	assert_int_equal(len, 4);
	assert_memory_equal(v, "good", 4);
}

static void
cookie_trailing_spaces_trimmed(void **state)
{
	struct fixture	*f = *state;
	const char	*v;
	size_t		 len = 0;

	f->req->cookie = "Authentication=abc \t ; b=1";
	assert_non_null(v = http_cookie(f->req, "Authentication", &len));
	assert_int_equal(len, 3);
	assert_memory_equal(v, "abc", 3);

	f->req->cookie = "b=1; Authentication=xyz  ";
	assert_non_null(v = http_cookie(f->req, "Authentication", &len));
	assert_int_equal(len, 3);
	assert_memory_equal(v, "xyz", 3);
}

static void
cookie_empty_value(void **state)
{
	struct fixture	*f = *state;
	size_t		 len = 99;

	f->req->cookie = "Authentication=; b=1";
	assert_non_null(http_cookie(f->req, "Authentication", &len));
	assert_int_equal(len, 0);
}

static void
cookie_absent(void **state)
{
	struct fixture	*f = *state;
	size_t		 len = 0;

	f->req->cookie = NULL;
	assert_null(http_cookie(f->req, "Authentication", &len));
	f->req->cookie = "";
	assert_null(http_cookie(f->req, "Authentication", &len));
	f->req->cookie = "a=1; b=2; ";
	assert_null(http_cookie(f->req, "Authentication", &len));
	f->req->cookie = "Authentication";
	assert_null(http_cookie(f->req, "Authentication", &len));
}

/* --- http_query */

static void
query_decodes_percent_and_plus(void **state)
{
	struct fixture	*f = *state;
	char		 out[64];

	f->req->query = "q=%41b+c%2Bd%2fe";
	assert_int_equal(http_query(f->req, "q", out, sizeof(out)), 1);
	assert_string_equal(out, "Ab c+d/e");
}

static void
query_finds_later_parameter(void **state)
{
	struct fixture	*f = *state;
	char		 out[64];

	f->req->query = "page=2&email=a%40b.co&x";
	assert_int_equal(http_query(f->req, "email", out, sizeof(out)), 1);
	assert_string_equal(out, "a@b.co");
	assert_int_equal(http_query(f->req, "x", out, sizeof(out)), 1);
	assert_string_equal(out, "");
}

static void
query_first_match_wins(void **state)
{
	struct fixture	*f = *state;
	char		 out[64];

	f->req->query = "a=1&a=2";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), 1);
	assert_string_equal(out, "1");
}

static void
query_absent(void **state)
{
	struct fixture	*f = *state;
	char		 out[64];

	f->req->query = "";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), 0);
	f->req->query = "ab=1&b=2&xa=3";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), 0);
}

static void
query_bad_escape_is_error(void **state)
{
	struct fixture	*f = *state;
	char		 out[64];

	f->req->query = "a=%zz";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), -1);
	f->req->query = "a=%4";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), -1);
	f->req->query = "a=%4&b=1";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), -1);
	f->req->query = "a=%";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), -1);
}

static void
query_nul_escape_is_error(void **state)
{
	struct fixture	*f = *state;
	char		 out[64];

	f->req->query = "a=x%00y";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), -1);
}

static void
query_value_too_long_is_error(void **state)
{
	struct fixture	*f = *state;
	char		 out[4];

	f->req->query = "a=abc";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), 1);
	assert_string_equal(out, "abc");
	f->req->query = "a=abcd";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), -1);
	/* Decoded length is what counts: "%41%42%43" is 3 bytes. */
	f->req->query = "a=%41%42%43";
	assert_int_equal(http_query(f->req, "a", out, sizeof(out)), 1);
	assert_string_equal(out, "ABC");
}

/* --- http_error, http_error_list */

static void
error_plain_401(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(http_error(&f->rep, ERR_UNAUTHORIZED, NULL), -1);
	assert_reply(&f->rep, 401,
	    "{\"statusCode\":401,\"message\":\"Unauthorized\"}");
	assert_int_equal(f->rep.headers_len, 0);
}

static void
error_plain_400_credentials(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(http_error(&f->rep, ERR_WRONG_CREDENTIALS, NULL), -1);
	assert_reply(&f->rep, 400, "{\"statusCode\":400,"
	    "\"message\":\"Wrong credentials provided\"}");
}

static void
error_detail_404(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(http_error(&f->rep, ERR_NOT_FOUND, "Cannot %s %s",
	    "GET", "/x"), -1);
	assert_reply(&f->rep, 404, "{\"statusCode\":404,"
	    "\"message\":\"Cannot GET /x\",\"error\":\"Not Found\"}");
}

static void
error_detail_default_message(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(http_error(&f->rep, ERR_FORBIDDEN, NULL), -1);
	assert_reply(&f->rep, 403, "{\"statusCode\":403,"
	    "\"message\":\"Forbidden resource\",\"error\":\"Forbidden\"}");
}

static void
error_500_is_plain(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(http_error(&f->rep, ERR_INTERNAL, NULL), -1);
	assert_reply(&f->rep, 500, "{\"statusCode\":500,"
	    "\"message\":\"Internal server error\"}");
}

static void
error_503_adds_retry_after(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(http_error(&f->rep, ERR_UNAVAILABLE, NULL), -1);
	assert_reply(&f->rep, 503, "{\"statusCode\":503,"
	    "\"message\":\"Service temporarily unavailable\","
	    "\"error\":\"Service Unavailable\"}");
	assert_string_equal(f->rep.headers, "Retry-After: 1\r\n");
}

static void
error_replaces_earlier_body(void **state)
{
	struct fixture	*f = *state;

	http_ok(&f->rep, 201, json_object_new_object());
	http_error(&f->rep, ERR_UNAUTHORIZED, NULL);
	assert_reply(&f->rep, 401,
	    "{\"statusCode\":401,\"message\":\"Unauthorized\"}");
}

static void
error_message_is_escaped_json(void **state)
{
	struct fixture	*f = *state;

	http_error(&f->rep, ERR_NOT_FOUND, "Cannot GET %s", "/\"x\"\n");
	assert_reply(&f->rep, 404, "{\"statusCode\":404,"
	    "\"message\":\"Cannot GET /\\\"x\\\"\\n\",\"error\":\"Not Found\"}");
}

static void
error_list_shape(void **state)
{
	struct fixture		*f = *state;
	struct json_object	*list = json_object_new_array();

	assert_non_null(list);
	json_object_array_add(list, json_object_new_string("email must be an email"));
	json_object_array_add(list, json_object_new_string("property id should not exist"));
	assert_int_equal(http_error_list(&f->rep, list), -1);
	assert_reply(&f->rep, 400, "{\"statusCode\":400,\"message\":"
	    "[\"email must be an email\",\"property id should not exist\"],"
	    "\"error\":\"Bad Request\"}");
}

/* --- http_send */

static int
send_reply(struct fixture *f)
{
	return http_send(&f->rep, f->req, &f->sv.io);
}

static void
send_201_with_body(void **state)
{
	struct fixture		*f = *state;
	struct json_object	*o = json_object_new_object();

	assert_non_null(o);
	json_object_object_add(o, "id", json_object_new_int(1));
	f->req->method = HTTP_POST;
	http_ok(&f->rep, 201, o);
	assert_int_equal(send_reply(f), 0);
	assert_string_equal(sent(f),
	    "Status: 201 Created\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 8\r\n"
	    SECURITY_HEADERS
	    "\r\n"
	    "{\"id\":1}");
}

static void
send_without_body_has_no_content_type(void **state)
{
	struct fixture	*f = *state;

	f->req->method = HTTP_POST;
	http_ok(&f->rep, 204, NULL);
	assert_int_equal(send_reply(f), 0);
	/* Nor a Content-Length: RFC 9110 8.6 forbids one on a 204. */
	assert_string_equal(sent(f),
	    "Status: 204 No Content\r\n"
	    SECURITY_HEADERS
	    "\r\n");
	/* A body set by mistake is not sent either. */
	f->sv.out_len = 0;
	http_ok(&f->rep, 204, json_object_new_object());
	assert_int_equal(send_reply(f), 0);
	assert_string_equal(sent(f),
	    "Status: 204 No Content\r\n"
	    SECURITY_HEADERS
	    "\r\n");
}

static void
send_default_reply_is_200(void **state)
{
	struct fixture	*f = *state;

	f->req->method = HTTP_GET;
	assert_int_equal(send_reply(f), 0);
	assert_string_equal(sent(f),
	    "Status: 200 OK\r\n"
	    "Content-Length: 0\r\n"
	    SECURITY_HEADERS
	    "\r\n");
}

static void
send_extra_headers_after_fixed_ones(void **state)
{
	struct fixture	*f = *state;

	f->req->method = HTTP_POST;
	http_header(&f->rep, "Set-Cookie: Authentication=%s; HttpOnly", "t");
	http_header(&f->rep, "Allow: GET, HEAD");
	http_ok(&f->rep, 200, NULL);
	assert_int_equal(send_reply(f), 0);
	assert_string_equal(sent(f),
	    "Status: 200 OK\r\n"
	    "Content-Length: 0\r\n"
	    SECURITY_HEADERS
	    "Set-Cookie: Authentication=t; HttpOnly\r\n"
	    "Allow: GET, HEAD\r\n"
	    "\r\n");
}

static void
send_error_reply(void **state)
{
	struct fixture	*f = *state;

	f->req->method = HTTP_GET;
	http_error(&f->rep, ERR_UNAVAILABLE, NULL);
	assert_int_equal(send_reply(f), 0);
	assert_string_equal(sent(f),
	    "Status: 503 Service Unavailable\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 92\r\n"
	    SECURITY_HEADERS
	    "Retry-After: 1\r\n"
	    "\r\n"
	    "{\"statusCode\":503,\"message\":\"Service temporarily unavailable\","
	    "\"error\":\"Service Unavailable\"}");
}

static void
send_content_length_counts_bytes(void **state)
{
	struct fixture		*f = *state;
	struct json_object	*o = json_object_new_object();

	/* "é" is two bytes in UTF-8, "/" is not escaped. */
	assert_non_null(o);
	json_object_object_add(o, "n", json_object_new_string("\xc3\xa9/"));
	f->req->method = HTTP_GET;
	http_ok(&f->rep, 200, o);
	assert_int_equal(send_reply(f), 0);
	assert_string_equal(sent(f),
	    "Status: 200 OK\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 11\r\n"
	    SECURITY_HEADERS
	    "\r\n"
	    "{\"n\":\"\xc3\xa9/\"}");
}

static void
send_head_sends_headers_only(void **state)
{
	struct fixture		*f = *state;
	struct json_object	*o = json_object_new_object();

	assert_non_null(o);
	json_object_object_add(o, "id", json_object_new_int(1));
	f->req->method = HTTP_HEAD;
	http_ok(&f->rep, 200, o);
	assert_int_equal(send_reply(f), 0);
	assert_string_equal(sent(f),
	    "Status: 200 OK\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 8\r\n"
	    SECURITY_HEADERS
	    "\r\n");
}

static void
send_header_overflow_is_500(void **state)
{
	struct fixture	*f = *state;
	char		 big[3000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	f->req->method = HTTP_GET;
	http_header(&f->rep, "Set-Cookie: a=1");
	http_header(&f->rep, "X-Big: %s", big);
	assert_int_equal(f->rep.headers_overflow, 1);
	http_ok(&f->rep, 200, json_object_new_object());
	assert_int_equal(send_reply(f), 0);
	assert_string_equal(sent(f),
	    "Status: 500 Internal Server Error\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 52\r\n"
	    SECURITY_HEADERS
	    "\r\n"
	    "{\"statusCode\":500,\"message\":\"Internal server error\"}");
}

static void
send_headers_filling_buffer_exactly(void **state)
{
	struct fixture	*f = *state;
	char		 fill[2048];
	size_t		 room;

	/* "X: " + value + CRLF + NUL fills the 2048-byte buffer exactly. */
	room = sizeof(f->rep.headers) - 3 - 2 - 1;
	memset(fill, 'v', room);
	fill[room] = '\0';
	http_header(&f->rep, "X: %s", fill);
	assert_int_equal(f->rep.headers_overflow, 0);
	assert_int_equal(f->rep.headers_len, sizeof(f->rep.headers) - 1);
	http_header(&f->rep, "Y: 1");
	assert_int_equal(f->rep.headers_overflow, 1);
	f->req->method = HTTP_GET;
	assert_int_equal(send_reply(f), 0);
	assert_non_null(strstr(sent(f), "Status: 500 Internal Server Error\r\n"));
}

static void
send_write_failure_is_reported(void **state)
{
	struct fixture	*f = *state;

	f->req->method = HTTP_GET;
	http_ok(&f->rep, 200, json_object_new_object());
	f->sv.write_fails = 1;
	assert_int_equal(send_reply(f), -1);
}

static void
reply_clear_resets_to_empty_200(void **state)
{
	struct fixture	*f = *state;

	http_header(&f->rep, "X: 1");
	http_error(&f->rep, ERR_UNAVAILABLE, NULL);
	http_reply_clear(&f->rep);
	assert_int_equal(f->rep.status, 200);
	assert_null(f->rep.body);
	assert_int_equal(f->rep.headers_len, 0);
	assert_int_equal(f->rep.headers_overflow, 0);
}

/* --- issue 19: routes under a base path */

/* The base a path has under route, or -1 if it does not match. */
static long
base_of(const char *path, const char *route)
{
	struct http_match	 m;

	if (!http_route_match(path, strlen(path), route, &m))
		return -1;
	return (long)m.base_len;
}

static void
base_ok_accepts_clean_prefixes(void **state)
{
	static const char *const good[] = {
		"", "/api", "/~alice/api", "/a/b/c", "/v1.2", "/a-b_c~d",
		"/!$&'()*+=:@", "/caf%C3%A9", "/%7ealice", "/...", "/.a", "/a.",
		"/%2e%2e%2e", "/%2ea",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!http_base_ok(good[i], strlen(good[i])))
			fail_msg("refused good base '%s'", good[i]);
}

static void
base_ok_refuses_the_rest(void **state)
{
	static const char *const bad[] = {
		"/", "a", "api", "/api/", "//api", "/a//b", "/.", "/..", "/a/.",
		"/a/../b", "/./a", "/%2e", "/%2E%2e", "/.%2e/a", "/a;b", "/a,b",
		"/a\"b", "/a<b", "/a>b", "/a\\b", "/a b", "/a\tb", "/a\x7f",
		"/caf\xc3\xa9", "/a%", "/a%2", "/a%zz", "/a%2g", "/a?b", "/a#b",
		"/a[b]", "/a{b}", "/a|b", "/a^b", "/a`b",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (http_base_ok(bad[i], strlen(bad[i])))
			fail_msg("accepted bad base '%s'", bad[i]);
}

static void
base_ok_length_limit(void **state)
{
	char	 base[HTTP_BASE_MAX + 2];

	(void)state;
	memset(base, 'a', sizeof(base));
	base[0] = '/';
	assert_true(http_base_ok(base, HTTP_BASE_MAX));
	assert_false(http_base_ok(base, HTTP_BASE_MAX + 1));
}

static void
route_match_at_the_root_as_before(void **state)
{
	struct http_match	 m;

	(void)state;
	assert_int_equal(base_of("/authentication", "/authentication"), 0);
	assert_int_equal(base_of("/posts", "/posts"), 0);
	assert_true(http_route_match("/posts/42", 9, "/posts/:id", &m));
	assert_int_equal(m.base_len, 0);
	assert_int_equal(m.param_len, 2);
	assert_memory_equal(m.param, "42", 2);
	/* What was a 404 stays one. */
	assert_int_equal(base_of("/authentication/", "/authentication"), -1);
	assert_int_equal(base_of("/postsx", "/posts"), -1);
	assert_int_equal(base_of("/posts/", "/posts/:id"), -1);
	assert_int_equal(base_of("/posts/", "/posts"), -1);
	assert_int_equal(base_of("/posts/1/x", "/posts/:id"), -1);
	assert_int_equal(base_of("/posts/1/x", "/posts"), -1);
	assert_int_equal(base_of("/xposts", "/posts"), -1);
	assert_int_equal(base_of("/x/posts/", "/posts/:id"), -1);
	assert_int_equal(base_of("/nope", "/posts"), -1);
	assert_int_equal(base_of("", "/posts"), -1);
}

static void
route_match_under_a_base(void **state)
{
	struct http_match	 m;
	const char		*p = "/~alice/api/posts/7";

	(void)state;
	assert_int_equal(base_of("/api/authentication/log-in",
	    "/authentication/log-in"), 4);
	assert_int_equal(base_of("/~alice/api/posts", "/posts"), 11);
	assert_true(http_route_match(p, strlen(p), "/posts/:id", &m));
	assert_int_equal(m.base_len, 11);
	assert_string_equal(m.param, "7");
	assert_int_equal(m.param_len, 1);
	/* The route is matched whole: a longer segment is no match. */
	assert_int_equal(base_of("/apiauthentication", "/authentication"), -1);
	assert_int_equal(base_of("/api/xauthentication", "/authentication"), -1);
}

/* "/posts/posts" is post "posts" at the root, or the list under "/posts". */
static void
route_match_gives_each_route_its_base(void **state)
{
	(void)state;
	assert_int_equal(base_of("/posts/posts", "/posts/:id"), 0);
	assert_int_equal(base_of("/posts/posts", "/posts"), 6);
	assert_int_equal(base_of("/authentication/authentication",
	    "/authentication"), 15);
}

static void
route_match_refuses_a_bad_base(void **state)
{
	static const char *const bad[] = {
		"/a;b/authentication", "/a/../authentication",
		"/a/./authentication", "//authentication", "/a//authentication",
		"/a,b/authentication", "/a%2/authentication",
		"/a b/authentication", "/caf\xc3\xa9/authentication",
		"/%2e%2e/authentication", "/./authentication",
	};
	char		 longer[HTTP_BASE_MAX + 32];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (base_of(bad[i], "/authentication") != -1)
			fail_msg("matched '%s'", bad[i]);
	assert_int_equal(base_of("/a;b/posts/1", "/posts/:id"), -1);
	memset(longer, 'a', sizeof(longer));
	longer[0] = '/';
	memcpy(longer + HTTP_BASE_MAX + 1, "/posts", 7);
	assert_int_equal(base_of(longer, "/posts"), -1);
	longer[HTTP_BASE_MAX] = '\0';
	memcpy(longer + HTTP_BASE_MAX, "/posts", 7);
	assert_int_equal(base_of(longer, "/posts"), HTTP_BASE_MAX);
}

/* A failed match leaves m as it was (outputs are set on success only). */
static void
route_match_failure_leaves_m(void **state)
{
	struct http_match	 m = { 99, "x", 1 };

	(void)state;
	assert_false(http_route_match("/nope", 5, "/posts/:id", &m));
	assert_int_equal(m.base_len, 99);
	assert_string_equal(m.param, "x");
}

/* Parsing a request leaves it at the root until a route is matched. */
static void
parse_leaves_base_empty(void **state)
{
	struct fixture	*f = *state;

	param(f, "REQUEST_METHOD=GET");
	param(f, "REQUEST_URI=/api/posts?limit=1");
	assert_int_equal(parse(f), 0);
	assert_int_equal(f->req->base_len, 0);
	assert_string_equal(f->req->base, "");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(parse_maps_known_methods),
		T(parse_unknown_method),
		T(parse_method_is_case_sensitive),
		T(parse_missing_method),
		T(parse_matches_whole_parameter_names),
		T(parse_splits_path_and_query),
		T(parse_path_without_query),
		T(parse_empty_query),
		T(parse_other_parameters),
		T(parse_absent_parameters),
		T(parse_missing_uri_is_400),
		T(parse_relative_uri_is_400),
		T(parse_absolute_form_uri_is_400),
		T(parse_empty_uri_is_400),
		T(parse_bad_content_length_is_400),
		T(parse_content_length_abc_message),
		T(parse_empty_content_length_is_zero),
		T(body_without_content_type_is_415),
		T(body_form_content_type_is_415),
		T(body_other_types_are_415),
		T(body_json_with_utf8_charset_is_accepted),
		T(body_json_with_latin1_charset_is_415),
		T(body_charset_after_other_parameter_is_checked),
		T(body_over_max_is_413_without_reading),
		T(body_of_exactly_max_is_read),
		T(body_shorter_than_length_is_400),
		T(body_read_error_is_400),
		T(body_is_read_exactly_and_terminated),
		T(body_is_read_in_pieces),
		T(body_empty_is_ok),
		T(body_without_length_is_411),
		T(drain_reads_the_unread_rest),
		T(drain_after_a_read_body_reads_nothing_more),
		T(drain_stops_at_end_of_input),
		T(cookie_single),
		T(cookie_first_match_wins),
		T(cookie_among_several),
		T(cookie_suffix_name_does_not_match),
		T(cookie_suffix_name_then_real_one),
		T(cookie_prefix_name_does_not_match),
		T(cookie_name_inside_value_does_not_match),
		T(cookie_trailing_spaces_trimmed),
		T(cookie_empty_value),
		T(cookie_absent),
		T(query_decodes_percent_and_plus),
		T(query_finds_later_parameter),
		T(query_first_match_wins),
		T(query_absent),
		T(query_bad_escape_is_error),
		T(query_nul_escape_is_error),
		T(query_value_too_long_is_error),
		T(error_plain_401),
		T(error_plain_400_credentials),
		T(error_detail_404),
		T(error_detail_default_message),
		T(error_500_is_plain),
		T(error_503_adds_retry_after),
		T(error_replaces_earlier_body),
		T(error_message_is_escaped_json),
		T(error_list_shape),
		T(send_201_with_body),
		T(send_without_body_has_no_content_type),
		T(send_default_reply_is_200),
		T(send_extra_headers_after_fixed_ones),
		T(send_error_reply),
		T(send_content_length_counts_bytes),
		T(send_head_sends_headers_only),
		T(send_header_overflow_is_500),
		T(send_headers_filling_buffer_exactly),
		T(send_write_failure_is_reported),
		T(reply_clear_resets_to_empty_200),
		T(base_ok_accepts_clean_prefixes),
		T(base_ok_refuses_the_rest),
		T(base_ok_length_limit),
		T(route_match_at_the_root_as_before),
		T(route_match_under_a_base),
		T(route_match_gives_each_route_its_base),
		T(route_match_refuses_a_bad_base),
		T(route_match_failure_leaves_m),
		T(parse_leaves_base_empty),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
