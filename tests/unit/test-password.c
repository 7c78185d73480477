/*
 * Unit tests for common/password.c: bcrypt hashing at an explicit cost,
 * verification, the rehash rule and the dummy hash for unknown users.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <crypt.h>

#include "password.h"

/* The cheapest cost bcrypt allows keeps the suite fast. */
#define COST	4
#define RIGHT	"correct horse battery staple"

/* A cost-4 hash of RIGHT, made once for the whole group. */
static char	 right_hash[PW_HASH_MAX];

static int
group_setup(void **state)
{
	(void)state;
	return pw_hash(RIGHT, COST, right_hash, sizeof(right_hash));
}

static void
hash_has_bcrypt_prefix_and_cost(void **state)
{
	char	 out[PW_HASH_MAX];

	(void)state;
	assert_int_equal(pw_hash("password1", COST, out, sizeof(out)), 0);
	assert_memory_equal(out, "$2b$04$", 7);
	/* $2b$NN$ + 22 salt + 31 digest characters. */
	assert_int_equal(strlen(out), 60);
}

static void
hash_carries_the_cost(void **state)
{
	char	 out[PW_HASH_MAX];

	(void)state;
	assert_int_equal(pw_hash("password1", 5, out, sizeof(out)), 0);
	assert_memory_equal(out, "$2b$05$", 7);
}

