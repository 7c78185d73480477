/*
 * password: bcrypt ($2b$) hashes through libxcrypt, with an explicit cost,
 * verification in constant time, and the rules a password must meet.
 */
#ifndef PASSWORD_H
#define PASSWORD_H

#include <stddef.h>

#define PW_MIN_CHARS	8	/* NIST SP 800-63B: at least 8 */
#define PW_MAX_BYTES	72	/* bcrypt reads no further; never truncate silently */
#define PW_HASH_MAX	128	/* room for any crypt(5) string we store */

/*
 * Hash password (NUL-terminated, at most PW_MAX_BYTES) with bcrypt at cost
 * (4..31) and a salt from the kernel, into out.  Returns 0, or -1 if
 * libxcrypt refused (out is then empty).
 */
int	pw_hash(const char *password, int cost, char *out, size_t outsz);

/*
 * Does password match hash?  A hash libxcrypt cannot use (NULL or "*"
 * result) never matches, nor does a password over PW_MAX_BYTES (bcrypt
 * would ignore its tail).  Returns 1 on a match, 0 otherwise.  The time
 * taken depends on the hash's cost, not on where the strings differ.
 */
int	pw_verify(const char *password, const char *hash);

/*
 * Should this stored hash be replaced on the next successful log-in: not
 * bcrypt $2b$, or bcrypt of another cost, above or below?  A hash left at
 * a cost no longer configured would make its account's failed log-ins
 * slower or faster than others (see pw_pad()).  Returns 1 or 0.
 */
int	pw_needs_rehash(const char *hash, int cost);

/*
 * The cost of a bcrypt hash ($2a$, $2b$, $2x$ or $2y$, two digits, 4 to
 * 31), or -1 for anything else.
 */
int	pw_cost(const char *hash);

/*
 * After a failed pw_verify() of password against a hash of cost from
 * (pw_cost(); -1 for a hash of another scheme), spend the time that one
 * verification at cost to takes, in all: a failed log-in then costs the
 * same whatever hash its account holds.  Nothing if from >= to.
 */
void	pw_pad(const char *password, int from, int to);

/*
 * Write into out a bcrypt string of the given cost that matches no password,
 * for log-ins with an unknown e-mail: verifying against it costs the same as
 * verifying a real hash, so response time does not reveal which e-mails
 * exist.
 */
void	pw_dummy_hash(int cost, char *out, size_t outsz);

#endif
