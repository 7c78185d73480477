/*
 * email: the mails the service sends a user (a link to confirm their
 * address: the series' part 40; a link to choose a new password), the
 * tokens they carry, and the rule REQUIRE_CONFIRMED_EMAIL sets for writes.
 */
#ifndef EMAIL_H
#define EMAIL_H

#include <stdint.h>

#include "app.h"
#include "store.h"

/* Is e-mail confirmation on: EMAIL_CONFIRMATION_URL set? */
int	email_confirmation_on(const struct app *app);

/*
 * Can mail be sent: MAIL_FROM set?  If not, says so in the log once per
 * process, naming the setting.
 */
int	email_can_send(const struct app *app);

/*
 * Make a new confirmation token for user (retiring any earlier one), keep
 * its digest, and mail the link EMAIL_CONFIRMATION_URL?token=... to the
 * user's address, the name RFC 2047-encoded in To.  Returns 0 when the
 * mail command took it; -1 when the token could not be kept (*rc: the
 * store's answer) or the mail not sent (*rc STORE_OK; logged with the
 * command's reason, never the token).
 */
int	email_send_confirmation(struct app *app, const char *client,
	    const struct user *user, enum store_rc *rc);

/* Is password reset on: PASSWORD_RESET_URL set? */
int	email_reset_on(const struct app *app);

/*
 * The same for a password reset: the link PASSWORD_RESET_URL?token=...,
 * working PASSWORD_RESET_TOKEN_EXPIRATION_TIME.
 */
int	email_send_reset(struct app *app, const char *client,
	    const struct user *user, enum store_rc *rc);

/*
 * For a change of user's address to new_email: a confirmation link bound
 * to the user and new_email, mailed there (0 or -1 as above), then a
 * notice to the old address (a failure only logged).
 */
int	email_send_change(struct app *app, const char *client,
	    const struct user *user, const char *new_email, enum store_rc *rc);

/*
 * With REQUIRE_CONFIRMED_EMAIL=1: 0 if user_id's address is confirmed,
 * else -1 with 401 "Confirm your email first" (the series' words), or a
 * store error, in rep.  0 at once with the setting off.
 */
int	email_require_confirmed(struct app *app, int64_t user_id,
	    struct http_reply *rep);

#endif
