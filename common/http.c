/*
 * http: request parameters in, one buffered reply out, NestJS-shaped errors.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "http.h"
#include "util.h"

/* How a reply body is written: compact, and "/" left alone. */
#define HTTP_JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const char *const http_methods[HTTP_METHOD__MAX] = {
	"GET",		/* HTTP_GET */
	"HEAD",		/* HTTP_HEAD */
	"POST",		/* HTTP_POST */
	"PUT",		/* HTTP_PUT */
	"PATCH",	/* HTTP_PATCH */
	"DELETE",	/* HTTP_DELETE */
	"OPTIONS",	/* HTTP_OPTIONS */
};

enum err_shape {
	SHAPE_PLAIN,	/* {statusCode, message} */
	SHAPE_DETAIL,	/* {statusCode, message, error: reason phrase} */
	SHAPE_LIST,	/* {statusCode, message: [...], error: reason phrase} */
};

static const struct {
	int		 status;
	enum err_shape	 shape;
	const char	*message;	/* default when the caller gives none */
} http_errors[ERR__MAX] = {
	{ 400, SHAPE_DETAIL, "Bad Request" },		/* ERR_BAD_REQUEST */
	{ 400, SHAPE_LIST, NULL },			/* ERR_VALIDATION */
	{ 400, SHAPE_PLAIN, "Wrong credentials provided" }, /* ERR_WRONG_CREDENTIALS */
	{ 400, SHAPE_PLAIN, "User with that email already exists" }, /* ERR_EMAIL_TAKEN */
	{ 401, SHAPE_PLAIN, "Unauthorized" },		/* ERR_UNAUTHORIZED */
	{ 403, SHAPE_DETAIL, "Forbidden resource" },	/* ERR_FORBIDDEN */
	{ 404, SHAPE_DETAIL, "Not Found" },		/* ERR_NOT_FOUND */
	{ 405, SHAPE_DETAIL, "Method Not Allowed" },	/* ERR_METHOD */
	{ 411, SHAPE_DETAIL, "A request with a body needs a Content-Length header" }, /* ERR_LENGTH_REQUIRED */
	{ 413, SHAPE_DETAIL, "Request body is larger than 65536 bytes" }, /* ERR_TOO_LARGE */
	{ 415, SHAPE_DETAIL, "Content-Type must be application/json" }, /* ERR_MEDIA_TYPE */
	{ 429, SHAPE_DETAIL, "Too many requests" },	/* ERR_TOO_MANY */
	{ 500, SHAPE_PLAIN, "Internal server error" },	/* ERR_INTERNAL */
	{ 501, SHAPE_DETAIL, "Not Implemented" },	/* ERR_NOT_IMPLEMENTED */
	{ 503, SHAPE_DETAIL, "Service temporarily unavailable" }, /* ERR_UNAVAILABLE */
	{ 401, SHAPE_DETAIL, "Confirm your email first" }, /* ERR_UNCONFIRMED */
	{ 503, SHAPE_DETAIL, "The server's storage is full" }, /* ERR_STORAGE_FULL */
	{ 401, SHAPE_DETAIL, "Wrong authentication code" }, /* ERR_WRONG_CODE */
};

static const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

const char *
http_method_name(enum http_method m)
{
	return m < HTTP_METHOD__MAX ? http_methods[m] : "UNKNOWN";
}

/* The CGI variables a request is read from. */
enum param {
	P_METHOD, P_CLIENT, P_CONTENT_TYPE, P_COOKIE, P_HOST, P_ORIGIN,
	P_REFERER, P_FETCH_SITE, P_FORWARDED_FOR, P_HTTPS, P_SCHEME, P_URI,
	P_LENGTH, P_USER_AGENT, P_FORWARDED_PROTO, P_CORS_METHOD, P_ACCEPT, P__MAX
};

#define PARAM(s)	{ s, sizeof(s) - 1 }
static const struct {
	const char	*name;
	size_t		 len;
} params[P__MAX] = {
	PARAM("REQUEST_METHOD"), PARAM("REMOTE_ADDR"), PARAM("CONTENT_TYPE"),
	PARAM("HTTP_COOKIE"), PARAM("HTTP_HOST"), PARAM("HTTP_ORIGIN"),
	PARAM("HTTP_REFERER"), PARAM("HTTP_SEC_FETCH_SITE"),
	PARAM("HTTP_X_FORWARDED_FOR"), PARAM("HTTPS"), PARAM("REQUEST_SCHEME"),
	PARAM("REQUEST_URI"), PARAM("CONTENT_LENGTH"), PARAM("HTTP_USER_AGENT"),
	PARAM("HTTP_X_FORWARDED_PROTO"),
	PARAM("HTTP_ACCESS_CONTROL_REQUEST_METHOD"), PARAM("HTTP_ACCEPT"),
};
#undef PARAM

