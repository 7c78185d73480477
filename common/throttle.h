/*
 * throttle: limits on failed log-ins and on registrations, counted in the
 * store so that every process of every program counts the same.  Four
 * rules, each a counter per key, each switched off by a limit of 0:
 *
 *   rule      key                 events before a block      block
 *   pair      address + e-mail    5 failed log-ins           60 s, doubling up to 15 min
 *   account   e-mail              10 failed log-ins          15 min, then 10 more are needed
 *   address   client address      30 failed log-ins          60 s, doubling up to 1 h
 *   register  client address      10 registrations           15 min, doubling up to 1 h
 *
 * A counter forgets after an hour without events; a successful log-in
 * clears its pair and account counters.  A blocked request gets 429 with
 * Retry-After before any password is hashed, in the same words whether or
 * not the e-mail has an account.  An account's block lasts at most 15
 * minutes, and one address reaches it only after its own pair blocks: at
 * most 10 failures per 15 minutes reach an account (ASVS: at most 100 an
 * hour).
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
};

/*
 * Count one event on row at time now under policy and limit (> 0): block
 * when the count reaches the limit.  Pure, for the unit tests.
 */
void	throttle_count(const struct throttle_policy *policy, int limit,
	    struct throttle_row *row, int64_t now);

/*
 * Before checking a password: is this address, this e-mail, or the pair
 * blocked?  Returns 0, or -1 with a 429 (or 503) in rep.
 */
int	throttle_login_check(struct app *app, const struct http_req *req,
	    const char *email, struct http_reply *rep);

/* Count a failed log-in against the pair, the account and the address. */
void	throttle_login_failed(struct app *app, const struct http_req *req,
	    const char *email);

/* Clear the pair's and the account's counters after a successful log-in. */
void	throttle_login_succeeded(struct app *app, const struct http_req *req,
	    const char *email);

/*
 * Count a registration from this address, refusing it if the address is
 * blocked.  Returns 0, or -1 with a 429 (or 503) in rep.
 */
int	throttle_register(struct app *app, const struct http_req *req,
	    struct http_reply *rep);

#endif
