/*
 * Unit tests for common/json.c: request bodies checked against a field
 * table (register's), e-mail syntax and the user view (UTF-8 counting is
 * common/text.c's, tested in test-text.c).
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
#include "json.h"
#include "password.h"
#include "store.h"

/* The same table as cgi-bin/register.c. */
enum { F_EMAIL, F_NAME, F_PASSWORD, F__MAX };

static const struct json_field fields[F__MAX] = {
	{ "email", JSON_EMAIL, 0, USER_EMAIL_MAX, 0, JSON_REQUIRED },
	{ "name", JSON_STRING, 1, USER_NAME_MAX, 0,
	    JSON_REQUIRED | JSON_NOT_BLANK | JSON_LINE },
	{ "password", JSON_STRING, PW_MIN_CHARS, 0, PW_MAX_BYTES,
	    JSON_REQUIRED | JSON_NOT_BLANK },
};

/* The validation reply around a list of messages (a JSON array's inside). */
#define LIST(m) \
	"{\"statusCode\":400,\"message\":[" m "],\"error\":\"Bad Request\"}"
#define DETAIL(m) \
	"{\"statusCode\":400,\"message\":\"" m "\",\"error\":\"Bad Request\"}"

/* U+1F600, four bytes in UTF-8. */
#define EMOJI	"\xf0\x9f\x98\x80"

struct fixture {
	struct http_req		*req;
	struct http_reply	 rep;
	struct json_value	 v[F__MAX];
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
	http_req_clear(f->req);
	http_reply_init(&f->rep);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	free(f->req);
	free(f);
	return 0;
}

/* Check len bytes of body against the register table. */
static int
check_len(struct fixture *f, const char *body, size_t len)
{
	assert_true(len <= HTTP_BODY_MAX);
	memcpy(f->req->body_buf, body, len);
	f->req->body_buf[len] = '\0';
	f->req->body = f->req->body_buf;
	f->req->body_len = len;
	return json_body_fields(f->req, &f->rep, fields, F__MAX, f->v);
}

static int
check(struct fixture *f, const char *body)
{
	return check_len(f, body, strlen(body));
}

