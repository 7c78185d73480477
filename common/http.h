/*
 * http: one request parsed from the web server's CGI/FastCGI parameters, and
 * one reply built in memory and written once.  This is the only module that
 * knows the wire format; error replies are made here and nowhere else.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct json_object;

/* The largest request body we read (documented in README.md). */
#define HTTP_BODY_MAX	65536
/* The most of an unwanted body http_req_drain() reads before giving up. */
#define HTTP_DRAIN_MAX	(16 * 1024 * 1024)
/* The longest base path the API may be mounted under (see http_base_ok()). */
#define HTTP_BASE_MAX	200

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_METHOD__MAX	/* anything else: TRACE, CONNECT, "FOO" ... */
};

/*
 * Every error the API answers.  The table behind http_error() gives each its
 * status and the body shape NestJS uses for it, so clients written for the
 * tutorial parse our errors unchanged:
 *   plain  {"statusCode":401,"message":"Unauthorized"}
 *   detail {"statusCode":404,"message":"Cannot GET /x","error":"Not Found"}
 *   list   {"statusCode":400,"message":["email must be an email"],"error":"Bad Request"}
 */
/*
 * Retry-After of a 503 for a full disk: freeing space is an operator's
 * work of minutes, and clients retrying each second would only add load.
 */
#define HTTP_FULL_RETRY_S	30

enum http_err {
	ERR_BAD_REQUEST,	/* 400 detail: malformed request or JSON */
	ERR_VALIDATION,		/* 400 list: see http_error_list() */
	ERR_WRONG_CREDENTIALS,	/* 400 plain */
	ERR_EMAIL_TAKEN,	/* 400 plain */
	ERR_UNAUTHORIZED,	/* 401 plain */
	ERR_FORBIDDEN,		/* 403 detail */
	ERR_NOT_FOUND,		/* 404 detail */
	ERR_METHOD,		/* 405 detail; caller adds Allow */
	ERR_LENGTH_REQUIRED,	/* 411 detail */
	ERR_TOO_LARGE,		/* 413 detail */
	ERR_MEDIA_TYPE,		/* 415 detail */
	ERR_TOO_MANY,		/* 429 detail; caller adds Retry-After */
	ERR_INTERNAL,		/* 500 plain */
	ERR_NOT_IMPLEMENTED,	/* 501 detail: a method we do not know */
	ERR_UNAVAILABLE,	/* 503 detail; Retry-After added */
	ERR_UNCONFIRMED,	/* 401 detail: "Confirm your email first" */
	ERR_STORAGE_FULL,	/* 503 detail: "The server's storage is full";
				   Retry-After: HTTP_FULL_RETRY_S */
	ERR_WRONG_CODE,		/* 401 detail: "Wrong authentication code" */
	ERR__MAX
};

/*
 * Where a request comes from and its reply goes: the parameter array
 * (FastCGI envp, or environ under plain CGI) and the body streams.
 * read returns bytes read, 0 at end of input, -1 on error; write returns 0
 * or -1.
 */
struct http_io {
	char	**envp;
	int	(*read)(void *ctx, char *buf, size_t len);
	int	(*write)(void *ctx, const char *buf, size_t len);
	void	 *ctx;
};

/*
 * A parsed request.  The strings point into io->envp and stay valid until
 * the server's next request; body and json belong to the request and are
 * released by http_req_clear().
 */
struct http_req {
	enum http_method	 method;
	const char		*method_name;	/* REQUEST_METHOD as sent */
	const char		*path;		/* REQUEST_URI up to '?' */
	size_t			 path_len;
	const char		*base;		/* the mount point: path's first */
	size_t			 base_len;	/* base_len bytes; 0 at the root */
	const char		*query;		/* after '?', or "" */
	const char		*client;	/* REMOTE_ADDR, or "-" */
	const char		*content_type;	/* or NULL */
	const char		*cookie;	/* Cookie header, or NULL */
	const char		*host;		/* Host header, or NULL */
	const char		*origin;	/* Origin header, or NULL */
	const char		*referer;	/* Referer header, or NULL */
	const char		*user_agent;	/* User-Agent header, or NULL */
	const char		*accept;	/* Accept header, or NULL */
	const char		*fetch_site;	/* Sec-Fetch-Site header, or NULL */
	const char		*cors_method;	/* Access-Control-Request-Method,
						   or NULL */
	const char		*forwarded_for;	/* X-Forwarded-For, or NULL */
	const char		*forwarded_proto; /* X-Forwarded-Proto, or NULL */
	int			 https;		/* the server (or TRUSTED_PROXY)
						   says: over TLS */
	int64_t			 content_length;
	int			 has_length;	/* CONTENT_LENGTH was given */
	const char		*param;		/* the route's ":id" part */
	size_t			 param_len;
	char			*body;		/* NUL-terminated; NULL until read */
	size_t			 body_len;
	int64_t			 body_read;	/* bytes of it consumed from the server */
	struct json_object	*json;		/* parsed body, set by json_body_*() */
	char			 client_buf[64]; /* client when a proxy named it */
	char			 body_buf[HTTP_BODY_MAX + 1];
};

/* A reply under construction.  http_reply_clear() releases it. */
struct http_reply {
	int			 status;
	char			 headers[2048];	/* extra header lines, CRLF-ended */
	size_t			 headers_len;
	int			 headers_overflow;
	struct json_object	*body;		/* NULL: empty body */
	unsigned char		*raw;		/* or a body that is no JSON (a
						   PNG): malloc'd, owned */
	size_t			 raw_len;
	const char		*raw_type;	/* its Content-Type */
};

