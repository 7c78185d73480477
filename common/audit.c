/*
 * audit: one row per event, written in its own small transaction after the
 * action it records, or inside that action's transaction where the store
 * offers it (a refresh), in either case never undoing or failing it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "audit.h"
#include "log.h"

const char *const audit_events[] = {
	AUDIT_LOGIN_SUCCEEDED, AUDIT_LOGIN_FAILED, AUDIT_LOGIN_THROTTLED,
	AUDIT_LOGOUT, AUDIT_REFRESH, AUDIT_REFRESH_REUSED, AUDIT_SESSION_ENDED,
	AUDIT_SESSIONS_ENDED, AUDIT_PASSWORD_CHANGED, AUDIT_ACCOUNT_DELETED,
	AUDIT_USER_LOCKED, AUDIT_USER_UNLOCKED, AUDIT_PASSWORD_SET,
	AUDIT_USER_DELETED, AUDIT_EMAIL_CONFIRMED,
	AUDIT_PASSWORD_RESET, AUDIT_2FA_ENABLED, AUDIT_2FA_DISABLED,
	AUDIT_2FA_PASSED, AUDIT_2FA_FAILED, AUDIT_2FA_RESET, NULL
};

static void	audit_vline(struct app *, struct audit_line *, const char *,
		    const char *, int64_t, const char *, va_list)
		    PRINTF_LIKE(6, 0);

static void
audit_vline(struct app *app, struct audit_line *l, const char *client,
    const char *event, int64_t user_id, const char *fmt, va_list ap)
{
	size_t	 i;

	vsnprintf(l->detail, sizeof(l->detail), fmt, ap);
	/* Input echoed in a detail (an e-mail) stays one printable line. */
	for (i = 0; l->detail[i] != '\0'; i++)
		if ((unsigned char)l->detail[i] < 0x20 ||
		    (unsigned char)l->detail[i] > 0x7e)
			l->detail[i] = '?';
	l->e.id = 0;
	l->e.at = (int64_t)time(NULL);
	l->e.event = event;
	l->e.user_id = user_id;
	l->e.client = client != NULL ? client : "-";
	l->e.detail = l->detail;
	l->prune_before = l->e.at - app->cfg.audit_days * 86400;
}

void
audit_line(struct app *app, struct audit_line *line, const char *client,
    const char *event, int64_t user_id, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	audit_vline(app, line, client, event, user_id, fmt, ap);
	va_end(ap);
}

void
audit(struct app *app, const char *client, const char *event,
    int64_t user_id, const char *fmt, ...)
{
	struct audit_line	 l;
	enum store_rc		 rc;
	va_list			 ap;

	va_start(ap, fmt);
	audit_vline(app, &l, client, event, user_id, fmt, ap);
	va_end(ap);
	rc = store_audit_insert(app->store, &l.e, l.prune_before);
	/* A full disk is said once a minute (store_full()), not per event. */
	if (rc != STORE_OK && rc != STORE_FULL)
		log_msg(client, "could not record the audit event %s", event);
}
