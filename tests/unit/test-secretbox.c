/*
 * Unit tests for common/secretbox.c (AES-256-GCM of the TOTP secrets) and
 * the code checks of common/totp.c: a round trip, and every kind of
 * tampering refused: a changed byte anywhere, a cut or grown text, another
 * key, another owner (associated data), junk.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "secretbox.h"
#include "totp.h"

static const unsigned char key[BOX_KEY_LEN] = "0123456789abcdef0123456789abcde";
static const unsigned char other_key[BOX_KEY_LEN] = "0123456789abcdef0123456789abcdX";
static const unsigned char plain[TOTP_SECRET_LEN] = "12345678901234567890";
#define AAD	"fcgi-auth totp user 1"

/* Seal plain under key and AAD into text. */
static void
seal(char text[BOX_TEXT_MAX + 1])
{
	assert_int_equal(box_seal(key, AAD, plain, sizeof(plain), text), 0);
}

/* Does text open under key and aad?  Checks the plain text when it does. */
static int
opens(const unsigned char *k, const char *aad, const char *text)
{
	unsigned char	 out[BOX_PLAIN_MAX];
	size_t		 len = 0;

	if (box_open(k, aad, text, out, &len) == -1)
		return 0;
	assert_int_equal(len, sizeof(plain));
	assert_memory_equal(out, plain, sizeof(plain));
	return 1;
}

static void
round_trip(void **state)
{
	char	 text[BOX_TEXT_MAX + 1];

	(void)state;
	seal(text);
	assert_int_equal(strncmp(text, "g1:", 3), 0);
	/* nonce, ciphertext as long as the secret, tag, in hex */
	assert_int_equal(strlen(text), 3 + 2 * (BOX_NONCE_LEN +
	    sizeof(plain) + BOX_TAG_LEN));
	assert_true(opens(key, AAD, text));
}

static void
each_seal_is_new(void **state)
{
	char	 a[BOX_TEXT_MAX + 1], b[BOX_TEXT_MAX + 1];

	(void)state;
	seal(a);
	seal(b);
	/* A fresh nonce each time: the same secret never seals alike. */
	assert_string_not_equal(a, b);
	assert_true(opens(key, AAD, a) && opens(key, AAD, b));
}

static void
every_changed_digit_is_refused(void **state)
{
	char	 text[BOX_TEXT_MAX + 1], saved;
	size_t	 i, len;

	(void)state;
	seal(text);
	len = strlen(text);
	for (i = 3; i < len; i++) {
		saved = text[i];
		text[i] = saved == '0' ? '1' : '0';
		assert_false(opens(key, AAD, text));
		text[i] = saved;
	}
	assert_true(opens(key, AAD, text));
}

static void
cut_and_grown_texts_are_refused(void **state)
{
	char	 text[BOX_TEXT_MAX + 1], longer[BOX_TEXT_MAX + 8];
	size_t	 len;

	(void)state;
	seal(text);
	len = strlen(text);
	snprintf(longer, sizeof(longer), "%s00", text);
	assert_false(opens(key, AAD, longer));
	text[len - 2] = '\0';		/* a byte of the tag gone */
	assert_false(opens(key, AAD, text));
	text[len - 1] = '\0';		/* an odd number of digits */
	assert_false(opens(key, AAD, text));
}

static void
other_key_or_owner_is_refused(void **state)
{
	char	 text[BOX_TEXT_MAX + 1];

	(void)state;
	seal(text);
	assert_false(opens(other_key, AAD, text));
	assert_false(opens(key, "fcgi-auth totp user 2", text));
	assert_false(opens(key, "", text));
}

static void
junk_is_refused(void **state)
{
	char	 text[BOX_TEXT_MAX + 1];

	(void)state;
	seal(text);
	assert_false(opens(key, AAD, ""));
	assert_false(opens(key, AAD, "g1:"));
	assert_false(opens(key, AAD, text + 3));	/* no prefix */
	text[1] = '2';				/* another version */
	assert_false(opens(key, AAD, text));
	text[1] = '1';
	text[10] = 'x';				/* no hex digit */
	assert_false(opens(key, AAD, text));
}

