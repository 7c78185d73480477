/*
 * Unit tests for common/util.c: strict integer parsing, constant-time
 * comparison, random hex from the kernel and wiping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util.h"

/* Expect str to parse within [min, max] to want. */
static void
parse_ok(const char *str, int64_t min, int64_t max, int64_t want)
{
	const char	*errstr = NULL;
	int64_t		 out = -12345;

	assert_int_equal(util_parse_int(str, min, max, &out, &errstr), 0);
	assert_true(out == want);
}

/* Expect str to be refused with the reason want. */
static void
parse_bad(const char *str, int64_t min, int64_t max, const char *want)
{
	const char	*errstr = NULL;
	int64_t		 out = 0;

	assert_int_equal(util_parse_int(str, min, max, &out, &errstr), -1);
	assert_non_null(errstr);
	assert_string_equal(errstr, want);
}

static void
parse_int_accepts_plain_decimal(void **state)
{
	(void)state;
	parse_ok("42", 0, 100, 42);
	parse_ok("1", 1, 1, 1);
	parse_ok("3600", 1, 400 * 86400, 3600);
}

static void
parse_int_accepts_lone_zero(void **state)
{
	(void)state;
	parse_ok("0", 0, 10, 0);
}

static void
parse_int_refuses_leading_zero(void **state)
{
	(void)state;
	parse_bad("007", 0, 100, "invalid");
	parse_bad("00", 0, 100, "invalid");
	parse_bad("01", 0, 100, "invalid");
}

static void
parse_int_refuses_signs(void **state)
{
	(void)state;
	parse_bad("+1", 0, 100, "invalid");
	parse_bad("-1", -100, 100, "invalid");
	parse_bad("-0", 0, 100, "invalid");
}

static void
parse_int_refuses_spaces(void **state)
{
	(void)state;
	parse_bad(" 1", 0, 100, "invalid");
	parse_bad("1 ", 0, 100, "invalid");
	parse_bad("1 2", 0, 100, "invalid");
	parse_bad("\t1", 0, 100, "invalid");
	parse_bad("1\n", 0, 100, "invalid");
}

static void
parse_int_refuses_empty_and_null(void **state)
{
	(void)state;
	parse_bad("", 0, 100, "invalid");
	parse_bad(NULL, 0, 100, "invalid");
}

static void
parse_int_refuses_trailing_bytes(void **state)
{
	(void)state;
	parse_bad("12ab", 0, 100, "invalid");
	parse_bad("10s", 0, 100, "invalid");
	parse_bad("1.5", 0, 100, "invalid");
	parse_bad("0x10", 0, 100, "invalid");
	parse_bad("abc", 0, 100, "invalid");
}

static void
parse_int_refuses_below_min(void **state)
{
	(void)state;
	parse_bad("3", 4, 31, "too small");
	parse_bad("0", 1, 100, "too small");
	parse_ok("4", 4, 31, 4);
}

static void
parse_int_refuses_above_max(void **state)
{
	(void)state;
	parse_bad("32", 4, 31, "too large");
	parse_bad("2", 0, 1, "too large");
	parse_ok("31", 4, 31, 31);
}

static void
parse_int_handles_int64_limits(void **state)
{
	(void)state;
	parse_ok("9223372036854775807", 0, INT64_MAX, INT64_MAX);
	parse_bad("9223372036854775808", 0, INT64_MAX, "too large");
	parse_bad("99999999999999999999", 0, INT64_MAX, "too large");
	parse_bad("184467440737095516160", 0, INT64_MAX, "too large");
}

static void
equal_ct_equal_strings(void **state)
{
	(void)state;
	assert_int_equal(util_equal_ct("secret", 6, "secret", 6), 1);
}

static void
equal_ct_differing_byte(void **state)
{
	(void)state;
	assert_int_equal(util_equal_ct("secret", 6, "secreT", 6), 0);
	assert_int_equal(util_equal_ct("secret", 6, "Secret", 6), 0);
	assert_int_equal(util_equal_ct("secret", 6, "sec\0et", 6), 0);
}

