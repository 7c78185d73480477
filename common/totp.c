/*
 * totp: liboath for the codes and base32; OpenSSL's SHA-256 for the
 * recovery codes' digests (128 random bits each: a plain digest is
 * enough, ASVS V6.5.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/evp.h>

#include "totp.h"
#include "util.h"

int
totp_init(void)
{
	return oath_init() == OATH_OK ? 0 : -1;
}

int
totp_secret_new(unsigned char secret[TOTP_SECRET_LEN])
{
	return util_random(secret, TOTP_SECRET_LEN);
}

int
totp_is_code(const char *code, size_t len)
{
	size_t	 i;

	if (len != TOTP_DIGITS)
		return 0;
	for (i = 0; i < len; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return 1;
}

/* liboath's comparison, in constant time: 0 on a match. */
static int
totp_cmp(void *handle, const char *test_otp)
{
	return util_equal_ct(handle, TOTP_DIGITS, test_otp,
	    strlen(test_otp)) ? 0 : 1;
}

int
totp_check(const unsigned char *secret, size_t secret_len, const char *code,
    size_t len, int64_t now, int64_t *step)
{
	char		 typed[TOTP_DIGITS + 1];
	uint64_t	 counter = 0;
	int		 pos = 0, rc;

	if (!totp_is_code(code, len))
		return 0;
	memcpy(typed, code, TOTP_DIGITS);
	typed[TOTP_DIGITS] = '\0';
	rc = oath_totp_validate3_callback((const char *)secret, secret_len,
	    (time_t)now, TOTP_STEP, 0, TOTP_DIGITS, TOTP_DRIFT, &pos, &counter,
	    totp_cmp, typed);
	util_wipe(typed, sizeof(typed));
	if (rc < 0)
		return 0;
	*step = (int64_t)counter;
	return 1;
}

/* Append s to out at *at percent-encoded (RFC 3986's unreserved kept, and '@'). */
static int
totp_escape(const char *s, char *out, size_t outsz, size_t *at)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || c == '@') {
			if (*at + 1 >= outsz)
				return -1;
			out[(*at)++] = (char)c;
		} else {
			if (*at + 3 >= outsz)
				return -1;
			out[(*at)++] = '%';
			out[(*at)++] = hex[c >> 4];
			out[(*at)++] = hex[c & 15];
		}
	}
	out[*at] = '\0';
	return 0;
}

/* Append the literal s at *at. */
static int
totp_append(const char *s, char *out, size_t outsz, size_t *at)
{
	size_t	 n = strlen(s);

	if (*at + n >= outsz)
		return -1;
	memcpy(out + *at, s, n + 1);
	*at += n;
	return 0;
}

int
totp_url(const unsigned char *secret, size_t secret_len, const char *issuer,
    const char *email, char *out, size_t outsz)
{
	char	*b32 = NULL;
	size_t	 b32len = 0, at = 0;
	int	 rc = -1;

	if (oath_base32_encode((const char *)secret, secret_len, &b32,
	    &b32len) != OATH_OK)
		return -1;
	/* Apps want the secret without base32's '=' padding. */
	while (b32len > 0 && b32[b32len - 1] == '=')
		b32[--b32len] = '\0';
	if (totp_append("otpauth://totp/", out, outsz, &at) == 0 &&
	    totp_escape(issuer, out, outsz, &at) == 0 &&
	    totp_append(":", out, outsz, &at) == 0 &&
	    totp_escape(email, out, outsz, &at) == 0 &&
	    totp_append("?secret=", out, outsz, &at) == 0 &&
	    totp_append(b32, out, outsz, &at) == 0 &&
	    totp_append("&issuer=", out, outsz, &at) == 0 &&
	    totp_escape(issuer, out, outsz, &at) == 0)
		rc = 0;
	util_wipe(b32, b32len);
	free(b32);
	if (rc == -1)
		util_wipe(out, outsz);
	return rc;
}

/* The SHA-256 of the 32 hex digits of a code, lower case, as hex. */
static int
totp_digest(const char hexcode[2 * TOTP_RECOVERY_BYTES],
    char digest[TOTP_DIGEST_LEN + 1])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	if (EVP_Digest(hexcode, 2 * TOTP_RECOVERY_BYTES, md, &mdlen,
	    EVP_sha256(), NULL) != 1 || mdlen * 2 != TOTP_DIGEST_LEN)
		return -1;
	util_hex(md, mdlen, digest);
	return 0;
}

int
totp_recovery_new(char code[TOTP_RECOVERY_LEN + 1],
    char digest[TOTP_DIGEST_LEN + 1])
{
	char	 hex[2 * TOTP_RECOVERY_BYTES + 1];
	int	 i, rc;

	if (util_random_hex(hex, TOTP_RECOVERY_BYTES) == -1)
		return -1;
	for (i = 0; i < 4; i++) {
		memcpy(code + 9 * i, hex + 8 * i, 8);
		code[9 * i + 8] = i < 3 ? '-' : '\0';
	}
	rc = totp_digest(hex, digest);
	util_wipe(hex, sizeof(hex));
	return rc;
}

int
totp_recovery_digest(const char *code, size_t len,
    char digest[TOTP_DIGEST_LEN + 1])
{
	char	 hex[2 * TOTP_RECOVERY_BYTES];
	size_t	 i, n = 0;
	int	 rc;

	for (i = 0; i < len; i++) {
		if (code[i] == '-' || code[i] == ' ')
			continue;
		if (util_hexval((unsigned char)code[i]) == -1 ||
		    n == sizeof(hex))
			return -1;
		hex[n++] = code[i] >= 'A' && code[i] <= 'F' ?
		    (char)(code[i] - 'A' + 'a') : code[i];
	}
	if (n != sizeof(hex))
		return -1;
	rc = totp_digest(hex, digest);
	util_wipe(hex, sizeof(hex));
	return rc;
}
