/*
 * Unit tests for common/text.c: UTF-8 decoding and counting, blank text by
 * Unicode property, and the control and format characters that names,
 * titles and contents refuse (issue 20).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "text.h"

/* U+1F600, four bytes in UTF-8. */
#define EMOJI	"\xf0\x9f\x98\x80"
#define ZWNJ	"\xe2\x80\x8c"		/* U+200C */
#define ZWJ	"\xe2\x80\x8d"		/* U+200D */
#define ZWSP	"\xe2\x80\x8b"		/* U+200B, Cf */
#define RLO	"\xe2\x80\xae"		/* U+202E, a bidi override */
#define IDSP	"\xe3\x80\x80"		/* U+3000, White_Space */
#define NBSP	"\xc2\xa0"		/* U+00A0, White_Space */

static long
chars(const char *s)
{
	return text_utf8_chars(s, strlen(s));
}

static int
blank(const char *s)
{
	return text_is_blank(s, strlen(s));
}

static int
line_ok(const char *s)
{
	return text_allowed(s, strlen(s), TEXT_LINE);
}

static int
lines_ok(const char *s)
{
	return text_allowed(s, strlen(s), TEXT_LINES);
}

/* --- text_utf8_next, text_utf8_chars */

static void
utf8_next_decodes_each_length(void **state)
{
	const char	*s = "a\xc3\xa9\xe2\x82\xac" EMOJI;
	size_t		 i = 0, len = strlen(s);

	(void)state;
	assert_int_equal(text_utf8_next(s, len, &i), 'a');
	assert_int_equal(i, 1);
	assert_int_equal(text_utf8_next(s, len, &i), 0xe9);
	assert_int_equal(i, 3);
	assert_int_equal(text_utf8_next(s, len, &i), 0x20ac);
	assert_int_equal(i, 6);
	assert_int_equal(text_utf8_next(s, len, &i), 0x1f600);
	assert_int_equal(i, 10);
}

static void
utf8_next_leaves_the_index_on_failure(void **state)
{
	size_t	 i = 1;

	(void)state;
	assert_int_equal(text_utf8_next("a\xe2\x82", 3, &i), -1);
	assert_int_equal(i, 1);
	assert_int_equal(text_utf8_next("a\xc0\xaf", 3, &i), -1);
	assert_int_equal(i, 1);
}

static void
utf8_ascii(void **state)
{
	(void)state;
	assert_int_equal(chars(""), 0);
	assert_int_equal(chars("abc"), 3);
	assert_int_equal(chars("\x7f"), 1);
	/* The length given counts, not a NUL. */
	assert_int_equal(text_utf8_chars("abc", 2), 2);
	assert_int_equal(text_utf8_chars("a\0b", 3), 3);
}

static void
utf8_multibyte(void **state)
{
	(void)state;
	assert_int_equal(chars("\xc3\xa9"), 1);		/* U+00E9 */
	assert_int_equal(chars("\xc2\x80"), 1);		/* U+0080 */
	assert_int_equal(chars("\xdf\xbf"), 1);		/* U+07FF */
	assert_int_equal(chars("\xe2\x82\xac"), 1);	/* U+20AC */
	assert_int_equal(chars("\xef\xbf\xbd"), 1);	/* U+FFFD */
	assert_int_equal(chars(EMOJI), 1);		/* U+1F600 */
	assert_int_equal(chars("\xf4\x8f\xbf\xbf"), 1);	/* U+10FFFF */
	assert_int_equal(chars("a\xc3\xa9" "b" EMOJI "\xe2\x82\xac"), 5);
}

static void
utf8_overlong(void **state)
{
	(void)state;
	assert_int_equal(chars("\xc0\xaf"), -1);
	assert_int_equal(chars("\xc1\xbf"), -1);
	assert_int_equal(chars("\xe0\x80\xaf"), -1);
	assert_int_equal(chars("\xe0\x9f\xbf"), -1);
	assert_int_equal(chars("\xf0\x80\x80\xaf"), -1);
	assert_int_equal(chars("\xf0\x8f\xbf\xbf"), -1);
}

static void
utf8_surrogates(void **state)
{
	(void)state;
	assert_int_equal(chars("\xed\xa0\x80"), -1);	/* U+D800 */
	assert_int_equal(chars("\xed\xbf\xbf"), -1);	/* U+DFFF */
	assert_int_equal(chars("\xed\x9f\xbf"), 1);	/* U+D7FF is fine */
	assert_int_equal(chars("\xee\x80\x80"), 1);	/* U+E000 is fine */
}

