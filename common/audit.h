/*
 * audit: the trail of what happened to accounts and sessions (ASVS
 * V16.3.1), kept in the store's audit table for AUDIT_RETENTION_DAYS and
 * read with fcgi-auth-admin audit.  Never a password, token or digest.
 */
#ifndef AUDIT_H
#define AUDIT_H

#include <stdint.h>

#include "app.h"
#include "util.h"

/* The events, by the names the table and the admin tool use. */
#define AUDIT_LOGIN_SUCCEEDED	"login-succeeded"
#define AUDIT_LOGIN_FAILED	"login-failed"
#define AUDIT_LOGIN_THROTTLED	"login-throttled"
#define AUDIT_LOGOUT		"logout"
#define AUDIT_REFRESH		"refresh"
#define AUDIT_REFRESH_REUSED	"refresh-reused"
#define AUDIT_SESSION_ENDED	"session-ended"
#define AUDIT_SESSIONS_ENDED	"sessions-ended"
#define AUDIT_PASSWORD_CHANGED	"password-changed"
#define AUDIT_ACCOUNT_DELETED	"account-deleted"
#define AUDIT_USER_LOCKED	"user-locked"
#define AUDIT_USER_UNLOCKED	"user-unlocked"
#define AUDIT_PASSWORD_SET	"password-set"
#define AUDIT_USER_DELETED	"user-deleted"
#define AUDIT_EMAIL_CONFIRMED	"email-confirmed"
#define AUDIT_PASSWORD_RESET	"password-reset"
#define AUDIT_2FA_ENABLED	"2fa-enabled"
#define AUDIT_2FA_DISABLED	"2fa-disabled"
#define AUDIT_2FA_PASSED	"2fa-passed"
#define AUDIT_2FA_FAILED	"2fa-failed"
#define AUDIT_2FA_RESET		"2fa-reset"

/* Every event name above, NULL-terminated (the admin tool checks --event). */
extern const char *const audit_events[];

/* Longest detail kept, in bytes; longer ones are cut. */
#define AUDIT_DETAIL_MAX	200

/*
 * Record event for user_id (0: none) from client (an address, or "admin")
 * with a detail formatted from fmt, kept as printable ASCII.  Events older
 * than AUDIT_RETENTION_DAYS are pruned as a side effect.  Never fails the
 * caller: a store error is logged and the event dropped.
 */
void	audit(struct app *app, const char *client, const char *event,
	    int64_t user_id, const char *fmt, ...) PRINTF_LIKE(5, 6);

/*
 * An event made ready, as audit() would record it, for a store operation
 * that records it inside its own transaction (store_session_refresh()).
 */
struct audit_line {
	struct audit_event	 e;
	int64_t			 prune_before;
	char			 detail[AUDIT_DETAIL_MAX + 1];
};

void	audit_line(struct app *app, struct audit_line *line,
	    const char *client, const char *event, int64_t user_id,
	    const char *fmt, ...) PRINTF_LIKE(6, 7);

#endif
