/*
 * throttle: counters in the store, one policy table, 429 with Retry-After.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "log.h"
#include "throttle.h"
#include "throttle-key.h"
#include "util.h"

enum rule {
	RULE_PAIR,
	RULE_ACCOUNT,
	RULE_ADDRESS,
	RULE_REGISTER,
	RULE_POSTS_USER,
	RULE_POSTS_ADDRESS,
	RULE_SUCCESS_ACCOUNT,
	RULE_SUCCESS_ADDRESS,
	RULE_MAIL_EMAIL,
	RULE_MAIL_ADDRESS,
	RULE_CONFIRM_ADDRESS,
	RULE_2FA_ACCOUNT,
	RULE__MAX
};

/* What one update does to each row of a request's keys. */
enum step {
	STEP_ADMIT,	/* log-in check: let it through as pending, or refuse */
	STEP_FAILED,	/* the pending attempt failed */
	STEP_SUCCEEDED,	/* it succeeded */
	STEP_ABANDONED,	/* it was never judged (store error): give it back */
	STEP_COUNT,	/* registration, post write: refuse if blocked, else count */
};

/*
 * What each rule counts and how it blocks, and the words of its 429 and of
 * the log line that says a block began.
 */
static const struct rule_def {
	struct throttle_policy	 policy;
	enum step		 counts;	/* the step that counts an event */
	int			 cleared;	/* a successful log-in clears it */
	const char		*refused;	/* "Too many <refused>: ..." */
	const char		*events;	/* "... after N <events>" */
	int			 audited;	/* a block is login-throttled */
} rules[RULE__MAX] = {
	{ { 60, 15 * 60, 0, 0 }, STEP_FAILED, 1,		/* RULE_PAIR */
	  "failed log-ins", "failed log-ins", 1 },
	{ { 15 * 60, 15 * 60, 1, 0 }, STEP_FAILED, 1,		/* RULE_ACCOUNT */
	  "failed log-ins", "failed log-ins", 1 },
	{ { 60, 60 * 60, 0, 0 }, STEP_FAILED, 0,		/* RULE_ADDRESS */
	  "failed log-ins", "failed log-ins", 1 },
	{ { 15 * 60, 60 * 60, 0, 0 }, STEP_COUNT, 0,		/* RULE_REGISTER */
	  "registrations from this address", "registrations", 0 },
	{ { 0, 0, 0, 60 }, STEP_COUNT, 0,			/* RULE_POSTS_USER */
	  "posts and edits", "post writes", 0 },
	{ { 0, 0, 0, 60 }, STEP_COUNT, 0,			/* RULE_POSTS_ADDRESS */
	  "posts and edits", "post writes", 0 },
	{ { 0, 0, 0, 60 }, STEP_SUCCEEDED, 0,		/* RULE_SUCCESS_ACCOUNT */
	  "log-ins", "successful log-ins", 1 },
	{ { 0, 0, 0, 60 }, STEP_SUCCEEDED, 0,		/* RULE_SUCCESS_ADDRESS */
	  "log-ins", "successful log-ins", 1 },
	{ { 0, 0, 0, 3600 }, STEP_COUNT, 0,			/* RULE_MAIL_EMAIL */
	  "mails to this address", "mails", 0 },
	{ { 0, 0, 0, 3600 }, STEP_COUNT, 0,			/* RULE_MAIL_ADDRESS */
	  "mails", "mails", 0 },
	{ { 0, 0, 0, 60 }, STEP_COUNT, 0,			/* RULE_CONFIRM_ADDRESS */
	  "confirmation attempts", "confirmation attempts", 0 },
	{ { 60, 15 * 60, 0, 0 }, STEP_FAILED, 1,		/* RULE_2FA_ACCOUNT */
	  "wrong authentication codes", "wrong authentication codes", 1 },
};

/* A key: a rule's name, an address and an e-mail's digest at most. */
#define THROTTLE_KEY_MAX	(32 + THROTTLE_ADDR_MAX + THROTTLE_DIGEST_LEN)

/* The most keys one request is counted against. */
#define THROTTLE_KEYS_MAX	10

