/*
 * posts: every /posts route, at the root or under a base (BASE/posts,
 * BASE/posts/:id; see app.h).  A post is
 *   {"id", "title", "content", "author": {"id", "name"}}
 * (the author's e-mail is not published).
 *
 * GET /posts?limit=N&after=ID      public
 *   200 [post, ...]: posts in ascending id order with id > after (default 0),
 *       at most limit (default 20, at most 100), and fewer if more would
 *       pass 256 KiB of body (one at least).  When more may follow,
 *       Link: <BASE/posts?limit=N&after=LAST>; rel="next".
 *   400 "limit must be ...", "after must be ...", or "offset is not supported"
 * GET /posts/:id                    public
 *   200 post; 404 "Post with id N not found"; 400 ["id must be a number string"]
 * POST /posts                       logged in; {"title", "content"}
 *   201 post; 400 validation list; 401; 403 "Post quota reached: ..."
 *       (POSTS_MAX_PER_USER, POSTS_MAX_BYTES_PER_USER); 429 (below)
 * PATCH /posts/:id                  the author only; {"title"?, "content"?}
 *   200 post; 400 (bad id, no field, validation list); 401; 403 (someone
 *       else's post, or an edit that grows past the byte quota); 404; 429
 *   Both are post writes: past THROTTLE_POSTS_PER_USER or _PER_ADDRESS a
 *   minute, 429 "Too many posts and edits ..." and Retry-After
 *   (common/throttle.h).
 * DELETE /posts/:id                 the author only
 *   200 empty body; 400; 401; 403; 404
 * With REQUIRE_CONFIRMED_EMAIL=1 the three writes of a user whose address
 * is not confirmed get 401 "Confirm your email first" (common/email.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "app.h"
#include "auth.h"
#include "email.h"
#include "json.h"
#include "throttle.h"

#define POSTS_LIMIT_DEFAULT	20
#define POSTS_LIMIT_MAX		100
/*
 * A page stops short of this many bytes of body, whatever the limit (issue
 * 20: 100 posts of the largest made 6 MB for anyone who asked).  At least
 * six of the largest posts fit (20,000 bytes of content, 40,000 escaped).
 */
#define POSTS_PAGE_MAX_BYTES	(256 * 1024)
#define POST_TITLE_MAX		200	/* characters */
#define POST_CONTENT_MAX	10000	/* characters */
/*
 * Bytes are what storage, quotas and pages count: two a character keeps
 * every alphabetic script (all below U+0800) at its character limit, and
 * gives CJK, whose characters say more each, two thirds of it.  Without
 * them a post of 4-byte characters was four times as big (issue 20).
 */
#define POST_TITLE_MAX_BYTES	(2 * POST_TITLE_MAX)
#define POST_CONTENT_MAX_BYTES	(2 * POST_CONTENT_MAX)

enum { F_TITLE, F_CONTENT, F__MAX };

static const struct json_field create_fields[F__MAX] = {
	{ "title", JSON_STRING, 1, POST_TITLE_MAX, POST_TITLE_MAX_BYTES,
	    JSON_REQUIRED | JSON_NOT_BLANK | JSON_LINE },
	{ "content", JSON_STRING, 1, POST_CONTENT_MAX, POST_CONTENT_MAX_BYTES,
	    JSON_REQUIRED | JSON_NOT_BLANK | JSON_TEXT },
};

/* The same rules, each field optional: PATCH is a partial update. */
static const struct json_field update_fields[F__MAX] = {
	{ "title", JSON_STRING, 1, POST_TITLE_MAX, POST_TITLE_MAX_BYTES,
	    JSON_NOT_BLANK | JSON_LINE },
	{ "content", JSON_STRING, 1, POST_CONTENT_MAX, POST_CONTENT_MAX_BYTES,
	    JSON_NOT_BLANK | JSON_TEXT },
};