/* The reply body as compact JSON, or a marker when there is none. */
static const char *
reply_json(const struct fixture *f, int rc)
{
	if (rc == 0)
		return "(accepted)";
	if (f->rep.body == NULL)
		return "(no body)";
	return json_object_to_json_string_ext(f->rep.body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Expect body to be refused with exactly this 400 reply. */
static void
refused(struct fixture *f, const char *body, const char *reply)
{
	int	 rc = check(f, body);

	assert_string_equal(reply_json(f, rc), reply);
	assert_int_equal(rc, -1);
	assert_int_equal(f->rep.status, 400);
}

/* Expect body to pass; the caller looks at f->v. */
static void
accepted(struct fixture *f, const char *body)
{
	int	 rc = check(f, body);

	assert_string_equal(reply_json(f, rc), "(accepted)");
	assert_int_equal(rc, 0);
	assert_null(f->rep.body);
}

/* --- json_body_fields: values */

static void
fields_valid_body_gives_values(void **state)
{
	struct fixture	*f = *state;

	accepted(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\"}");
	assert_string_equal(f->v[F_EMAIL].str, "a@b.co");
	assert_int_equal(f->v[F_EMAIL].len, 6);
	assert_string_equal(f->v[F_NAME].str, "Ann");
	assert_int_equal(f->v[F_NAME].len, 3);
	assert_string_equal(f->v[F_PASSWORD].str, "correct horse");
	assert_int_equal(f->v[F_PASSWORD].len, 13);
	assert_non_null(f->req->json);
}

static void
fields_order_of_properties_does_not_matter(void **state)
{
	struct fixture	*f = *state;

	accepted(f, "{\"password\":\"correct horse\",\"name\":\"Ann\","
	    "\"email\":\"a@b.co\"}");
	assert_string_equal(f->v[F_EMAIL].str, "a@b.co");
}

static void
fields_escapes_are_decoded(void **state)
{
	struct fixture	*f = *state;

	accepted(f, "{\"email\":\"a@b.co\",\"name\":\"J\\u00e9r\\u00f4me \\ud83d\\ude00\","
	    "\"password\":\"pass\\\"word\\\\\"}");
	assert_string_equal(f->v[F_NAME].str, "J\xc3\xa9r\xc3\xb4me " EMOJI);
	assert_string_equal(f->v[F_PASSWORD].str, "pass\"word\\");
}

static void
fields_optional_absent_is_null(void **state)
{
	static const struct json_field opt[] = {
		{ "nickname", JSON_STRING, 0, 10, 0, 0 },
	};
	struct fixture		*f = *state;
	struct json_value	 v[1] = { { "junk", 4 } };

	memcpy(f->req->body_buf, "{}", 3);
	f->req->body = f->req->body_buf;
	f->req->body_len = 2;
	assert_int_equal(json_body_fields(f->req, &f->rep, opt, 1, v), 0);
	assert_null(v[0].str);
	assert_int_equal(v[0].len, 0);
}

static void
fields_optional_present_is_checked(void **state)
{
	static const struct json_field opt[] = {
		{ "nickname", JSON_STRING, 0, 3, 0, 0 },
	};
	struct fixture		*f = *state;
	struct json_value	 v[1];

	memcpy(f->req->body_buf, "{\"nickname\":\"abcd\"}", 20);
	f->req->body = f->req->body_buf;
	f->req->body_len = 19;
	assert_int_equal(json_body_fields(f->req, &f->rep, opt, 1, v), -1);
	assert_string_equal(json_object_to_json_string_ext(f->rep.body,
	    JSON_C_TO_STRING_PLAIN), LIST("\"nickname must be shorter than or "
	    "equal to 3 characters\""));
}

/* --- json_body_fields: message lists */

/* A JSON_BOOLEAN field: true or false only, read as text. */
static void
fields_boolean(void **state)
{
	static const struct json_field opt[] = {
		{ "others", JSON_BOOLEAN, 0, 0, 0, 0 },
	};
	static const struct {
		const char	*body;
		const char	*value;	/* NULL: absent; "!": refused */
	} cases[] = {
		{ "{\"others\":true}", "true" },
		{ "{\"others\":false}", "false" },
		{ "{}", NULL },
		{ "{\"others\":null}", NULL },
		{ "{\"others\":1}", "!" },
		{ "{\"others\":\"true\"}", "!" },
		{ "{\"others\":[true]}", "!" },
	};
	struct fixture		*f = *state;
	struct json_value	 v[1];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_req_clear(f->req);
		http_reply_clear(&f->rep);
		strcpy(f->req->body_buf, cases[i].body);
		f->req->body = f->req->body_buf;
		f->req->body_len = strlen(cases[i].body);
		rc = json_body_fields(f->req, &f->rep, opt, 1, v);
		if (cases[i].value != NULL && strcmp(cases[i].value, "!") == 0) {
			assert_int_equal(rc, -1);
			assert_string_equal(json_object_to_json_string_ext(
			    f->rep.body, JSON_C_TO_STRING_PLAIN),
			    LIST("\"others must be a boolean value\""));
		} else if (cases[i].value == NULL) {
			assert_int_equal(rc, 0);
			assert_null(v[0].str);
		} else {
			assert_int_equal(rc, 0);
			assert_string_equal(v[0].str, cases[i].value);
		}
	}
}

static void
fields_empty_object(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{}", LIST(
	    "\"email must be an email\","
	    "\"name should not be empty\","
	    "\"name must be a string\","
	    "\"password must be longer than or equal to 8 characters\","
	    "\"password should not be empty\","
	    "\"password must be a string\""));
}

static void
fields_empty_body_reads_as_empty_object(void **state)
{
	struct fixture	*f = *state;

	refused(f, "", LIST(
	    "\"email must be an email\","
	    "\"name should not be empty\","
	    "\"name must be a string\","
	    "\"password must be longer than or equal to 8 characters\","
	    "\"password should not be empty\","
	    "\"password must be a string\""));
	assert_non_null(f->req->json);
}

static void
fields_unread_body_reads_as_empty_object(void **state)
{
	struct fixture	*f = *state;

	/* A GET never reads a body: req->body is still NULL. */
	assert_null(f->req->body);
	assert_int_equal(json_body_fields(f->req, &f->rep, fields, F__MAX, f->v), -1);
	assert_int_equal(f->rep.status, 400);
	assert_string_equal(json_object_to_json_string_ext(f->rep.body,
	    JSON_C_TO_STRING_PLAIN), LIST(
	    "\"email must be an email\","
	    "\"name should not be empty\","
	    "\"name must be a string\","
	    "\"password must be longer than or equal to 8 characters\","
	    "\"password should not be empty\","
	    "\"password must be a string\""));
}

static void
fields_wrong_types(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":1,\"name\":true,\"password\":[\"x\"]}", LIST(
	    "\"email must be an email\","
	    "\"name must be a string\","
	    "\"password must be longer than or equal to 8 characters\","
	    "\"password must be a string\""));
}