/* The keys of one request: what it is counted against. */
struct throttle_keys {
	const struct http_req *req;
	const char	*email;		/* as typed, or NULL: for the log */
	char		 client[THROTTLE_ADDR_MAX];	/* throttle-key.h */
	char		 net[THROTTLE_ADDR_MAX];
	char		 digest[THROTTLE_DIGEST_LEN + 1];	/* the e-mail's */
	char		 key[THROTTLE_KEYS_MAX][THROTTLE_KEY_MAX];
	const char	*list[THROTTLE_KEYS_MAX];	/* the enabled ones, in order */
	enum rule	 rules[THROTTLE_KEYS_MAX];
	int		 limits[THROTTLE_KEYS_MAX];
	int64_t		 started[THROTTLE_KEYS_MAX];	/* a block it began: s */
	int64_t		 events[THROTTLE_KEYS_MAX];	/* and the count then */
	size_t		 n;
	int64_t		 now;
	enum step	 step;
	int64_t		 wait;		/* STEP_ADMIT, STEP_COUNT: refused */
	enum rule	 waiting;	/* by this rule (the longest wait) */
};

/* The longest block policy sets at row's level (the block last begun). */
static int64_t
throttle_longest(const struct throttle_policy *policy,
    const struct throttle_row *row)
{
	int64_t	 level = row->level > 0 ? row->level - 1 : 0, block;

	if (policy->window > 0)
		return policy->window;
	block = policy->base << (level < 20 ? level : 20);
	return block < policy->max ? block : policy->max;
}

/*
 * A counter quiet for an hour and not blocking starts from nothing; a
 * rate's count, in each window.
 *
 * Times ahead of now were written by a clock ahead of this one (set back
 * since, or another node's): a block that ends later than its rule could
 * have set it from now is over, rather than lasting as long as the clocks
 * disagree (a day, for a clock that ran a day ahead); its count stays, so
 * the next event blocks again.  A last event in the future is now, so
 * that pending attempts and the hour's forgetting still run out.
 */
static void
throttle_forget(const struct throttle_policy *policy, struct throttle_row *row,
    int64_t now)
{
	if (row->blocked_until > now &&
	    row->blocked_until - now > throttle_longest(policy, row))
		row->blocked_until = 0;
	if (row->last_at > now)
		row->last_at = now;
	if (row->last_at != 0 && now - row->last_at > THROTTLE_FORGET &&
	    row->blocked_until <= now)
		memset(row, 0, sizeof(*row));
	if (policy->window > 0 &&
	    row->last_at / policy->window != now / policy->window)
		row->count = 0;
	/* Attempts whose process died before judging them. */
	if (row->pending > 0 && now - row->last_at > THROTTLE_PENDING_MAX)
		row->pending = 0;
}

int64_t
throttle_count(const struct throttle_policy *policy, int limit,
    struct throttle_row *row, int64_t now)
{
	int64_t	 block;
	int	 blocked;

	throttle_forget(policy, row, now);
	blocked = row->blocked_until > now;
	row->count++;
	row->last_at = now;
	if (row->count < limit)
		return 0;
	if (policy->window > 0)
		block = policy->window - now % policy->window;
	else {
		block = policy->base << (row->level < 20 ? row->level : 20);
		if (block > policy->max)
			block = policy->max;
	}
	row->blocked_until = now + block;
	row->level++;
	if (policy->reset_count)
		row->count = 0;
	return blocked ? 0 : block;
}

int64_t
throttle_admit(const struct throttle_policy *policy, int limit,
    struct throttle_row *row, int64_t now)
{
	throttle_forget(policy, row, now);
	if (row->blocked_until > now)
		return row->blocked_until - now;
	/*
	 * If all pending attempts failed, would they reach the limit?  Then
	 * wait for them.  One at a time is always let through, also past a
	 * limit whose block has ended: its failure blocks again.
	 */
	if (row->pending > 0 && row->count + row->pending >= limit)
		return 1;
	row->pending++;
	row->last_at = now;
	return 0;
}