/* The :id of the path as a post id, or a 400 as NestJS's pipe gives it. */
static int
post_id(const struct http_req *req, struct http_reply *rep, int64_t *id)
{
	char		 buf[24];
	const char	*errstr;

	if (req->param_len < sizeof(buf)) {
		memcpy(buf, req->param, req->param_len);
		buf[req->param_len] = '\0';
		if (util_parse_int(buf, 1, INT64_MAX, id, &errstr) == 0)
			return 0;
	}
	return http_error(rep, ERR_VALIDATION, "id must be a number string");
}

/* The user's post quota, from the settings. */
static struct post_quota
post_quota(const struct app *app)
{
	struct post_quota	 q = { app->cfg.posts_max,
				       app->cfg.posts_max_bytes, 0 };

	return q;
}

/*
 * A write the quota refused: 403, as for any other write the user may not
 * make, naming the cap; not 413 (the request itself is small) nor 429
 * (waiting does not help: deleting posts does).
 */
static int
post_quota_error(struct http_reply *rep, const struct post_quota *q)
{
	if (q->by_count)
		return http_error(rep, ERR_FORBIDDEN,
		    "Post quota reached: at most %lld posts per user",
		    (long long)q->max_posts);
	return http_error(rep, ERR_FORBIDDEN,
	    "Post quota reached: at most %lld bytes of posts per user",
	    (long long)q->max_bytes);
}

/*
 * Answer a failed store call on post id: 404 in the tutorial's words if
 * there is no such post, 403 if it is someone else's (verb says what was
 * refused), else 503/500.
 */
static int
post_error(struct http_reply *rep, enum store_rc rc, int64_t id,
    const char *verb)
{
	if (rc == STORE_NOTFOUND)
		return http_error(rep, ERR_NOT_FOUND, "Post with id %lld not found",
		    (long long)id);
	if (rc == STORE_DENIED)
		return http_error(rep, ERR_FORBIDDEN,
		    "You can only %s your own posts", verb);
	return app_store_error(rep, rc);
}

/* Answer one post: status with it, or the tutorial's 404. */
static int
post_reply(struct app *app, struct http_reply *rep, int64_t id, int status)
{
	struct json_object	*post = NULL;
	enum store_rc		 rc;

	rc = store_post_get(app->store, id, json_post_store, &post);
	if (rc != STORE_OK) {
		json_object_put(post);
		return post_error(rep, rc, id, "read");
	}
	http_ok(rep, status, post);
	return 0;
}

/* Read an optional whole-number query parameter within [min, max]. */
static int
posts_query_int(const struct http_req *req, struct http_reply *rep,
    const char *name, int64_t min, int64_t max, int64_t *out)
{
	char		 buf[24];
	const char	*errstr;
	int		 found;

	if ((found = http_query(req, name, buf, sizeof(buf))) == 0)
		return 0;
	if (found == 1 && util_parse_int(buf, min, max, out, &errstr) == 0)
		return 0;
	return http_error(rep, ERR_BAD_REQUEST, max == INT64_MAX ?
	    "%s must be a whole number, %lld or more" :
	    "%s must be a whole number from %lld to %lld", name,
	    (long long)min, (long long)max);
}

/*
 * GET /posts: one page.  Asking for one row more than the page tells
 * whether a next page exists without counting the table; a page cut short
 * by its size has a next page too, from its own last post.
 */
