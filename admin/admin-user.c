/*
 * admin-user: fcgi-auth-admin user list|show|lock|unlock|delete|
 * set-password.  Every change is one store call (its own transaction) and
 * leaves an audit event with the client "admin".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <json-c/json.h>

#include "admin.h"
#include "audit.h"
#include "json.h"
#include "password.h"
#include "text.h"

static struct json_object *
user_json(const struct user *u, int64_t sessions)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(u->id));
	json_object_object_add(o, "email", json_object_new_string(u->email));
	json_object_object_add(o, "name", json_object_new_string(u->name));
	json_object_object_add(o, "createdAt", admin_json_time(u->created_at));
	json_object_object_add(o, "locked",
	    json_object_new_boolean(u->locked_at != 0));
	json_object_object_add(o, "lockedAt", admin_json_time(u->locked_at));
	json_object_object_add(o, "sessions", json_object_new_int64(sessions));
	return o;
}

/* store_user_fn: one user into the listing. */
static int
user_row(void *arg, const struct user *u, int64_t sessions)
{
	struct admin_listing	*out = arg;
	char			 id[24], created[ADMIN_TIME_LEN + 1];
	char			 locked[ADMIN_TIME_LEN + 1], n[24];
	const char		*cells[6];

	if (out->json)
		return admin_listing_json(out, user_json(u, sessions));
	snprintf(id, sizeof(id), "%lld", (long long)u->id);
	snprintf(n, sizeof(n), "%lld", (long long)sessions);
	cells[0] = id;
	cells[1] = u->email;
	cells[2] = u->name;
	cells[3] = admin_time(u->created_at, created);
	cells[4] = admin_time(u->locked_at, locked);
	cells[5] = n;
	return admin_listing_row(out, cells);
}

/* user list [--locked] [--json]: every user, by id. */
int
admin_user_list(struct admin *a, char **args, int n)
{
	static const char *const header[] = {
		"ID", "EMAIL", "NAME", "CREATED", "LOCKED", "SESSIONS"
	};
	struct admin_listing	 out;
	enum store_rc		 rc;
	int			 locked = (a->given & OPT_LOCKED) != 0;
	int			 status = ADMIN_FAIL;

	(void)args;
	(void)n;
	if (admin_listing_init(&out, a, NITEMS(header), header) == -1)
		return ADMIN_FAIL;
	if (admin_open(a) == 0) {
		rc = store_user_list(a->app.store, locked, a->now, user_row,
		    &out);
		status = admin_listing_finish(&out, rc,
		    locked ? "no locked users" : "no users");
	}
	admin_listing_free(&out);
	return status;
}

/*
 * Open the store and find the user with e-mail email (admin_find_user()).
 * Returns 0, or the exit status with the reason on stderr.
 */
static int
user_open(struct admin *a, const char *email, int64_t *id, struct user *u)
{
	if (admin_open(a) == -1)
		return ADMIN_FAIL;
	return admin_find_user(a, email, 0, id, u);
}

/* store_session_fn: count. */
static int
user_count_session(void *arg, const struct session_info *s)
{
	(void)s;
	(*(int64_t *)arg)++;
	return 0;
}

/* user show EMAIL [--json] */
int
admin_user_show(struct admin *a, char **args, int n)
{
	struct user	 u;
	char		 t[ADMIN_TIME_LEN + 1], name[sizeof(u.name)];
	int64_t		 id, sessions = 0;
	enum store_rc	 rc;
	int		 status;

	(void)n;
	if ((status = user_open(a, args[0], &id, &u)) != 0)
		return status;
	rc = store_session_list(a->app.store, id, a->now, 0,
	    user_count_session, &sessions);
	if (rc != STORE_OK)
		return admin_store_error(a, rc);
	if (a->given & OPT_JSON)
		return admin_json_print(a, user_json(&u, sessions));
	admin_clean(u.name, name, sizeof(name));
	printf("id:        %lld\n", (long long)u.id);
	printf("email:     %s\n", u.email);
	printf("name:      %s\n", name);
	printf("created:   %s\n", admin_time(u.created_at, t));
	if (u.locked_at != 0)
		printf("locked:    since %s\n", admin_time(u.locked_at, t));
	else
		printf("locked:    no\n");
	printf("sessions:  %lld live\n", (long long)sessions);
	return ADMIN_OK;
}

