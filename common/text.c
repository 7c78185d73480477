/*
 * text: UTF-8 decoding and the Unicode properties the field rules need,
 * from small tables of Unicode 15.0 (UnicodeData.txt, PropList.txt,
 * DerivedCoreProperties.txt; checked against ICU 72).
 */
#include "text.h"
#include "util.h"

/* A closed range of code points. */
struct text_range {
	int32_t	 first;
	int32_t	 last;
};

/* General_Category=Cf: format characters, bidi controls among them. */
static const struct text_range text_format[] = {
	{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c },
	{ 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 },
	{ 0x08e2, 0x08e2 }, { 0x180e, 0x180e }, { 0x200b, 0x200f },
	{ 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f },
	{ 0xfeff, 0xfeff }, { 0xfff9, 0xfffb }, { 0x110bd, 0x110bd },
	{ 0x110cd, 0x110cd }, { 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 },
	{ 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f },
};

/* White_Space (PropList.txt). */
static const struct text_range text_white_space[] = {
	{ 0x0009, 0x000d }, { 0x0020, 0x0020 }, { 0x0085, 0x0085 },
	{ 0x00a0, 0x00a0 }, { 0x1680, 0x1680 }, { 0x2000, 0x200a },
	{ 0x2028, 0x2029 }, { 0x202f, 0x202f }, { 0x205f, 0x205f },
	{ 0x3000, 0x3000 },
};

/*
 * What else renders as nothing: the Default_Ignorable_Code_Points that are
 * not Cf (combining grapheme joiner, Hangul fillers, variation selectors,
 * unassigned ignorables), and U+2800 BRAILLE PATTERN BLANK, a favourite
 * for "invisible" names.
 */
static const struct text_range text_ignorable[] = {
	{ 0x034f, 0x034f }, { 0x115f, 0x1160 }, { 0x17b4, 0x17b5 },
	{ 0x180b, 0x180d }, { 0x180f, 0x180f }, { 0x2065, 0x2065 },
	{ 0x2800, 0x2800 }, { 0x3164, 0x3164 }, { 0xfe00, 0xfe0f },
	{ 0xffa0, 0xffa0 }, { 0xfff0, 0xfff8 }, { 0xe0000, 0xe0000 },
	{ 0xe0002, 0xe001f }, { 0xe0080, 0xe0fff },
};

#define TEXT_ZWNJ	0x200c
#define TEXT_ZWJ	0x200d

/* Is cp in the sorted table t of n ranges? */
static int
text_in(const struct text_range *t, size_t n, int32_t cp)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cp < t[mid].first)
			hi = mid;
		else if (cp > t[mid].last)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

int32_t
text_utf8_next(const char *str, size_t len, size_t *i)
{
	const unsigned char	*s;
	size_t			 left, need, k;
	int32_t			 cp;

	if (*i >= len)
		return -1;
	s = (const unsigned char *)str + *i;
	left = len - *i;
	if (s[0] < 0x80) {
		(*i)++;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		need = 1;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 2;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 3;
		cp = s[0] & 0x07;
	} else
		return -1;
	if (left <= need)
		return -1;
	for (k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
	    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += need + 1;
	return cp;
}

long
text_utf8_chars(const char *s, size_t len)
{
	size_t	 i = 0;
	long	 chars = 0;

	while (i < len) {
		if (text_utf8_next(s, len, &i) < 0)
			return -1;
		chars++;
	}
	return chars;
}

/* C0, DEL and C1: General_Category=Cc. */
static int
text_is_control(int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

static int
text_is_format(int32_t cp)
{
	return text_in(text_format, NITEMS(text_format), cp);
}

static int
text_is_white_space(int32_t cp)
{
	return text_in(text_white_space, NITEMS(text_white_space), cp);
}

/* Does cp show as nothing, or as a space? */
static int
text_is_blank_char(int32_t cp)
{
	return text_is_white_space(cp) || text_is_format(cp) ||
	    text_in(text_ignorable, NITEMS(text_ignorable), cp);
}

int
text_is_blank(const char *s, size_t len)
{
	size_t	 i = 0;
	int32_t	 cp;

	while (i < len) {
		if ((cp = text_utf8_next(s, len, &i)) < 0 ||
		    !text_is_blank_char(cp))
			return 0;
	}
	return 1;
}

/*
 * May a joiner stand between prev and next (-1: the string's edge)?  Only
 * between two characters that are neither White_Space nor joiners: inside
 * a word or an emoji sequence (RFC 5892's CONTEXTJ, loosened for emoji).
 */
static int
text_joins(int32_t prev, int32_t next)
{
	return prev >= 0 && next >= 0 &&
	    prev != TEXT_ZWJ && prev != TEXT_ZWNJ && !text_is_white_space(prev) &&
	    next != TEXT_ZWJ && next != TEXT_ZWNJ && !text_is_white_space(next);
}

int
text_allowed(const char *s, size_t len, enum text_rule rule)
{
	size_t	 i = 0, at;
	int32_t	 cp, prev = -1, next;

	while (i < len) {
		if ((cp = text_utf8_next(s, len, &i)) < 0)
			return 0;
		if (rule == TEXT_LINES) {
			/* CR only as the first half of CR LF. */
			if (text_is_control(cp) && cp != '\t' && cp != '\n' &&
			    !(cp == '\r' && i < len && s[i] == '\n'))
				return 0;
			continue;
		}
		if (cp == TEXT_ZWJ || cp == TEXT_ZWNJ) {
			at = i;
			next = at < len ? text_utf8_next(s, len, &at) : -1;
			if (!text_joins(prev, next))
				return 0;
		} else if (text_is_control(cp) || text_is_format(cp) ||
		    cp == 0x2028 || cp == 0x2029)
			return 0;
		prev = cp;
	}
	return 1;
}
