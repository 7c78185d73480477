/*
 * admin-throttle: fcgi-auth-admin throttle list and throttle clear
 * [ADDRESS | EMAIL]: the counters of common/throttle.h, and lifting a
 * block.  Their keys are "login-pair <address> <e-mail>", "login-account
 * <e-mail>", "login-address <address>" and "register-address <address>",
 * an e-mail as its digest and an IPv6 client as its /64
 * ("2001:db8:1:2::/64"; the address rules also have one for its /48), as
 * common/throttle-key.h writes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "admin.h"
#include "throttle-key.h"

/* Counters deleted per store call. */
#define THROTTLE_BATCH	100

static struct json_object *
throttle_json(const char *key, const struct throttle_row *row, int blocked)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "count", json_object_new_int64(row->count));
	json_object_object_add(o, "level", json_object_new_int64(row->level));
	json_object_object_add(o, "blocked", json_object_new_boolean(blocked));
	json_object_object_add(o, "blockedUntil",
	    admin_json_time(row->blocked_until));
	json_object_object_add(o, "lastAt", admin_json_time(row->last_at));
	json_object_object_add(o, "pending",
	    json_object_new_int64(row->pending));
	return o;
}

/* store_throttle_row_fn: one counter into the listing. */
static int
throttle_row(void *arg, const char *key, const struct throttle_row *row)
{
	struct admin_listing	*out = arg;
	char			 count[24], level[24];
	char			 until[ADMIN_TIME_LEN + 1];
	char			 last[ADMIN_TIME_LEN + 1];
	const char		*cells[5];
	int			 blocked = row->blocked_until > out->a->now;

	if (out->json)
		return admin_listing_json(out,
		    throttle_json(key, row, blocked));
	snprintf(count, sizeof(count), "%lld", (long long)row->count);
	snprintf(level, sizeof(level), "%lld", (long long)row->level);
	cells[0] = key;
	cells[1] = count;
	cells[2] = level;
	/* A block in the past is no block. */
	cells[3] = blocked ? admin_time(row->blocked_until, until) : "-";
	cells[4] = admin_time(row->last_at, last);
	return admin_listing_row(out, cells);
}

/* throttle list [--json]: every counter, by key. */
int
admin_throttle_list(struct admin *a, char **args, int n)
{
	static const char *const header[] = {
		"KEY", "COUNT", "LEVEL", "BLOCKED UNTIL", "LAST EVENT"
	};
	struct admin_listing	 out;
	enum store_rc		 rc;
	int			 status = ADMIN_FAIL;

	(void)args;
	(void)n;
	if (admin_listing_init(&out, a, NITEMS(header), header) == -1)
		return ADMIN_FAIL;
	if (admin_open(a) == 0) {
		rc = store_throttle_list(a->app.store, throttle_row, &out);
		status = admin_listing_finish(&out, rc, "no throttle counters");
	}
	admin_listing_free(&out);
	return status;
}

/* The words throttle clear looks for in keys ("" when unused). */
struct throttle_words {
	char	 word[2][THROTTLE_DIGEST_LEN + 1];
	char	 shown[2 * THROTTLE_ADDR_MAX + 8];	/* an address's */
};

/*
 * The words keys hold for arg, as common/throttle-key.h writes them: an
 * address as the address it is counted by and, for IPv6, its /48 too; an
 * IPv6 /64 or /48 (as throttle list shows them) as itself; anything else
 * as an e-mail's digest.  Returns 1 for an address, 0 for an e-mail, -1 if
 * its digest could not be made.
 */
static int
throttle_words(const char *arg, struct throttle_words *w)
{
	char		 addr[THROTTLE_ADDR_MAX], text[INET6_ADDRSTRLEN];
	char		*slash = NULL;

	memset(w, 0, sizeof(*w));
	snprintf(addr, sizeof(addr), "%s", arg);
	if (strchr(addr, ':') != NULL && (slash = strrchr(addr, '/')) != NULL) {
		if (strcmp(slash, "/64") == 0 || strcmp(slash, "/48") == 0)
			*slash = '\0';
		else
			slash = NULL;
	}
	if (util_ip_canonical(addr, text, sizeof(text)) == -1)
		return throttle_key_digest(arg, w->word[0]);
	throttle_key_client(text, w->word[0], w->word[1]);
	/* A prefix names its own counters only. */
	if (slash != NULL && slash[1] == '4')
		memcpy(w->word[0], w->word[1], sizeof(w->word[0]));
	if (slash != NULL)
		w->word[1][0] = '\0';
	if (w->word[1][0] != '\0')
		snprintf(w->shown, sizeof(w->shown), "%s or %s", w->word[0],
		    w->word[1]);
	else
		snprintf(w->shown, sizeof(w->shown), "%s", w->word[0]);
	return 1;
}

