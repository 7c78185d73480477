/*
 * admin-sessions: fcgi-auth-admin sessions list [EMAIL] and sessions
 * revoke ID | --user EMAIL | --all.  A session ended here ends at once:
 * its access tokens get 401 on their next request, its refresh tokens are
 * gone with it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "admin.h"
#include "audit.h"

/* A session id is this many hex digits; revoke takes a prefix this long. */
#define SESSION_PREFIX_MIN	8

static struct json_object *
session_json(const struct session_info *s)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "userId", json_object_new_int64(s->user_id));
	json_object_object_add(o, "email", json_object_new_string(s->email));
	json_object_object_add(o, "createdAt", admin_json_time(s->created_at));
	json_object_object_add(o, "lastUsedAt",
	    admin_json_time(s->last_used_at));
	json_object_object_add(o, "expiresAt", admin_json_time(s->expires_at));
	json_object_object_add(o, "endsAt", admin_json_time(s->ends_at));
	json_object_object_add(o, "userAgent",
	    json_object_new_string(s->user_agent));
	return o;
}

/* store_session_fn: one session into the listing. */
static int
session_row(void *arg, const struct session_info *s)
{
	struct admin_listing	*out = arg;
	char			 created[ADMIN_TIME_LEN + 1];
	char			 used[ADMIN_TIME_LEN + 1];
	char			 expires[ADMIN_TIME_LEN + 1];
	const char		*cells[6];

	if (out->json)
		return admin_listing_json(out, session_json(s));
	cells[0] = s->id;
	cells[1] = s->email;
	cells[2] = admin_time(s->created_at, created);
	cells[3] = admin_time(s->last_used_at, used);
	cells[4] = admin_time(s->expires_at, expires);
	cells[5] = s->user_agent[0] != '\0' ? s->user_agent : "-";
	return admin_listing_row(out, cells);
}

/* sessions list [EMAIL] [--json]: the live sessions, newest first. */
int
admin_sessions_list(struct admin *a, char **args, int n)
{
	static const char *const header[] = {
		"ID", "EMAIL", "CREATED", "LAST USED", "EXPIRES", "USER AGENT"
	};
	struct admin_listing	 out;
	struct user		 u;
	int64_t			 id = 0;
	enum store_rc		 rc;
	int			 status = ADMIN_FAIL;

	if (admin_listing_init(&out, a, NITEMS(header), header) == -1)
		return ADMIN_FAIL;
	if (admin_open(a) == -1)
		goto done;
	if (n == 1 && (status = admin_find_user(a, args[0], 0, &id, &u)) != 0)
		goto done;
	rc = store_session_list(a->app.store, id, a->now, 0, session_row,
	    &out);
	status = admin_listing_finish(&out, rc, "no live sessions");
done:
	admin_listing_free(&out);
	return status;
}

/* Looking a session up by its id or a prefix of it. */
struct session_find {
	const char		*prefix;
	size_t			 len;
	int			 found;
	struct session_info	 match;
};

static int
session_match(void *arg, const struct session_info *s)
{
	struct session_find	*f = arg;

	if (strncasecmp(s->id, f->prefix, f->len) == 0) {
		if (f->found++ == 0)
			f->match = *s;
	}
	return 0;
}

/* sessions revoke ID: one session, by its id or a unique prefix of it. */
static int
sessions_revoke_one(struct admin *a, const char *id)
{
	struct session_find	 f;
	size_t			 i, len = strlen(id);
	enum store_rc		 rc;

	for (i = 0; i < len; i++)
		if (util_hexval((unsigned char)id[i]) == -1)
			break;
	if (i < len || len < SESSION_PREFIX_MIN || len > STORE_SESSION_ID_MAX)
		admin_misused(a, "%s is not a session id (%d hex "
		    "digits, or at least the first %d of them)", id,
		    STORE_SESSION_ID_MAX, SESSION_PREFIX_MIN);
	memset(&f, 0, sizeof(f));
	f.prefix = id;
	f.len = len;
	/* The audit log and sessions list name sessions; so may the operator. */
	rc = store_session_list(a->app.store, 0, a->now, 0, session_match,
	    &f);
	if (rc != STORE_OK)
		return admin_store_error(a, rc);
	if (f.found > 1) {
		admin_warnx(a, "%d live sessions begin with %s: give more of "
		    "the id", f.found, id);
		return ADMIN_FAIL;
	}
	if (f.found == 1)
		rc = store_session_delete(a->app.store, f.match.id,
		    f.match.user_id);
	if (f.found == 0 || rc == STORE_NOTFOUND) {
		admin_warnx(a, "no live session %s", id);
		return ADMIN_FAIL;
	}
	if (rc != STORE_OK)
		return admin_store_error(a, rc);
	admin_audit(a, AUDIT_SESSION_ENDED, f.match.user_id, "session %.8s ended",
	    f.match.id);
	printf("ended 1 session: %s of %s\n", f.match.id, f.match.email);
	return ADMIN_OK;
}

/* sessions revoke ID | --user EMAIL|ID | --all */
int
admin_sessions_revoke(struct admin *a, char **args, int n)
{
	struct user	 u;
	char		 who[USER_EMAIL_MAX + 32];
	int64_t		 id = 0, ended = 0;
	enum store_rc	 rc;
	int		 status;

	if ((n == 1) + ((a->given & OPT_USER) != 0) +
	    ((a->given & OPT_ALL) != 0) != 1)
		admin_misused(a, "give one of ID, --user EMAIL or "
		    "--all");
	if (admin_open(a) == -1)
		return ADMIN_FAIL;
	if (n == 1)
		return sessions_revoke_one(a, args[0]);
	if (a->given & OPT_USER) {
		if ((status = admin_find_user(a, a->user, 1, &id, &u)) != 0)
			return status;
		if (u.email[0] != '\0')
			snprintf(who, sizeof(who), "%s", u.email);
		else
			snprintf(who, sizeof(who), "user %lld", (long long)id);
	} else
		snprintf(who, sizeof(who), "every user");
	rc = store_session_delete_user(a->app.store, id, NULL, &ended);
	if (rc != STORE_OK)
		return admin_store_error(a, rc);
	if (id != 0)
		admin_audit(a, AUDIT_SESSIONS_ENDED, id, "%lld session%s ended",
		    (long long)ended, ended == 1 ? "" : "s");
	else
		admin_audit(a, AUDIT_SESSIONS_ENDED, 0,
		    "%lld session%s of every user ended", (long long)ended,
		    ended == 1 ? "" : "s");
	printf("ended %lld session%s of %s\n", (long long)ended,
	    ended == 1 ? "" : "s", who);
	return ADMIN_OK;
}
