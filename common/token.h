/*
 * token: the session JWT, HS256 only.  Issue {userId, iat, exp, jti}; verify
 * everything libjwt 1.10 leaves to the caller (algorithm, exp, nbf, claim
 * types, length).
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A cookie of name + value over 4096 bytes is dropped by browsers anyway. */
#define TOK_MAX_LEN	1024
/* jti: 128 random bits as hex, the session's id in the store. */
#define TOK_ID_LEN	32

struct tok_claims {
	int64_t	 user_id;		/* "userId", as the tutorial names it */
	char	 id[TOK_ID_LEN + 1];	/* "jti" */
	int64_t	 iat;
	int64_t	 exp;
};

/* Fill id with a fresh random token id.  Returns 0 or -1. */
int	tok_new_id(char id[TOK_ID_LEN + 1]);

/*
 * Sign claims with key into out (NUL-terminated).  Returns 0, or -1 if libjwt
 * failed or out is too small.
 */
int	tok_issue(const unsigned char *key, size_t keylen,
	    const struct tok_claims *claims, char *out, size_t outsz);

/*
 * Verify token (len bytes, not necessarily NUL-terminated) against key at
 * time now, allowing leeway seconds of clock skew: at most TOK_MAX_LEN
 * bytes, three base64url parts, alg exactly HS256, a valid signature,
 * integer exp after now - leeway, integer nbf (if present) not after
 * now + leeway, integer userId > 0 and a jti of TOK_ID_LEN hex digits.
 * Returns 0 and fills *claims, or -1 and points *why at a short reason for
 * the log (never containing the token).
 */
int	tok_verify(const unsigned char *key, size_t keylen, const char *token,
	    size_t len, time_t now, int64_t leeway, struct tok_claims *claims,
	    const char **why);

#endif
