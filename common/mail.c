/*
 * mail: builds a message whose every header byte is ours or encoded, and
 * runs the sendmail command on it without a shell, killing it past a
 * deadline and always reaping it (a FastCGI process lives long).
 */
/* pipe2(), posix_spawn_file_actions_addclosefrom_np() */
#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "mail.h"
#include "text.h"
#include "util.h"

/* A growing message; err is set once anything could not be added. */
struct mail_buf {
	char	*p;
	size_t	 len, cap;
	int	 err;
};

static void
mail_add(struct mail_buf *b, const char *s, size_t n)
{
	char	*p;
	size_t	 cap;

	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 1024 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->err = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
mail_adds(struct mail_buf *b, const char *s)
{
	mail_add(b, s, strlen(s));
}

static void mail_addf(struct mail_buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void
mail_addf(struct mail_buf *b, const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		b->err = 1;
	else
		mail_add(b, line, (size_t)n);
}

/*
 * An address as it may stand in a header: RFC 5322 atext, dots and one
 * "@", nothing that could end the header, start another or add a
 * recipient (space, comma, semicolon, angle brackets, quotes, controls).
 */
static int
mail_address_ok(const char *s, size_t len)
{
	static const char	 extra[] = "!#$%&'*+-/=?^_`{|}~.@";
	const char		*at;
	size_t			 i;

	if (len == 0 || len > 254 || (at = memchr(s, '@', len)) == NULL ||
	    at == s || at == s + len - 1 || memchr(at + 1, '@',
	    len - (size_t)(at + 1 - s)) != NULL)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != '\0' && strchr(extra, c))))
			return 0;
	}
	return 1;
}

int
mail_from_ok(const char *from)
{
	const char	*lt, *gt;
	size_t		 i, len = strlen(from);

	for (i = 0; i < len; i++)
		if ((unsigned char)from[i] < 0x20 || (unsigned char)from[i] > 0x7e)
			return 0;
	if ((lt = strchr(from, '<')) == NULL)
		return mail_address_ok(from, len);
	/* "Name <addr>": the name plain, the address closing the value. */
	gt = from + len - 1;
	if (*gt != '>' || strchr(lt + 1, '<') != NULL || strchr(from, '>') != gt ||
	    memchr(from, '"', (size_t)(lt - from)) != NULL ||
	    memchr(from, '\\', (size_t)(lt - from)) != NULL)
		return 0;
	return mail_address_ok(lt + 1, (size_t)(gt - lt - 1));
}

/* The address in MAIL_FROM (without the name), and its domain. */
static void
mail_from_address(const char *from, const char **addr, size_t *len)
{
	const char	*lt = strchr(from, '<');

	if (lt == NULL) {
		*addr = from;
		*len = strlen(from);
	} else {
		*addr = lt + 1;
		*len = strlen(lt + 1) - 1;
	}
}

/* Can text go into a header as it is: short printable ASCII? */
static int
mail_plain(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return i <= 70;
}

/*
 * text as RFC 2047 encoded-words ("=?UTF-8?B?...?="), each at most 75
 * characters (45 bytes of text) and never splitting a character, folded
 * one to a line.  Base64 leaves no byte of the text in the header.
 */
static void
mail_encoded(struct mail_buf *b, const char *text)
{
	unsigned char	 out[64];
	size_t		 len = strlen(text), take;
	int		 n;

	while (len > 0) {
		take = util_utf8_cut(text, len < 45 ? len : 45);
		if (take == 0)
			take = len < 45 ? len : 45;
		n = EVP_EncodeBlock(out, (const unsigned char *)text, (int)take);
		mail_adds(b, "=?UTF-8?B?");
		mail_add(b, (const char *)out, (size_t)n);
		mail_adds(b, "?=");
		text += take;
		len -= take;
		if (len > 0)
			mail_adds(b, "\n ");
	}
}

/* Is the body sendable as 7bit: ASCII, lines under 998 bytes, no CR? */
static int
mail_7bit(const char *body)
{
	size_t	 line = 0;

	for (; *body != '\0'; body++) {
		if (*body == '\n') {
			line = 0;
			continue;
		}
		if ((unsigned char)*body > 0x7e || *body == '\r' ||
		    ++line > 900)
			return 0;
	}
	return 1;
}

/*
 * body as quoted-printable (RFC 2045 6.7): "=" and anything not
 * printable ASCII encoded, lines broken softly before 76 characters and
 * never inside an encoded byte, a space or tab before a line end encoded.
 */
