/*
 * text: what the API's text fields may hold, by Unicode property: UTF-8
 * decoding, blank text, and the control and format characters a name, a
 * title or a post's content may not hold.  The tables are Unicode 15.0's.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The code point at s[*i] (s is len bytes), moving *i past it; -1 (and *i
 * unchanged) if the bytes there are not UTF-8: a bad or missing
 * continuation byte, an overlong form, a surrogate or a value past
 * U+10FFFF.
 */
int32_t	text_utf8_next(const char *s, size_t len, size_t *i);

/* Number of code points in s (len bytes), or -1 if it is not UTF-8. */
long	text_utf8_chars(const char *s, size_t len);

/*
 * Is s (len bytes of UTF-8) blank: nothing a reader would see?  That is
 * empty, or only White_Space (U+0020, U+00A0, U+3000 ...), format
 * characters (Cf: U+200B, U+FEFF, bidi controls ...), other
 * Default_Ignorable_Code_Points (variation selectors, the Hangul fillers
 * U+115F, U+1160, U+3164, U+FFA0) and the blank braille pattern U+2800,
 * which all render as nothing or as a space.  Invalid UTF-8 is not blank.
 */
int	text_is_blank(const char *s, size_t len);

/* What a string may hold beyond visible characters (text_allowed()). */
enum text_rule {
	/*
	 * A name or a title, shown on one line beside other text: no control
	 * (Cc, tab and line feed included), no format character (Cf: bidi
	 * embeddings, overrides, isolates and marks, U+200B, U+FEFF, soft
	 * hyphen ...) and no line or paragraph separator (U+2028, U+2029).
	 * The joiners ZWJ (U+200D) and ZWNJ (U+200C), which Persian, Sinhala,
	 * Indic scripts and emoji sequences need inside words, are allowed
	 * between two characters that are neither White_Space nor a joiner.
	 */
	TEXT_LINE,
	/*
	 * Free text, a post's content: no control character but tab, line
	 * feed, and carriage return right before a line feed (CR LF).  Format
	 * characters stay: right-to-left text needs its marks and isolates.
	 */
	TEXT_LINES,
};

/* Does s (len bytes) keep rule?  1 if so, 0 if not (or not UTF-8). */
int	text_allowed(const char *s, size_t len, enum text_rule rule);

#endif