static void
utf8_beyond_unicode(void **state)
{
	(void)state;
	assert_int_equal(chars("\xf4\x90\x80\x80"), -1);	/* U+110000 */
	assert_int_equal(chars("\xf7\xbf\xbf\xbf"), -1);
	assert_int_equal(chars("\xf8\x88\x80\x80\x80"), -1);
	assert_int_equal(chars("\xff"), -1);
}

static void
utf8_truncated_sequence(void **state)
{
	(void)state;
	assert_int_equal(chars("\xc3"), -1);
	assert_int_equal(chars("\xe2\x82"), -1);
	assert_int_equal(chars("\xf0\x9f\x98"), -1);
	assert_int_equal(chars("ab\xf0\x9f"), -1);
	/* Cut by len even though more bytes follow. */
	assert_int_equal(text_utf8_chars("\xe2\x82\xac", 2), -1);
}

static void
utf8_bad_continuation(void **state)
{
	(void)state;
	assert_int_equal(chars("\x80"), -1);
	assert_int_equal(chars("a\xbf"), -1);
	assert_int_equal(chars("\xc3" "a"), -1);
	assert_int_equal(chars("\xe2\x82" "a"), -1);
	assert_int_equal(chars("\xe2\xc3\xa9"), -1);
}

/* --- text_is_blank */

static void
blank_ascii_white_space(void **state)
{
	(void)state;
	assert_true(blank(""));
	assert_true(blank(" "));
	assert_true(blank(" \t\r\n\v\f "));
	assert_false(blank("x"));
	assert_false(blank("  x  "));
	assert_false(blank("."));
}

/* The review's cases: a name of U+200B, a password of eight U+3000. */
static void
blank_unicode_white_space_and_format(void **state)
{
	(void)state;
	assert_true(blank(ZWSP));
	assert_true(blank(IDSP IDSP IDSP IDSP IDSP IDSP IDSP IDSP));
	assert_true(blank(NBSP));
	assert_true(blank("\xc2\x85"));			/* U+0085 NEL */
	assert_true(blank("\xe1\x9a\x80"));		/* U+1680 */
	assert_true(blank("\xe2\x80\x80\xe2\x80\x8a"));	/* U+2000, U+200A */
	assert_true(blank("\xe2\x80\xa8\xe2\x80\xa9"));	/* U+2028, U+2029 */
	assert_true(blank("\xe2\x80\xaf\xe2\x81\x9f"));	/* U+202F, U+205F */
	assert_true(blank("\xef\xbb\xbf"));		/* U+FEFF */
	assert_true(blank("\xc2\xad"));			/* U+00AD soft hyphen */
	assert_true(blank(RLO "\xe2\x81\xa6"));		/* U+202E, U+2066 */
	assert_true(blank(ZWJ ZWNJ));
	assert_true(blank("\xf3\xa0\x80\x81"));		/* U+E0001 language tag */
	/* Every Cf counts, even one that can draw a sign over digits. */
	assert_true(blank("\xd8\x80\xf0\x91\x82\xbd"));	/* U+0600, U+110BD */
	assert_true(blank(ZWSP " " IDSP "\t" NBSP));
}

static void
blank_invisible_fillers(void **state)
{
	(void)state;
	assert_true(blank("\xe3\x85\xa4"));		/* U+3164 Hangul filler */
	assert_true(blank("\xe1\x85\x9f\xe1\x85\xa0"));	/* U+115F, U+1160 */
	assert_true(blank("\xef\xbe\xa0"));		/* U+FFA0 */
	assert_true(blank("\xe2\xa0\x80"));		/* U+2800 blank braille */
	assert_true(blank("\xef\xb8\x8f"));		/* U+FE0F alone */
	assert_true(blank("\xcd\x8f"));			/* U+034F CGJ */
}

static void
blank_needs_only_one_visible_character(void **state)
{
	(void)state;
	assert_false(blank(ZWSP "a" ZWSP));
	assert_false(blank(IDSP "\xe4\xb8\x80" IDSP));	/* U+4E00 */
	assert_false(blank(EMOJI));
	assert_false(blank("\xe2\xa0\x81"));		/* U+2801, a dot */
	assert_false(blank("\xcc\x81"));		/* U+0301, a lone accent shows */
}

