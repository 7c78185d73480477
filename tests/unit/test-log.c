/*
 * Unit tests for common/log.c: escaping of control characters, truncation,
 * and that log_msg() writes exactly one whole line to stderr.
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

#include "log.h"

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
		cmocka_unit_test(msg_writes_one_line),
		cmocka_unit_test(msg_with_newline_stays_one_line),
		cmocka_unit_test(msg_escapes_client),
		cmocka_unit_test(msg_without_client_shows_dash),
		cmocka_unit_test(msg_long_message_is_one_cut_line),
		cmocka_unit_test(msg_names_the_program),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
