/*
 * json: strict parsing of a request body against a per-endpoint field table,
 * and the JSON views of our records.  The views are the only way a record
 * reaches a reply, and they have no path to a password hash.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdint.h>

struct http_req;
struct http_reply;
struct json_object;
struct post;
struct user;
struct session_info;

/*
 * Deep nesting buys an attacker stack and CPU; our bodies are flat.  json-c
 * counts the top-level object, so 7 containers may nest inside it.
 */
#define JSON_MAX_DEPTH	8

enum json_kind {
	JSON_STRING,	/* any UTF-8 string */
	JSON_EMAIL,	/* an e-mail address: "email must be an email" */
	JSON_BOOLEAN,	/* true or false, read as the string "true" or "false" */
};

#define JSON_REQUIRED	0x01	/* absent is an error */
#define JSON_NOT_BLANK	0x02	/* nothing visible (text_is_blank()) counts
				   as empty */
#define JSON_LINE	0x04	/* a name or title: text.h's TEXT_LINE */
#define JSON_TEXT	0x08	/* free text: text.h's TEXT_LINES */

/* One accepted property of a request body; lengths of 0 mean "no limit". */
struct json_field {
	const char	*name;
	enum json_kind	 kind;
	size_t		 min_chars;	/* Unicode code points */
	size_t		 max_chars;
	size_t		 max_bytes;	/* UTF-8 bytes (bcrypt reads at most 72) */
	int		 flags;
};

/* A checked property: str is NULL when the property was absent. */
struct json_value {
	const char	*str;	/* NUL-terminated, no embedded NUL, valid UTF-8 */
	size_t		 len;	/* bytes */
};

/*
 * Parse req's body (an empty body reads as {}) as exactly one JSON object:
 * RFC 8259 text (no NaN, single quotes, raw control characters or unpaired
 * surrogate escapes, which json-c alone lets through), valid UTF-8, at most
 * JSON_MAX_DEPTH deep, nothing but whitespace after it.
 * Then check it against fields: each property's type, lengths and
 * characters (the flags), and no property outside the table ("property x
 * should not exist", listed first).
 * On success values[i] holds field i (pointing into req->json, which req
 * owns) and 0 is returned; otherwise -1 with a 400 in rep listing every
 * problem found.
 */
int	json_body_fields(struct http_req *req, struct http_reply *rep,
	    const struct json_field *fields, size_t nfields,
	    struct json_value *values);

/* Is s a plausible e-mail address (ASCII, RFC 5321 lengths)? */
int	json_is_email(const char *s, size_t len);

/* {"id", "email", "name"}: what a client may see of a user.  NULL on ENOMEM. */
struct json_object	*json_user(const struct user *user);

/* A time as JavaScript's Date.toISOString() writes it, in UTC. */
#define JSON_TIME_LEN	24	/* 2026-12-04T03:22:00.000Z */
const char		*json_time_text(int64_t t, char out[JSON_TIME_LEN + 1]);

/*
 * {"id", "createdAt", "lastUsedAt", "userAgent", "current"}: a session as
 * its user sees it (never a token or digest).  NULL on ENOMEM.
 */
struct json_object	*json_session(const struct session_info *session,
			    int current);

/*
 * {"id", "title", "content", "author": {"id", "name"}}: what the world may
 * see of a post (not the author's e-mail).  NULL on ENOMEM.
 */
struct json_object	*json_post(const struct post *post);

/*
 * A page of posts as it is built: the array, the bytes it takes in a
 * reply body, and a bound on them (0: none).
 */
struct json_page {
	struct json_object	*posts;
	size_t			 bytes;
	size_t			 max_bytes;
	int			 full;	/* a post was left out: it would
					   have taken the page past max_bytes */
};

/* store_post_fn callbacks: arg is a struct json_object ** to set ... */
int	json_post_store(void *arg, const struct post *post);
/*
 * ... or a struct json_page to append to.  A post that would take the
 * page past max_bytes is left out and stops the read (1, full set),
 * unless it is the first: a page always holds at least one post.
 */
int	json_post_append(void *arg, const struct post *post);

#endif