/* Start k for a step of req's: no key yet. */
static void
throttle_keys_init(struct throttle_keys *k, const struct http_req *req,
    enum step step)
{
	k->req = req;
	k->email = NULL;
	k->n = 0;
	k->now = (int64_t)time(NULL);
	k->step = step;
	k->wait = 0;
	k->waiting = RULE_PAIR;
	throttle_key_client(req->client, k->client, k->net);
}

/* Add the key of rule (if its limit is not 0) from a printf format. */
static void PRINTF_LIKE(4, 5)
throttle_add(struct throttle_keys *k, enum rule rule, int limit,
    const char *fmt, ...)
{
	va_list	 ap;

	/* THROTTLE_KEYS_MAX holds every request's keys; never write past it. */
	if (limit <= 0 || k->n == THROTTLE_KEYS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(k->key[k->n], sizeof(k->key[k->n]), fmt, ap);
	va_end(ap);
	k->list[k->n] = k->key[k->n];
	k->rules[k->n] = rule;
	k->limits[k->n] = limit;
	k->n++;
}

/*
 * Add the keys of a rule counted by the client's address (name: the rule's
 * first word): the address, and an IPv6 client's /48 at
 * THROTTLE_IPV6_NETWORK_FACTOR times the limit.
 */
static void
throttle_add_client(struct throttle_keys *k, const struct app *app,
    enum rule rule, int limit, const char *name)
{
	int64_t	 net = (int64_t)limit * app->cfg.throttle.network_factor;

	throttle_add(k, rule, limit, "%s %s", name, k->client);
	if (k->net[0] != '\0')
		throttle_add(k, rule, net > INT_MAX ? INT_MAX : (int)net,
		    "%s %s", name, k->net);
}

/*
 * The keys of a log-in attempt.  Returns 0, or -1 if the e-mail's digest
 * could not be made (no key then).
 */
static int
throttle_login_keys(const struct app *app, const struct http_req *req,
    const char *email, enum step step, struct throttle_keys *k)
{
	const struct config_throttle *t = &app->cfg.throttle;

	throttle_keys_init(k, req, step);
	if (throttle_key_digest(email, k->digest) == -1)
		return -1;
	k->email = email;
	throttle_add(k, RULE_PAIR, t->per_pair, "login-pair %s %s", k->client,
	    k->digest);
	throttle_add(k, RULE_ACCOUNT, t->per_account, "login-account %s",
	    k->digest);
	throttle_add_client(k, app, RULE_ADDRESS, t->per_address,
	    "login-address");
	throttle_add(k, RULE_SUCCESS_ACCOUNT, t->success_per_account,
	    "login-success-account %s", k->digest);
	throttle_add_client(k, app, RULE_SUCCESS_ADDRESS,
	    t->success_per_address, "login-success-address");
	return 0;
}

/* store_throttle_fn: one step of k->step on row i. */
static int
throttle_step(void *arg, size_t i, struct throttle_row *row)
{
	struct throttle_keys		*k = arg;
	const struct rule_def		*rule = &rules[k->rules[i]];
	const struct throttle_policy	*policy = &rule->policy;
	int64_t				 wait;

	switch (k->step) {
	case STEP_ADMIT:
		/*
		 * Look at every row, so the longest wait wins (a retry then is
		 * not refused by another rule); abandon at the last if any
		 * refused, which undoes the others' pending counts too.
		 */
		wait = throttle_admit(policy, k->limits[i], row, k->now);
		if (wait > k->wait) {
			k->wait = wait;
			k->waiting = k->rules[i];
		}
		return i + 1 == k->n && k->wait > 0 ? -1 : 0;
	case STEP_COUNT:
		throttle_forget(policy, row, k->now);
		if (row->blocked_until > k->now) {
			k->wait = row->blocked_until - k->now;
			k->waiting = k->rules[i];
			return -1;
		}
		break;
	case STEP_FAILED:
	case STEP_SUCCEEDED:
	case STEP_ABANDONED:
		/* The pending attempt is judged: given back, counted or not. */
		if (row->pending > 0)
			row->pending--;
		if (k->step == STEP_SUCCEEDED && rule->cleared) {
			row->count = 0;
			row->level = 0;
			row->blocked_until = 0;
		}
		if (k->step != rule->counts)
			return 0;
		break;
	}
	/* Counted: a block it begins is logged once the count is stored. */
	k->started[i] = throttle_count(policy, k->limits[i], row, k->now);
	k->events[i] = policy->reset_count ? k->limits[i] : row->count;
	return 0;
}

/*
 * Log each block k's step began, and audit those of log-ins: once per
 * block, not per refused attempt, so that a client hammering at a 429
 * fills neither the log nor the audit table.
 */
static void
throttle_blocks_begun(struct app *app, const struct throttle_keys *k)
{
	char	 ident[LOG_IDENT_SIZE], who[THROTTLE_KEY_MAX + LOG_IDENT_SIZE];
	size_t	 i, len;

	if (k->email != NULL)
		log_ident(k->email, ident);
	for (i = 0; i < k->n; i++) {
		if (k->started[i] == 0)
			continue;
		/* The e-mail as a line may show it, rather than its digest. */
		len = strlen(k->list[i]);
		if (k->email != NULL && len > THROTTLE_DIGEST_LEN &&
		    strcmp(k->list[i] + len - THROTTLE_DIGEST_LEN,
		    k->digest) == 0) {
			len -= THROTTLE_DIGEST_LEN;
			memcpy(who, k->list[i], len);
			memcpy(who + len, ident, strlen(ident) + 1);
		} else
			memcpy(who, k->list[i], len + 1);
		log_msg(k->req->client, "blocked %s for %lld s after %lld %s",
		    who, (long long)k->started[i], (long long)k->events[i],
		    rules[k->rules[i]].events);
		if (rules[k->rules[i]].audited)
			audit(app, k->req->client, AUDIT_LOGIN_THROTTLED, 0,
			    "%s for %lld s after %lld %s", who,
			    (long long)k->started[i], (long long)k->events[i],
			    rules[k->rules[i]].events);
	}
}

/*
 * Run k->step over k's keys in one transaction.  Returns STORE_OK;
 * STORE_DENIED with a 429 in rep, in the words of the rule with the
 * longest wait; or the store's failure, with a 503 or 500 in rep.
 */
static enum store_rc
throttle_run(struct app *app, struct throttle_keys *k, struct http_reply *rep)
{
	enum store_rc	 rc;

	if (k->n == 0)
		return STORE_OK;
	memset(k->started, 0, sizeof(k->started));
	rc = store_throttle_update(app->store, k->list, k->n,
	    k->now - THROTTLE_FORGET, throttle_step, k);
	if (rc == STORE_OK) {
		throttle_blocks_begun(app, k);
		return rc;
	}
	if (rc != STORE_DENIED) {
		app_store_error(rep, rc);
		return rc;
	}
	http_error(rep, ERR_TOO_MANY, "Too many %s: try again in %lld seconds",
	    rules[k->waiting].refused, (long long)k->wait);
	http_header(rep, "Retry-After: %lld", (long long)k->wait);
	return rc;
}

int
throttle_login_check(struct app *app, const struct http_req *req,
    const char *email, struct http_reply *rep)
{
	struct throttle_keys	 k;

	/* No key, no count: refused, as when the count cannot be written. */
	if (throttle_login_keys(app, req, email, STEP_ADMIT, &k) == -1) {
		log_msg(req->client, "cannot make the log-in counters' keys");
		return http_error(rep, ERR_INTERNAL, NULL);
	}
	/* Refused, or not counted: either way no hash is run. */
	return throttle_run(app, &k, rep) == STORE_OK ? 0 : -1;
}

/* Judge the pending attempt: STEP_FAILED, STEP_SUCCEEDED or STEP_ABANDONED. */
static void
throttle_login_judge(struct app *app, const struct http_req *req,
    const char *email, enum step step)
{
	struct throttle_keys	 k;
	struct http_reply	 rep;

	http_reply_init(&rep);
	if (throttle_login_keys(app, req, email, step, &k) == -1 ||
	    throttle_run(app, &k, &rep) != STORE_OK)
		log_msg(req->client, "could not update the log-in counters");
	http_reply_clear(&rep);
}

void
throttle_login_failed(struct app *app, const struct http_req *req,
    const char *email)
{
	throttle_login_judge(app, req, email, STEP_FAILED);
}

void
throttle_login_succeeded(struct app *app, const struct http_req *req,
    const char *email)
{
	throttle_login_judge(app, req, email, STEP_SUCCEEDED);
}

void
throttle_login_abandoned(struct app *app, const struct http_req *req,
    const char *email)
{
	throttle_login_judge(app, req, email, STEP_ABANDONED);
}

int
throttle_register(struct app *app, const struct http_req *req,
    struct http_reply *rep)
{
	struct throttle_keys	 k;

	throttle_keys_init(&k, req, STEP_COUNT);
	throttle_add_client(&k, app, RULE_REGISTER,
	    app->cfg.throttle.register_per_address, "register-address");
	return throttle_run(app, &k, rep) == STORE_OK ? 0 : -1;
}

int
throttle_posts(struct app *app, const struct http_req *req, int64_t user_id,
    struct http_reply *rep)
{
	const struct config_throttle *t = &app->cfg.throttle;
	struct throttle_keys	 k;

	throttle_keys_init(&k, req, STEP_COUNT);
	throttle_add(&k, RULE_POSTS_USER, t->posts_per_user, "posts-user %lld",
	    (long long)user_id);
	throttle_add_client(&k, app, RULE_POSTS_ADDRESS, t->posts_per_address,
	    "posts-address");
	return throttle_run(app, &k, rep) == STORE_OK ? 0 : -1;
}

int
throttle_mail(struct app *app, const struct http_req *req, const char *email,
    struct http_reply *rep)
{
	const struct config_throttle *t = &app->cfg.throttle;
	struct throttle_keys	 k;

	throttle_keys_init(&k, req, STEP_COUNT);
	if (throttle_key_digest(email, k.digest) == -1) {
		log_msg(req->client, "cannot make the mail counters' keys");
		return http_error(rep, ERR_INTERNAL, NULL);
	}
	k.email = email;
	throttle_add(&k, RULE_MAIL_EMAIL, t->mail_per_email, "mail-email %s",
	    k.digest);
	throttle_add_client(&k, app, RULE_MAIL_ADDRESS, t->mail_per_address,
	    "mail-address");
	return throttle_run(app, &k, rep) == STORE_OK ? 0 : -1;
}

int
throttle_confirm(struct app *app, const struct http_req *req,
    struct http_reply *rep)
{
	struct throttle_keys	 k;

	throttle_keys_init(&k, req, STEP_COUNT);
	throttle_add_client(&k, app, RULE_CONFIRM_ADDRESS,
	    app->cfg.throttle.confirm_per_address, "confirm-address");
	return throttle_run(app, &k, rep) == STORE_OK ? 0 : -1;
}

/* The one key of a user's second factor. */
static void
throttle_2fa_keys(const struct http_req *req, int64_t user_id,
    enum step step, struct throttle_keys *k)
{
	throttle_keys_init(k, req, step);
	throttle_add(k, RULE_2FA_ACCOUNT, THROTTLE_2FA_PER_ACCOUNT,
	    "2fa-account %lld", (long long)user_id);
}

int
throttle_2fa_check(struct app *app, const struct http_req *req,
    int64_t user_id, struct http_reply *rep)
{
	struct throttle_keys	 k;

	throttle_2fa_keys(req, user_id, STEP_ADMIT, &k);
	return throttle_run(app, &k, rep) == STORE_OK ? 0 : -1;
}

void
throttle_2fa_done(struct app *app, const struct http_req *req,
    int64_t user_id, int right)
{
	struct throttle_keys	 k;
	struct http_reply	 rep;

	http_reply_init(&rep);
	throttle_2fa_keys(req, user_id, right ? STEP_SUCCEEDED : STEP_FAILED,
	    &k);
	if (throttle_run(app, &k, &rep) != STORE_OK)
		log_msg(req->client, "could not update the 2FA counter");
	http_reply_clear(&rep);
}