static void
hash_differs_each_call(void **state)
{
	char	 a[PW_HASH_MAX], b[PW_HASH_MAX];

	(void)state;
	assert_int_equal(pw_hash("password1", COST, a, sizeof(a)), 0);
	assert_int_equal(pw_hash("password1", COST, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	/* Different salts, yet both verify. */
	assert_int_equal(pw_verify("password1", a), 1);
	assert_int_equal(pw_verify("password1", b), 1);
}

static void
verify_right_password(void **state)
{
	(void)state;
	assert_int_equal(pw_verify(RIGHT, right_hash), 1);
}

static void
verify_wrong_password(void **state)
{
	(void)state;
	assert_int_equal(pw_verify("Tr0ub4dor&3", right_hash), 0);
}

static void
verify_one_character_changed(void **state)
{
	(void)state;
	assert_int_equal(pw_verify("correct horse battery staplE", right_hash), 0);
	assert_int_equal(pw_verify("Correct horse battery staple", right_hash), 0);
}

static void
verify_password_with_suffix(void **state)
{
	(void)state;
	assert_int_equal(pw_verify(RIGHT "x", right_hash), 0);
	assert_int_equal(pw_verify(RIGHT " ", right_hash), 0);
}

static void
verify_prefix_of_password(void **state)
{
	(void)state;
	assert_int_equal(pw_verify("correct horse battery stapl", right_hash), 0);
}

static void
verify_empty_password(void **state)
{
	(void)state;
	assert_int_equal(pw_verify("", right_hash), 0);
}

static void
verify_unusable_hashes(void **state)
{
	(void)state;
	assert_int_equal(pw_verify(RIGHT, "*0"), 0);
	assert_int_equal(pw_verify(RIGHT, "*1"), 0);
	assert_int_equal(pw_verify(RIGHT, ""), 0);
	assert_int_equal(pw_verify(RIGHT, "garbage"), 0);
	assert_int_equal(pw_verify(RIGHT, "$2b$04$short"), 0);
	assert_int_equal(pw_verify("", ""), 0);
	assert_int_equal(pw_verify("", "*0"), 0);
}

static void
verify_truncated_hash(void **state)
{
	char	 cut[PW_HASH_MAX];

	(void)state;
	memcpy(cut, right_hash, 59);
	cut[59] = '\0';
	assert_int_equal(pw_verify(RIGHT, cut), 0);
}

static void
verify_altered_digest(void **state)
{
	char	 bad[PW_HASH_MAX];

	(void)state;
	memcpy(bad, right_hash, sizeof(bad));
	bad[40] = bad[40] == 'a' ? 'b' : 'a';
	assert_int_equal(pw_verify(RIGHT, bad), 0);
}

static void
hash_72_bytes_is_accepted(void **state)
{
	char	 pw[PW_MAX_BYTES + 1], out[PW_HASH_MAX];

	(void)state;
	memset(pw, 'p', PW_MAX_BYTES);
	pw[PW_MAX_BYTES] = '\0';
	assert_int_equal(pw_hash(pw, COST, out, sizeof(out)), 0);
	assert_int_equal(pw_verify(pw, out), 1);
	pw[PW_MAX_BYTES - 1] = 'q';
	assert_int_equal(pw_verify(pw, out), 0);
}

static void
hash_73_bytes_is_refused(void **state)
{
	char	 pw[PW_MAX_BYTES + 2], out[PW_HASH_MAX];

	(void)state;
	memset(pw, 'p', PW_MAX_BYTES + 1);
	pw[PW_MAX_BYTES + 1] = '\0';
	memset(out, 'Z', sizeof(out));
	assert_int_equal(pw_hash(pw, COST, out, sizeof(out)), -1);
	assert_string_equal(out, "");
}

static void
hash_cost_3_is_refused(void **state)
{
	char	 out[PW_HASH_MAX];

	(void)state;
	memset(out, 'Z', sizeof(out));
	assert_int_equal(pw_hash("password1", 3, out, sizeof(out)), -1);
	assert_string_equal(out, "");
}

static void
hash_cost_32_is_refused(void **state)
{
	char	 out[PW_HASH_MAX];

	(void)state;
	assert_int_equal(pw_hash("password1", 32, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(pw_hash("password1", 0, out, sizeof(out)), -1);
	assert_int_equal(pw_hash("password1", -1, out, sizeof(out)), -1);
}

static void
hash_small_buffer_is_refused(void **state)
{
	char	 out[60];

	(void)state;
	/* 60 characters need 61 bytes. */
	assert_int_equal(pw_hash("password1", COST, out, sizeof(out)), -1);
	assert_string_equal(out, "");
}

static void
needs_rehash_lower_cost(void **state)
{
	(void)state;
	assert_int_equal(pw_needs_rehash(right_hash, 5), 1);
	assert_int_equal(pw_needs_rehash(right_hash, 10), 1);
	assert_int_equal(pw_needs_rehash(
	    "$2b$09$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y", 10), 1);
}

static void
needs_rehash_same_cost(void **state)
{
	(void)state;
	assert_int_equal(pw_needs_rehash(right_hash, COST), 0);
	assert_int_equal(pw_needs_rehash(
	    "$2b$12$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y", 12), 0);
}

/* Issue 20: down too, or the slower hash is a timing oracle. */
static void
needs_rehash_higher_cost(void **state)
{
	(void)state;
	assert_int_equal(pw_needs_rehash(
	    "$2b$05$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y", 4), 1);
	assert_int_equal(pw_needs_rehash(
	    "$2b$12$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y", 10), 1);
}

static void
needs_rehash_other_schemes(void **state)
{
	(void)state;
	assert_int_equal(pw_needs_rehash(
	    "$2a$10$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y", 4), 1);
	assert_int_equal(pw_needs_rehash(
	    "$2y$10$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y", 4), 1);
	assert_int_equal(pw_needs_rehash(
	    "$y$j9T$abcdefghijklmnop$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO", 4), 1);
	assert_int_equal(pw_needs_rehash("ga3B1/aPyo5qQ", 4), 1);
}

static void
needs_rehash_garbage(void **state)
{
	(void)state;
	assert_int_equal(pw_needs_rehash("garbage", 4), 1);
	assert_int_equal(pw_needs_rehash("", 4), 1);
	assert_int_equal(pw_needs_rehash("$2b$", 4), 1);
	assert_int_equal(pw_needs_rehash("$2b$1", 4), 1);
	assert_int_equal(pw_needs_rehash("$2b$x4$", 4), 1);
	assert_int_equal(pw_needs_rehash("$2b$04x", 4), 1);
}

static void
dummy_hash_is_usable_by_crypt(void **state)
{
	char			 dummy[PW_HASH_MAX];
	struct crypt_data	*cd;
	const char		*out;

	(void)state;
	pw_dummy_hash(COST, dummy, sizeof(dummy));
	assert_non_null(cd = calloc(1, sizeof(*cd)));
	out = crypt_rn(RIGHT, dummy, cd, sizeof(*cd));
	assert_non_null(out);
	assert_int_not_equal(out[0], '*');
	/* Same setting, so the same cost is paid as for a real hash. */
	assert_memory_equal(out, dummy, 29);
	free(cd);
}

static void
dummy_hash_matches_no_password(void **state)
{
	char	 dummy[PW_HASH_MAX];

	(void)state;
	pw_dummy_hash(COST, dummy, sizeof(dummy));
	assert_int_equal(pw_verify("", dummy), 0);
	assert_int_equal(pw_verify(RIGHT, dummy), 0);
	assert_int_equal(pw_verify("password", dummy), 0);
}

static void
dummy_hash_carries_the_cost(void **state)
{
	char	 dummy[PW_HASH_MAX];

	(void)state;
	pw_dummy_hash(4, dummy, sizeof(dummy));
	assert_memory_equal(dummy, "$2b$04$", 7);
	assert_int_equal(strlen(dummy), 60);
	pw_dummy_hash(12, dummy, sizeof(dummy));
	assert_memory_equal(dummy, "$2b$12$", 7);
	assert_int_equal(strlen(dummy), 60);
	pw_dummy_hash(31, dummy, sizeof(dummy));
	assert_memory_equal(dummy, "$2b$31$", 7);
}

static void
dummy_hash_needs_no_rehash_at_its_cost(void **state)
{
	char	 dummy[PW_HASH_MAX];

	(void)state;
	pw_dummy_hash(10, dummy, sizeof(dummy));
	assert_int_equal(pw_needs_rehash(dummy, 10), 0);
}

static void
cost_of_bcrypt_hashes(void **state)
{
	(void)state;
	assert_int_equal(pw_cost(right_hash), COST);
	assert_int_equal(pw_cost(
	    "$2b$12$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y"), 12);
	assert_int_equal(pw_cost(
	    "$2a$10$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y"), 10);
	assert_int_equal(pw_cost(
	    "$2y$31$C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y"), 31);
	assert_int_equal(pw_cost("$2x$04$"), 4);
}

static void
cost_of_anything_else(void **state)
{
	(void)state;
	assert_int_equal(pw_cost(""), -1);
	assert_int_equal(pw_cost("$2"), -1);
	assert_int_equal(pw_cost("$2$04$"), -1);
	assert_int_equal(pw_cost("$2c$04$"), -1);
	assert_int_equal(pw_cost("$2b$4$"), -1);
	assert_int_equal(pw_cost("$2b$04"), -1);
	assert_int_equal(pw_cost("$2b$0a$"), -1);
	/* What libxcrypt refuses. */
	assert_int_equal(pw_cost("$2b$03$"), -1);
	assert_int_equal(pw_cost("$2b$32$"), -1);
	assert_int_equal(pw_cost("$2b$99$"), -1);
	assert_int_equal(pw_cost(
	    "$y$j9T$abcdefghijklmnop$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO"),
	    -1);
	assert_int_equal(pw_cost("ga3B1/aPyo5qQ"), -1);
}

/*
 * CPU seconds of a failed verification at cost from followed by
 * pw_pad(from, to): CPU time, not the wall clock, so that other processes
 * on the machine do not count.
 */
static double
padded_seconds(int from, int to)
{
	struct timespec	 t0, t1;
	char		 dummy[PW_HASH_MAX];

	pw_dummy_hash(from < 4 ? 4 : from, dummy, sizeof(dummy));
	assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0), 0);
	if (from >= 4)
		assert_int_equal(pw_verify(RIGHT, dummy), 0);
	pw_pad(RIGHT, from, to);
	assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1), 0);
	return (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static int
by_value(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of 5 runs of padded_seconds(from, to). */
static double
padded_median(int from, int to)
{
	double	 t[5];
	size_t	 i;

	for (i = 0; i < 5; i++)
		t[i] = padded_seconds(from, to);
	qsort(t, 5, sizeof(t[0]), by_value);
	return t[2];
}

/*
 * Issue 20: a failure against a cheap hash, padded, costs what one at the
 * configured cost does (exactly, in principle: a factor of 1.5 is room
 * for a noisy machine, where an unpadded cost-5 failure is 16 times
 * faster than a cost-9 one).
 */
static void
pad_reaches_the_higher_cost(void **state)
{
	double	 full, padded, foreign;

	(void)state;
	full = padded_median(9, 9);
	padded = padded_median(5, 9);
	foreign = padded_median(-1, 9);
	print_message("cost 9: %.1f ms, cost 5 padded to 9: %.1f ms, "
	    "another scheme padded to 9: %.1f ms\n", full * 1e3, padded * 1e3,
	    foreign * 1e3);
	assert_true(padded > full / 1.5 && padded < full * 1.5);
	assert_true(foreign > full / 1.5 && foreign < full * 1.5);
	/* Nothing to add at or above the target. */
	assert_true(padded_median(9, 5) < full * 1.5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_has_bcrypt_prefix_and_cost),
		cmocka_unit_test(hash_carries_the_cost),
		cmocka_unit_test(hash_differs_each_call),
		cmocka_unit_test(verify_right_password),
		cmocka_unit_test(verify_wrong_password),
		cmocka_unit_test(verify_one_character_changed),
		cmocka_unit_test(verify_password_with_suffix),
		cmocka_unit_test(verify_prefix_of_password),
		cmocka_unit_test(verify_empty_password),
		cmocka_unit_test(verify_unusable_hashes),
		cmocka_unit_test(verify_truncated_hash),
		cmocka_unit_test(verify_altered_digest),
		cmocka_unit_test(hash_72_bytes_is_accepted),
		cmocka_unit_test(hash_73_bytes_is_refused),
		cmocka_unit_test(hash_cost_3_is_refused),
		cmocka_unit_test(hash_cost_32_is_refused),
		cmocka_unit_test(hash_small_buffer_is_refused),
		cmocka_unit_test(needs_rehash_lower_cost),
		cmocka_unit_test(needs_rehash_same_cost),
		cmocka_unit_test(needs_rehash_higher_cost),
		cmocka_unit_test(needs_rehash_other_schemes),
		cmocka_unit_test(needs_rehash_garbage),
		cmocka_unit_test(dummy_hash_is_usable_by_crypt),
		cmocka_unit_test(dummy_hash_matches_no_password),
		cmocka_unit_test(dummy_hash_carries_the_cost),
		cmocka_unit_test(dummy_hash_needs_no_rehash_at_its_cost),
		cmocka_unit_test(cost_of_bcrypt_hashes),
		cmocka_unit_test(cost_of_anything_else),
		cmocka_unit_test(pad_reaches_the_higher_cost),
	};

	return cmocka_run_group_tests_name("password", tests, group_setup,
	    NULL);
}
