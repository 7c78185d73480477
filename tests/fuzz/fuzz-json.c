/*
 * fuzz-json: libFuzzer target for JSON body validation: the input is a
 * request body, checked against each endpoint's field table in turn.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct json_field register_fields[] = {
	{ "email", JSON_EMAIL, 0, 254, 0, JSON_REQUIRED },
	{ "name", JSON_STRING, 1, 100, 0,
	    JSON_REQUIRED | JSON_NOT_BLANK | JSON_LINE },
	{ "password", JSON_STRING, 8, 0, 72, JSON_REQUIRED | JSON_NOT_BLANK },
};
static const struct json_field login_fields[] = {
	{ "email", JSON_STRING, 0, 254, 0, 0 },
	{ "password", JSON_STRING, 0, 0, 0, 0 },
};
static const struct json_field post_fields[] = {
	{ "title", JSON_STRING, 1, 200, 400, JSON_NOT_BLANK | JSON_LINE },
	{ "content", JSON_STRING, 1, 10000, 20000, JSON_NOT_BLANK | JSON_TEXT },
};

static const struct {
	const struct json_field	*fields;
	size_t			 n;
} tables[] = {
	{ register_fields, 3 },
	{ login_fields, 2 },
	{ post_fields, 2 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_req	*req;
	struct json_value	 values[3];
	struct http_reply	 rep;
	size_t			 t;

	if (size > HTTP_BODY_MAX ||
	    (req == NULL && (req = calloc(1, sizeof(*req))) == NULL))
		return 0;
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		http_req_clear(req);
		http_reply_init(&rep);
		memcpy(req->body_buf, data, size);
		req->body_buf[size] = '\0';
		req->body = req->body_buf;
		req->body_len = size;
		json_body_fields(req, &rep, tables[t].fields, tables[t].n, values);
		http_reply_clear(&rep);
	}
	http_req_clear(req);
	return 0;
}