static void
blank_invalid_utf8_is_not_blank(void **state)
{
	(void)state;
	assert_false(blank("\xff"));
	assert_false(blank(" \xe3\x80"));
	assert_false(text_is_blank(IDSP, 2));
}

/* --- text_allowed(TEXT_LINE) */

static void
line_plain_text(void **state)
{
	(void)state;
	assert_true(line_ok(""));
	assert_true(line_ok("Alice"));
	assert_true(line_ok("Grüße \"quoted\" \\ back/slash " EMOJI));
	assert_true(line_ok("\xe4\xb8\xad\xe6\x96\x87"));	/* Chinese */
	assert_true(line_ok("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d"));	/* Hebrew */
	/* Non-breaking and ideographic spaces are spaces, not controls. */
	assert_true(line_ok("a" NBSP "b" IDSP "c"));
	/* Variation selectors and combining marks are part of characters. */
	assert_true(line_ok("\xe2\x9d\xa4\xef\xb8\x8f"));	/* U+2764 U+FE0F */
	assert_true(line_ok("e\xcc\x81"));
}

static void
line_refuses_controls(void **state)
{
	(void)state;
	assert_false(line_ok("a\tb"));
	assert_false(line_ok("a\nb"));
	assert_false(line_ok("a\rb"));
	assert_false(line_ok("\x01"));
	assert_false(line_ok("Bob\x1b[31m"));
	assert_false(line_ok("a\x7f"));
	assert_false(line_ok("a\xc2\x80"));		/* U+0080 */
	assert_false(line_ok("a\xc2\x85"));		/* U+0085 NEL */
	assert_false(line_ok("a\xc2\x9f"));		/* U+009F */
	assert_false(text_allowed("a\0b", 3, TEXT_LINE));
}

static void
line_refuses_format_characters(void **state)
{
	(void)state;
	assert_false(line_ok("Al" ZWSP "ice"));
	assert_false(line_ok(RLO "evil"));
	assert_false(line_ok("a\xe2\x80\x8e" "b"));	/* U+200E LRM */
	assert_false(line_ok("a\xe2\x80\x8f" "b"));	/* U+200F RLM */
	assert_false(line_ok("a\xe2\x80\xaa" "b"));	/* U+202A LRE */
	assert_false(line_ok("a\xe2\x81\xa6" "b\xe2\x81\xa9"));	/* U+2066, U+2069 */
	assert_false(line_ok("a\xd8\x9c" "b"));		/* U+061C ALM */
	assert_false(line_ok("a\xef\xbb\xbf" "b"));	/* U+FEFF */
	assert_false(line_ok("a\xc2\xad" "b"));		/* U+00AD */
	assert_false(line_ok("a\xe2\x81\xa0" "b"));	/* U+2060 word joiner */
	assert_false(line_ok("a\xf3\xa0\x80\x81"));	/* U+E0001 */
	assert_false(line_ok("a\xf3\xa0\x81\xbf"));	/* U+E007F */
	assert_false(line_ok("a\xf0\x9d\x85\xb3"));	/* U+1D173 */
	assert_false(line_ok("a\xe2\x80\xa8" "b"));	/* U+2028 */
	assert_false(line_ok("a\xe2\x80\xa9" "b"));	/* U+2029 */
}

/* ZWJ and ZWNJ inside words: Persian, Sinhala, emoji sequences. */
static void
line_joiners_inside_words(void **state)
{
	(void)state;
	/* Persian "mi-khaham", with its ZWNJ. */
	assert_true(line_ok("\xd9\x85\xdb\x8c" ZWNJ "\xd8\xae\xd9\x88\xd8\xa7"
	    "\xd9\x87\xd9\x85"));
	/* Sinhala "Sri": SHA, AL-LAKUNA, ZWJ, RA, II. */
	assert_true(line_ok("\xe0\xb7\x81\xe0\xb7\x8a" ZWJ "\xe0\xb6\xbb"
	    "\xe0\xb7\x93"));
	/* Family: man ZWJ woman ZWJ girl; heart on fire after a VS16. */
	assert_true(line_ok("\xf0\x9f\x91\xa8" ZWJ "\xf0\x9f\x91\xa9" ZWJ
	    "\xf0\x9f\x91\xa7"));
	assert_true(line_ok("\xe2\x9d\xa4\xef\xb8\x8f" ZWJ "\xf0\x9f\x94\xa5"));
}