/*
 * Find every variable of params in a NULL-terminated "NAME=value" array, in
 * one pass (a server sends 20-40; a lookup each was a tenth of a cheap
 * request).  The first of a repeated name wins; absent ones are NULL.
 */
static void
http_params(char **envp, const char *out[P__MAX])
{
	const char	*eq;
	size_t		 n;
	int		 i;

	for (i = 0; i < P__MAX; i++)
		out[i] = NULL;
	for (; envp != NULL && *envp != NULL; envp++) {
		if ((eq = strchr(*envp, '=')) == NULL)
			continue;
		n = (size_t)(eq - *envp);
		for (i = 0; i < P__MAX; i++)
			if (params[i].len == n && out[i] == NULL &&
			    memcmp(*envp, params[i].name, n) == 0) {
				out[i] = eq + 1;
				break;
			}
	}
}

int
http_req_parse(struct http_req *req, const struct http_io *io,
    struct http_reply *rep)
{
	const char	*p[P__MAX], *uri, *q, *len, *errstr, *scheme;
	int		 m;

	http_params(io->envp, p);
	req->method_name = p[P_METHOD];
	if (req->method_name == NULL)
		req->method_name = "";
	req->method = HTTP_METHOD__MAX;
	for (m = 0; m < HTTP_METHOD__MAX; m++)
		if (strcmp(req->method_name, http_methods[m]) == 0)
			req->method = (enum http_method)m;

	req->client = p[P_CLIENT];
	if (req->client == NULL || *req->client == '\0')
		req->client = "-";
	req->content_type = p[P_CONTENT_TYPE];
	req->cookie = p[P_COOKIE];
	req->host = p[P_HOST];
	req->origin = p[P_ORIGIN];
	req->referer = p[P_REFERER];
	req->user_agent = p[P_USER_AGENT];
	req->accept = p[P_ACCEPT];
	req->fetch_site = p[P_FETCH_SITE];
	req->forwarded_for = p[P_FORWARDED_FOR];
	req->forwarded_proto = p[P_FORWARDED_PROTO];
	req->cors_method = p[P_CORS_METHOD];
	/*
	 * lighttpd and Apache's mod_ssl both say HTTPS=on; some only
	 * REQUEST_SCHEME.  Both are the server's own variables (a header
	 * becomes HTTP_*), so a client cannot send them.
	 */
	scheme = p[P_HTTPS];
	req->https = scheme != NULL && strcasecmp(scheme, "on") == 0;
	scheme = p[P_SCHEME];
	if (scheme != NULL && strcasecmp(scheme, "https") == 0)
		req->https = 1;

	uri = p[P_URI];
	if (uri == NULL || uri[0] != '/')
		return http_error(rep, ERR_BAD_REQUEST, "Request URI must be an absolute path");
	q = strchr(uri, '?');
	req->path = uri;
	req->path_len = q != NULL ? (size_t)(q - uri) : strlen(uri);
	req->query = q != NULL ? q + 1 : "";

	len = p[P_LENGTH];
	req->content_length = 0;
	req->has_length = len != NULL && *len != '\0';
	if (req->has_length &&
	    util_parse_int(len, 0, INT64_MAX, &req->content_length, &errstr) == -1)
		return http_error(rep, ERR_BAD_REQUEST, "Content-Length is %s", errstr);
	return 0;
}

/*
 * Is this media type application/json, with no charset or charset=utf-8?
 * Parameters other than charset are ignored.
 */