static void
seal_refuses_empty_and_oversized(void **state)
{
	unsigned char	 big[BOX_PLAIN_MAX + 1] = { 0 };
	char		 text[BOX_TEXT_MAX + 1];

	(void)state;
	assert_int_equal(box_seal(key, AAD, plain, 0, text), -1);
	assert_int_equal(box_seal(key, AAD, big, sizeof(big), text), -1);
	assert_int_equal(box_seal(key, AAD, big, BOX_PLAIN_MAX, text), 0);
}

/*
 * RFC 6238's SHA-1 test vector (its appendix B): the secret
 * "12345678901234567890" at 59 s gives 94287082, whose last six digits
 * are the 6-digit code 287082 (step 1).
 */
static void
totp_rfc6238_vector_and_drift(void **state)
{
	int64_t	 step = -1;

	(void)state;
	assert_int_equal(totp_init(), 0);
	assert_true(totp_check(plain, sizeof(plain), "287082", 6, 59, &step));
	assert_int_equal(step, 1);
	/* One step either way: at 89 s (step 2) and at 29 s (step 0). */
	assert_true(totp_check(plain, sizeof(plain), "287082", 6, 89, &step));
	assert_int_equal(step, 1);
	assert_true(totp_check(plain, sizeof(plain), "287082", 6, 29, &step));
	/* Two steps: no. */
	assert_false(totp_check(plain, sizeof(plain), "287082", 6, 119, &step));
	assert_false(totp_check(plain, sizeof(plain), "287083", 6, 59, &step));
	assert_false(totp_check(plain, sizeof(plain), "28708", 5, 59, &step));
	assert_false(totp_check(plain, sizeof(plain), "28708a", 6, 59, &step));
}

static void
recovery_codes_digest_as_typed(void **state)
{
	char	 code[TOTP_RECOVERY_LEN + 1], d1[TOTP_DIGEST_LEN + 1];
	char	 d2[TOTP_DIGEST_LEN + 1], typed[TOTP_RECOVERY_LEN + 1];
	size_t	 i, n = 0;

	(void)state;
	assert_int_equal(totp_recovery_new(code, d1), 0);
	assert_int_equal(strlen(code), TOTP_RECOVERY_LEN);
	assert_int_equal(totp_recovery_digest(code, strlen(code), d2), 0);
	assert_string_equal(d1, d2);
	/* Upper case, without the dashes: the same code. */
	for (i = 0; code[i] != '\0'; i++)
		if (code[i] != '-')
			typed[n++] = code[i] >= 'a' && code[i] <= 'f' ?
			    (char)(code[i] - 'a' + 'A') : code[i];
	assert_int_equal(totp_recovery_digest(typed, n, d2), 0);
	assert_string_equal(d1, d2);
	assert_int_equal(totp_recovery_digest(typed, n - 1, d2), -1);
	assert_int_equal(totp_recovery_digest("123456", 6, d2), -1);
}

static void
otpauth_url_is_escaped(void **state)
{
	char	 url[TOTP_URL_MAX];

	(void)state;
	assert_int_equal(totp_url(plain, sizeof(plain), "My App",
	    "a+b@example.com", url, sizeof(url)), 0);
	assert_string_equal(url, "otpauth://totp/My%20App:a%2Bb@example.com?"
	    "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=My%20App");
	assert_int_equal(totp_url(plain, sizeof(plain), "x", "a@b.c", url, 40),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(each_seal_is_new),
		cmocka_unit_test(every_changed_digit_is_refused),
		cmocka_unit_test(cut_and_grown_texts_are_refused),
		cmocka_unit_test(other_key_or_owner_is_refused),
		cmocka_unit_test(junk_is_refused),
		cmocka_unit_test(seal_refuses_empty_and_oversized),
		cmocka_unit_test(totp_rfc6238_vector_and_drift),
		cmocka_unit_test(recovery_codes_digest_as_typed),
		cmocka_unit_test(otpauth_url_is_escaped),
	};

	return cmocka_run_group_tests_name("secretbox", tests, NULL, NULL);
}
