/*
 * throttle: limits on failed log-ins, on registrations and on writing
 * posts, counted in the store so that every process of every program counts
 * the same.  The rules, each a counter per key, each switched off by a
 * limit of 0:
 *
 *   rule      key                 events before a block      block
 *   pair      address + e-mail    5 failed log-ins           60 s, doubling up to 15 min
 *   account   e-mail              10 failed log-ins          15 min, then 10 more are needed
 *   address   client address      30 failed log-ins          60 s, doubling up to 1 h
 *   register  client address      10 registrations           15 min, doubling up to 1 h
 *   posts     user                30 post writes a minute    to the minute's end
 *   posts     client address      120 post writes a minute   to the minute's end
 *   success   e-mail              10 log-ins a minute        to the minute's end
 *   success   client address      60 log-ins a minute        to the minute's end
 *   mail      e-mail (recipient)  5 mails an hour            to the hour's end
 *   mail      client address      20 mails an hour           to the hour's end
 *   confirm   client address      30 token attempts a minute to the minute's end
 *   2fa       user                5 wrong 2FA codes          60 s, doubling up to 15 min
 *
 * (Post writes: POST /posts and PATCH /posts/:id; log-ins: successful ones,
 * and password checks.)  A rate counts within one minute of the clock,
 * like an INCR of a key named by the minute; a burst may so straddle two
 * minutes, never more than twice the limit.
 *
 * An IPv6 client's address is its /64; the address rules also count its
 * /48 whole, at THROTTLE_IPV6_NETWORK_FACTOR (4) times their limits (120
 * failed log-ins, 40 registrations, 480 post writes and 240 log-ins a
 * minute), so a site
 * cannot multiply its budget by its /64s (throttle-key.h).
 *
 * A counter forgets after an hour without events; a successful log-in
 * clears its pair and account counters.  A blocked request gets 429 with
 * Retry-After before any password is hashed, in the same words whether or
 * not the e-mail has an account.  An account's block lasts at most 15
 * minutes, and one address reaches it only after its own pair blocks: at
 * most 10 failures per 15 minutes (or between two of the owner's own
 * successful log-ins) reach an account (ASVS: at most 100 an hour).
 *
 * Checking and counting are one transaction, so parallel guesses cannot
 * slip past a limit: a log-in attempt is let through as "pending" (the
 * check, before hashing) and judged after (failed: counted as a failure;
 * succeeded: counted as a log-in, and the failures' pending given back).
 * While attempts are pending, no more are let through than would reach a
 * limit if they all failed, or all succeeded; those get Retry-After: 1.
 * A key names an e-mail by a digest of it (throttle-key.h), so every key
 * is short ASCII whatever was typed.
 */
#ifndef THROTTLE_H
#define THROTTLE_H

#include <stdint.h>

#include "app.h"
#include "store.h"

/* Quiet time after which a counter starts again from nothing. */
#define THROTTLE_FORGET	3600

/* How a rule blocks once its limit is reached. */
struct throttle_policy {
	int64_t	 base;		/* the first block, seconds */
	int64_t	 max;		/* blocks double up to this */
	int	 reset_count;	/* after a block, count again from 0 */
	int64_t	 window;	/* > 0: a rate, limit events per window of
				   this many seconds of the clock (the
				   Unix time's multiples); a block lasts
				   to the window's end (base, max unused) */
};

/* Pending attempts older than this (their process died) are dropped. */
#define THROTTLE_PENDING_MAX	60

/*
 * Count one event on row at time now under policy and limit (> 0): block
 * when the count reaches the limit.  Returns the length of the block this
 * event began, or 0 (none, or one that was already on).  Pure, for the
 * unit tests.
 */
int64_t	throttle_count(const struct throttle_policy *policy, int limit,
	    struct throttle_row *row, int64_t now);

/*
 * Let one attempt through on row under policy and limit (> 0), as pending:
 * returns 0, or the seconds to wait (row unchanged but for forgetting).
 * Pure.
 */
int64_t	throttle_admit(const struct throttle_policy *policy, int limit,
	    struct throttle_row *row, int64_t now);

/*
 * Before checking a password: unless the address, the e-mail or the pair
 * is blocked (or enough attempts are pending to reach a limit), let this
 * one through as pending.  Returns 0, or -1 with a 429 (or 503: if the
 * count cannot be written the attempt is refused) in rep; a refusal is not
 * logged (its block was, when it began), a store failure is by the store.
 * Every 0 must be followed by throttle_login_failed(),
 * throttle_login_succeeded() or throttle_login_abandoned().
 */
int	throttle_login_check(struct app *app, const struct http_req *req,
	    const char *email, struct http_reply *rep);

/*
 * Count the pending attempt as a failure of the pair, account and address.
 * A block this begins is logged ("blocked login-pair ... for 60 s after 5
 * failed log-ins") and audited (login-throttled), once.
 */
void	throttle_login_failed(struct app *app, const struct http_req *req,
	    const char *email);

/*
 * Count the pending attempt as a log-in of the account and the address;
 * clear the pair's and the account's failures (the address's stay: other
 * accounts may be attacked).
 */
void	throttle_login_succeeded(struct app *app, const struct http_req *req,
	    const char *email);

/*
 * Give the pending attempt back without judging it: the store could not say
 * whether the password was right (the request got a 503).
 */
void	throttle_login_abandoned(struct app *app, const struct http_req *req,
	    const char *email);

/*
 * Count a registration from this address, refusing it if the address is
 * blocked.  Returns 0, or -1 with a 429 or a 503 (logged by the store) in
 * rep.  A block this begins is logged, once.
 */
int	throttle_register(struct app *app, const struct http_req *req,
	    struct http_reply *rep);

/*
 * Count a write to the posts (POST /posts, PATCH /posts/:id) by user_id
 * from this address, refusing it if the user or the address has written
 * its limit this minute.  Returns 0, or -1 with a 429 ("Too many posts and
 * edits", Retry-After: the minute's end) or a 503 in rep.  A block this
 * begins is logged, once.
 */
int	throttle_posts(struct app *app, const struct http_req *req,
	    int64_t user_id, struct http_reply *rep);

/*
 * Count a mail about to be sent to email at this client's request (a
 * confirmation link asked for again), refusing it if that address has had
 * its mails this hour, or this client has asked for its own (a flood of
 * mails to one victim is the abuse to stop).  Returns 0, or -1 with a 429
 * ("Too many mails ...", Retry-After: the hour's end) or a 503 in rep.
 */
int	throttle_mail(struct app *app, const struct http_req *req,
	    const char *email, struct http_reply *rep);

/*
 * Count an attempt to use a mailed token from this address, refusing it
 * past the limit this minute: 0, or -1 with a 429 or 503 in rep.
 */
int	throttle_confirm(struct app *app, const struct http_req *req,
	    struct http_reply *rep);

/*
 * The second factor's codes (issue 15), the log-in's model for one
 * account: before a code is checked, let it through as pending unless
 * user_id has had THROTTLE_2FA_PER_ACCOUNT wrong codes (0, or -1 with a
 * 429 and Retry-After, or a 503, in rep); then judge it with
 * throttle_2fa_done(): a right code clears the count.  Always on.
 */
#define THROTTLE_2FA_PER_ACCOUNT	5

int	throttle_2fa_check(struct app *app, const struct http_req *req,
	    int64_t user_id, struct http_reply *rep);
void	throttle_2fa_done(struct app *app, const struct http_req *req,
	    int64_t user_id, int right);

#endif