static void
mail_qp(struct mail_buf *b, const char *body)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 enc[3];
	size_t			 col = 0, n;
	unsigned char		 c;

	for (; *body != '\0'; body++) {
		c = (unsigned char)*body;
		if (c == '\n') {
			mail_adds(b, "\n");
			col = 0;
			continue;
		}
		if (c == '=' || c < 0x20 || c > 0x7e ||
		    ((c == ' ' || c == '\t') && (body[1] == '\n' || body[1] == '\0'))) {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			n = 3;
		} else {
			enc[0] = (char)c;
			n = 1;
		}
		if (col + n > 75) {
			mail_adds(b, "=\n");
			col = 0;
		}
		mail_add(b, enc, n);
		col += n;
	}
}

/* RFC 5322 3.3, in UTC, with English names whatever the locale. */
static void
mail_date(struct mail_buf *b, int64_t now)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t		 t = (time_t)now;
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL) {
		b->err = 1;
		return;
	}
	mail_addf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *
mail_build(const char *from, const struct mail *m, int64_t now, size_t *len)
{
	struct mail_buf	 b = { NULL, 0, 0, 0 };
	const char	*addr, *at;
	size_t		 addr_len;
	char		 id[33];

	if (!mail_from_ok(from) || !mail_address_ok(m->to, strlen(m->to)) ||
	    (m->to_name != NULL && !text_allowed(m->to_name,
	    strlen(m->to_name), TEXT_LINE)) ||
	    !text_allowed(m->subject, strlen(m->subject), TEXT_LINE) ||
	    !text_allowed(m->body, strlen(m->body), TEXT_LINES)) {
		errno = EINVAL;
		return NULL;
	}
	if (util_random_hex(id, 16) == -1) {
		errno = EIO;
		return NULL;
	}
	mail_from_address(from, &addr, &addr_len);
	at = memchr(addr, '@', addr_len);
	mail_addf(&b, "From: %s\n", from);
	mail_adds(&b, "To: ");
	if (m->to_name != NULL && m->to_name[0] != '\0') {
		mail_encoded(&b, m->to_name);
		mail_adds(&b, "\n <");
		mail_adds(&b, m->to);
		mail_adds(&b, ">\n");
	} else {
		mail_adds(&b, m->to);
		mail_adds(&b, "\n");
	}
	mail_adds(&b, "Subject: ");
	if (mail_plain(m->subject))
		mail_adds(&b, m->subject);
	else
		mail_encoded(&b, m->subject);
	mail_adds(&b, "\n");
	mail_date(&b, now);
	mail_addf(&b, "Message-ID: <%s", id);
	mail_add(&b, at, addr_len - (size_t)(at - addr));
	mail_adds(&b, ">\n");
	mail_adds(&b, "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n");
	if (mail_7bit(m->body)) {
		mail_adds(&b, "Content-Transfer-Encoding: 7bit\n\n");
		mail_adds(&b, m->body);
	} else {
		mail_adds(&b, "Content-Transfer-Encoding: quoted-printable\n\n");
		mail_qp(&b, m->body);
	}
	if (b.err) {
		free(b.p);
		errno = ENOMEM;
		return NULL;
	}
	*len = b.len;
	return b.p;
}

/* Split command at spaces and tabs into argv (in buf); the count, or -1. */
static int
mail_argv(const char *command, char *buf, size_t bufsz,
    char *argv[MAIL_ARGS_MAX + 1])
{
	char	*p, *save = NULL;
	int	 n = 0;

	if (strlen(command) >= bufsz)
		return -1;
	strcpy(buf, command);
	for (p = strtok_r(buf, " \t", &save); p != NULL;
	    p = strtok_r(NULL, " \t", &save)) {
		if (n == MAIL_ARGS_MAX)
			return -1;
		argv[n++] = p;
	}
	argv[n] = NULL;
	return n;
}

/* Milliseconds on the monotonic clock. */
static int64_t
mail_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The child's environment: a PATH and nothing of ours (DATABASE_URL may
 * hold a password).
 */