static void
equal_ct_compares_past_nul(void **state)
{
	static const unsigned char	 a[] = { 'a', 0, 'b' };
	static const unsigned char	 b[] = { 'a', 0, 'c' };

	(void)state;
	assert_int_equal(util_equal_ct(a, sizeof(a), b, sizeof(b)), 0);
	assert_int_equal(util_equal_ct(a, sizeof(a), a, sizeof(a)), 1);
}

static void
equal_ct_different_lengths(void **state)
{
	(void)state;
	assert_int_equal(util_equal_ct("abc", 3, "abcd", 4), 0);
	assert_int_equal(util_equal_ct("abcd", 4, "abc", 3), 0);
	/* A prefix of the same bytes is still not equal. */
	assert_int_equal(util_equal_ct("abcd", 3, "abcd", 4), 0);
}

static void
equal_ct_zero_length(void **state)
{
	(void)state;
	assert_int_equal(util_equal_ct("", 0, "", 0), 1);
	assert_int_equal(util_equal_ct("x", 0, "y", 0), 1);
	assert_int_equal(util_equal_ct("", 0, "y", 1), 0);
}

static void
random_hex_length_and_terminator(void **state)
{
	char	 buf[64];

	(void)state;
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(util_random_hex(buf, 16), 0);
	assert_int_equal(strlen(buf), 32);
	/* Nothing past 2 * len + 1 is touched. */
	assert_int_equal(buf[33], 'Z');
}

static void
random_hex_alphabet(void **state)
{
	char	 buf[129];
	size_t	 i;

	(void)state;
	assert_int_equal(util_random_hex(buf, 64), 0);
	assert_int_equal(strlen(buf), 128);
	for (i = 0; i < 128; i++)
		assert_non_null(strchr("0123456789abcdef", buf[i]));
}

static void
random_hex_two_calls_differ(void **state)
{
	char	 a[33], b[33];

	(void)state;
	assert_int_equal(util_random_hex(a, 16), 0);
	assert_int_equal(util_random_hex(b, 16), 0);
	assert_string_not_equal(a, b);
}

static void
random_hex_zero_length(void **state)
{
	char	 buf[1] = { 'Z' };

	(void)state;
	assert_int_equal(util_random_hex(buf, 0), 0);
	assert_int_equal(buf[0], '\0');
}

static void
random_two_buffers_differ(void **state)
{
	unsigned char	 a[32], b[32];

	(void)state;
	assert_int_equal(util_random(a, sizeof(a)), 0);
	assert_int_equal(util_random(b, sizeof(b)), 0);
	assert_int_equal(util_equal_ct(a, sizeof(a), b, sizeof(b)), 0);
}

static void
wipe_zeroes_exactly_len_bytes(void **state)
{
	unsigned char	 buf[16];
	size_t		 i;

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	util_wipe(buf, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0);
	for (; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xaa);
}

static void
ip_canonical_forms(void **state)
{
	char	 out[64];

	(void)state;
	assert_int_equal(util_ip_canonical("192.0.2.1", out, sizeof(out)), 0);
	assert_string_equal(out, "192.0.2.1");
	assert_int_equal(util_ip_canonical("2001:DB8:0::01", out, sizeof(out)), 0);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(util_ip_canonical("::1", out, sizeof(out)), 0);
	assert_string_equal(out, "::1");
}

static void
ip_canonical_refuses_what_is_not_an_address(void **state)
{
	static const char *const bad[] = {
		"", "localhost", "192.0.2", "192.0.2.256", "192.0.2.1 ",
		"192.0.2.1,192.0.2.2", "[::1]", "::1%eth0", "1.2.3.4:80",
	};
	char	 out[64];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(util_ip_canonical(bad[i], out, sizeof(out)), -1);
}

/* --- util_redact_url() */

