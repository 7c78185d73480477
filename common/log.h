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
 * message.  Control characters and backslashes in the result are escaped as
 * \xNN, so input echoed in a message cannot forge or split log lines.
 */
void	log_msg(const char *client, const char *fmt, ...) PRINTF_LIKE(2, 3);

/*
 * Escape src the same way into dst (always NUL-terminated, truncated with
 * "..." if dst is too small).  Exposed for the unit tests.
 */
void	log_escape(char *dst, size_t dstsz, const char *src);

#endif