static char	 mail_path[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
static char *const mail_env[] = { mail_path, NULL };

/*
 * Start argv[0] with the message's pipe (in) on standard input, standard
 * output to /dev/null (in plain CGI it is the reply), no descriptor of
 * ours beyond the three (the FastCGI socket, the database), default
 * signals, and a process group of its own so that a timeout kills what it
 * started too.  posix_spawn() runs it without copying this process (a
 * fork would leave every page of a long-lived process copy-on-write, and
 * the next request would pay for it).  0 with *pid, or an errno value.
 */
static int
mail_spawn(int in, char *const argv[], pid_t *pid)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 none, pipe_set;
	int				 rc;

	sigemptyset(&none);
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	/* dup2() of a descriptor onto itself clears its close-on-exec. */
	if ((rc = posix_spawn_file_actions_adddup2(&fa, in, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
	    O_WRONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&at, &pipe_set)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
	    (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) == 0)
		rc = posix_spawn(pid, argv[0], &fa, &at, argv, mail_env);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/*
 * Write the message into the pipe until done or deadline.  SIGPIPE is
 * blocked meanwhile, and one it raised taken back, so that a command that
 * exits without reading costs an EPIPE, not the process.  0, -1 (the pipe
 * broke: the exit status tells), or -2 (the deadline passed).
 */
static int
mail_write(int fd, const char *msg, size_t len, int64_t deadline)
{
	sigset_t	 pipe_set, old, pending;
	struct timespec	 zero = { 0, 0 };
	struct pollfd	 pfd = { fd, POLLOUT, 0 };
	int		 rc = 0, was_pending;
	ssize_t		 n;
	int64_t		 left;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	while (len > 0) {
		if ((left = deadline - mail_now_ms()) <= 0) {
			rc = -2;
			break;
		}
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR) {
			rc = -1;
			break;
		}
		n = write(fd, msg, len);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1) {
			rc = -1;
			break;
		}
		msg += n;
		len -= (size_t)n;
	}
	if (rc == -1 && errno == EPIPE && !was_pending)
		sigtimedwait(&pipe_set, NULL, &zero);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/*
 * Reap pid by deadline; past it, kill its group and reap it.  Returns its
 * wait status, or -1 if it was killed (or could not be waited for).
 */
static int
mail_reap(pid_t pid, int64_t deadline)
{
	struct timespec	 pause = { 0, 1000000 };
	int		 status;
	pid_t		 r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r == -1 && errno != EINTR)
			return -1;
		if (mail_now_ms() >= deadline)
			break;
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 10000000)
			pause.tv_nsec *= 2;
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return -1;
}

enum mail_rc
mail_send(const char *command, int timeout_ms, const char *from,
    const struct mail *m, char *err, size_t errsz)
{
	char		 buf[1024], *argv[MAIL_ARGS_MAX + 1], *msg = NULL;
	size_t		 len;
	int		 fds[2] = { -1, -1 }, wrote, status, spawned;
	int64_t		 deadline;
	pid_t		 pid;
	enum mail_rc	 rc = MAIL_FAILED;

	if ((msg = mail_build(from, m, (int64_t)time(NULL), &len)) == NULL) {
		snprintf(err, errsz, errno == EINVAL ? "a header would hold a "
		    "control character, or the address is not one" :
		    "cannot build the message: %s", strerror(errno));
		return errno == EINVAL ? MAIL_REFUSED : MAIL_FAILED;
	}
	if (mail_argv(command, buf, sizeof(buf), argv) < 1 || argv[0][0] != '/') {
		snprintf(err, errsz, "MAIL_COMMAND must be an absolute path and "
		    "at most %d arguments", MAIL_ARGS_MAX - 1);
		goto done;
	}
	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		goto done;
	}
	deadline = mail_now_ms() + timeout_ms;
	if ((spawned = mail_spawn(fds[0], argv, &pid)) != 0) {
		snprintf(err, errsz, "%s could not be run: %s", argv[0],
		    strerror(spawned));
		goto done;
	}
	close(fds[0]);
	fds[0] = -1;
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) == -1) {
		kill(pid, SIGKILL);
		wrote = -1;
	} else
		wrote = mail_write(fds[1], msg, len, deadline);
	close(fds[1]);
	fds[1] = -1;
	status = mail_reap(pid, wrote == -2 ? 0 : deadline);
	if (wrote == -2 || status == -1) {
		snprintf(err, errsz, "%s took longer than %d ms: killed", argv[0],
		    timeout_ms);
		rc = MAIL_TIMEOUT;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && wrote == 0)
		rc = MAIL_SENT;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		snprintf(err, errsz, "%s exited without reading the message",
		    argv[0]);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(err, errsz, "%s could not be run", argv[0]);
	else if (WIFEXITED(status))
		snprintf(err, errsz, "%s exited with status %d", argv[0],
		    WEXITSTATUS(status));
	else
		snprintf(err, errsz, "%s was killed by signal %d", argv[0],
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
done:
	if (fds[0] != -1)
		close(fds[0]);
	if (fds[1] != -1)
		close(fds[1]);
	free(msg);
	return rc;
}
