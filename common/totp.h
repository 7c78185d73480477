/*
 * totp: the second factor's one-time codes (RFC 6238 through liboath:
 * HMAC-SHA-1, 6 digits, 30-second steps, as every authenticator app
 * expects), its secrets, the otpauth URL that enrols them, and the
 * recovery codes that stand in for a lost authenticator.
 */
#ifndef TOTP_H
#define TOTP_H

#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_LEN	20	/* bytes: 160 bits (RFC 4226's recommendation) */
#define TOTP_DIGITS	6
#define TOTP_STEP	30	/* seconds */
#define TOTP_DRIFT	1	/* steps accepted either side of now */

/* Base32 of the secret as the URL carries it: 32 characters. */
#define TOTP_BASE32_LEN	32
#define TOTP_URL_MAX	1024

/* Recovery codes: TOTP_RECOVERY_COUNT of 128 random bits each. */
#define TOTP_RECOVERY_COUNT	10
#define TOTP_RECOVERY_BYTES	16
/* As shown: four groups of eight hex digits, "0123abcd-...". */
#define TOTP_RECOVERY_LEN	(2 * TOTP_RECOVERY_BYTES + 3)
#define TOTP_DIGEST_LEN		64	/* SHA-256, hex */

/* Ready liboath once per process.  Returns 0 or -1. */
int	totp_init(void);

/* TOTP_SECRET_LEN bytes from the kernel's CSPRNG.  Returns 0 or -1. */
int	totp_secret_new(unsigned char secret[TOTP_SECRET_LEN]);

/*
 * Does code (len bytes, TOTP_DIGITS digits) match secret at now, or one
 * step before or after (TOTP_DRIFT)?  Returns 1 and the matching step's
 * number (Unix time / TOTP_STEP) in *step, or 0.  The comparison is in
 * constant time.
 */
int	totp_check(const unsigned char *secret, size_t secret_len,
	    const char *code, size_t len, int64_t now, int64_t *step);

/* Is code (len bytes) shaped like a TOTP code: TOTP_DIGITS digits? */
int	totp_is_code(const char *code, size_t len);

/*
 * The otpauth URL an authenticator app reads from a QR code:
 * otpauth://totp/ISSUER:EMAIL?secret=BASE32&issuer=ISSUER, the issuer and
 * e-mail percent-encoded.  Returns 0, or -1 if it does not fit out.
 */
int	totp_url(const unsigned char *secret, size_t secret_len,
	    const char *issuer, const char *email, char *out, size_t outsz);

/*
 * A new recovery code as shown to the user (TOTP_RECOVERY_LEN characters)
 * and its digest as stored.  Returns 0 or -1.
 */
int	totp_recovery_new(char code[TOTP_RECOVERY_LEN + 1],
	    char digest[TOTP_DIGEST_LEN + 1]);

/*
 * The digest of a recovery code as typed: its hex digits in either case,
 * dashes and blanks ignored, must be 32.  Returns 0, or -1 if it is no
 * recovery code.
 */
int	totp_recovery_digest(const char *code, size_t len,
	    char digest[TOTP_DIGEST_LEN + 1]);

#endif
