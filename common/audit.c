/*
 * audit: one row per event, written in its own small transaction after the
 * action it records, so that it can never undo or fail that action.
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
	AUDIT_USER_DELETED, NULL
};

void
audit(struct app *app, const char *client, const char *event,
    int64_t user_id, const char *fmt, ...)
{
	struct audit_event	 e;
	char			 detail[AUDIT_DETAIL_MAX + 1];
	va_list			 ap;
	size_t			 i;
	enum store_rc		 rc;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* Input echoed in a detail (an e-mail) stays one printable line. */
	for (i = 0; detail[i] != '\0'; i++)
		if ((unsigned char)detail[i] < 0x20 ||
		    (unsigned char)detail[i] > 0x7e)
			detail[i] = '?';
	e.id = 0;
	e.at = (int64_t)time(NULL);
	e.event = event;
	e.user_id = user_id;
	e.client = client != NULL ? client : "-";
	e.detail = detail;
	rc = store_audit_insert(app->store, &e,
	    e.at - app->cfg.audit_days * 86400);
	if (rc != STORE_OK)
		log_msg(client, "could not record the audit event %s", event);
}
