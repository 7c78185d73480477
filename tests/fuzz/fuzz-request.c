/*
 * fuzz-request: libFuzzer target for the request parser.  The input is a
 * request as a web server would hand it over: NAME=value parameter lines,
 * an empty line, then the body.  Everything http.c and json.c do with a
 * request runs on it: parameters, cookies, query, body rules, JSON fields,
 * the reply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t	*body;
	size_t		 len;
	size_t		 off;
};

static int
input_read(void *ctx, char *buf, size_t len)
{
	struct input	*in = ctx;
	size_t		 n = in->len - in->off;

	if (n > len)
		n = len;
	memcpy(buf, in->body + in->off, n);
	in->off += n;
	return (int)n;
}

static int
sink_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return 0;
}

static const struct json_field fields[] = {
	{ "email", JSON_EMAIL, 0, 254, 0, JSON_REQUIRED },
	{ "name", JSON_STRING, 1, 100, 0, JSON_REQUIRED | JSON_NOT_BLANK },
	{ "password", JSON_STRING, 8, 0, 72, 0 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_req	*req;
	static char		 text[8192];
	char			*envp[33], *line, *next, value[64];
	struct json_value	 values[3];
	struct http_reply	 rep;
	struct input		 in = { NULL, 0, 0 };
	struct http_io		 io = { envp, input_read, sink_write, &in };
	size_t			 head, n = 0, len;

	if (req == NULL && (req = calloc(1, sizeof(*req))) == NULL)
		return 0;
	/* Parameters up to the first empty line; the rest is the body. */
	for (head = 0; head + 1 < size; head++)
		if (data[head] == '\n' && data[head + 1] == '\n')
			break;
	if (head >= sizeof(text))
		return 0;
	memcpy(text, data, head);
	text[head] = '\0';
	for (line = text; line != NULL && n < 32; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strchr(line, '=') != NULL)
			envp[n++] = line;
	}
	envp[n] = NULL;
	in.body = head + 2 <= size ? data + head + 2 : data + size;
	in.len = head + 2 <= size ? size - head - 2 : 0;

	http_req_clear(req);
	http_reply_init(&rep);
	if (http_req_parse(req, &io, &rep) == 0) {
		http_cookie(req, "Authentication", &len);
		http_query(req, "limit", value, sizeof(value));
		http_query(req, "after", value, sizeof(value));
		if (http_req_body(req, &io, &rep) == 0)
			json_body_fields(req, &rep, fields, 3, values);
	}
	http_send(&rep, req, &io);
	http_req_drain(req, &io);
	http_reply_clear(&rep);
	http_req_clear(req);
	return 0;
}
