/*
 * Unit tests for common/log.c: escaping of control characters (also C1,
 * bidi controls, line separators and invalid UTF-8), truncation that never
 * cuts a character, identifiers as a line shows them, and that log_msg()
 * writes exactly one whole line to stderr.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "text.h"

static void
escape_keeps_printable_ascii(void **state)
{
	char	 out[128];

	(void)state;
	log_escape(out, sizeof(out), "user alice@example.com logged in (id 7) ~!");
	assert_string_equal(out, "user alice@example.com logged in (id 7) ~!");
}

static void
escape_control_characters(void **state)
{
	char	 out[128];

	(void)state;
	log_escape(out, sizeof(out), "a\nb\rc\td\x01" "e\x1f" "f\x1b[31m");
	assert_string_equal(out,
	    "a\\x0ab\\x0dc\\x09d\\x01e\\x1ff\\x1b[31m");
}

static void
escape_del(void **state)
{
	char	 out[64];

	(void)state;
	log_escape(out, sizeof(out), "a\x7f" "b");
	assert_string_equal(out, "a\\x7fb");
}

static void
escape_backslash(void **state)
{
	char	 out[64];

	(void)state;
	/* Otherwise "\x0a" typed by a client would read as an escaped newline. */
	log_escape(out, sizeof(out), "a\\x0ab");
	assert_string_equal(out, "a\\x5cx0ab");
}

