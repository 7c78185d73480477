/*
 * email: confirmation and password-reset links: a token of 256 random
 * bits, only its digest kept, bound to the user and the address, mailed
 * through mail.c.
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

/* A link to mail: what differs between a confirmation and a reset. */
struct email_kind {
	const char	*purpose;	/* STORE_TOKEN_* */
	const char	*url;		/* the front end's page */
	int64_t		 ttl;		/* the token's lifetime, seconds */
	const char	*subject;
	const char	*text;		/* before the link */
	const char	*what;		/* for the log */
};

/*
 * Make a new token of kind k for user (retiring any earlier one), keep its
 * digest, bound to the address to, and mail the link there: 0 or -1, *rc
 * as email_send_confirmation() says.
 */
static int
email_send_link(struct app *app, const char *client, const struct user *user,
    const char *to, const struct email_kind *k, enum store_rc *rc)
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
	    email_link(k->url, token, link, sizeof(link)) == -1) {
		log_msg(client, "cannot make a %s token", k->what);
		*rc = STORE_ERR;
		goto done;
	}
	t.digest = digest;
	t.user_id = user->id;
	t.purpose = k->purpose;
	t.email = to;
	t.now = now;
	t.expires_at = now + k->ttl;
	if ((*rc = store_email_token_insert(app->store, &t)) != STORE_OK)
		goto done;
	snprintf(body, sizeof(body), "%s %s\n\nThe link works once, within "
	    "%lld minutes. If you did not ask for it, ignore this message.\n",
	    k->text, link, (long long)(k->ttl + 59) / 60);
	m.to = to;
	m.to_name = user->name;
	m.subject = k->subject;
	m.body = body;
	if (mail_send(app->cfg.mail_command, (int)app->cfg.mail_timeout * 1000,
	    app->cfg.mail_from, &m, err, sizeof(err)) != MAIL_SENT) {
		log_msg(client, "%s mail for user %lld not sent: %s", k->what,
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
email_send_confirmation(struct app *app, const char *client,
    const struct user *user, enum store_rc *rc)
{
	/* Part 40's words first, so its front ends' users see what they expect. */
	const struct email_kind	 k = { STORE_TOKEN_CONFIRM,
	    app->cfg.email_confirmation_url, app->cfg.email_confirmation_ttl,
	    "Email confirmation", "Welcome to the application. To confirm "
	    "the email address, click here:", "confirmation" };

	return email_send_link(app, client, user, user->email, &k, rc);
}

int
email_reset_on(const struct app *app)
{
	return app->cfg.password_reset_url[0] != '\0';
}

int
email_send_reset(struct app *app, const char *client, const struct user *user,
    enum store_rc *rc)
{
	const struct email_kind	 k = { STORE_TOKEN_RESET,
	    app->cfg.password_reset_url, app->cfg.password_reset_ttl,
	    "Password reset", "To choose a new password, click here:",
	    "password reset" };

	return email_send_link(app, client, user, user->email, &k, rc);
}

int
email_send_change(struct app *app, const char *client, const struct user *user,
    const char *new_email, enum store_rc *rc)
{
	const struct email_kind	 k = { STORE_TOKEN_CHANGE,
	    app->cfg.email_confirmation_url, app->cfg.email_confirmation_ttl,
	    "Email confirmation", "To make this the email address of your "
	    "account, click here:", "address change" };
	char			 body[512], err[256];
	struct mail		 m;

	if (email_send_link(app, client, user, new_email, &k, rc) == -1)
		return -1;
	/* The old address hears of it (ASVS V6.3.7): nothing more is needed. */
	snprintf(body, sizeof(body), "Someone asked to change the email "
	    "address of your account to %s. It changes once that address "
	    "confirms it. If it was not you, change your password now.\n",
	    new_email);
	m.to = user->email;
	m.to_name = user->name;
	m.subject = "Email address change";
	m.body = body;
	if (mail_send(app->cfg.mail_command, (int)app->cfg.mail_timeout * 1000,
	    app->cfg.mail_from, &m, err, sizeof(err)) != MAIL_SENT)
		log_msg(client, "address change notice for user %lld not sent: "
		    "%s", (long long)user->id, err);
	return 0;
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
