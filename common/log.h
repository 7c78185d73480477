/*
 * log: one line per noteworthy outcome on stderr, which the web server keeps
 * as its error log.  Callers never pass passwords, tokens, cookies or secrets.
 */
#ifndef LOG_H
#define LOG_H

#include "util.h"

/* Name the program in every later line (e.g. "login"); call once at start. */
void	log_init(const char *program);

/*
 * Write one line: time, program, pid, the client's address (or "-" when
 * client is NULL, for start-up and process-level events) and the formatted
 * message, cut before a character if it is very long.  Escaped as \xNN,
 * byte by byte, so that input echoed in a message can neither forge or
 * split log lines nor disguise them: control characters (C0, DEL and C1),
 * backslashes, bidirectional controls (U+061C, U+200E, U+200F, U+202A to
 * U+202E, U+2066 to U+2069), the line and paragraph separators (U+2028,
 * U+2029) and bytes that are not UTF-8.
 */
void	log_msg(const char *client, const char *fmt, ...) PRINTF_LIKE(2, 3);

/*
 * Escape src the same way into dst (always NUL-terminated, truncated with
 * "..." if dst is too small, never inside a character).  Exposed for the
 * unit tests.
 */
void	log_escape(char *dst, size_t dstsz, const char *src);

/* The most bytes of an identifier a line shows, and log_ident()'s buffer. */
#define LOG_IDENT_MAX	64
#define LOG_IDENT_SIZE	(LOG_IDENT_MAX + 4)

/*
 * Write ident, an e-mail as a client typed it, into out as a log line or
 * an audit event may show it: a well-formed address (json_is_email) cut
 * to LOG_IDENT_MAX bytes ("..." marks a cut); anything else, such as a
 * password typed into the e-mail field, as "#" and 12 hex digits of a
 * keyed digest, which tells repeats apart but lets nobody test guesses
 * against the log.
 */
void	log_ident(const char *ident, char out[LOG_IDENT_SIZE]);

/*
 * Key log_ident()'s digests with secret (the JWT key: stable across the
 * processes and nodes that share it, and no easier to learn than the log).
 * Without a call, a random key of the process's own is used.
 */
void	log_ident_key(const void *secret, size_t len);

#endif
