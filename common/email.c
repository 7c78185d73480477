/*
 * email: confirmation links: a token of 256 random bits, only its digest
 * kept, bound to the user and the address, mailed through mail.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "email.h"
#include "log.h"
#include "mail.h"
#include "token.h"
#include "util.h"

int
email_confirmation_on(const struct app *app)
{
	return app->cfg.email_confirmation_url[0] != '\0';
}

int
email_can_send(const struct app *app)
{
	/* Once per process is enough to be seen, and not a line per request. */
	static int	 said;

	if (app->cfg.mail_from[0] != '\0')
		return 1;
	if (!said)
		log_msg(NULL, "MAIL_FROM is not set: no mail is sent (the mail "
		    "routes answer 503 until it is set and the programs "
		    "restarted)");
	said = 1;
	return 0;
}

/* The link to url with token added as its "token" parameter. */
static int
email_link(const char *url, const char *token, char *out, size_t outsz)
{
	int	 n;

	n = snprintf(out, outsz, "%s%ctoken=%s", url,
	    strchr(url, '?') != NULL ? '&' : '?', token);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
email_send_confirmation(struct app *app, const char *client,
    const struct user *user, enum store_rc *rc)
{
	char			 token[TOK_MAIL_LEN + 1];
	char			 digest[TOK_DIGEST_LEN + 1];
	char			 link[sizeof(app->cfg.email_confirmation_url) + 80];
	char			 body[sizeof(link) + 512], err[256];
	struct email_token	 t;
	struct mail		 m;
	int64_t			 now = (int64_t)time(NULL);
	int			 ret = -1;

	*rc = STORE_OK;
	if (!email_can_send(app))
		return -1;
	if (tok_mail_new(token, digest) == -1 ||
	    email_link(app->cfg.email_confirmation_url, token, link,
	    sizeof(link)) == -1) {
		log_msg(client, "cannot make a confirmation token");
		*rc = STORE_ERR;
		goto done;
	}
	t.digest = digest;
	t.user_id = user->id;
	t.purpose = STORE_TOKEN_CONFIRM;
	t.email = user->email;
	t.now = now;
	t.expires_at = now + app->cfg.email_confirmation_ttl;
	if ((*rc = store_email_token_insert(app->store, &t)) != STORE_OK)
		goto done;
	/* Part 40's words first, so its front ends' users see what they expect. */
	snprintf(body, sizeof(body), "Welcome to the application. To confirm "
	    "the email address, click here: %s\n\nThe link works once, "
	    "within %lld hours. If you did not register, ignore this "
	    "message.\n", link,
	    (long long)(app->cfg.email_confirmation_ttl + 3599) / 3600);
	m.to = user->email;
	m.to_name = user->name;
	m.subject = "Email confirmation";
	m.body = body;
	if (mail_send(app->cfg.mail_command, (int)app->cfg.mail_timeout * 1000,
	    app->cfg.mail_from, &m, err, sizeof(err)) != MAIL_SENT) {
		log_msg(client, "confirmation mail for user %lld not sent: %s",
		    (long long)user->id, err);
		goto done;
	}
	ret = 0;
done:
	util_wipe(token, sizeof(token));
	util_wipe(link, sizeof(link));
	util_wipe(body, sizeof(body));
	return ret;
}

int
email_require_confirmed(struct app *app, int64_t user_id,
    struct http_reply *rep)
{
	int64_t		 confirmed_at;
	enum store_rc	 rc;

	if (!app->cfg.require_confirmed_email)
		return 0;
	rc = store_user_confirmed(app->store, user_id, &confirmed_at);
	if (rc == STORE_NOTFOUND)
		return http_error(rep, ERR_UNAUTHORIZED, NULL);
	if (rc != STORE_OK)
		return app_store_error(rep, rc);
	if (confirmed_at == 0)
		return http_error(rep, ERR_UNCONFIRMED, NULL);
	return 0;
}
