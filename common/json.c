/*
 * json: json-c in strict mode, table-driven field checks, record views.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "http.h"
#include "json.h"
#include "store.h"

long
json_utf8_chars(const char *str, size_t len)
{
	size_t		 i, n;
	long		 chars = 0;
	uint32_t	 cp;

	for (i = 0; i < len; i += n, chars++)
		if ((n = util_utf8_decode(str + i, len - i, &cp)) == 0)
			return -1;
	return chars;
}

int
json_is_email(const char *s, size_t len)
{
	static const char	 atext[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~";
	const char		*at = memchr(s, '@', len), *label, *dot;
	size_t			 local, i, llen;

	if (at == NULL || len > 254 || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
		return 0;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.')
		return 0;
	for (i = 0; i < local; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (s[i] == '\0' || strchr(atext, s[i]) == NULL)
			return 0;
	}
	/* Domain: dot-separated LDH labels of 1..63, at least two, no bare IP. */
	label = at + 1;
	if (label == s + len)
		return 0;
	dot = NULL;
	while (label < s + len) {
		const char *end = memchr(label, '.', (size_t)(s + len - label));

		if (end == NULL)
			end = s + len;
		else
			dot = end;
		llen = (size_t)(end - label);
		if (llen == 0 || llen > 63 || label[0] == '-' || label[llen - 1] == '-')
			return 0;
		for (i = 0; i < llen; i++) {
			char c = label[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-'))
				return 0;
		}
		/* The last label is the top-level domain: letters only. */
		if (end == s + len) {
			if (llen < 2)
				return 0;
			for (i = 0; i < llen; i++)
				if (label[i] >= '0' && label[i] <= '9')
					return 0;
		}
		label = end + (end < s + len ? 1 : 0);
		if (end < s + len && label == s + len)
			return 0;	/* trailing dot */
	}
	return dot != NULL;
}