static void
fields_null_values(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":null,\"name\":null,\"password\":null}", LIST(
	    "\"email must be an email\","
	    "\"name should not be empty\","
	    "\"name must be a string\","
	    "\"password must be longer than or equal to 8 characters\","
	    "\"password should not be empty\","
	    "\"password must be a string\""));
}

static void
fields_unknown_property(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\",\"id\":1}",
	    LIST("\"property id should not exist\""));
}

static void
fields_unknown_properties_and_bad_field(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"nope\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\",\"isAdmin\":true,\"id\":1}", LIST(
	    "\"property isAdmin should not exist\","
	    "\"property id should not exist\","
	    "\"email must be an email\""));
}

static void
fields_nul_escape(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\","
	    "\"password\":\"correct\\u0000horse\"}",
	    LIST("\"password must not contain NUL characters\""));
}

static void
fields_nul_escape_in_email(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"a@b.co\\u0000x\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\"}",
	    LIST("\"email must not contain NUL characters\""));
}

static void
fields_lone_high_surrogate(void **state)
{
	struct fixture	*f = *state;

	/* Not a Unicode scalar value: refused, not silently replaced. */
	refused(f, "{\"email\":\"a@b.co\",\"name\":\"A\\ud800\","
	    "\"password\":\"correct horse\"}",
	    "{\"statusCode\":400,\"message\":\"Invalid JSON at position 27: "
	    "unpaired surrogate\",\"error\":\"Bad Request\"}");
}

static void
fields_lone_low_surrogate(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\\udc00\"}",
	    "{\"statusCode\":400,\"message\":\"Invalid JSON at position 56: "
	    "unpaired surrogate\",\"error\":\"Bad Request\"}");
}

static void
fields_min_chars_counts_code_points(void **state)
{
	struct fixture	*f = *state;

	/* 8 characters, 32 bytes. */
	accepted(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\",\"password\":\""
	    EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI "\"}");
	assert_int_equal(f->v[F_PASSWORD].len, 32);
}

static void
fields_min_chars_not_met(void **state)
{
	struct fixture	*f = *state;

	/* 7 characters in 28 bytes are still too few. */
	refused(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\",\"password\":\""
	    EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI "\"}",
	    LIST("\"password must be longer than or equal to 8 characters\""));
	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	refused(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\",\"password\":\"1234567\"}",
	    LIST("\"password must be longer than or equal to 8 characters\""));
}

/* A register body with the name made of n copies of unit. */
static void
name_body(char *buf, size_t bufsz, const char *unit, size_t n)
{
	size_t	 i, len, ulen = strlen(unit);

	len = (size_t)snprintf(buf, bufsz, "{\"email\":\"a@b.co\","
	    "\"password\":\"correct horse\",\"name\":\"");
	for (i = 0; i < n; i++) {
		assert_true(len + ulen < bufsz);
		memcpy(buf + len, unit, ulen);
		len += ulen;
	}
	assert_true(len + 3 <= bufsz);
	memcpy(buf + len, "\"}", 3);
}

static void
fields_max_chars_counts_code_points(void **state)
{
	struct fixture	*f = *state;
	char		 body[2048];

	/* 100 characters in 200 bytes. */
	name_body(body, sizeof(body), "\xc3\xa9", USER_NAME_MAX);
	accepted(f, body);
	assert_int_equal(f->v[F_NAME].len, 200);
}

static void
fields_max_chars_exceeded(void **state)
{
	struct fixture	*f = *state;
	char		 body[2048];

	name_body(body, sizeof(body), "\xc3\xa9", USER_NAME_MAX + 1);
	refused(f, body,
	    LIST("\"name must be shorter than or equal to 100 characters\""));
}

static void
fields_max_bytes_at_limit(void **state)
{
	struct fixture	*f = *state;

	/* 18 characters in exactly 72 bytes. */
	accepted(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\",\"password\":\""
	    EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI
	    EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI "\"}");
	assert_int_equal(f->v[F_PASSWORD].len, 72);
}

static void
fields_max_bytes_exceeded(void **state)
{
	struct fixture	*f = *state;

	/* 19 characters but 76 bytes: bcrypt would ignore the last four. */
	refused(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\",\"password\":\""
	    EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI
	    EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI EMOJI "\"}",
	    LIST("\"password must be shorter than or equal to 72 bytes in UTF-8\""));
}

static void
fields_max_bytes_ascii(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\",\"password\":\""
	    "0123456789012345678901234567890123456789"
	    "012345678901234567890123456789012\"}",
	    LIST("\"password must be shorter than or equal to 72 bytes in UTF-8\""));
}