static void
redact(const char *in, const char *want)
{
	char	 out[256];

	assert_string_equal(util_redact_url(in, out, sizeof(out)), want);
}

static void
redact_url_hides_passwords(void **state)
{
	(void)state;
	redact("postgresql://auth:hunter2@db:5432/auth",
	    "postgresql://auth:***@db:5432/auth");
	/* The last @ of the authority ends the user information. */
	redact("postgres://a:p@ss@db/x", "postgres://a:***@db/x");
	redact("postgresql://db/auth?user=a&password=hunter2&sslmode=require",
	    "postgresql://db/auth?user=a&password=***&sslmode=require");
	redact("postgresql://a:b@db/auth?password=c",
	    "postgresql://a:***@db/auth?password=***");
}

/* libpq ends the user information at the first / only, not at ? or #. */
static void
redact_url_password_with_query_or_fragment_chars(void **state)
{
	(void)state;
	redact("postgresql://app:pa?ss@host/db", "postgresql://app:***@host/db");
	redact("postgresql://app:pa#ss@host/db", "postgresql://app:***@host/db");
	redact("postgresql://app:a?b#c@host?sslmode=require",
	    "postgresql://app:***@host?sslmode=require");
	assert_int_equal(util_url_has_password("postgresql://app:pa?ss@host/db"), 1);
	assert_int_equal(util_url_has_password("postgresql://app:pa#ss@host/db"), 1);
}

/* Every query key whose decoded name ends in "password" is a secret. */
static void
redact_url_password_query_keys(void **state)
{
	(void)state;
	redact("postgresql://db/x?sslpassword=SECRET",
	    "postgresql://db/x?sslpassword=***");
	redact("postgresql://db/x?sslmode=require&password=SECRET",
	    "postgresql://db/x?sslmode=require&password=***");
	redact("postgresql://db/x?pass%77ord=SECRET&user=a",
	    "postgresql://db/x?pass%77ord=***&user=a");
	redact("postgresql://db?%70assword=SECRET",
	    "postgresql://db?%70assword=***");
	/* A value ends at & only: libpq keeps a # in it. */
	redact("postgresql://db/x?password=a#b&user=c",
	    "postgresql://db/x?password=***&user=c");
	/* A name we cannot decode is taken for a password. */
	redact("postgresql://db/x?pass%zzword=SECRET",
	    "postgresql://db/x?pass%zzword=***");
	redact("postgresql://a:b@db/x?sslpassword=c&password=d",
	    "postgresql://a:***@db/x?sslpassword=***&password=***");
	assert_int_equal(util_url_has_password(
	    "postgresql://db/x?sslpassword=SECRET"), 1);
	assert_int_equal(util_url_has_password(
	    "postgresql://db/x?pass%77ord=SECRET"), 1);
	assert_int_equal(util_url_has_password(
	    "postgresql://db/x?user=a&sslmode=require"), 0);
	assert_int_equal(util_url_has_password("postgresql://a@db/x"), 0);
}

/* A library's message loses the URL's secrets, raw and decoded. */
static void
redact_text_hides_raw_and_decoded_passwords(void **state)
{
	char	 out[256];

	(void)state;
	assert_string_equal(util_redact_text(
	    "invalid percent-encoded token: \"Secr%zzet\"",
	    "postgresql://app:Secr%zzet@h/db", out, sizeof(out)),
	    "invalid percent-encoded token: \"***\"");
	assert_string_equal(util_redact_text("bad value \"p@ss w\" here",
	    "postgresql://app:p%40ss%20w@h/db", out, sizeof(out)),
	    "bad value \"***\" here");
	assert_string_equal(util_redact_text("key SECRET2 and SECRET1",
	    "postgresql://db/x?sslpassword=SECRET1&password=SECRET2", out,
	    sizeof(out)), "key *** and ***");
	assert_string_equal(util_redact_text("nothing to hide",
	    "postgresql://app@h/db", out, sizeof(out)), "nothing to hide");
}

