/*
 * admin-audit: fcgi-auth-admin audit (the trail of common/audit.h, read
 * with filters) and backup FILE (a consistent copy of a live SQLite
 * database, store_backup()).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "admin.h"
#include "audit.h"

/* The most events --limit asks for. */
#define AUDIT_LIMIT_MAX	100000000

static struct json_object *
audit_json(const struct audit_event *e)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(e->id));
	json_object_object_add(o, "at", admin_json_time(e->at));
	json_object_object_add(o, "event", json_object_new_string(e->event));
	json_object_object_add(o, "userId", e->user_id != 0 ?
	    json_object_new_int64(e->user_id) : NULL);
	json_object_object_add(o, "client", json_object_new_string(e->client));
	json_object_object_add(o, "detail", json_object_new_string(e->detail));
	return o;
}

/*
 * store_audit_fn: one event into the listing, or as text printed at once
 * (the trail can be long).
 */
static int
audit_row(void *arg, const struct audit_event *e)
{
	struct admin_listing	*out = arg;
	char			 t[ADMIN_TIME_LEN + 1], user[24];
	char			 client[128], detail[AUDIT_DETAIL_MAX * 4 + 1];

	if (out->json)
		return admin_listing_json(out, audit_json(e));
	if (e->user_id != 0)
		snprintf(user, sizeof(user), "%lld", (long long)e->user_id);
	else
		snprintf(user, sizeof(user), "-");
	admin_clean(e->client, client, sizeof(client));
	admin_clean(e->detail, detail, sizeof(detail));
	printf("%s  %-16s  %-6s  %-15s  %s\n", admin_time(e->at, t), e->event,
	    user, client, detail);
	return 0;
}

/* Is name one of audit_events[]? */
static int
audit_known(const char *name)
{
	size_t	 i;

	for (i = 0; audit_events[i] != NULL; i++)
		if (strcmp(audit_events[i], name) == 0)
			return 1;
	return 0;
}

/*
 * audit [--user EMAIL|ID] [--since TIME] [--event NAME] [--limit N]
 * [--json]: the events chosen, oldest first (with --limit, the newest N).
 */
int
admin_audit_list(struct admin *a, char **args, int n)
{
	struct audit_filter	 f;
	struct admin_listing	 out;
	struct user		 u;
	char			 names[512];
	const char		*errstr;
	size_t			 i, len = 0;
	enum store_rc		 rc;
	int			 status;

	(void)args;
	(void)n;
	memset(&f, 0, sizeof(f));
	/* The arguments first: a misuse is told before any connection. */
	if ((a->given & OPT_SINCE) &&
	    admin_parse_time(a->since, a->now, &f.since) == -1)
		admin_misused(a, "--since %s: expected Unix seconds, "
		    "an ISO 8601 UTC date or time (2026-12-04, "
		    "2026-12-04T10:00:00Z) or an age (30m, 24h, 7d)", a->since);
	if (a->given & OPT_EVENT) {
		if (!audit_known(a->event)) {
			names[0] = '\0';
			for (i = 0; audit_events[i] != NULL; i++)
				len += (size_t)snprintf(names + len,
				    len < sizeof(names) ? sizeof(names) - len : 0,
				    "%s%s", i == 0 ? "" : ", ", audit_events[i]);
			admin_misused(a, "--event %s: no such event; "
			    "the events are %s", a->event, names);
		}
		f.event = a->event;
	}
	if ((a->given & OPT_LIMIT) &&
	    util_parse_int(a->limit, 1, AUDIT_LIMIT_MAX, &f.limit, &errstr) == -1)
		admin_misused(a, "--limit %s: expected a whole number "
		    "from 1 to %d", a->limit, AUDIT_LIMIT_MAX);
	if (admin_open(a) == -1)
		return ADMIN_FAIL;
	if ((a->given & OPT_USER) &&
	    (status = admin_find_user(a, a->user, 1, &f.user_id, &u)) != 0)
		return status;
	/* No table: the text is printed row by row. */
	if (admin_listing_init(&out, a, 0, NULL) == -1)
		return ADMIN_FAIL;
	rc = store_audit_list(a->app.store, &f, audit_row, &out);
	status = admin_listing_finish(&out, rc, NULL);
	admin_listing_free(&out);
	return status;
}

/*
 * backup FILE: SQLite's online backup API copies the live database into
 * FILE (new, 0600) while the programs go on writing; the copy is checked
 * before this says so.  PostgreSQL: the store says to use pg_dump.
 */
int
admin_backup(struct admin *a, char **args, int n)
{
	struct stat	 st;
	char		 shown[4096];

	(void)n;
	if (store_backup(a->target, args[0]) == -1)
		return ADMIN_FAIL;
	util_redact_url(a->target, shown, sizeof(shown));
	if (stat(args[0], &st) == -1) {
		admin_warnx(a, "backup: %s: %s", args[0], strerror(errno));
		return ADMIN_FAIL;
	}
	printf("backed up %s into %s: %lld bytes, mode %03o, integrity "
	    "checked\n", shown, args[0], (long long)st.st_size,
	    (unsigned)(st.st_mode & 07777));
	return ADMIN_OK;
}