static void
line_joiners_alone_or_at_edges(void **state)
{
	(void)state;
	assert_false(line_ok(ZWJ));
	assert_false(line_ok(ZWNJ "a"));
	assert_false(line_ok("a" ZWJ));
	assert_false(line_ok("a " ZWJ "b"));
	assert_false(line_ok("a" ZWJ " b"));
	assert_false(line_ok("a" ZWJ ZWJ "b"));
	assert_false(line_ok("a" ZWJ ZWNJ "b"));
	assert_false(line_ok("a" ZWNJ IDSP "b"));
}

static void
line_invalid_utf8(void **state)
{
	(void)state;
	assert_false(line_ok("a\xff"));
	assert_false(line_ok("\xe2\x80"));
}

/* --- text_allowed(TEXT_LINES) */

static void
lines_keep_tab_lf_and_crlf(void **state)
{
	(void)state;
	assert_true(lines_ok(""));
	assert_true(lines_ok("line 1\nline 2\tcol"));
	assert_true(lines_ok("windows\r\nline ends\r\n"));
	assert_true(lines_ok("\n\n\t"));
}

static void
lines_refuse_other_controls(void **state)
{
	(void)state;
	assert_false(lines_ok("a\rb"));
	assert_false(lines_ok("a\r"));
	assert_false(lines_ok("a\r\rb"));
	assert_false(lines_ok("\x01"));
	assert_false(lines_ok("a\x08" "b"));
	assert_false(lines_ok("a\x0b" "b"));
	assert_false(lines_ok("a\x0c" "b"));
	assert_false(lines_ok("\x1b[2J"));
	assert_false(lines_ok("a\x1f"));
	assert_false(lines_ok("a\x7f"));
	assert_false(lines_ok("a\xc2\x80"));
	assert_false(lines_ok("a\xc2\x85"));
	assert_false(lines_ok("a\xc2\x9f"));
	assert_false(text_allowed("a\0b", 3, TEXT_LINES));
}

/* Right-to-left text needs its marks; paragraphs may use U+2029. */
static void
lines_keep_format_characters(void **state)
{
	(void)state;
	assert_true(lines_ok("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\xe2\x80\x8f!"));
	assert_true(lines_ok("a" RLO "b\xe2\x80\xac"));
	assert_true(lines_ok(ZWJ "x" ZWSP));
	assert_true(lines_ok("one\xe2\x80\xa9two\xe2\x80\xa8three"));
	assert_true(lines_ok("\xc2\xa0\xc2\xa1"));	/* U+00A0, U+00A1 */
}

static void
lines_invalid_utf8(void **state)
{
	(void)state;
	assert_false(lines_ok("a\xff"));
	assert_false(lines_ok("\xed\xa0\x80"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_next_decodes_each_length),
		cmocka_unit_test(utf8_next_leaves_the_index_on_failure),
		cmocka_unit_test(utf8_ascii),
		cmocka_unit_test(utf8_multibyte),
		cmocka_unit_test(utf8_overlong),
		cmocka_unit_test(utf8_surrogates),
		cmocka_unit_test(utf8_beyond_unicode),
		cmocka_unit_test(utf8_truncated_sequence),
		cmocka_unit_test(utf8_bad_continuation),
		cmocka_unit_test(blank_ascii_white_space),
		cmocka_unit_test(blank_unicode_white_space_and_format),
		cmocka_unit_test(blank_invisible_fillers),
		cmocka_unit_test(blank_needs_only_one_visible_character),
		cmocka_unit_test(blank_invalid_utf8_is_not_blank),
		cmocka_unit_test(line_plain_text),
		cmocka_unit_test(line_refuses_controls),
		cmocka_unit_test(line_refuses_format_characters),
		cmocka_unit_test(line_joiners_inside_words),
		cmocka_unit_test(line_joiners_alone_or_at_edges),
		cmocka_unit_test(line_invalid_utf8),
		cmocka_unit_test(lines_keep_tab_lf_and_crlf),
		cmocka_unit_test(lines_refuse_other_controls),
		cmocka_unit_test(lines_keep_format_characters),
		cmocka_unit_test(lines_invalid_utf8),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