/* user lock EMAIL and user unlock EMAIL. */
static int
user_set_lock(struct admin *a, const char *email, int locked)
{
	struct user	 before, after;
	char		 t[ADMIN_TIME_LEN + 1];
	int64_t		 id;
	enum store_rc	 rc;
	int		 status;

	if ((status = user_open(a, email, &id, &before)) != 0)
		return status;
	/*
	 * Lock even a locked user again: that also ends a session a log-in
	 * checked before the first lock may have begun after it.
	 */
	if (!locked && before.locked_at == 0) {
		printf("user %s is not locked\n", before.email);
		return ADMIN_OK;
	}
	rc = store_user_lock(a->app.store, email, locked, a->now, &after);
	if (rc != STORE_OK)
		return admin_user_error(a, email, rc);
	if (!locked) {
		admin_audit(a, AUDIT_USER_UNLOCKED, after.id, "unlocked");
		printf("unlocked user %s: log-in allowed again\n", after.email);
	} else if (before.locked_at != 0) {
		admin_audit(a, AUDIT_USER_LOCKED, after.id, "locked again");
		printf("user %s was already locked (since %s): log-in refused, "
		    "every session ended\n", after.email,
		    admin_time(after.locked_at, t));
	} else {
		admin_audit(a, AUDIT_USER_LOCKED, after.id, "locked");
		printf("locked user %s: log-in refused, every session ended\n",
		    after.email);
	}
	return ADMIN_OK;
}

int
admin_user_lock(struct admin *a, char **args, int n)
{
	(void)n;
	return user_set_lock(a, args[0], 1);
}

int
admin_user_unlock(struct admin *a, char **args, int n)
{
	(void)n;
	return user_set_lock(a, args[0], 0);
}

/* user delete EMAIL (and the old delete-user EMAIL). */
int
admin_user_delete(struct admin *a, char **args, int n)
{
	struct user	 u;
	int64_t		 id;
	enum store_rc	 rc;
	int		 status;

	(void)n;
	if ((status = user_open(a, args[0], &id, &u)) != 0)
		return status;
	rc = store_user_delete(a->app.store, args[0]);
	if (rc != STORE_OK)
		return admin_user_error(a, args[0], rc);
	/* The id will name no one: the e-mail says who it was. */
	admin_audit(a, AUDIT_USER_DELETED, id, "user %s deleted", u.email);
	printf("deleted user %s, their sessions and posts\n", args[0]);
	return ADMIN_OK;
}

/* The terminal's settings while a password is typed without echo. */
static struct termios	 saved_termios;
static volatile sig_atomic_t echo_off;

static void
user_restore_echo(int sig)
{
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Read the first line of standard input into buf (bufsz bytes, NUL
 * added), without its "\n" (or "\r\n"); a longer line is consumed and
 * *len set past bufsz - 1.  On a terminal, prompt on stderr and turn echo
 * off.  Returns 0, or -1: nothing at all to read (EOF), or a read error.
 */
static int
user_read_line(const char *prompt, char *buf, size_t bufsz, size_t *len)
{
	struct termios	 quiet;
	size_t		 n = 0;
	ssize_t		 r;
	char		 c;
	int		 tty = isatty(STDIN_FILENO), got = 0, rc = 0;

	if (tty) {
		fputs(prompt, stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &saved_termios) == 0) {
			quiet = saved_termios;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			signal(SIGINT, user_restore_echo);
			signal(SIGTERM, user_restore_echo);
			signal(SIGHUP, user_restore_echo);
			if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0)
				echo_off = 1;
		}
	}
	/* One byte at a time: nothing past the first line is taken. */
	for (;;) {
		if ((r = read(STDIN_FILENO, &c, 1)) == -1) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		if (r == 0) {
			if (!got)
				rc = -1;
			break;
		}
		got = 1;
		if (c == '\n')
			break;
		if (n < bufsz - 1)
			buf[n] = c;
		n++;
	}
	c = 0;
	if (n > 0 && n < bufsz && buf[n - 1] == '\r')
		n--;
	buf[n < bufsz - 1 ? n : bufsz - 1] = '\0';
	*len = n;
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
		echo_off = 0;
		fputc('\n', stderr);
	}
	if (tty) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
	}
	return rc;
}