static void
fields_not_blank(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"a@b.co\",\"name\":\" \\t\\n \","
	    "\"password\":\"        \"}", LIST(
	    "\"name should not be empty\","
	    "\"password should not be empty\""));
}

/* Unicode spaces and invisible characters are blank too (issue 20). */
static void
fields_not_blank_unicode(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"a@b.co\",\"name\":\"\\u200b\","
	    "\"password\":\"\\u3000\\u3000\\u3000\\u3000\\u3000\\u3000"
	    "\\u3000\\u3000\"}", LIST(
	    "\"name should not be empty\","
	    "\"password should not be empty\""));
}

/* JSON_LINE: one message for a control or format character, none if blank. */
static void
fields_line_refuses_controls(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"a@b.co\",\"name\":\"A\\u202eB\","
	    "\"password\":\"correct horse\"}",
	    LIST("\"name must not contain control or format characters\""));
	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	refused(f, "{\"email\":\"a@b.co\",\"name\":\"\\t\\u202e\","
	    "\"password\":\"correct horse\"}",
	    LIST("\"name should not be empty\""));
	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	/* The password keeps any character but NUL. */
	accepted(f, "{\"email\":\"a@b.co\",\"name\":\"A\\u200dB\","
	    "\"password\":\"\\u202ecorrect\\thorse\\u0001\"}");
	assert_string_equal(f->v[F_NAME].str, "A\xe2\x80\x8d" "B");
}

/* JSON_TEXT: tab, LF and CR LF pass, other controls do not. */
static void
fields_text_refuses_controls(void **state)
{
	static const struct json_field text[] = {
		{ "content", JSON_STRING, 1, 0, 0, JSON_REQUIRED | JSON_NOT_BLANK |
		    JSON_TEXT },
	};
	struct fixture	*f = *state;
	const char	*ok = "{\"content\":\"a\\tb\\r\\nc\\n\\u202e\"}";
	const char	*bad = "{\"content\":\"a\\rb\"}";
	struct json_value v;
	int		 rc;

	memcpy(f->req->body_buf, ok, strlen(ok) + 1);
	f->req->body = f->req->body_buf;
	f->req->body_len = strlen(ok);
	assert_int_equal(json_body_fields(f->req, &f->rep, text, 1, &v), 0);
	assert_string_equal(v.str, "a\tb\r\nc\n\xe2\x80\xae");
	http_req_clear(f->req);
	memcpy(f->req->body_buf, bad, strlen(bad) + 1);
	f->req->body = f->req->body_buf;
	f->req->body_len = strlen(bad);
	rc = json_body_fields(f->req, &f->rep, text, 1, &v);
	assert_string_equal(reply_json(f, rc),
	    LIST("\"content must not contain control characters\""));
}

static void
fields_empty_strings(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"\",\"name\":\"\",\"password\":\"\"}", LIST(
	    "\"email must be an email\","
	    "\"name should not be empty\","
	    "\"password must be longer than or equal to 8 characters\","
	    "\"password should not be empty\""));
}

static void
fields_bad_email(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"alice\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\"}",
	    LIST("\"email must be an email\""));
}

/* --- json_body_fields: parse errors */

static void
parse_trailing_data(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{} x",
	    DETAIL("Invalid JSON at position 3: unexpected character"));
}

static void
parse_second_value(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"a@b.co\"} {}",
	    DETAIL("Invalid JSON at position 19: unexpected character"));
}

static void
parse_trailing_whitespace_is_fine(void **state)
{
	struct fixture	*f = *state;

	accepted(f, " {\"email\":\"a@b.co\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\"} \r\n\t");
}

static void
parse_duplicate_key(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\",\"email\":\"x@y.co\"}",
	    DETAIL("Invalid JSON: duplicate property in object"));
}

static void
parse_duplicate_key_escaped(void **state)
{
	struct fixture	*f = *state;

	/* "\u0065mail" is "email" once decoded: still a duplicate. */
	refused(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\" , \"\\u0065mail\" :\"x@y.co\"}",
	    DETAIL("Invalid JSON: duplicate property in object"));
}

static void
parse_nested_keys_are_not_outer_keys(void **state)
{
	struct fixture	*f = *state;

	/* Two "a" keys, but in different objects: only the type is wrong. */
	refused(f, "{\"email\":{\"a\":1},\"name\":{\"a\":[\"a\",\"b:\"]},"
	    "\"password\":\"correct horse\"}",
	    LIST("\"email must be an email\",\"name must be a string\""));
}

