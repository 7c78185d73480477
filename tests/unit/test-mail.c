/*
 * Unit tests for common/mail.c: the headers a message gets (and the input
 * they refuse), and real child commands: one that keeps the message, one
 * that fails, one that hangs, one that exits without reading.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail.h"

#define FROM	"Example Service <noreply@example.org>"

/* A directory of scripts for the child commands, made once. */
static char	 dir[] = "/tmp/test-mail-XXXXXX";

static char *
build(const struct mail *m)
{
	size_t	 len = 0;
	char	*msg = mail_build(FROM, m, 1764864000, &len);

	if (msg != NULL)
		assert_int_equal(strlen(msg), len);
	return msg;
}

static void
headers_are_complete(void **state)
{
	struct mail	 m = { "alice@example.com", NULL, "Email confirmation",
	    "Click here: https://app.example/confirm?token=abc\n" };
	char		*msg;

	(void)state;
	assert_non_null(msg = build(&m));
	assert_non_null(strstr(msg, "From: " FROM "\n"));
	assert_non_null(strstr(msg, "\nTo: alice@example.com\n"));
	assert_non_null(strstr(msg, "\nSubject: Email confirmation\n"));
	/* 2025-12-04 16:00:00 UTC was a Thursday. */
	assert_non_null(strstr(msg, "\nDate: Thu, 04 Dec 2025 16:00:00 +0000\n"));
	assert_non_null(strstr(msg, "\nMessage-ID: <"));
	assert_non_null(strstr(msg, "@example.org>\n"));
	assert_non_null(strstr(msg, "\nMIME-Version: 1.0\n"));
	assert_non_null(strstr(msg, "\nContent-Type: text/plain; charset=utf-8\n"));
	assert_non_null(strstr(msg, "\nContent-Transfer-Encoding: 7bit\n\n"
	    "Click here: https://app.example/confirm?token=abc\n"));
	free(msg);
}

static void
name_is_encoded_never_raw(void **state)
{
	struct mail	 m = { "a@example.com", "Zoë Ω", "s", "b\n" };
	char		*msg;

	(void)state;
	assert_non_null(msg = build(&m));
	/* "Zoë Ω" in base64: no byte of the name itself is in the header. */
	assert_non_null(strstr(msg, "\nTo: =?UTF-8?B?Wm/DqyDOqQ==?=\n <a@example.com>\n"));
	assert_null(strstr(msg, "Zo"));
	free(msg);
}

static void
long_name_folds_into_short_words(void **state)
{
	char		 name[401], *msg, *line, *next, *word;
	struct mail	 m = { "a@example.com", name, "s", "b\n" };
	size_t		 i, words = 0;

	(void)state;
	/* 100 four-byte characters: no word may split one. */
	for (i = 0; i < 100; i++)
		memcpy(name + 4 * i, "\xf0\x9f\x98\x80", 4);
	name[400] = '\0';
	assert_non_null(msg = build(&m));
	for (line = msg; *line != '\n'; line = next + 1) {
		assert_non_null(next = strchr(line, '\n'));
		*next = '\0';
		assert_true(strlen(line) <= 78);
		/* 44 bytes (11 characters) a word: 60 base64 digits at most. */
		if ((word = strstr(line, "=?UTF-8?B?")) != NULL) {
			words++;
			assert_true(strlen(word) <= 10 + 60 + 2);
		}
		*next = '\n';
	}
	assert_int_equal(words, 10);
	free(msg);
}

static void
header_injection_is_refused(void **state)
{
	static const char *const bad_to[] = { "a@example.com\nBcc: x@evil.example",
	    "a@example.com\r", "a@example.com, x@evil.example",
	    "a b@example.com", "<a@example.com>", "\"a\"@example.com",
	    "a@example.com;x@evil.example", "example.com", "a@", "@example.com",
	    "a@b@example.com", "", "a\x01@example.com" };
	static const char *const bad_line[] = { "x\nBcc: x@evil.example",
	    "x\r\nBcc: x@evil.example", "x\r", "tab\there", "nul\x7f",
	    "c1 \xc2\x85 here", "bad utf8 \xff" };
	struct mail	 m = { "a@example.com", NULL, "s", "b\n" };
	size_t		 i, len;

	(void)state;
	for (i = 0; i < sizeof(bad_to) / sizeof(bad_to[0]); i++) {
		m.to = bad_to[i];
		errno = 0;
		assert_null(mail_build(FROM, &m, 0, &len));
		assert_int_equal(errno, EINVAL);
	}
	m.to = "a@example.com";
	for (i = 0; i < sizeof(bad_line) / sizeof(bad_line[0]); i++) {
		m.to_name = bad_line[i];
		assert_null(mail_build(FROM, &m, 0, &len));
		m.to_name = NULL;
		m.subject = bad_line[i];
		assert_null(mail_build(FROM, &m, 0, &len));
		m.subject = "s";
	}
	m.body = "a lone \r here\n";
	assert_null(mail_build(FROM, &m, 0, &len));
}

static void
from_is_checked(void **state)
{
	(void)state;
	assert_true(mail_from_ok("noreply@example.org"));
	assert_true(mail_from_ok("Example <noreply@example.org>"));
	assert_false(mail_from_ok(""));
	assert_false(mail_from_ok("noreply"));
	assert_false(mail_from_ok("Ex\n <noreply@example.org>"));
	assert_false(mail_from_ok("Ex <noreply@example.org> x"));
	assert_false(mail_from_ok("\"Ex\" <noreply@example.org>"));
	assert_false(mail_from_ok("Ex <a@example.org, b@example.org>"));
	assert_false(mail_from_ok("Zoë <noreply@example.org>"));
}