static void
redact_url_keeps_the_rest(void **state)
{
	(void)state;
	redact("postgresql://auth@db/auth", "postgresql://auth@db/auth");
	redact("postgresql://db:5432/auth", "postgresql://db:5432/auth");
	redact("/var/lib/fcgi-auth/fcgi-auth.sqlite",
	    "/var/lib/fcgi-auth/fcgi-auth.sqlite");
	/* An @ or : after the host is not user information. */
	redact("postgresql://db/a:b@c", "postgresql://db/a:b@c");
	redact("/srv/xpassword=1", "/srv/xpassword=1");
}

static void
redact_url_truncates_safely(void **state)
{
	char	 out[16];

	(void)state;
	assert_string_equal(util_redact_url("postgresql://a:secret@db/auth",
	    out, sizeof(out)), "postgresql://a:");
}

/* --- UTF-8: one character at a time, and cuts between them (issue 20) */

static void
utf8_cut_falls_between_characters(void **state)
{
	const char	*s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" "b";

	(void)state;
	/* a | é (1-2) | € (3-5) | U+1F600 (6-9) | b (10) */
	assert_int_equal(util_utf8_cut(s, 0), 0);
	assert_int_equal(util_utf8_cut(s, 1), 1);
	assert_int_equal(util_utf8_cut(s, 2), 1);
	assert_int_equal(util_utf8_cut(s, 3), 3);
	assert_int_equal(util_utf8_cut(s, 4), 3);
	assert_int_equal(util_utf8_cut(s, 5), 3);
	assert_int_equal(util_utf8_cut(s, 6), 6);
	assert_int_equal(util_utf8_cut(s, 7), 6);
	assert_int_equal(util_utf8_cut(s, 9), 6);
	assert_int_equal(util_utf8_cut(s, 10), 10);
	assert_int_equal(util_utf8_cut(s, 11), 11);
	/* What is no UTF-8 is cut where asked. */
	assert_int_equal(util_utf8_cut("ab\x80\x80\x80\x80", 5), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(redact_url_hides_passwords),
		cmocka_unit_test(redact_url_password_with_query_or_fragment_chars),
		cmocka_unit_test(redact_url_password_query_keys),
		cmocka_unit_test(redact_text_hides_raw_and_decoded_passwords),
		cmocka_unit_test(redact_url_keeps_the_rest),
		cmocka_unit_test(redact_url_truncates_safely),
		cmocka_unit_test(parse_int_accepts_plain_decimal),
		cmocka_unit_test(parse_int_accepts_lone_zero),
		cmocka_unit_test(parse_int_refuses_leading_zero),
		cmocka_unit_test(parse_int_refuses_signs),
		cmocka_unit_test(parse_int_refuses_spaces),
		cmocka_unit_test(parse_int_refuses_empty_and_null),
		cmocka_unit_test(parse_int_refuses_trailing_bytes),
		cmocka_unit_test(parse_int_refuses_below_min),
		cmocka_unit_test(parse_int_refuses_above_max),
		cmocka_unit_test(parse_int_handles_int64_limits),
		cmocka_unit_test(equal_ct_equal_strings),
		cmocka_unit_test(equal_ct_differing_byte),
		cmocka_unit_test(equal_ct_compares_past_nul),
		cmocka_unit_test(equal_ct_different_lengths),
		cmocka_unit_test(equal_ct_zero_length),
		cmocka_unit_test(random_hex_length_and_terminator),
		cmocka_unit_test(random_hex_alphabet),
		cmocka_unit_test(random_hex_two_calls_differ),
		cmocka_unit_test(random_hex_zero_length),
		cmocka_unit_test(random_two_buffers_differ),
		cmocka_unit_test(wipe_zeroes_exactly_len_bytes),
		cmocka_unit_test(ip_canonical_forms),
		cmocka_unit_test(ip_canonical_refuses_what_is_not_an_address),
		cmocka_unit_test(utf8_cut_falls_between_characters),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