static void
parse_nul_in_key(void **state)
{
	struct fixture	*f = *state;

	/* json-c would read this key as "password". */
	refused(f, "{\"email\":\"a@b.co\",\"name\":\"Ann\","
	    "\"password\\u0000x\":\"correct horse\"}",
	    DETAIL("Invalid JSON at position 31: NUL in a property name"));
}

static void
fields_long_unknown_key_is_cut_between_characters(void **state)
{
	struct fixture	*f = *state;
	char		 body[1000], want[600], reply[700], *p;
	int		 i;

	/* 60 euro signs, 3 bytes each: cut after 33 of them (99 bytes). */
	p = body + sprintf(body, "{\"");
	for (i = 0; i < 60; i++)
		p += sprintf(p, "\xe2\x82\xac");
	sprintf(p, "\":1,\"email\":\"a@b.co\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\"}");
	p = want + sprintf(want, "\"property ");
	for (i = 0; i < 33; i++)
		p += sprintf(p, "\xe2\x82\xac");
	sprintf(p, "... should not exist\"");
	snprintf(reply, sizeof(reply), LIST("%s"), want);
	refused(f, body, reply);
}

static void
parse_raw_nul_ends_json(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(check_len(f, "{}\0{}", 5), -1);
	assert_int_equal(f->rep.status, 400);
	assert_string_equal(json_object_to_json_string_ext(f->rep.body,
	    JSON_C_TO_STRING_PLAIN),
	    DETAIL("Unexpected data after JSON at position 2"));
}

static void
parse_truncated(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":", DETAIL("Unexpected end of JSON input"));
	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	refused(f, "{\"email\":\"a@b", DETAIL("Unexpected end of JSON input"));
	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	refused(f, "   ", DETAIL("Unexpected end of JSON input"));
}

static void
parse_not_an_object(void **state)
{
	static const char *const bodies[] = {
		"[]", "\"x\"", "42", "null", " true ", "[{}]",
	};
	struct fixture	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		http_req_clear(f->req);
		http_reply_clear(&f->rep);
		refused(f, bodies[i],
		    DETAIL("Request body must be a JSON object"));
	}
}

static void
parse_too_deep(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"email\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
	    DETAIL("Invalid JSON at position 16: nesting too deep"));
}

static void
parse_shallow_nesting_reaches_field_checks(void **state)
{
	struct fixture	*f = *state;

	/* Seven levels: parsed, then refused for its type, not its depth. */
	refused(f, "{\"email\":[[[[[[1]]]]]],\"name\":\"Ann\","
	    "\"password\":\"correct horse\"}",
	    LIST("\"email must be an email\""));
}

static void
parse_not_json(void **state)
{
	struct fixture	*f = *state;

	refused(f, "this is not json",
	    DETAIL("Invalid JSON at position 1: boolean expected"));
	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	refused(f, "{\"email\":'a@b.co'}",
	    DETAIL("Invalid JSON at position 9: unexpected character"));
	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	refused(f, "{\"email\":\"a@b.co\",}",
	    DETAIL("Invalid JSON at position 18: unexpected character"));
}

/* Expect body to be refused as not JSON: a 400 whose message is a string. */
static void
refused_as_not_json(struct fixture *f, const char *body)
{
	struct json_object	*m = NULL;
	int			 rc;

	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	rc = check(f, body);
	if (rc == 0 || f->rep.body == NULL ||
	    !json_object_object_get_ex(f->rep.body, "message", &m) ||
	    !json_object_is_type(m, json_type_string))
		assert_string_equal(reply_json(f, rc), "(a JSON parse error)");
	assert_int_equal(f->rep.status, 400);
	assert_non_null(strstr(json_object_get_string(m), "JSON"));
}

static void
parse_single_quoted_key_is_not_json(void **state)
{
	struct fixture	*f = *state;

	refused_as_not_json(f, "{'email':\"a@b.co\",\"name\":\"Ann\","
	    "\"password\":\"correct horse\"}");
}

static void
parse_nan_and_infinity_are_not_json(void **state)
{
	struct fixture	*f = *state;

	refused_as_not_json(f, "{\"email\":NaN}");
	refused_as_not_json(f, "{\"email\":-Infinity}");
	refused_as_not_json(f, "{\"email\":1.}");
}

static void
parse_raw_control_character_is_not_json(void **state)
{
	struct fixture	*f = *state;

	/* RFC 8259 section 7: control characters in strings must be escaped. */
	refused_as_not_json(f, "{\"email\":\"a@b.co\",\"name\":\"A\nB\","
	    "\"password\":\"correct horse\"}");
}