static int
posts_list(struct app *app, struct http_req *req, struct http_reply *rep)
{
	int64_t			 limit = POSTS_LIMIT_DEFAULT, after = 0, last;
	struct json_page	 page = { NULL, 0, POSTS_PAGE_MAX_BYTES, 0 };
	char			 offset[2];
	size_t			 n;
	enum store_rc		 rc;

	if (posts_query_int(req, rep, "limit", 1, POSTS_LIMIT_MAX, &limit) == -1 ||
	    posts_query_int(req, rep, "after", 0, INT64_MAX, &after) == -1)
		return -1;
	/* Offset pages grow slower with depth; a client using them would loop. */
	if (http_query(req, "offset", offset, sizeof(offset)) != 0)
		return http_error(rep, ERR_BAD_REQUEST,
		    "offset is not supported: follow the Link header (after=)");
	if ((page.posts = json_object_new_array()) == NULL)
		return http_error(rep, ERR_INTERNAL, NULL);
	rc = store_posts_page(app->store, after, limit + 1, json_post_append,
	    &page);
	if (rc != STORE_OK) {
		json_object_put(page.posts);
		return app_store_error(rep, rc);
	}
	if ((n = json_object_array_length(page.posts)) > (size_t)limit) {
		json_object_array_del_idx(page.posts, --n, 1);
		page.full = 1;
	}
	if (page.full) {
		last = json_object_get_int64(json_object_object_get(
		    json_object_array_get_idx(page.posts, n - 1), "id"));
		/* The client asked under the base: the next page is there too. */
		http_header(rep, "Link: <%.*s/posts?limit=%lld&after=%lld>; "
		    "rel=\"next\"", (int)req->base_len, req->base,
		    (long long)limit, (long long)last);
	}
	http_ok(rep, 200, page.posts);
	return 0;
}

/* GET /posts/:id */
static int
posts_get(struct app *app, struct http_req *req, struct http_reply *rep)
{
	int64_t	 id;

	if (post_id(req, rep, &id) == -1)
		return -1;
	return post_reply(app, rep, id, 200);
}

/* POST /posts */
static int
posts_create(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	struct json_value	 v[F__MAX];
	struct post_quota	 quota = post_quota(app);
	int64_t			 id;
	enum store_rc		 rc;

	if (auth_require(app, req, rep, &session) == -1 ||
	    email_require_confirmed(app, session.user.id, rep) == -1 ||
	    throttle_posts(app, req, session.user.id, rep) == -1 ||
	    json_body_fields(req, rep, create_fields, F__MAX, v) == -1)
		return -1;
	rc = store_post_insert(app->store, session.user.id, v[F_TITLE].str,
	    v[F_CONTENT].str, (int64_t)time(NULL), &quota, &id);
	if (rc == STORE_QUOTA)
		return post_quota_error(rep, &quota);
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	return post_reply(app, rep, id, 201);
}

/* PATCH /posts/:id */
static int
posts_update(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	struct json_value	 v[F__MAX];
	struct post_quota	 quota = post_quota(app);
	int64_t			 id;
	enum store_rc		 rc;

	if (auth_require(app, req, rep, &session) == -1 ||
	    email_require_confirmed(app, session.user.id, rep) == -1 ||
	    throttle_posts(app, req, session.user.id, rep) == -1 ||
	    post_id(req, rep, &id) == -1 ||
	    json_body_fields(req, rep, update_fields, F__MAX, v) == -1)
		return -1;
	if (v[F_TITLE].str == NULL && v[F_CONTENT].str == NULL)
		return http_error(rep, ERR_VALIDATION,
		    "at least one of title, content must be given");
	rc = store_post_update(app->store, id, session.user.id, v[F_TITLE].str,
	    v[F_CONTENT].str, (int64_t)time(NULL), &quota);
	if (rc == STORE_QUOTA)
		return post_quota_error(rep, &quota);
	if (rc != STORE_OK)
		return post_error(rep, rc, id, "edit");
	return post_reply(app, rep, id, 200);
}

/* DELETE /posts/:id */
static int
posts_delete(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	int64_t			 id;
	enum store_rc		 rc;

	if (auth_require(app, req, rep, &session) == -1 ||
	    email_require_confirmed(app, session.user.id, rep) == -1 ||
	    post_id(req, rep, &id) == -1)
		return -1;
	rc = store_post_delete(app->store, id, session.user.id);
	if (rc != STORE_OK)
		return post_error(rep, rc, id, "delete");
	http_ok(rep, 200, NULL);
	return 0;
}

static const struct route routes[] = {
	{ "/posts", {
		[HTTP_GET] = posts_list,
		[HTTP_POST] = posts_create,
	} },
	{ "/posts/:id", {
		[HTTP_GET] = posts_get,
		[HTTP_PATCH] = posts_update,
		[HTTP_DELETE] = posts_delete,
	} },
};

int
main(void)
{
	return app_main("posts", routes, NITEMS(routes));
}
