/*
 * throttle: counters in the store, one policy table, 429 with Retry-After.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "throttle.h"
#include "util.h"

enum rule {
	RULE_PAIR,
	RULE_ACCOUNT,
	RULE_ADDRESS,
	RULE_REGISTER,
	RULE__MAX
};

static const struct throttle_policy policies[RULE__MAX] = {
	{ 60, 15 * 60, 0 },		/* RULE_PAIR */
	{ 15 * 60, 15 * 60, 1 },	/* RULE_ACCOUNT */
	{ 60, 60 * 60, 0 },		/* RULE_ADDRESS */
	{ 15 * 60, 60 * 60, 0 },	/* RULE_REGISTER */
};

/* The keys of one request: what it is counted against. */
struct throttle_keys {
	char		 key[RULE__MAX][400];
	const char	*list[RULE__MAX];	/* the enabled ones, in order */
	enum rule	 rules[RULE__MAX];
	int		 limits[RULE__MAX];
	size_t		 n;
	int64_t		 now;
};

void
throttle_count(const struct throttle_policy *policy, int limit,
    struct throttle_row *row, int64_t now)
{
	int64_t	 block;

	if (row->last_at != 0 && now - row->last_at > THROTTLE_FORGET &&
	    row->blocked_until <= now)
		memset(row, 0, sizeof(*row));
	row->count++;
	row->last_at = now;
	if (row->count < limit)
		return;
	block = policy->base << (row->level < 20 ? row->level : 20);
	if (block > policy->max)
		block = policy->max;
	row->blocked_until = now + block;
	row->level++;
	if (policy->reset_count)
		row->count = 0;
}

/* Add the key of rule (if its limit is not 0) from a printf format. */
static void PRINTF_LIKE(4, 5)
throttle_add(struct throttle_keys *k, enum rule rule, int limit,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	if (limit <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(k->key[k->n], sizeof(k->key[k->n]), fmt, ap);
	va_end(ap);
	/* E-mail addresses match without regard to case, so must their keys. */
	for (p = k->key[k->n]; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	k->list[k->n] = k->key[k->n];
	k->rules[k->n] = rule;
	k->limits[k->n] = limit;
	k->n++;
}

static void
throttle_login_keys(const struct app *app, const struct http_req *req,
    const char *email, struct throttle_keys *k)
{
	const struct config_throttle *t = &app->cfg.throttle;

	k->n = 0;
	k->now = (int64_t)time(NULL);
	throttle_add(k, RULE_PAIR, t->per_pair, "login-pair %s %s", req->client,
	    email);
	throttle_add(k, RULE_ACCOUNT, t->per_account, "login-account %s", email);
	throttle_add(k, RULE_ADDRESS, t->per_address, "login-address %s",
	    req->client);
}

/* store_throttle_fn: count one event on row i. */
static void
throttle_hit(void *arg, size_t i, struct throttle_row *row)
{
	const struct throttle_keys	*k = arg;

	throttle_count(&policies[k->rules[i]], k->limits[i], row, k->now);
}

/*
 * Answer 429 if any key blocks: the longest wait wins, so a retry at that
 * time is not refused again by another rule.  Returns 0, or -1 with rep set.
 */
static int
throttle_blocked(struct app *app, const struct throttle_keys *k,
    struct http_reply *rep, const char *what)
{
	struct throttle_row	 row;
	int64_t			 wait = 0;
	enum store_rc		 rc;
	size_t			 i;

	for (i = 0; i < k->n; i++) {
		if ((rc = store_throttle_get(app->store, k->list[i], &row)) != STORE_OK)
			return app_store_error(rep, rc);
		if (row.blocked_until - k->now > wait)
			wait = row.blocked_until - k->now;
	}
	if (wait == 0)
		return 0;
	http_error(rep, ERR_TOO_MANY, "Too many %s: try again in %lld seconds",
	    what, (long long)wait);
	http_header(rep, "Retry-After: %lld", (long long)wait);
	return -1;
}

int
throttle_login_check(struct app *app, const struct http_req *req,
    const char *email, struct http_reply *rep)
{
	struct throttle_keys	 k;

	throttle_login_keys(app, req, email, &k);
	if (throttle_blocked(app, &k, rep, "failed log-ins") == 0)
		return 0;
	log_msg(req->client, "throttled log-in for %s", email);
	return -1;
}

void
throttle_login_failed(struct app *app, const struct http_req *req,
    const char *email)
{
	struct throttle_keys	 k;
	enum store_rc		 rc;

	throttle_login_keys(app, req, email, &k);
	if (k.n == 0)
		return;
	rc = store_throttle_update(app->store, k.list, k.n,
	    k.now - THROTTLE_FORGET, throttle_hit, &k);
	if (rc != STORE_OK)
		log_msg(req->client, "could not count a failed log-in");
}

void
throttle_login_succeeded(struct app *app, const struct http_req *req,
    const char *email)
{
	struct throttle_keys	 k;
	size_t			 n;

	throttle_login_keys(app, req, email, &k);
	/* The address's counter stays: other accounts may be under attack. */
	n = k.n > 0 && k.rules[k.n - 1] == RULE_ADDRESS ? k.n - 1 : k.n;
	if (n > 0 && store_throttle_delete(app->store, k.list, n) != STORE_OK)
		log_msg(req->client, "could not clear log-in counters");
}

int
throttle_register(struct app *app, const struct http_req *req,
    struct http_reply *rep)
{
	struct throttle_keys	 k;
	enum store_rc		 rc;

	k.n = 0;
	k.now = (int64_t)time(NULL);
	throttle_add(&k, RULE_REGISTER, app->cfg.throttle.register_per_address,
	    "register-address %s", req->client);
	if (k.n == 0)
		return 0;
	if (throttle_blocked(app, &k, rep, "registrations from this address") == -1) {
		log_msg(req->client, "throttled registration");
		return -1;
	}
	rc = store_throttle_update(app->store, k.list, k.n,
	    k.now - THROTTLE_FORGET, throttle_hit, &k);
	return rc == STORE_OK ? 0 : app_store_error(rep, rc);
}
