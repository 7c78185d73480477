/*
 * account: what a signed-in user does to their own account with their
 * password in hand (change it, delete the account): the password is
 * checked as a log-in would check it, under the same throttle.
 */
#ifndef ACCOUNT_H
#define ACCOUNT_H

#include "app.h"
#include "auth.h"

/*
 * Does password (len bytes) belong to the session's user?  Counted by the
 * log-in throttle like a log-in (a wrong one is a password guess).
 * Returns 0, or -1 with 400 "Wrong credentials provided", 429 or 503 in
 * rep; a wrong password is logged and audited.
 */
int	account_check_password(struct app *app, const struct http_req *req,
	    struct http_reply *rep, const struct auth_session *session,
	    const char *password, size_t len);

#endif
