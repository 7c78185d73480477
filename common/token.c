/*
 * token: libjwt 1.10 for the HMAC, base64url and claims; each claim is read
 * by itself and must have the JSON type we expect.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <openssl/evp.h>

#include "token.h"
#include "util.h"

int
tok_new_id(char id[TOK_ID_LEN + 1])
{
	return util_random_hex(id, TOK_ID_LEN / 2);
}

/*
 * The digest of token (len bytes) if it is exactly want lower-case hex
 * digits (lower case only: a refresh token's id is looked up as it is
 * written), else -1: junk never reaches the store.
 */
static int
tok_hex_digest(const char *token, size_t len, size_t want,
    char digest[TOK_DIGEST_LEN + 1])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	size_t		 i;

	if (len != want)
		return -1;
	for (i = 0; i < len; i++)
		if (util_hexval((unsigned char)token[i]) == -1 ||
		    (token[i] >= 'A' && token[i] <= 'F'))
			return -1;
	if (EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen * 2 != TOK_DIGEST_LEN)
		return -1;
	util_hex(md, mdlen, digest);
	return 0;
}

int
tok_refresh_parse(const char *token, size_t len, char id[TOK_ID_LEN + 1],
    char digest[TOK_DIGEST_LEN + 1])
{
	if (tok_hex_digest(token, len, TOK_REFRESH_LEN, digest) == -1)
		return -1;
	memcpy(id, token, TOK_ID_LEN);
	id[TOK_ID_LEN] = '\0';
	return 0;
}

int
tok_refresh_new(const char id[TOK_ID_LEN + 1], char token[TOK_REFRESH_LEN + 1],
    char digest[TOK_DIGEST_LEN + 1])
{
	char	 check[TOK_ID_LEN + 1];

	memcpy(token, id, TOK_ID_LEN);
	if (util_random_hex(token + TOK_ID_LEN, TOK_SECRET_LEN / 2) == -1)
		return -1;
	return tok_refresh_parse(token, TOK_REFRESH_LEN, check, digest);
}

int
tok_issue(const unsigned char *key, size_t keylen,
    const struct tok_claims *c, char *out, size_t outsz)
{
	jwt_t	*jwt = NULL;
	char	*str = NULL;
	int	 rc = -1;

	out[0] = '\0';
	if (keylen == 0 || keylen > INT32_MAX || jwt_new(&jwt) != 0)
		goto done;
	if (jwt_add_grant_int(jwt, "userId", (long)c->user_id) != 0 ||
	    jwt_add_grant_int(jwt, "iat", (long)c->iat) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)c->exp) != 0 ||
	    jwt_add_grant(jwt, "jti", c->id) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, key, (int)keylen) != 0)
		goto done;
	if ((str = jwt_encode_str(jwt)) == NULL || strlen(str) >= outsz)
		goto done;
	strcpy(out, str);
	rc = 0;
done:
	free(str);
	jwt_free(jwt);
	return rc;
}

/*
 * Read an integer claim: present and of JSON integer type, not a string,
 * float or boolean.  Returns 1 if there, 0 if absent, -1 if of another
 * type.  libjwt 1.10's jwt_get_grant_int() reads every other type as 0, so
 * a 0 is believed only when the claim's JSON text is exactly "0" (rare:
 * no valid claim of ours is 0).
 */
static int
tok_int_claim(jwt_t *jwt, const char *name, int64_t *out)
{
	char	*json;
	long	 v;
	int	 zero;

	errno = 0;
	v = jwt_get_grant_int(jwt, name);
	if (errno == ENOENT)
		return 0;
	if (errno != 0)
		return -1;
	if (v == 0) {
		json = jwt_get_grants_json(jwt, name);
		zero = json != NULL && strcmp(json, "0") == 0;
		free(json);
		if (!zero)
			return -1;
	}
	*out = v;
	return 1;
}

static int
tok_is_hex_id(const char *s)
{
	size_t	 i;

	for (i = 0; i < TOK_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[TOK_ID_LEN] == '\0';
}

int
tok_verify(const unsigned char *key, size_t keylen, const char *token,
    size_t len, time_t now, int64_t leeway, struct tok_claims *claims,
    const char **why)
{
	char			 buf[TOK_MAX_LEN + 1];
	jwt_t			*jwt = NULL;
	const char		*jti;
	int64_t			 nbf;
	size_t			 i, dots = 0;
	int			 rc = -1;

	*why = "malformed token";
	/* Bound the work before libjwt strdup()s and base64-decodes it. */
	if (len == 0 || len > TOK_MAX_LEN) {
		*why = len == 0 ? "empty token" : "token too long";
		return -1;
	}
	for (i = 0; i < len; i++) {
		char c = token[i];

		if (c == '.')
			dots++;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return -1;
	}
	if (dots != 2 || keylen == 0 || keylen > INT32_MAX)
		return -1;
	memcpy(buf, token, len);
	buf[len] = '\0';

	/* With a key, libjwt refuses alg "none" and checks an HS* signature. */
	if (jwt_decode(&jwt, buf, key, (int)keylen) != 0) {
		*why = "bad signature or encoding";
		goto done;
	}
	/* libjwt takes the algorithm from the token; pin ours (RFC 8725 3.1). */
	if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
		*why = "algorithm is not HS256";
		goto done;
	}
	if (tok_int_claim(jwt, "exp", &claims->exp) != 1) {
		*why = "no integer exp";
		goto done;
	}
	/* RFC 7519 4.1.4: a little leeway for clocks that disagree. */
	if (claims->exp <= (int64_t)now - leeway) {
		*why = "expired";
		goto done;
	}
	switch (tok_int_claim(jwt, "nbf", &nbf)) {
	case 0:
		break;
	case 1:
		if (nbf <= (int64_t)now + leeway)
			break;
		/* FALLTHROUGH */
	default:
		*why = "not yet valid (nbf)";
		goto done;
	}
	if (tok_int_claim(jwt, "userId", &claims->user_id) != 1 ||
	    claims->user_id <= 0) {
		*why = "no valid userId";
		goto done;
	}
	if (tok_int_claim(jwt, "iat", &claims->iat) != 1)
		claims->iat = 0;
	/* NULL unless a JSON string; tok_is_hex_id stops at a short one's NUL. */
	if ((jti = jwt_get_grant(jwt, "jti")) == NULL || !tok_is_hex_id(jti)) {
		*why = "no valid jti";
		goto done;
	}
	memcpy(claims->id, jti, TOK_ID_LEN + 1);
	*why = NULL;
	rc = 0;
done:
	jwt_free(jwt);
	util_wipe(buf, sizeof(buf));
	return rc;
}

int
tok_mail_parse(const char *token, size_t len, char digest[TOK_DIGEST_LEN + 1])
{
	return tok_hex_digest(token, len, TOK_MAIL_LEN, digest);
}

int
tok_mail_new(char token[TOK_MAIL_LEN + 1], char digest[TOK_DIGEST_LEN + 1])
{
	if (util_random_hex(token, TOK_MAIL_LEN / 2) == -1)
		return -1;
	return tok_mail_parse(token, TOK_MAIL_LEN, digest);
}