static void
parse_invalid_utf8_bytes(void **state)
{
	struct fixture	*f = *state;

	refused(f, "{\"name\":\"\xff\"}",
	    DETAIL("Invalid JSON at position 9: invalid utf-8 string"));
	http_req_clear(f->req);
	http_reply_clear(&f->rep);
	/* An overlong "/" (C0 AF) is not UTF-8 either. */
	assert_int_equal(check(f, "{\"name\":\"\xc0\xaf\"}"), -1);
	assert_int_equal(f->rep.status, 400);
}

/* --- json_is_email */

static int
email(const char *s)
{
	return json_is_email(s, strlen(s));
}

static void
email_good(void **state)
{
	(void)state;
	assert_int_equal(email("a@b.co"), 1);
	assert_int_equal(email("alice@example.com"), 1);
	assert_int_equal(email("first.last@example.com"), 1);
	assert_int_equal(email("user+tag@example.com"), 1);
	assert_int_equal(email("a@mail.sub.example.org"), 1);
	assert_int_equal(email("x@a-b.io"), 1);
	assert_int_equal(email("Alice@EXAMPLE.COM"), 1);
	assert_int_equal(email("o'brien_{x}~!#$%&*/=?^`|@example.com"), 1);
	assert_int_equal(email("a@123.example.com"), 1);
}

static void
email_no_at(void **state)
{
	(void)state;
	assert_int_equal(email("alice.example.com"), 0);
	assert_int_equal(email(""), 0);
}

static void
email_two_at(void **state)
{
	(void)state;
	assert_int_equal(email("a@b@example.com"), 0);
	assert_int_equal(email("a@example.com@"), 0);
}

static void
email_empty_parts(void **state)
{
	(void)state;
	assert_int_equal(email("@example.com"), 0);
	assert_int_equal(email("alice@"), 0);
	assert_int_equal(email("@"), 0);
}

static void
email_dots_in_local_part(void **state)
{
	(void)state;
	assert_int_equal(email(".alice@example.com"), 0);
	assert_int_equal(email("alice.@example.com"), 0);
	assert_int_equal(email("al..ice@example.com"), 0);
	assert_int_equal(email("a.l.i.c.e@example.com"), 1);
}

static void
email_dots_in_domain(void **state)
{
	(void)state;
	assert_int_equal(email("a@.example.com"), 0);
	assert_int_equal(email("a@example..com"), 0);
	assert_int_equal(email("a@example.com."), 0);
}

static void
email_local_part_length(void **state)
{
	char	 buf[128];

	(void)state;
	memset(buf, 'l', 64);
	snprintf(buf + 64, sizeof(buf) - 64, "%s", "@example.com");
	assert_int_equal(email(buf), 1);
	memset(buf, 'l', 65);
	snprintf(buf + 65, sizeof(buf) - 65, "%s", "@example.com");
	assert_int_equal(email(buf), 0);
}

/* local@ + labels of 63, 63 and n letters + ".com". */
static void
long_address(char *buf, size_t bufsz, size_t n)
{
	memset(buf, 'l', 64);
	buf[64] = '@';
	memset(buf + 65, 'a', 63);
	buf[128] = '.';
	memset(buf + 129, 'b', 63);
	buf[192] = '.';
	memset(buf + 193, 'c', n);
	snprintf(buf + 193 + n, bufsz - 193 - n, "%s", ".com");
}

static void
email_total_length(void **state)
{
	char	 buf[300];

	(void)state;
	long_address(buf, sizeof(buf), 57);
	assert_int_equal(strlen(buf), 254);
	assert_int_equal(email(buf), 1);
	long_address(buf, sizeof(buf), 58);
	assert_int_equal(strlen(buf), 255);
	assert_int_equal(email(buf), 0);
}

static void
email_label_length(void **state)
{
	char	 buf[128];

	(void)state;
	snprintf(buf, sizeof(buf), "%s", "a@");
	memset(buf + 2, 'd', 63);
	snprintf(buf + 65, sizeof(buf) - 65, "%s", ".com");
	assert_int_equal(email(buf), 1);
	memset(buf + 2, 'd', 64);
	snprintf(buf + 66, sizeof(buf) - 66, "%s", ".com");
	assert_int_equal(email(buf), 0);
}

static void
email_hyphens(void **state)
{
	(void)state;
	assert_int_equal(email("a@-example.com"), 0);
	assert_int_equal(email("a@example-.com"), 0);
	assert_int_equal(email("a@ex-ample.com"), 1);
}