static void
escape_keeps_utf8(void **state)
{
	char	 out[64];

	(void)state;
	log_escape(out, sizeof(out), "J\xc3\xa9r\xc3\xb4me \xe2\x82\xac \xf0\x9f\x98\x80");
	assert_string_equal(out, "J\xc3\xa9r\xc3\xb4me \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void
escape_empty_string(void **state)
{
	char	 out[8];

	(void)state;
	memset(out, 'Z', sizeof(out));
	log_escape(out, sizeof(out), "");
	assert_string_equal(out, "");
}

static void
escape_exact_fit_is_not_truncated(void **state)
{
	char	 out[6];

	(void)state;
	log_escape(out, sizeof(out), "abcde");
	assert_string_equal(out, "abcde");
	log_escape(out, sizeof(out), "a\n");
	assert_string_equal(out, "a\\x0a");
}

static void
escape_truncates_with_marker(void **state)
{
	char	 out[8];

	(void)state;
	memset(out, 'Z', sizeof(out));
	log_escape(out, sizeof(out), "abcdefghijklmnop");
	assert_string_equal(out, "abcd...");
}

static void
escape_truncates_inside_escape(void **state)
{
	char	 out[8];

	(void)state;
	log_escape(out, sizeof(out), "ab\n\n\n");
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_memory_equal(out, "ab", 2);
	assert_string_equal(out + strlen(out) - 3, "...");
	log_escape(out, sizeof(out), "\n\n");
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_string_equal(out + strlen(out) - 3, "...");
}

static void
escape_tiny_buffers_are_terminated(void **state)
{
	char	 out[4];

	(void)state;
	memset(out, 'Z', sizeof(out));
	log_escape(out, 1, "abc");
	assert_int_equal(out[0], '\0');
	assert_int_equal(out[1], 'Z');

	memset(out, 'Z', sizeof(out));
	log_escape(out, 3, "abc");
	assert_int_equal(strnlen(out, 3) < 3, 1);
	assert_int_equal(out[3], 'Z');

	memset(out, 'Z', sizeof(out));
	log_escape(out, 4, "abcd");
	assert_string_equal(out, "...");
}

static void
escape_zero_size_writes_nothing(void **state)
{
	char	 out[2] = { 'Z', 'Z' };

	(void)state;
	log_escape(out, 0, "abc");
	assert_int_equal(out[0], 'Z');
}

/* --- issue 20: what else could disguise a line, and cuts (finding 4) */

static void
escape_c1_controls(void **state)
{
	char	 out[128];

	(void)state;
	/* U+0085 (NEL, a newline to some readers), U+009B (CSI), U+0080. */
	log_escape(out, sizeof(out), "a\xc2\x85" "b\xc2\x9b" "31mc\xc2\x80");
	assert_string_equal(out, "a\\xc2\\x85b\\xc2\\x9b31mc\\xc2\\x80");
	/* U+00A0 and U+00A9 are no controls. */
	log_escape(out, sizeof(out), "\xc2\xa0\xc2\xa9");
	assert_string_equal(out, "\xc2\xa0\xc2\xa9");
}

static void
escape_bidi_controls(void **state)
{
	static const char *const bidi[] = {
		"\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac",	/* U+202A-C */
		"\xe2\x80\xad", "\xe2\x80\xae",			/* U+202D-E */
		"\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8",	/* U+2066-8 */
		"\xe2\x81\xa9",					/* U+2069 */
		"\xe2\x80\x8e", "\xe2\x80\x8f",			/* U+200E-F */
		"\xd8\x9c",						/* U+061C */
	};
	static const char	 hex[] = "0123456789abcdef";
	char			 in[16], out[64], want[64];
	size_t			 i, j, n;

	(void)state;
	for (i = 0; i < sizeof(bidi) / sizeof(bidi[0]); i++) {
		snprintf(in, sizeof(in), "a%sb", bidi[i]);
		log_escape(out, sizeof(out), in);
		n = 0;
		want[n++] = 'a';
		for (j = 0; bidi[i][j] != '\0'; j++) {
			want[n++] = '\\';
			want[n++] = 'x';
			want[n++] = hex[(unsigned char)bidi[i][j] >> 4];
			want[n++] = hex[(unsigned char)bidi[i][j] & 0xf];
		}
		want[n++] = 'b';
		want[n] = '\0';
		assert_string_equal(out, want);
	}
	/* Their neighbours are ordinary: U+2029+U+202F, U+2065, U+200D. */
	log_escape(out, sizeof(out), "\xe2\x80\xaf\xe2\x81\xa5\xe2\x80\x8d");
	assert_string_equal(out, "\xe2\x80\xaf\xe2\x81\xa5\xe2\x80\x8d");
}

static void
escape_line_and_paragraph_separators(void **state)
{
	char	 out[64];

	(void)state;
	log_escape(out, sizeof(out), "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c");
	assert_string_equal(out, "a\\xe2\\x80\\xa8b\\xe2\\x80\\xa9c");
}

static void
escape_invalid_utf8_byte_by_byte(void **state)
{
	char	 out[128];

	(void)state;
	/* A stray continuation byte, a cut character, 0xff. */
	log_escape(out, sizeof(out), "a\x80" "b\xe2\x82" "c\xff");
	assert_string_equal(out, "a\\x80b\\xe2\\x82c\\xff");
	/* An overlong "/", a surrogate, past U+10FFFF. */
	log_escape(out, sizeof(out), "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80");
	assert_string_equal(out, "\\xc0\\xaf\\xed\\xa0\\x80"
	    "\\xf4\\x90\\x80\\x80");
	/* A character cut at the end of the string. */
	log_escape(out, sizeof(out), "ab\xf0\x9f\x98");
	assert_string_equal(out, "ab\\xf0\\x9f\\x98");
}

/* Truncation keeps whole characters: never the first bytes of one. */
static void
escape_truncation_never_cuts_a_character(void **state)
{
	char	 out[8];

	(void)state;
	/* "ab" + U+1F600 would need 6 of the 4 bytes left before "...". */
	log_escape(out, sizeof(out), "ab\xf0\x9f\x98\x80" "cdefg");
	assert_string_equal(out, "ab...");
	log_escape(out, sizeof(out), "a\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_string_equal(out, "a\xc3\xa9...");
	/* One that fits exactly stays. */
	log_escape(out, sizeof(out), "abc\xf0\x9f\x98\x80");
	assert_string_equal(out, "abc\xf0\x9f\x98\x80");
}

static void
ident_keeps_a_well_formed_address(void **state)
{
	char	 out[LOG_IDENT_SIZE];

	(void)state;
	log_ident("Alice.Smith@example.com", out);
	assert_string_equal(out, "Alice.Smith@example.com");
}

static void
ident_cuts_a_long_address_to_64_bytes(void **state)
{
	char	 in[200], out[LOG_IDENT_SIZE];

	(void)state;
	/* 64 + 1 + 60 + 4: well-formed, 129 bytes. */
	memset(in, 'a', 64);
	in[64] = '@';
	memset(in + 65, 'b', 60);
	strcpy(in + 125, ".com");
	log_ident(in, out);
	assert_int_equal(strlen(out), LOG_IDENT_MAX + 3);
	assert_memory_equal(out, in, LOG_IDENT_MAX);
	assert_string_equal(out + LOG_IDENT_MAX, "...");
}

/*
 * Anything else, such as a password typed into the e-mail field, is a
 * keyed digest: repeats tell apart, but nobody can test guesses against
 * the log without the key (which comes from the JWT secret).
 */
static void
ident_of_anything_else_is_a_keyed_digest(void **state)
{
	static const char	 secret[] =
	    "test-secret-0123456789abcdef0123456789abcdef";
	char			 out[LOG_IDENT_SIZE], again[LOG_IDENT_SIZE];

	(void)state;
	log_ident_key(secret, strlen(secret));
	log_ident("hunter2 correct horse", out);
	assert_string_equal(out, "#5e8208afe8e5");
	log_ident("hunter2 correct horse", again);
	assert_string_equal(out, again);
	/* Not SHA-256 alone, whose 0689851141ff anyone could look up. */
	assert_null(strstr(out, "0689851141ff"));
	/* Addresses are ASCII: a Unicode one is no address here. */
	log_ident("j\xc3\xa9r\xc3\xb4me@example.com", out);
	assert_string_equal(out, "#b45bbf124e99");
	log_ident("", out);
	assert_int_equal(strlen(out), 13);
	assert_int_equal(out[0], '#');
}

/*
 * Run log_msg() with stderr sent to a temporary file and return what it
 * wrote (NUL-terminated, in buf).  Assertions happen after stderr is back.
 */
static size_t
capture(char *buf, size_t bufsz, const char *client, const char *msg)
{
	FILE	*tmp;
	int	 saved, ok;
	size_t	 n;

	fflush(stderr);
	assert_non_null(tmp = tmpfile());
	assert_true((saved = dup(STDERR_FILENO)) != -1);
	ok = dup2(fileno(tmp), STDERR_FILENO) != -1;
	if (ok)
		log_msg(client, "login failed for %s", msg);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) != -1);
	close(saved);
	assert_true(ok);
	rewind(tmp);
	n = fread(buf, 1, bufsz - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return n;
}

static size_t
count_char(const char *s, size_t len, char c)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (s[i] == c)
			n++;
	return n;
}

static void
msg_writes_one_line(void **state)
{
	char	 buf[4096];
	size_t	 n;

	(void)state;
	log_init("test-log");
	n = capture(buf, sizeof(buf), "192.0.2.7", "alice@example.com");
	assert_true(n > 0);
	assert_int_equal(count_char(buf, n, '\n'), 1);
	assert_int_equal(buf[n - 1], '\n');
	assert_non_null(strstr(buf, " test-log["));
	assert_non_null(strstr(buf, " 192.0.2.7: "));
	assert_non_null(strstr(buf, ": login failed for alice@example.com\n"));
}

static void
msg_with_newline_stays_one_line(void **state)
{
	char	 buf[4096];
	size_t	 n;

	(void)state;
	log_init("test-log");
	n = capture(buf, sizeof(buf), "192.0.2.7",
	    "x\n2024-01-01T00:00:00Z login[1] 10.0.0.1: forged");
	assert_int_equal(count_char(buf, n, '\n'), 1);
	assert_int_equal(count_char(buf, n, '\r'), 0);
	assert_non_null(strstr(buf,
	    "login failed for x\\x0a2024-01-01T00:00:00Z login[1] 10.0.0.1: forged\n"));
}

static void
msg_escapes_client(void **state)
{
	char	 buf[4096];
	size_t	 n;

	(void)state;
	log_init("test-log");
	n = capture(buf, sizeof(buf), "evil\nclient", "bob");
	assert_int_equal(count_char(buf, n, '\n'), 1);
	assert_non_null(strstr(buf, " evil\\x0aclient: login failed for bob\n"));
}

static void
msg_without_client_shows_dash(void **state)
{
	char	 buf[4096];
	size_t	 n;

	(void)state;
	log_init("test-log");
	n = capture(buf, sizeof(buf), NULL, "bob");
	assert_int_equal(count_char(buf, n, '\n'), 1);
	assert_non_null(strstr(buf, "] -: login failed for bob\n"));
}

static void
msg_long_message_is_one_cut_line(void **state)
{
	char	 buf[8192], msg[3000];
	size_t	 n;

	(void)state;
	memset(msg, 'a', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	msg[100] = '\n';
	log_init("test-log");
	n = capture(buf, sizeof(buf), "192.0.2.7", msg);
	assert_true(n < 2000);
	assert_int_equal(count_char(buf, n, '\n'), 1);
	assert_int_equal(buf[n - 1], '\n');
}

/* A message longer than a line is cut before a character, not inside. */
static void
msg_long_multibyte_message_is_cut_between_characters(void **state)
{
	char	 buf[8192], msg[3000];
	size_t	 i, n;

	(void)state;
	/*
	 * U+20AC, 3 bytes, from an offset where the line's 1023rd byte falls
	 * inside one.
	 */
	msg[0] = 'x';
	msg[1] = 'y';
	for (i = 2; i + 3 < sizeof(msg); i += 3)
		memcpy(msg + i, "\xe2\x82\xac", 3);
	msg[i] = '\0';
	log_init("test-log");
	n = capture(buf, sizeof(buf), "192.0.2.7", msg);
	assert_int_equal(buf[n - 1], '\n');
	/* Whole characters only: nothing to escape, and valid UTF-8. */
	assert_null(strstr(buf, "\\x"));
	assert_true(text_utf8_chars(buf, n) > 0);
}

static void
msg_names_the_program(void **state)
{
	char	 buf[4096];

	(void)state;
	log_init("register");
	capture(buf, sizeof(buf), "192.0.2.7", "x");
	assert_non_null(strstr(buf, " register["));
	log_init("login");
	capture(buf, sizeof(buf), "192.0.2.7", "x");
	assert_non_null(strstr(buf, " login["));
	assert_null(strstr(buf, "register"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape_keeps_printable_ascii),
		cmocka_unit_test(escape_control_characters),
		cmocka_unit_test(escape_del),
		cmocka_unit_test(escape_backslash),
		cmocka_unit_test(escape_keeps_utf8),
		cmocka_unit_test(escape_empty_string),
		cmocka_unit_test(escape_exact_fit_is_not_truncated),
		cmocka_unit_test(escape_truncates_with_marker),
		cmocka_unit_test(escape_truncates_inside_escape),
		cmocka_unit_test(escape_tiny_buffers_are_terminated),
		cmocka_unit_test(escape_zero_size_writes_nothing),
		cmocka_unit_test(escape_c1_controls),
		cmocka_unit_test(escape_bidi_controls),
		cmocka_unit_test(escape_line_and_paragraph_separators),
		cmocka_unit_test(escape_invalid_utf8_byte_by_byte),
		cmocka_unit_test(escape_truncation_never_cuts_a_character),
		cmocka_unit_test(ident_keeps_a_well_formed_address),
		cmocka_unit_test(ident_cuts_a_long_address_to_64_bytes),
		cmocka_unit_test(ident_of_anything_else_is_a_keyed_digest),
		cmocka_unit_test(msg_writes_one_line),
		cmocka_unit_test(msg_with_newline_stays_one_line),
		cmocka_unit_test(msg_escapes_client),
		cmocka_unit_test(msg_without_client_shows_dash),
		cmocka_unit_test(msg_long_message_is_one_cut_line),
		cmocka_unit_test(msg_long_multibyte_message_is_cut_between_characters),
		cmocka_unit_test(msg_names_the_program),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