/* Append one "name must ..." message to list. */
static void PRINTF_LIKE(2, 3)
json_msg(struct json_object *list, const char *fmt, ...)
{
	char	 buf[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_array_add(list, json_object_new_string(buf));
}

static int
json_is_blank(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

/* Check one property; messages go to list, the value to *out when valid. */
static void
json_check_field(const struct json_field *f, struct json_object *v,
    int present, struct json_object *list, struct json_value *out)
{
	const char	*s;
	size_t		 len, before = json_object_array_length(list);
	long		 chars;

	out->str = NULL;
	out->len = 0;
	/* null is absence, as in the tutorial's passport-local and in PATCH. */
	if (present && json_object_is_type(v, json_type_null))
		present = 0;
	if (!present && !(f->flags & JSON_REQUIRED))
		return;
	if (f->kind == JSON_BOOLEAN) {
		if (!present || !json_object_is_type(v, json_type_boolean))
			json_msg(list, "%s must be a boolean value", f->name);
		else {
			out->str = json_object_get_boolean(v) ? "true" : "false";
			out->len = strlen(out->str);
		}
		return;
	}
	if (!present || !json_object_is_type(v, json_type_string)) {
		if (f->kind == JSON_EMAIL) {
			json_msg(list, "%s must be an email", f->name);
			return;
		}
		if (f->min_chars > 1)
			json_msg(list, "%s must be longer than or equal to %zu characters",
			    f->name, f->min_chars);
		if (!present)
			json_msg(list, "%s should not be empty", f->name);
		json_msg(list, "%s must be a string", f->name);
		return;
	}

	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (memchr(s, '\0', len) != NULL) {
		json_msg(list, "%s must not contain NUL characters", f->name);
		return;
	}
	/* Belt and braces: json-c's output is UTF-8, but the store trusts this. */
	if ((chars = json_utf8_chars(s, len)) < 0) {
		json_msg(list, "%s must be valid UTF-8", f->name);
		return;
	}
	if (f->kind == JSON_EMAIL) {
		if (!json_is_email(s, len))
			json_msg(list, "%s must be an email", f->name);
	} else {
		if (f->min_chars > 1 && (size_t)chars < f->min_chars)
			json_msg(list, "%s must be longer than or equal to %zu characters",
			    f->name, f->min_chars);
		/* Optional fields with no minimum may be "" (log-in decides). */
		if ((len == 0 && ((f->flags & JSON_REQUIRED) || f->min_chars > 0)) ||
		    ((f->flags & JSON_NOT_BLANK) && json_is_blank(s, len)))
			json_msg(list, "%s should not be empty", f->name);
	}
	if (f->max_chars > 0 && (size_t)chars > f->max_chars)
		json_msg(list, "%s must be shorter than or equal to %zu characters",
		    f->name, f->max_chars);
	if (f->max_bytes > 0 && len > f->max_bytes)
		json_msg(list, "%s must be shorter than or equal to %zu bytes in UTF-8",
		    f->name, f->max_bytes);
	if (json_object_array_length(list) == before) {
		out->str = s;
		out->len = len;
	}
}

/* Read 4 hex digits at s as a code unit, or -1. */
static long
json_hex4(const char *s, const char *end)
{
	long	 v = 0;
	int	 i;

	if (end - s < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Length of a JSON number (RFC 8259 section 6) at s, or 0 if it is not one. */
static size_t
json_number_len(const char *s, const char *end)
{
	const char	*p = s;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (p < end && *p == '.') {
		if (++p == end || *p < '0' || *p > '9')
			return 0;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9')
			return 0;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return (size_t)(p - s);
}

/*
 * What json-c 0.16 lets through even in strict mode, refused here: a
 * single-quoted key, NaN and Infinity, "1.", raw control characters in
 * strings, and unpaired surrogate escapes (which json-c silently turns into
 * U+FFFD, so two different passwords would hash alike).  Run on text that
 * json-c has parsed, so brackets and commas are known to be in order.
 * Counts the keys of the outermost object into *keys, so that duplicates
 * (which json-c drops silently, keeping the last) can be told apart.
 * Returns 0, or -1 with the byte offset and a reason.
 */
static int
json_strict_text(const char *s, size_t len, size_t *keys, size_t *pos,
    const char **why)
{
	const char	*p = s, *end = s + len, *q;
	long		 cu, lo;
	size_t		 n, depth = 0;
	int		 nul;

	*keys = 0;
	while (p < end) {
		if (*p == '"') {
			/* A string followed by ':' is a key. */
			nul = 0;
			for (q = p + 1; q < end && *q != '"'; q++)
				if (*q == '\\') {
					nul |= end - q >= 6 && memcmp(q, "\\u0000", 6) == 0;
					q++;
				}
			for (q++; q < end && strchr(" \t\r\n", *q) != NULL &&
			    *q != '\0'; q++)
				;
			if (q < end && *q == ':') {
				/* json-c would cut the name there: "password\u0000x". */
				if (nul) {
					*why = "NUL in a property name";
					goto bad;
				}
				if (depth == 1)
					(*keys)++;
			}
			for (p++; p < end && *p != '"'; p++) {
				if ((unsigned char)*p < 0x20) {
					*why = "control character in string";
					goto bad;
				}
				if (*p != '\\')
					continue;
				if (p + 1 < end && p[1] != 'u') {
					p++;
					continue;
				}
				cu = json_hex4(p + 2, end);
				if (cu >= 0xdc00 && cu <= 0xdfff) {
					*why = "unpaired surrogate";
					goto bad;
				}
				if (cu >= 0xd800 && cu <= 0xdbff) {
					lo = end - p >= 12 && p[6] == '\\' && p[7] == 'u' ?
					    json_hex4(p + 8, end) : -1;
					if (lo < 0xdc00 || lo > 0xdfff) {
						*why = "unpaired surrogate";
						goto bad;
					}
					p += 6;
				}
				p += 5;
			}
			p++;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			if ((n = json_number_len(p, end)) == 0) {
				*why = "malformed number";
				goto bad;
			}
			p += n;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
			for (n = 0; p + n < end && ((p[n] >= 'a' && p[n] <= 'z') ||
			    (p[n] >= 'A' && p[n] <= 'Z')); n++)
				;
			if (!((n == 4 && memcmp(p, "true", 4) == 0) ||
			    (n == 5 && memcmp(p, "false", 5) == 0) ||
			    (n == 4 && memcmp(p, "null", 4) == 0))) {
				*why = "unexpected literal";
				goto bad;
			}
			p += n;
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			depth--;
			p++;
		} else if (strchr(":, \t\r\n", *p) != NULL && *p != '\0') {
			p++;
		} else {
			*why = "unexpected character";
			goto bad;
		}
	}
	return 0;
bad:
	*pos = (size_t)(p - s);
	return -1;
}

/* Parse the body into req->json; -1 with a 400 in rep if it is not one JSON object. */
static int
json_body_parse(struct http_req *req, struct http_reply *rep)
{
	struct json_tokener	*tok;
	enum json_tokener_error	 jerr;
	const char		*why;
	size_t			 end, keys;

	if (req->body == NULL || req->body_len == 0) {
		req->json = json_object_new_object();
		return req->json == NULL ? http_error(rep, ERR_INTERNAL, NULL) : 0;
	}
	if ((tok = json_tokener_new_ex(JSON_MAX_DEPTH)) == NULL)
		return http_error(rep, ERR_INTERNAL, NULL);
	/* Strict: no single quotes, comments or trailing bytes but whitespace. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/*
	 * Include the terminating NUL: it tells json-c the input has ended, so
	 * a bare number or "null" completes instead of waiting for more.
	 */
	req->json = json_tokener_parse_ex(tok, req->body, (int)req->body_len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue || jerr == json_tokener_error_parse_eof)
		return http_error(rep, ERR_BAD_REQUEST, "Unexpected end of JSON input");
	if (jerr != json_tokener_success)
		return http_error(rep, ERR_BAD_REQUEST,
		    "Invalid JSON at position %zu: %s", end,
		    json_tokener_error_desc(jerr));
	/* A raw NUL byte ended parsing early: the rest is not JSON. */
	if (end < req->body_len)
		return http_error(rep, ERR_BAD_REQUEST,
		    "Unexpected data after JSON at position %zu", end);
	if (json_strict_text(req->body, req->body_len, &keys, &end, &why) == -1)
		return http_error(rep, ERR_BAD_REQUEST,
		    "Invalid JSON at position %zu: %s", end, why);
	if (!json_object_is_type(req->json, json_type_object))
		return http_error(rep, ERR_BAD_REQUEST,
		    "Request body must be a JSON object");
	/* Which of two values would count is a guess; refuse rather than guess. */
	if (keys != (size_t)json_object_object_length(req->json))
		return http_error(rep, ERR_BAD_REQUEST,
		    "Invalid JSON: duplicate property in object");
	return 0;
}

int
json_body_fields(struct http_req *req, struct http_reply *rep,
    const struct json_field *fields, size_t nfields, struct json_value *values)
{
	struct json_object	*list, *v;
	size_t			 i;
	int			 known;

	if (req->json == NULL && json_body_parse(req, rep) == -1) {
		/* Never leave a half-checked document for a later call to trust. */
		json_object_put(req->json);
		req->json = NULL;
		return -1;
	}
	if ((list = json_object_new_array()) == NULL)
		return http_error(rep, ERR_INTERNAL, NULL);

	/* Whitelist: a property we do not declare can never reach the store. */
	json_object_object_foreach(req->json, key, val) {
		(void)val;
		known = 0;
		for (i = 0; i < nfields; i++)
			if (strcmp(key, fields[i].name) == 0)
				known = 1;
		if (!known) {
			/* Name at most 100 bytes of it, cut between characters. */
			size_t	 n = strlen(key);

			if (n > 100)
				for (n = 100; n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80;
				    n--)
					;
			json_msg(list, "property %.*s%s should not exist", (int)n, key,
			    key[n] != '\0' ? "..." : "");
		}
	}
	for (i = 0; i < nfields; i++) {
		int present;

		v = NULL;
		present = json_object_object_get_ex(req->json, fields[i].name, &v);

		json_check_field(&fields[i], v, present, list, &values[i]);
	}
	if (json_object_array_length(list) > 0)
		return http_error_list(rep, list);
	json_object_put(list);
	return 0;
}

struct json_object *
json_user(const struct user *user)
{
	struct json_object	*o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(user->id));
	json_object_object_add(o, "email", json_object_new_string(user->email));
	json_object_object_add(o, "name", json_object_new_string(user->name));
	return o;
}

const char *
json_time_text(int64_t t, char out[JSON_TIME_LEN + 1])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, JSON_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%S.000Z", &tm) !=
	    JSON_TIME_LEN)
		strcpy(out, "1970-01-01T00:00:00.000Z");
	return out;
}

struct json_object *
json_session(const struct session_info *session, int current)
{
	struct json_object	*o = json_object_new_object();
	char			 t[JSON_TIME_LEN + 1];

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(session->id));
	json_object_object_add(o, "createdAt",
	    json_object_new_string(json_time_text(session->created_at, t)));
	json_object_object_add(o, "lastUsedAt",
	    json_object_new_string(json_time_text(session->last_used_at, t)));
	json_object_object_add(o, "userAgent",
	    json_object_new_string(session->user_agent));
	json_object_object_add(o, "current", json_object_new_boolean(current));
	return o;
}

struct json_object *
json_post(const struct post *post)
{
	struct json_object	*o = json_object_new_object(), *author;

	if (o == NULL)
		return NULL;
	if ((author = json_object_new_object()) == NULL) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(author, "id", json_object_new_int64(post->author_id));
	json_object_object_add(author, "name", json_object_new_string(post->author_name));
	json_object_object_add(o, "id", json_object_new_int64(post->id));
	json_object_object_add(o, "title", json_object_new_string(post->title));
	json_object_object_add(o, "content", json_object_new_string(post->content));
	json_object_object_add(o, "author", author);
	return o;
}

int
json_post_store(void *arg, const struct post *post)
{
	struct json_object	**out = arg;

	json_object_put(*out);
	*out = json_post(post);
	return *out == NULL ? -1 : 0;
}

int
json_post_append(void *arg, const struct post *post)
{
	struct json_object	*o = json_post(post);

	if (o == NULL || json_object_array_add(arg, o) != 0) {
		json_object_put(o);
		return -1;
	}
	return 0;
}