static void
email_top_level_domain(void **state)
{
	(void)state;
	assert_int_equal(email("a@example.123"), 0);
	assert_int_equal(email("a@example.c0m"), 0);
	assert_int_equal(email("a@example.c"), 0);
	assert_int_equal(email("a@localhost"), 0);
	assert_int_equal(email("a@192.168.0.1"), 0);
	assert_int_equal(email("a@[192.168.0.1]"), 0);
}

static void
email_spaces(void **state)
{
	(void)state;
	assert_int_equal(email("a b@example.com"), 0);
	assert_int_equal(email(" a@example.com"), 0);
	assert_int_equal(email("a@example.com "), 0);
	assert_int_equal(email("a@exa mple.com"), 0);
	assert_int_equal(email("a\t@example.com"), 0);
}

static void
email_other_characters(void **state)
{
	(void)state;
	assert_int_equal(email("a\"b@example.com"), 0);
	assert_int_equal(email("a(b)@example.com"), 0);
	assert_int_equal(email("a,b@example.com"), 0);
	assert_int_equal(email("a@exa_mple.com"), 0);
}

static void
email_non_ascii(void **state)
{
	(void)state;
	assert_int_equal(email("j\xc3\xa9r\xc3\xb4me@example.com"), 0);
	assert_int_equal(email("a@b\xc3\xbc" "cher.de"), 0);
}

static void
email_embedded_nul(void **state)
{
	(void)state;
	assert_int_equal(json_is_email("a\0b@example.com", 15), 0);
	assert_int_equal(json_is_email("ab@example.com\0", 15), 0);
	/* Only len bytes are looked at. */
	assert_int_equal(json_is_email("a@b.co.uk", 6), 1);
}

/* --- json_user */

static void
user_view_has_no_password(void **state)
{
	struct user		 u;
	struct json_object	*o;

	(void)state;
	memset(&u, 0, sizeof(u));
	u.id = 7;
	snprintf(u.email, sizeof(u.email), "%s", "alice@example.com");
	snprintf(u.name, sizeof(u.name), "%s", "Alice");
	snprintf(u.password, sizeof(u.password), "%s",
	    "$2b$04$abcdefghijklmnopqrstuuH5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y");
	assert_non_null(o = json_user(&u));
	assert_string_equal(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN),
	    "{\"id\":7,\"email\":\"alice@example.com\",\"name\":\"Alice\"}");
	json_object_put(o);
}

static void
user_view_large_id_and_unicode(void **state)
{
	struct user		 u;
	struct json_object	*o;

	(void)state;
	memset(&u, 0, sizeof(u));
	u.id = INT64_C(9007199254740993);
	snprintf(u.email, sizeof(u.email), "%s", "a@b.co");
	snprintf(u.name, sizeof(u.name), "%s", "J\xc3\xa9r\xc3\xb4me \"J\"");
	assert_non_null(o = json_user(&u));
	assert_string_equal(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN),
	    "{\"id\":9007199254740993,\"email\":\"a@b.co\","
	    "\"name\":\"J\xc3\xa9r\xc3\xb4me \\\"J\\\"\"}");
	json_object_put(o);
}

/* --- json_post */

static void
post_view(void **state)
{
	struct post		 p = { 12, "Hello \"you\"", "Line\nbreak", 3, "Alice" };
	struct json_object	*o;

	(void)state;
	assert_non_null(o = json_post(&p));
	assert_string_equal(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"id\":12,\"title\":\"Hello \\\"you\\\"\",\"content\":"
	    "\"Line\\nbreak\",\"author\":{\"id\":3,\"name\":\"Alice\"}}");
	json_object_put(o);
}

