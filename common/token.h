/*
 * token: the access JWT, HS256 only.  Issue {userId, iat, exp, jti}; verify
 * everything libjwt 1.10 leaves to the caller (algorithm, exp, nbf, claim
 * types, length).  And the refresh token, which is not a JWT: 256 random
 * bits, stored only as its SHA-256 digest.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A cookie of name + value over 4096 bytes is dropped by browsers anyway. */
#define TOK_MAX_LEN	1024
/*
 * jti: 128 random bits as hex, the session's id in the store: every access
 * token of one session carries it, so ending the session (one row) ends
 * them all.
 */
#define TOK_ID_LEN	32
/*
 * A refresh token: its session's id, then 256 random bits, all as
 * lower-case hex.  The id finds the session's row (one B-tree lookup, one
 * row written per refresh); only the random part proves anything, and
 * the store keeps nothing but the whole token's digest.
 */
#define TOK_SECRET_LEN	64
#define TOK_REFRESH_LEN	(TOK_ID_LEN + TOK_SECRET_LEN)
/* Its digest: SHA-256 as lower-case hex (STORE_DIGEST_LEN). */
#define TOK_DIGEST_LEN	64

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

/*
 * Make a new refresh token of session id and its digest.  Returns 0, or -1
 * if the kernel gave no randomness or OpenSSL failed.
 */
int	tok_refresh_new(const char id[TOK_ID_LEN + 1],
	    char token[TOK_REFRESH_LEN + 1], char digest[TOK_DIGEST_LEN + 1]);

/*
 * The session id and the digest of a refresh token as presented (len
 * bytes): -1 unless it is exactly TOK_REFRESH_LEN lower-case hex digits,
 * so junk never reaches the store.
 */
int	tok_refresh_parse(const char *token, size_t len,
	    char id[TOK_ID_LEN + 1], char digest[TOK_DIGEST_LEN + 1]);

/* A token sent by mail: 256 random bits as lower-case hex. */
#define TOK_MAIL_LEN	64

/* Make a new mailed token and its digest: 0, or -1 as tok_refresh_new(). */
int	tok_mail_new(char token[TOK_MAIL_LEN + 1],
	    char digest[TOK_DIGEST_LEN + 1]);

/*
 * The digest of a mailed token as presented (len bytes): -1 unless it is
 * exactly TOK_MAIL_LEN lower-case hex digits.
 */
int	tok_mail_parse(const char *token, size_t len,
	    char digest[TOK_DIGEST_LEN + 1]);

#endif