/* Does key hold one of w's words after its rule's name? */
static int
throttle_names(const char *key, const struct throttle_words *w)
{
	const char	*p = strchr(key, ' '), *end;
	size_t		 len, i;

	while (p != NULL) {
		p++;
		end = strchr(p, ' ');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		for (i = 0; i < NITEMS(w->word); i++)
			if (w->word[i][0] != '\0' && len == strlen(w->word[i]) &&
			    strncasecmp(p, w->word[i], len) == 0)
				return 1;
		p = end;
	}
	return 0;
}

/* The keys throttle clear deletes. */
struct throttle_pick {
	const struct throttle_words *words;	/* NULL: all */
	char		**keys;
	size_t		 n, cap;
	int		 oom;
};

static int
throttle_pick(void *arg, const char *key, const struct throttle_row *row)
{
	struct throttle_pick	*p = arg;
	char			**grown;

	(void)row;
	if (p->words != NULL && !throttle_names(key, p->words))
		return 0;
	if (p->n == p->cap) {
		p->cap = p->cap == 0 ? 16 : p->cap * 2;
		if ((grown = reallocarray(p->keys, p->cap,
		    sizeof(*grown))) == NULL) {
			p->oom = 1;
			return -1;
		}
		p->keys = grown;
	}
	if ((p->keys[p->n] = strdup(key)) == NULL) {
		p->oom = 1;
		return -1;
	}
	p->n++;
	return 0;
}

/*
 * throttle clear [ADDRESS | EMAIL]: delete every counter (no argument), or
 * every one whose key names the address (an IPv6 one: its /64 and its
 * /48) or e-mail; a block goes with its counter.
 */
int
admin_throttle_clear(struct admin *a, char **args, int n)
{
	struct throttle_pick	 p;
	struct throttle_words	 w;
	const char		*named = NULL;	/* the argument, as shown */
	enum store_rc		 rc = STORE_OK;
	size_t			 i, k;
	int			 status = ADMIN_FAIL;

	memset(&p, 0, sizeof(p));
	if (n == 1) {
		switch (throttle_words(args[0], &w)) {
		case -1:
			admin_warnx(a, "cannot make the digest of %s", args[0]);
			return ADMIN_FAIL;
		case 1:
			named = w.shown;
			break;
		default:
			named = args[0];
			break;
		}
		p.words = &w;
	}
	if (admin_open(a) == -1)
		return ADMIN_FAIL;
	rc = store_throttle_list(a->app.store, throttle_pick, &p);
	if (p.oom) {
		admin_warnx(a, "out of memory");
		goto done;
	}
	if (rc != STORE_OK) {
		status = admin_store_error(a, rc);
		goto done;
	}
	if (n == 1 && p.n == 0) {
		admin_warnx(a, "no throttle counter names %s", named);
		goto done;
	}
	for (i = 0; i < p.n && rc == STORE_OK; i += k) {
		k = p.n - i < THROTTLE_BATCH ? p.n - i : THROTTLE_BATCH;
		rc = store_throttle_delete(a->app.store,
		    (const char *const *)(p.keys + i), k);
	}
	if (rc != STORE_OK) {
		status = admin_store_error(a, rc);
		goto done;
	}
	if (n == 1)
		printf("cleared %zu throttle counter%s naming %s\n", p.n,
		    p.n == 1 ? "" : "s", named);
	else
		printf("cleared %zu throttle counter%s\n", p.n,
		    p.n == 1 ? "" : "s");
	status = ADMIN_OK;
done:
	for (i = 0; i < p.n; i++)
		free(p.keys[i]);
	free(p.keys);
	return status;
}