static void
utf8_body_is_quoted_printable(void **state)
{
	struct mail	 m = { "a@example.com", NULL, "Réinitialisation",
	    "Bonjour, clé = 1 \nend\n" };
	char		*msg;

	(void)state;
	assert_non_null(msg = build(&m));
	assert_non_null(strstr(msg, "\nSubject: =?UTF-8?B?"));
	assert_non_null(strstr(msg, "\nContent-Transfer-Encoding: quoted-printable\n\n"
	    "Bonjour, cl=C3=A9 =3D 1=20\nend\n"));
	free(msg);
}

/* Write a script into dir; its path into path. */
static void
script(const char *name, const char *text, char path[PATH_MAX])
{
	FILE	*f;

	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0700), 0);
}

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* No child of ours is left, dead or alive. */
static void
no_children(void)
{
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void
send_keeps_message(void **state)
{
	struct mail	 m = { "a@example.com", "Alice", "Hello", "line one\n" };
	char		 path[PATH_MAX], command[2 * PATH_MAX + 16], out[PATH_MAX];
	char		 got[4096], err[256] = "";
	FILE		*f;
	size_t		 n;

	(void)state;
	script("keep", "#!/bin/sh\n[ \"$1\" = -t ] && [ \"$2\" = -i ] || exit 3\n"
	    "cat >\"$3\"\n", path);
	snprintf(out, sizeof(out), "%s/kept", dir);
	snprintf(command, sizeof(command), "%s  -t\t-i %s", path, out);
	assert_int_equal(mail_send(command, 5000, FROM, &m, err, sizeof(err)),
	    MAIL_SENT);
	assert_non_null(f = fopen(out, "r"));
	n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	assert_true(strncmp(got, "From: " FROM "\n", strlen(FROM) + 7) == 0);
	assert_non_null(strstr(got, "\nTo: =?UTF-8?B?QWxpY2U=?=\n <a@example.com>\n"));
	assert_non_null(strstr(got, "\n\nline one\n"));
	no_children();
}

static void
send_reports_failure(void **state)
{
	struct mail	 m = { "a@example.com", NULL, "s", "b\n" };
	char		 path[PATH_MAX], err[256] = "";

	(void)state;
	script("fail", "#!/bin/sh\ncat >/dev/null\nexit 1\n", path);
	assert_int_equal(mail_send(path, 5000, FROM, &m, err, sizeof(err)),
	    MAIL_FAILED);
	assert_non_null(strstr(err, "exited with status 1"));
	assert_int_equal(mail_send("/nonexistent/sendmail -t", 5000, FROM, &m,
	    err, sizeof(err)), MAIL_FAILED);
	assert_non_null(strstr(err, "could not be run"));
	assert_int_equal(mail_send("sendmail -t", 5000, FROM, &m, err,
	    sizeof(err)), MAIL_FAILED);
	assert_int_equal(mail_send("", 5000, FROM, &m, err, sizeof(err)),
	    MAIL_FAILED);
	m.to = "a@example.com\nBcc: b@example.com";
	assert_int_equal(mail_send(path, 5000, FROM, &m, err, sizeof(err)),
	    MAIL_REFUSED);
	no_children();
}

static void
send_kills_a_hanging_command(void **state)
{
	struct mail	 m = { "a@example.com", NULL, "s", "b\n" };
	char		 path[PATH_MAX], err[256] = "";
	int64_t		 start;

	(void)state;
	/* The shell waits for sleep: the whole group must go. */
	script("hang", "#!/bin/sh\ncat >/dev/null\nsleep 30\n", path);
	start = now_ms();
	assert_int_equal(mail_send(path, 300, FROM, &m, err, sizeof(err)),
	    MAIL_TIMEOUT);
	assert_true(now_ms() - start < 5000);
	assert_non_null(strstr(err, "took longer than 300 ms"));
	no_children();
}

static void
send_survives_a_command_that_does_not_read(void **state)
{
	struct mail	 m = { "a@example.com", NULL, "s", NULL };
	char		*body, path[PATH_MAX], err[256] = "";
	size_t		 i, size = 1 << 20;

	(void)state;
	/* More than a pipe holds, to a reader that is gone: EPIPE, no SIGPIPE. */
	assert_non_null(body = malloc(size + 1));
	for (i = 0; i < size; i++)
		body[i] = i % 64 == 63 ? '\n' : 'x';
	body[size] = '\0';
	m.body = body;
	script("deaf", "#!/bin/sh\nexit 0\n", path);
	assert_int_equal(mail_send(path, 5000, FROM, &m, err, sizeof(err)),
	    MAIL_FAILED);
	assert_non_null(strstr(err, "without reading"));
	free(body);
	no_children();
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	 command[PATH_MAX + 16];

	(void)state;
	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	return system(command) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(headers_are_complete),
		cmocka_unit_test(name_is_encoded_never_raw),
		cmocka_unit_test(long_name_folds_into_short_words),
		cmocka_unit_test(header_injection_is_refused),
		cmocka_unit_test(from_is_checked),
		cmocka_unit_test(utf8_body_is_quoted_printable),
		cmocka_unit_test(send_keeps_message),
		cmocka_unit_test(send_reports_failure),
		cmocka_unit_test(send_kills_a_hanging_command),
		cmocka_unit_test(send_survives_a_command_that_does_not_read),
	};

	return cmocka_run_group_tests_name("mail", tests, setup, teardown);
}
