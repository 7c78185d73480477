/*
 * mail: one plain-text message, headers built here, handed to the host's
 * sendmail interface (MAIL_COMMAND, message on standard input) within a
 * bounded time.
 */
#ifndef MAIL_H
#define MAIL_H

#include <stddef.h>
#include <stdint.h>

/* The most arguments MAIL_COMMAND splits into, the program included. */
#define MAIL_ARGS_MAX	32

/* What to send.  Every string is UTF-8 and NUL-terminated. */
struct mail {
	const char	*to;		/* the address: printable ASCII, no
					   spaces, angle brackets, quotes,
					   commas or semicolons */
	const char	*to_name;	/* shown in To: RFC 2047-encoded;
					   NULL or "": the address alone */
	const char	*subject;	/* one line of text */
	const char	*body;		/* lines of text ending in "\n" */
};

enum mail_rc {
	MAIL_SENT,	/* the command read the message and exited 0 */
	MAIL_REFUSED,	/* a header would carry a control character, or the
			   address is not one: nothing was run */
	MAIL_FAILED,	/* the command could not run, or exited non-zero */
	MAIL_TIMEOUT,	/* it took longer than allowed and was killed */
};

/*
 * Is from usable as MAIL_FROM: "addr@host" or "Display Name <addr@host>",
 * printable ASCII only (the name may not hold '"', '\\', '<' or '>')?
 * 1 or 0.  config.c checks it at start-up.
 */
int	mail_from_ok(const char *from);

/*
 * Build m as a message from from, dated now (Unix seconds): From, To,
 * Subject, Date, Message-ID (random, at from's domain), MIME-Version and a
 * text/plain; charset=utf-8 body, 7bit when it is short-lined ASCII, else
 * quoted-printable.  Lines end in "\n" (sendmail's local convention).
 * Returns the message (the caller frees it) and its length in *len, or
 * NULL with errno EINVAL (MAIL_REFUSED's cases) or ENOMEM.
 */
char	*mail_build(const char *from, const struct mail *m, int64_t now,
	    size_t *len);

/*
 * Build m and pipe it to command, split at spaces and tabs into at most
 * MAIL_ARGS_MAX arguments (no shell, no quoting), run with standard
 * output on /dev/null, standard error inherited (the server's error log)
 * and no other descriptor of ours, in a process group of its own, with
 * an environment of PATH alone.  If it
 * has not read the message and exited within timeout_ms, the group is
 * killed.  The child is always reaped before returning, and SIGPIPE never
 * reaches the caller.  On failure a one-line reason (no address, no
 * content) is written to err.
 */
enum mail_rc	mail_send(const char *command, int timeout_ms,
		    const char *from, const struct mail *m, char *err,
		    size_t errsz);

#endif