static int
http_is_json(const char *type)
{
	static const char	 json[] = "application/json";
	const char		*p;

	if (strncasecmp(type, json, sizeof(json) - 1) != 0)
		return 0;
	p = type + sizeof(json) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 1;
	if (*p != ';')
		return 0;
	/* Walk the parameters; only a charset other than UTF-8 is refused. */
	while (*p == ';') {
		const char	*name, *value;
		size_t		 nlen, vlen;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		name = p;
		while (*p != '\0' && *p != '=' && *p != ';')
			p++;
		nlen = (size_t)(p - name);
		while (nlen > 0 && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
			nlen--;
		if (*p != '=')
			continue;
		value = ++p;
		while (*p != '\0' && *p != ';')
			p++;
		vlen = (size_t)(p - value);
		while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
			vlen--;
		if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
			value++;
			vlen -= 2;
		}
		if (nlen == 7 && strncasecmp(name, "charset", 7) == 0 &&
		    !((vlen == 5 && strncasecmp(value, "utf-8", 5) == 0) ||
		    (vlen == 4 && strncasecmp(value, "utf8", 4) == 0)))
			return 0;
	}
	return 1;
}

int
http_req_body(struct http_req *req, const struct http_io *io,
    struct http_reply *rep)
{
	size_t	 want, got = 0;
	int	 n;

	req->body = req->body_buf;
	req->body_len = 0;
	req->body_buf[0] = '\0';
	/* CGI has no other way to tell where a body ends (RFC 3875 4.1.2). */
	if (!req->has_length)
		return http_error(rep, ERR_LENGTH_REQUIRED, NULL);
	if (req->content_length == 0)
		return 0;
	/* Refuse before reading: the server may still be receiving it. */
	if (req->content_length > HTTP_BODY_MAX)
		return http_error(rep, ERR_TOO_LARGE, NULL);
	if (req->content_type == NULL || !http_is_json(req->content_type))
		return http_error(rep, ERR_MEDIA_TYPE, NULL);
	want = (size_t)req->content_length;
	while (got < want) {
		n = io->read(io->ctx, req->body_buf + got, want - got);
		if (n <= 0)
			return http_error(rep, ERR_BAD_REQUEST,
			    "Request body is shorter than its Content-Length");
		got += (size_t)n;
		req->body_read += n;
	}
	req->body_buf[got] = '\0';
	req->body_len = got;
	return 0;
}

void
http_req_drain(struct http_req *req, const struct http_io *io)
{
	char	 buf[4096];
	int	 n;

	/* A server that passed more than this had no body limit: give up. */
	while (req->body_read < req->content_length &&
	    req->body_read < HTTP_DRAIN_MAX) {
		n = io->read(io->ctx, buf, sizeof(buf));
		if (n <= 0)
			break;
		req->body_read += n;
	}
}

void
http_req_clear(struct http_req *req)
{
	if (req->json != NULL)
		json_object_put(req->json);
	req->json = NULL;
	req->body = NULL;
	req->body_len = 0;
	req->body_read = 0;
	req->param = NULL;
	req->param_len = 0;
	req->path = NULL;
	req->path_len = 0;
	req->base = "";
	req->base_len = 0;
	req->query = "";
	req->cookie = NULL;
	req->host = NULL;
	req->origin = NULL;
	req->referer = NULL;
	req->user_agent = NULL;
	req->accept = NULL;
	req->fetch_site = NULL;
	req->forwarded_for = NULL;
	req->forwarded_proto = NULL;
	req->cors_method = NULL;
	req->https = 0;
	req->content_type = NULL;
	req->content_length = 0;
	req->has_length = 0;
	req->client = "-";
	req->method_name = "";
	req->method = HTTP_METHOD__MAX;
}

const char *
http_cookie(const struct http_req *req, const char *name, size_t *len)
{
	const char	*p = req->cookie, *value;
	size_t		 nlen = strlen(name);

	if (p == NULL)
		return NULL;
	/* cookie-string = cookie-pair *( ";" SP cookie-pair ), RFC 6265 4.2.1 */
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			value = p + nlen + 1;
			*len = strcspn(value, ";");
			while (*len > 0 && (value[*len - 1] == ' ' || value[*len - 1] == '\t'))
				(*len)--;
			return value;
		}
		p += strcspn(p, ";");
	}
	return NULL;
}