static void
post_callbacks(void **state)
{
	struct post		 p = { 1, "t", "c", 2, "Bob" };
	struct json_object	*one = NULL;
	struct json_page	 page = { json_object_new_array(), 0, 0, 0 };

	(void)state;
	assert_int_equal(json_post_store(&one, &p), 0);
	p.id = 2;
	/* A second call replaces the first without leaking it. */
	assert_int_equal(json_post_store(&one, &p), 0);
	assert_int_equal(json_object_get_int64(json_object_object_get(one, "id")), 2);
	assert_int_equal(json_post_append(&page, &p), 0);
	assert_int_equal(json_post_append(&page, &p), 0);
	assert_int_equal(json_object_array_length(page.posts), 2);
	/* bytes is exactly what the reply's body will be. */
	assert_int_equal(page.bytes, strlen(json_object_to_json_string_ext(
	    page.posts, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
	assert_false(page.full);
	json_object_put(one);
	json_object_put(page.posts);
}

/* A page stops before max_bytes, but never before its first post (issue 20). */
static void
post_page_bounded_in_bytes(void **state)
{
	struct post		 p = { 1, "t", "\"\"\"\"", 2, "Bob" };
	struct json_page	 page = { json_object_new_array(), 0, 0, 0 };
	const char		*body;
	size_t			 one;

	(void)state;
	/* One post: {"id":1,...} inside [ ]. */
	assert_int_equal(json_post_append(&page, &p), 0);
	one = page.bytes;
	json_object_put(page.posts);
	/* Room for two posts and a comma, not three. */
	page = (struct json_page){ json_object_new_array(), 0, 2 * one, 0 };
	assert_int_equal(json_post_append(&page, &p), 0);
	p.id = 2;
	assert_int_equal(json_post_append(&page, &p), 0);
	assert_int_equal(page.bytes, 2 * one - 1);
	p.id = 3;
	assert_int_equal(json_post_append(&page, &p), 1);
	assert_true(page.full);
	assert_int_equal(json_object_array_length(page.posts), 2);
	body = json_object_to_json_string_ext(page.posts,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	assert_int_equal(strlen(body), page.bytes);
	assert_true(strlen(body) <= page.max_bytes);
	json_object_put(page.posts);
	/* A first post bigger than the bound still comes. */
	page = (struct json_page){ json_object_new_array(), 0, 10, 0 };
	assert_int_equal(json_post_append(&page, &p), 0);
	assert_int_equal(json_object_array_length(page.posts), 1);
	assert_false(page.full);
	assert_int_equal(json_post_append(&page, &p), 1);
	assert_true(page.full);
	json_object_put(page.posts);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(post_view),
		cmocka_unit_test(post_callbacks),
		cmocka_unit_test(post_page_bounded_in_bytes),
		T(fields_valid_body_gives_values),
		T(fields_order_of_properties_does_not_matter),
		T(fields_escapes_are_decoded),
		T(fields_optional_absent_is_null),
		T(fields_optional_present_is_checked),
		T(fields_boolean),
		T(fields_empty_object),
		T(fields_empty_body_reads_as_empty_object),
		T(fields_unread_body_reads_as_empty_object),
		T(fields_wrong_types),
		T(fields_null_values),
		T(fields_unknown_property),
		T(fields_unknown_properties_and_bad_field),
		T(fields_nul_escape),
		T(fields_nul_escape_in_email),
		T(fields_lone_high_surrogate),
		T(fields_lone_low_surrogate),
		T(fields_min_chars_counts_code_points),
		T(fields_min_chars_not_met),
		T(fields_max_chars_counts_code_points),
		T(fields_max_chars_exceeded),
		T(fields_max_bytes_at_limit),
		T(fields_max_bytes_exceeded),
		T(fields_max_bytes_ascii),
		T(fields_not_blank),
		T(fields_not_blank_unicode),
		T(fields_line_refuses_controls),
		T(fields_text_refuses_controls),
		T(fields_empty_strings),
		T(fields_bad_email),
		T(parse_trailing_data),
		T(parse_duplicate_key),
		T(parse_nul_in_key),
		T(fields_long_unknown_key_is_cut_between_characters),
		T(parse_duplicate_key_escaped),
		T(parse_nested_keys_are_not_outer_keys),
		T(parse_second_value),
		T(parse_trailing_whitespace_is_fine),
		T(parse_raw_nul_ends_json),
		T(parse_truncated),
		T(parse_not_an_object),
		T(parse_too_deep),
		T(parse_shallow_nesting_reaches_field_checks),
		T(parse_not_json),
		T(parse_single_quoted_key_is_not_json),
		T(parse_nan_and_infinity_are_not_json),
		T(parse_raw_control_character_is_not_json),
		T(parse_invalid_utf8_bytes),
		cmocka_unit_test(email_good),
		cmocka_unit_test(email_no_at),
		cmocka_unit_test(email_two_at),
		cmocka_unit_test(email_empty_parts),
		cmocka_unit_test(email_dots_in_local_part),
		cmocka_unit_test(email_dots_in_domain),
		cmocka_unit_test(email_local_part_length),
		cmocka_unit_test(email_total_length),
		cmocka_unit_test(email_label_length),
		cmocka_unit_test(email_hyphens),
		cmocka_unit_test(email_top_level_domain),
		cmocka_unit_test(email_spaces),
		cmocka_unit_test(email_other_characters),
		cmocka_unit_test(email_non_ascii),
		cmocka_unit_test(email_embedded_nul),
		cmocka_unit_test(user_view_has_no_password),
		cmocka_unit_test(user_view_large_id_and_unicode),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