/*
 * The rules of registration's password field (cgi-bin/register.c), in
 * its words: at least PW_MIN_CHARS characters, not blank, at most
 * PW_MAX_BYTES bytes of valid UTF-8, no NUL.  Returns the problems found.
 */
static int
user_check_password(struct admin *a, const char *pw, size_t len)
{
	long	 chars;
	int	 bad = 0;

	if (len > PW_MAX_BYTES) {
		admin_warnx(a, "%s: password must be shorter than or equal to "
		    "%d bytes in UTF-8", a->cmd, PW_MAX_BYTES);
		return 1;
	}
	if (memchr(pw, '\0', len) != NULL) {
		admin_warnx(a, "%s: password must not contain NUL characters",
		    a->cmd);
		return 1;
	}
	if ((chars = text_utf8_chars(pw, len)) < 0) {
		admin_warnx(a, "%s: password must be valid UTF-8", a->cmd);
		return 1;
	}
	if (chars < PW_MIN_CHARS) {
		admin_warnx(a, "%s: password must be longer than or equal to "
		    "%d characters", a->cmd, PW_MIN_CHARS);
		bad++;
	}
	if (text_is_blank(pw, len)) {
		admin_warnx(a, "%s: password should not be empty", a->cmd);
		bad++;
	}
	return bad;
}

/*
 * user set-password EMAIL: the new password is the first line of standard
 * input (never an argument: every local user can read those); on a
 * terminal it is asked for twice, without echo.  Every session of the
 * user ends with the old password.
 */
int
admin_user_set_password(struct admin *a, char **args, int n)
{
	char		 pw[PW_MAX_BYTES + 2], again[PW_MAX_BYTES + 2];
	char		 hash[PW_HASH_MAX];
	struct user	 u;
	int64_t		 id;
	size_t		 len, len2;
	enum store_rc	 rc;
	int		 status = ADMIN_FAIL;

	(void)n;
	if ((status = user_open(a, args[0], &id, &u)) != 0)
		return status;
	status = ADMIN_FAIL;
	if (user_read_line("New password: ", pw, sizeof(pw), &len) == -1) {
		admin_warnx(a, "%s: no password on standard input (give it as "
		    "the first line)", a->cmd);
		goto done;
	}
	if (user_check_password(a, pw, len) != 0)
		goto done;
	if (isatty(STDIN_FILENO)) {
		if (user_read_line("Again: ", again, sizeof(again), &len2) == -1 ||
		    len2 != len || memcmp(pw, again, len) != 0) {
			admin_warnx(a, "%s: the two passwords differ", a->cmd);
			goto done;
		}
	}
	if (pw_hash(pw, a->app.cfg.bcrypt_cost, hash, sizeof(hash)) == -1) {
		admin_warnx(a, "%s: password hashing failed", a->cmd);
		goto done;
	}
	rc = store_user_change_password(a->app.store, id, hash, NULL);
	if (rc != STORE_OK) {
		status = admin_user_error(a, args[0], rc);
		goto done;
	}
	admin_audit(a, AUDIT_PASSWORD_SET, id, "password set");
	printf("set a new password for %s: every session ended\n", u.email);
	status = ADMIN_OK;
done:
	util_wipe(pw, sizeof(pw));
	util_wipe(again, sizeof(again));
	util_wipe(hash, sizeof(hash));
	return status;
}

/*
 * user reset-2fa EMAIL: turn the user's two-factor authentication off
 * (a lost authenticator and recovery codes), audited.  Password changes
 * never do this (issue 15); the user enrols again after logging in.
 */
int
admin_user_reset_2fa(struct admin *a, char **args, int n)
{
	struct user	 u;
	int64_t		 id;
	enum store_rc	 rc;
	int		 status, was_on = 0;

	(void)n;
	if ((status = user_open(a, args[0], &id, &u)) != 0)
		return status;
	if ((rc = store_totp_disable(a->app.store, id, &was_on)) != STORE_OK)
		return admin_user_error(a, args[0], rc);
	admin_audit(a, AUDIT_2FA_RESET, id, "two-factor authentication %s",
	    was_on ? "turned off" : "was off; secret forgotten");
	printf("%s: two-factor authentication %s\n", u.email,
	    was_on ? "turned off" : "was not on (any pending secret forgotten)");
	return ADMIN_OK;
}