int
http_query(const struct http_req *req, const char *name, char *out,
    size_t outsz)
{
	const char	*p = req->query, *end;
	size_t		 nlen = strlen(name), o;

	if (outsz == 0)
		return -1;
	while (*p != '\0') {
		end = p + strcspn(p, "&");
		if ((size_t)(end - p) >= nlen && strncmp(p, name, nlen) == 0 &&
		    (p[nlen] == '=' || p + nlen == end)) {
			p += nlen;
			if (*p == '=')
				p++;
			for (o = 0; p < end; p++) {
				int c = (unsigned char)*p;

				if (c == '+')
					c = ' ';
				else if (c == '%') {
					int hi, lo;

					if (end - p < 3 ||
					    (hi = util_hexval(p[1])) < 0 ||
					    (lo = util_hexval(p[2])) < 0)
						return -1;
					c = hi * 16 + lo;
					p += 2;
				}
				if (c == '\0' || o + 1 >= outsz)
					return -1;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return 1;
		}
		p = *end == '&' ? end + 1 : end;
	}
	return 0;
}

/* Is seg (len bytes) empty, "." or "..", also when spelt with %2e? */
static int
http_dot_segment(const char *seg, size_t len)
{
	size_t	 dots = 0;

	while (len > 0) {
		if (seg[0] == '.') {
			seg++;
			len--;
		} else if (len >= 3 && seg[0] == '%' && seg[1] == '2' &&
		    (seg[2] == 'e' || seg[2] == 'E')) {
			seg += 3;
			len -= 3;
		} else
			return 0;
		dots++;
	}
	return dots <= 2;
}

/* May byte c stand unescaped in a base path (besides '/' and '%')? */
static int
http_base_byte(int c)
{
	static const char	 punct[] = "-._~!$&'()*+=:@";

	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr(punct, c) != NULL);
}

int
http_base_ok(const char *base, size_t len)
{
	size_t	 i, seg;

	if (len == 0)
		return 1;
	if (len > HTTP_BASE_MAX || base[0] != '/' || base[len - 1] == '/')
		return 0;
	for (i = seg = 1; i <= len; i++) {
		if (i == len || base[i] == '/') {
			/* Browsers resolve dot segments: the cookie would miss. */
			if (http_dot_segment(base + seg, i - seg))
				return 0;
			seg = i + 1;
		} else if (base[i] == '%') {
			if (len - i < 3 || util_hexval(base[i + 1]) < 0 ||
			    util_hexval(base[i + 2]) < 0)
				return 0;
			i += 2;
		} else if (!http_base_byte((unsigned char)base[i]))
			return 0;
	}
	return 1;
}

int
http_route_match(const char *path, size_t len, const char *route,
    struct http_match *m)
{
	size_t		 rlen = strlen(route), seg, base_len;
	const char	*param = NULL;

	if (rlen > 4 && strcmp(route + rlen - 4, "/:id") == 0) {
		rlen -= 3;	/* the fixed part, with its slash */
		/* The id is the last segment, the fixed part just before it. */
		for (seg = len; seg > 0 && path[seg - 1] != '/'; seg--)
			;
		if (seg == len || seg < rlen ||
		    memcmp(path + seg - rlen, route, rlen) != 0)
			return 0;
		base_len = seg - rlen;
		param = path + seg;
	} else {
		if (len < rlen || memcmp(path + len - rlen, route, rlen) != 0)
			return 0;
		base_len = len - rlen;
	}
	if (!http_base_ok(path, base_len))
		return 0;
	m->base_len = base_len;
	m->param = param;
	m->param_len = param != NULL ? len - (size_t)(param - path) : 0;
	return 1;
}

void
http_reply_init(struct http_reply *rep)
{
	rep->status = 200;
	rep->headers_len = 0;
	rep->headers[0] = '\0';
	rep->headers_overflow = 0;
	rep->body = NULL;
	rep->raw = NULL;
	rep->raw_len = 0;
	rep->raw_type = NULL;
}

void
http_header(struct http_reply *rep, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 room = sizeof(rep->headers) - rep->headers_len;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(rep->headers + rep->headers_len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 2 >= room) {
		rep->headers_overflow = 1;
		rep->headers[rep->headers_len] = '\0';
		return;
	}
	rep->headers_len += (size_t)n;
	memcpy(rep->headers + rep->headers_len, "\r\n", 3);
	rep->headers_len += 2;
}

void
http_ok(struct http_reply *rep, int status, struct json_object *body)
{
	if (rep->body != NULL)
		json_object_put(rep->body);
	free(rep->raw);
	rep->raw = NULL;
	rep->raw_len = 0;
	rep->status = status;
	rep->body = body;
}

void
http_ok_raw(struct http_reply *rep, int status, const char *type,
    unsigned char *data, size_t len)
{
	http_ok(rep, status, NULL);
	rep->raw = data;
	rep->raw_len = len;
	rep->raw_type = type;
}

/*
 * Answer status with {statusCode, message[, error]} around message (a json
 * value); a 503 with Retry-After: retry seconds.
 */