/* Where a route matched a path: see http_route_match(). */
struct http_match {
	size_t		 base_len;	/* the base is the path's first base_len bytes */
	const char	*param;		/* the ":id" segment, or NULL */
	size_t		 param_len;
};

/* The method's name for an Allow header or a message ("GET" ...). */
const char	*http_method_name(enum http_method);

/*
 * Fill req from the request parameters in io->envp (method, path, query,
 * client, content type and length, cookies); the body is not read yet.
 * Returns 0, or -1 with a 400 error in rep.
 */
int	http_req_parse(struct http_req *req, const struct http_io *io,
	    struct http_reply *rep);

/*
 * Read the body of a POST, PUT or PATCH (or a DELETE that declares one):
 * its length must be declared (411 otherwise, as lighttpd answers itself),
 * and a non-empty body must be
 * application/json (UTF-8) and at most HTTP_BODY_MAX bytes.  Returns 0, or
 * -1 with a 400, 411, 413 or 415 error in rep.
 */
int	http_req_body(struct http_req *req, const struct http_io *io,
	    struct http_reply *rep);

/*
 * Read and discard what is left of the declared body, up to HTTP_DRAIN_MAX
 * bytes.  Under plain CGI the server may still be writing it to us; exiting
 * first would cut the connection (Apache's mod_cgid drops the reply on
 * EPIPE).
 */
void	http_req_drain(struct http_req *req, const struct http_io *io);

/* Release what the request owns and zero it for the next one. */
void	http_req_clear(struct http_req *req);

/*
 * Find the first cookie called name in the Cookie header.  Returns a pointer
 * to its value inside the header and sets *len, or NULL if absent.
 */
const char	*http_cookie(const struct http_req *req, const char *name,
		    size_t *len);

/*
 * Copy the percent-decoded value of the first query parameter called name
 * into out (NUL-terminated).  Returns 1 if found, 0 if absent, -1 if the
 * value is longer than outsz - 1 bytes or badly encoded.
 */
int	http_query(const struct http_req *req, const char *name, char *out,
	    size_t outsz);

/*
 * Is base (len bytes) a base path the API may be mounted under: "" (the
 * root), or '/' and segments joined by '/', at most HTTP_BASE_MAX bytes,
 * not ending in '/', with no empty, "." or ".." segment (nor one spelt
 * with %2e), and only the bytes A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + = : @ /
 * and %XX escapes?  Such a base goes into a cookie's Path and a Link
 * unquoted; anything else (';', ',', '"', spaces, controls, non-ASCII)
 * would need quoting and is refused.  Returns 1 or 0.
 */
int	http_base_ok(const char *base, size_t len);

/*
 * Does path (len bytes, without the query) name route under a base: is it
 * <base><route> with a base http_base_ok() accepts?  A route ending in
 * "/:id" matches any one non-empty segment there.  A path matches a route
 * under one base at most.  Returns 1 and fills *m, or 0 (m untouched).
 */
int	http_route_match(const char *path, size_t len, const char *route,
	    struct http_match *m);

/* Start an empty 200 reply. */
void	http_reply_init(struct http_reply *rep);

/* Append a header line ("Name: value").  An overflow turns the reply into a 500. */
void	http_header(struct http_reply *rep, const char *fmt, ...)
	    PRINTF_LIKE(2, 3);

/*
 * Answer status with body (which the reply now owns; NULL for an empty
 * body).  Replaces any earlier body.
 */
void	http_ok(struct http_reply *rep, int status, struct json_object *body);

/*
 * Answer status with len bytes of data of Content-Type type (a static
 * string), which the reply now owns (malloc'd; freed by
 * http_reply_clear()): a body that is no JSON, the 2FA QR code's PNG.
 */
void	http_ok_raw(struct http_reply *rep, int status, const char *type,
	    unsigned char *data, size_t len);

/*
 * Answer status with {"statusCode":status,"message":message}: the plain
 * error shape, for a reply that says one sentence and is no error (a
 * registration answered alike, cgi-bin/register.c).
 */
void	http_message(struct http_reply *rep, int status, const char *message);

/*
 * The bytes json takes in a reply body, as http_send() writes it, into
 * *len.  Returns 0, or -1 on ENOMEM.
 */
int	http_body_len(struct json_object *json, size_t *len);

/*
 * Answer the error err.  The message is fmt formatted, or the table's default
 * when fmt is NULL; for ERR_VALIDATION it becomes a list of that one message.
 * Returns -1 so handlers can "return http_error(...)".
 */
int	http_error(struct http_reply *rep, enum http_err err,
	    const char *fmt, ...) PRINTF_LIKE(3, 4);

/*
 * Answer 400 with a list of validation messages (a json array the reply now
 * owns).  Returns -1.
 */
int	http_error_list(struct http_reply *rep, struct json_object *messages);

/*
 * Write status line, headers and body through io in one go; a HEAD request
 * gets the headers only, a 204 no Content-Length (RFC 9110 8.6).  Returns 0, or -1 if the client went away.
 */
int	http_send(const struct http_reply *rep, const struct http_req *req,
	    const struct http_io *io);

/* Release the body and reset rep to an empty 200. */
void	http_reply_clear(struct http_reply *rep);

#endif
