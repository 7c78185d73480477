/*
 * sessions: a user's sessions (or BASE/...: app.h).  The series' part 13
 * refresh, and the list a user sees and ends sessions from (ASVS V7.5.2).
 *
 * GET|POST /authentication/refresh   with the Refresh cookie
 * 200 {"id","email","name"}, a new Authentication cookie and a new Refresh
 *     cookie (the old refresh token is retired).  A token retired less
 *     than REFRESH_TOKEN_REUSE_INTERVAL ago (a second tab refreshing at
 *     the same time) gets the access cookie only.
 * 401 "Unauthorized"    no cookie, or one that is unknown, expired or
 *     retired; a retired one seen again after the interval also ends its
 *     session (every token of that log-in)
 * 404                   JWT_REFRESH_TOKEN_EXPIRATION_TIME=0 (part 3)
 *
 * GET /authentication/sessions
 * 200 [{"id","createdAt","lastUsedAt","userAgent","current"}, ...] the
 *     caller's live sessions, newest first, at most SESSIONS_LIST_MAX
 *
 * DELETE /authentication/sessions/:id
 * 200, empty body: that session ended (and the cookies cleared if it is
 *     the caller's own)
 * 404 "Session not found"   unknown, or another user's: the same answer
 *
 * POST /authentication/log-out-all[?others=1], body none or {"others": bool}
 * 200, empty body: every session of the user ended, this one too and its
 *     cookies cleared; with others=1 (or true) this one stays
 * 400                   others neither 1, 0, true nor false
 *
 * 401 "Unauthorized"    no valid session cookie (all but refresh)
 * 403                   a cross-site write (common/csrf.h)
 */
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "app.h"
#include "audit.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "util.h"

static int
refresh(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct user	 user;

	/* Part 3 had no such route: JWT_REFRESH_TOKEN_EXPIRATION_TIME=0 restores that. */
	if (app->cfg.refresh_ttl == 0)
		return app_not_found(req, rep);
	if (auth_refresh(app, req, rep, &user) == -1)
		return -1;
	http_ok(rep, 200, json_user(&user));
	return 0;
}

/*
 * The most sessions a list shows, newest first: a reply, and the memory
 * and work it takes (the database's sort too: store_session_list() stops
 * there), must not grow with however often a user has logged in.
 */
#define SESSIONS_LIST_MAX	100

/* What sessions_list_one() needs: the reply's array and the caller's session. */
struct listing {
	struct json_object	*array;
	const char		*current;
};

static int
sessions_list_one(void *arg, const struct session_info *session)
{
	struct listing		*l = arg;
	struct json_object	*o;

	if ((o = json_session(session, strcmp(session->id, l->current) == 0))
	    == NULL || json_object_array_add(l->array, o) != 0) {
		json_object_put(o);
		return -1;
	}
	return 0;
}

static int
sessions_list(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	struct listing		 l;
	enum store_rc		 rc;

	if (auth_require(app, req, rep, &session) == -1)
		return -1;
	if ((l.array = json_object_new_array()) == NULL)
		return http_error(rep, ERR_INTERNAL, NULL);
	l.current = session.claims.id;
	rc = store_session_list(app->store, session.user.id, (int64_t)time(NULL),
	    SESSIONS_LIST_MAX, sessions_list_one, &l);
	if (rc != STORE_OK) {
		json_object_put(l.array);
		return app_store_error(rep, rc);
	}
	http_ok(rep, 200, l.array);
	return 0;
}

/* Is the ":id" a session id at all (TOK_ID_LEN hex digits)? */
static int
sessions_id_ok(const struct http_req *req)
{
	size_t	 i;

	if (req->param_len != TOK_ID_LEN)
		return 0;
	for (i = 0; i < req->param_len; i++)
		if (util_hexval((unsigned char)req->param[i]) == -1)
			return 0;
	return 1;
}

static int
sessions_end(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	char			 id[TOK_ID_LEN + 1];
	size_t			 i;
	enum store_rc		 rc;

	if (auth_require(app, req, rep, &session) == -1)
		return -1;
	if (!sessions_id_ok(req))
		return http_error(rep, ERR_NOT_FOUND, "Session not found");
	/* Ids are issued in lower case; any case names the same session. */
	for (i = 0; i < TOK_ID_LEN; i++)
		id[i] = (char)(req->param[i] | 0x20);
	id[TOK_ID_LEN] = '\0';
	rc = store_session_delete(app->store, id, session.user.id);
	if (rc == STORE_NOTFOUND)
		return http_error(rep, ERR_NOT_FOUND, "Session not found");
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	audit(app, req->client, AUDIT_SESSION_ENDED, session.user.id,
	    "session %.8s, by its user", id);
	if (strcmp(id, session.claims.id) == 0)
		auth_clear_cookies(app, req, rep);
	http_ok(rep, 200, NULL);
	return 0;
}

static const struct json_field log_out_all_fields[] = {
	{ "others", JSON_BOOLEAN, 0, 0, 0, 0 },
};

static int
log_out_all(struct app *app, struct http_req *req, struct http_reply *rep)
{
	struct auth_session	 session;
	struct json_value	 body;
	char			 others[8];
	int			 keep;
	int64_t			 ended = 0;
	enum store_rc		 rc;

	if (auth_require(app, req, rep, &session) == -1 ||
	    json_body_fields(req, rep, log_out_all_fields, 1, &body) == -1)
		return -1;
	switch (http_query(req, "others", others, sizeof(others))) {
	case 0:
		keep = 0;
		break;
	case 1:
		if (strcmp(others, "1") == 0 || strcmp(others, "true") == 0) {
			keep = 1;
			break;
		}
		if (strcmp(others, "0") == 0 || strcmp(others, "false") == 0) {
			keep = 0;
			break;
		}
		/* FALLTHROUGH */
	default:
		return http_error(rep, ERR_VALIDATION,
		    "others must be 1, 0, true or false");
	}
	/* The body's field, where a client would rather not use the query. */
	if (body.str != NULL)
		keep = strcmp(body.str, "true") == 0;
	rc = store_session_delete_user(app->store, session.user.id,
	    keep ? session.claims.id : NULL, &ended);
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	audit(app, req->client, AUDIT_SESSIONS_ENDED, session.user.id,
	    "%lld session(s), by its user%s", (long long)ended,
	    keep ? ", this one kept" : "");
	if (!keep)
		auth_clear_cookies(app, req, rep);
	http_ok(rep, 200, NULL);
	return 0;
}

static const struct route routes[] = {
	{ "/authentication/refresh", { [HTTP_GET] = refresh,
	    [HTTP_POST] = refresh } },
	{ "/authentication/sessions", { [HTTP_GET] = sessions_list } },
	{ "/authentication/sessions/:id", { [HTTP_DELETE] = sessions_end } },
	{ "/authentication/log-out-all", { [HTTP_POST] = log_out_all } },
};

int
main(void)
{
	return app_main("sessions", routes, NITEMS(routes));
}