static void
http_shaped_retry(struct http_reply *rep, int status, enum err_shape shape,
    struct json_object *message, int retry)
{
	struct json_object	*o = json_object_new_object();

	if (o == NULL || message == NULL) {
		json_object_put(o);
		json_object_put(message);
		http_ok(rep, 500, NULL);
		return;
	}
	json_object_object_add(o, "statusCode", json_object_new_int(status));
	json_object_object_add(o, "message", message);
	if (shape != SHAPE_PLAIN)
		json_object_object_add(o, "error",
		    json_object_new_string(http_reason(status)));
	http_ok(rep, status, o);
	if (status == 503)
		http_header(rep, "Retry-After: %d", retry);
}

static void
http_shaped(struct http_reply *rep, int status, enum err_shape shape,
    struct json_object *message)
{
	http_shaped_retry(rep, status, shape, message, 1);
}

/* Build an error body of the table's shape around message (a json value). */
static void
http_error_body(struct http_reply *rep, enum http_err err,
    struct json_object *message)
{
	http_shaped_retry(rep, http_errors[err].status, http_errors[err].shape,
	    message, err == ERR_STORAGE_FULL ? HTTP_FULL_RETRY_S : 1);
}

void
http_message(struct http_reply *rep, int status, const char *message)
{
	http_shaped(rep, status, SHAPE_PLAIN, json_object_new_string(message));
}

int
http_error(struct http_reply *rep, enum http_err err, const char *fmt, ...)
{
	struct json_object	*message, *list;
	char			 msg[512];
	va_list			 ap;

	if (fmt == NULL)
		snprintf(msg, sizeof(msg), "%s", http_errors[err].message != NULL ?
		    http_errors[err].message : http_reason(http_errors[err].status));
	else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	message = json_object_new_string(msg);
	/* A validation error with a single message is still a list. */
	if (http_errors[err].shape == SHAPE_LIST && message != NULL) {
		if ((list = json_object_new_array()) == NULL ||
		    json_object_array_add(list, message) != 0) {
			json_object_put(list);
			json_object_put(message);
			message = NULL;
		} else
			message = list;
	}
	http_error_body(rep, err, message);
	return -1;
}

int
http_error_list(struct http_reply *rep, struct json_object *messages)
{
	http_error_body(rep, ERR_VALIDATION, messages);
	return -1;
}

int
http_body_len(struct json_object *json, size_t *len)
{
	return json_object_to_json_string_length(json, HTTP_JSON_FLAGS,
	    len) == NULL ? -1 : 0;
}

int
http_send(const struct http_reply *rep, const struct http_req *req,
    const struct http_io *io)
{
	char		 head[sizeof(rep->headers) + 512], length[48];
	const char	*body = "";
	size_t		 body_len = 0;
	int		 status = rep->status, n;
	const char	*extra = rep->headers;
	const char	*type = "application/json; charset=utf-8";

	if (rep->headers_overflow) {
		/* A reply we could not build is our fault, not the client's. */
		status = 500;
		extra = "";
		body = "{\"statusCode\":500,\"message\":\"Internal server error\"}";
		body_len = strlen(body);
	} else if (rep->raw != NULL && status != 204) {
		body = (const char *)rep->raw;
		body_len = rep->raw_len;
		type = rep->raw_type;
	} else if (rep->body != NULL && status != 204) {
		body = json_object_to_json_string_length(rep->body,
		    HTTP_JSON_FLAGS, &body_len);
		if (body == NULL) {
			body = "";
			body_len = 0;
		}
	}
	/* A 204 has no body (even if one was set), nor a length of it. */
	if (status == 204)
		length[0] = '\0';
	else
		snprintf(length, sizeof(length), "Content-Length: %zu\r\n",
		    body_len);
	n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\n"
	    "%s%s%s"
	    "%s"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Cache-Control: no-store\r\n"
	    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "%s"
	    "\r\n",
	    status, http_reason(status),
	    body_len > 0 ? "Content-Type: " : "", body_len > 0 ? type : "",
	    body_len > 0 ? "\r\n" : "", length, extra);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (io->write(io->ctx, head, (size_t)n) == -1)
		return -1;
	if (req->method == HTTP_HEAD || body_len == 0)
		return 0;
	return io->write(io->ctx, body, body_len);
}

void
http_reply_clear(struct http_reply *rep)
{
	if (rep->body != NULL)
		json_object_put(rep->body);
	free(rep->raw);
	http_reply_init(rep);
}
