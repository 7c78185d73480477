/*
 * Unit tests for common/token.c: the session JWT round trip, every token
 * tok_verify() must refuse, each with its short reason, and the refresh
 * token and its digest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>

#include "token.h"

static const unsigned char	 key[] = "0123456789abcdef0123456789abcdef";
static const unsigned char	 other_key[] = "fedcba9876543210fedcba9876543210";
#define KEYLEN		32

/* A fixed "now" keeps every expiry check exact. */
#define NOW		((time_t)1700000000)
#define JTI		"0123456789abcdef0123456789abcdef"

/* Claims that verify at NOW. */
static struct tok_claims
good_claims(void)
{
	struct tok_claims	 c;

	memset(&c, 0, sizeof(c));
	c.user_id = 42;
	memcpy(c.id, JTI, sizeof(c.id));
	c.iat = NOW - 10;
	c.exp = NOW + 3600;
	return c;
}

/*
 * Sign an arbitrary payload (a JSON object's text) with libjwt, as a
 * client holding the key could: the way to make tokens tok_issue() never
 * would.  Returns a malloc'd token.
 */
static char *
sign(const char *payload, jwt_alg_t alg, const unsigned char *k)
{
	jwt_t	*jwt = NULL;
	char	*out;

	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_add_grants_json(jwt, payload), 0);
	assert_int_equal(jwt_set_alg(jwt, alg, k, KEYLEN), 0);
	assert_non_null(out = jwt_encode_str(jwt));
	jwt_free(jwt);
	return out;
}

/* Verify token at NOW; return the result, with the reason in *why. */
static int
verify(const char *token, const char **why)
{
	struct tok_claims	 c;

	*why = "(not set)";
	return tok_verify(key, KEYLEN, token, strlen(token), NOW, 0, &c, why);
}

/* Expect token to be refused for reason. */
static void
refused(const char *token, const char *reason)
{
	const char	*why;
	int		 rc = verify(token, &why);

	assert_non_null(why);
	assert_string_equal(why, reason);
	assert_int_equal(rc, -1);
}

/* Expect the signed payload to be refused for reason. */
static void
payload_refused(const char *payload, const char *reason)
{
	char	*token = sign(payload, JWT_ALG_HS256, key);

	refused(token, reason);
	free(token);
}

/* Expect the signed payload to verify. */
static void
payload_accepted(const char *payload)
{
	char		*token = sign(payload, JWT_ALG_HS256, key);
	const char	*why;

	assert_int_equal(verify(token, &why), 0);
	assert_null(why);
	free(token);
}

/* base64url without padding, into out (NUL-terminated). */
static void
b64url(const char *in, char *out, size_t outsz)
{
	static const char	 abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char	*s = (const unsigned char *)in;
	size_t			 len = strlen(in), i, o = 0;
	unsigned long		 v;

	for (i = 0; i < len; i += 3) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		assert_true(o + 5 < outsz);
		out[o++] = abc[(v >> 18) & 63];
		out[o++] = abc[(v >> 12) & 63];
		if (i + 1 < len)
			out[o++] = abc[(v >> 6) & 63];
		if (i + 2 < len)
			out[o++] = abc[v & 63];
	}
	out[o] = '\0';
}

/* --- tok_new_id */

static void
new_id_is_32_lowercase_hex(void **state)
{
	char	 id[TOK_ID_LEN + 1];
	size_t	 i;

	(void)state;
	assert_int_equal(tok_new_id(id), 0);
	assert_int_equal(strlen(id), TOK_ID_LEN);
	for (i = 0; i < TOK_ID_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", id[i]));
}

static void
new_ids_differ(void **state)
{
	char	 a[TOK_ID_LEN + 1], b[TOK_ID_LEN + 1];

	(void)state;
	assert_int_equal(tok_new_id(a), 0);
	assert_int_equal(tok_new_id(b), 0);
	assert_string_not_equal(a, b);
}

/* --- tok_issue and tok_verify */

static void
issue_then_verify_round_trip(void **state)
{
	struct tok_claims	 in = good_claims(), out;
	char			 token[TOK_MAX_LEN + 1];
	const char		*why = "(not set)";

	(void)state;
	assert_int_equal(tok_new_id(in.id), 0);
	assert_int_equal(tok_issue(key, KEYLEN, &in, token, sizeof(token)), 0);
	memset(&out, 0, sizeof(out));
	assert_int_equal(tok_verify(key, KEYLEN, token, strlen(token), NOW, 0,
	    &out, &why), 0);
	assert_null(why);
	assert_true(out.user_id == in.user_id);
	assert_string_equal(out.id, in.id);
	assert_true(out.iat == in.iat);
	assert_true(out.exp == in.exp);
}

static void
issued_token_has_three_base64url_parts(void **state)
{
	struct tok_claims	 c = good_claims();
	char			 token[TOK_MAX_LEN + 1];
	size_t			 i, dots = 0;

	(void)state;
	assert_int_equal(tok_issue(key, KEYLEN, &c, token, sizeof(token)), 0);
	for (i = 0; token[i] != '\0'; i++) {
		if (token[i] == '.')
			dots++;
		else
			assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-_", token[i]));
	}
	assert_int_equal(dots, 2);
	/* {"alg":"HS256","typ":"JWT"} */
	assert_memory_equal(token, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37);
}

static void
issue_small_buffer_fails(void **state)
{
	struct tok_claims	 c = good_claims();
	char			 token[64];

	(void)state;
	memset(token, 'Z', sizeof(token));
	assert_int_equal(tok_issue(key, KEYLEN, &c, token, sizeof(token)), -1);
	assert_string_equal(token, "");
}

static void
issue_without_key_fails(void **state)
{
	struct tok_claims	 c = good_claims();
	char			 token[TOK_MAX_LEN + 1];

	(void)state;
	assert_int_equal(tok_issue(key, 0, &c, token, sizeof(token)), -1);
	assert_string_equal(token, "");
}

static void
verify_reads_only_len_bytes(void **state)
{
	struct tok_claims	 c = good_claims(), out;
	char			 buf[TOK_MAX_LEN + 64];
	const char		*why;
	size_t			 len;

	(void)state;
	assert_int_equal(tok_issue(key, KEYLEN, &c, buf, sizeof(buf)), 0);
	len = strlen(buf);
	/* As inside a Cookie header: more bytes follow the token. */
	memcpy(buf + len, "; theme=dark", 13);
	assert_int_equal(tok_verify(key, KEYLEN, buf, len, NOW, 0, &out, &why), 0);
	assert_null(why);
	assert_true(out.user_id == 42);
}

static void
verify_wrong_key(void **state)
{
	char	*token = sign("{\"userId\":42,\"exp\":1700003600,"
	    "\"jti\":\"" JTI "\"}", JWT_ALG_HS256, other_key);

	(void)state;
	refused(token, "bad signature or encoding");
	free(token);
}

static void
verify_without_key_fails(void **state)
{
	struct tok_claims	 c = good_claims(), out;
	char			 token[TOK_MAX_LEN + 1];
	const char		*why = NULL;

	(void)state;
	assert_int_equal(tok_issue(key, KEYLEN, &c, token, sizeof(token)), 0);
	assert_int_equal(tok_verify(key, 0, token, strlen(token), NOW, 0, &out,
	    &why), -1);
	assert_non_null(why);
}

static void
verify_tampered_payload(void **state)
{
	struct tok_claims	 c = good_claims();
	char			 token[TOK_MAX_LEN + 1];
	char			*p;

	(void)state;
	assert_int_equal(tok_issue(key, KEYLEN, &c, token, sizeof(token)), 0);
	assert_non_null(p = strchr(token, '.'));
	p += 10;
	*p = *p == 'A' ? 'B' : 'A';
	refused(token, "bad signature or encoding");
}

static void
verify_tampered_signature(void **state)
{
	struct tok_claims	 c = good_claims();
	char			 token[TOK_MAX_LEN + 1];
	char			*p;

	(void)state;
	assert_int_equal(tok_issue(key, KEYLEN, &c, token, sizeof(token)), 0);
	assert_non_null(p = strrchr(token, '.'));
	p += 5;
	*p = *p == 'A' ? 'B' : 'A';
	refused(token, "bad signature or encoding");
}

static void
verify_alg_none(void **state)
{
	char	 head[128], body[256], token[512];

	(void)state;
	b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}", head, sizeof(head));
	assert_string_equal(head, "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0");
	b64url("{\"userId\":42,\"exp\":1700003600,\"jti\":\"" JTI "\"}",
	    body, sizeof(body));
	snprintf(token, sizeof(token), "%s.%s.", head, body);
	refused(token, "bad signature or encoding");
}

static void
verify_alg_none_with_signature(void **state)
{
	struct tok_claims	 c = good_claims();
	char			 good[TOK_MAX_LEN + 1], head[128], token[TOK_MAX_LEN + 1];
	const char		*rest;

	(void)state;
	/* A real HS256 token with its header swapped for alg "none". */
	assert_int_equal(tok_issue(key, KEYLEN, &c, good, sizeof(good)), 0);
	assert_non_null(rest = strchr(good, '.'));
	b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}", head, sizeof(head));
	snprintf(token, sizeof(token), "%s%s", head, rest);
	refused(token, "bad signature or encoding");
}

static void
verify_hs512_with_right_key(void **state)
{
	char	*token = sign("{\"userId\":42,\"exp\":1700003600,"
	    "\"jti\":\"" JTI "\"}", JWT_ALG_HS512, key);

	(void)state;
	refused(token, "algorithm is not HS256");
	free(token);
}

static void
verify_hs384_with_right_key(void **state)
{
	char	*token = sign("{\"userId\":42,\"exp\":1700003600,"
	    "\"jti\":\"" JTI "\"}", JWT_ALG_HS384, key);

	(void)state;
	refused(token, "algorithm is not HS256");
	free(token);
}

static void
verify_signed_payload_accepted(void **state)
{
	(void)state;
	/* The baseline the payload tests below vary one claim of. */
	payload_accepted("{\"userId\":42,\"exp\":1700003600,\"jti\":\"" JTI "\"}");
}

static void
verify_expired_one_second_ago(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1699999999,\"jti\":\"" JTI "\"}",
	    "expired");
}

static void
verify_expires_now(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1700000000,\"jti\":\"" JTI "\"}",
	    "expired");
}

/* Verify a signed payload at NOW allowing leeway; 0 or -1, the reason in *why. */
static int
verify_with_leeway(const char *payload, int64_t leeway, const char **why)
{
	char			*token = sign(payload, JWT_ALG_HS256, key);
	struct tok_claims	 c;
	int			 rc;

	*why = "(not set)";
	rc = tok_verify(key, KEYLEN, token, strlen(token), NOW, leeway, &c, why);
	free(token);
	return rc;
}

static void
verify_leeway_covers_a_recent_exp(void **state)
{
	const char	*why;

	(void)state;
	/* Expired 30 s ago: inside a 30 s leeway only while exp > now - 30. */
	assert_int_equal(verify_with_leeway("{\"userId\":42,\"exp\":1699999971,"
	    "\"jti\":\"" JTI "\"}", 30, &why), 0);
	assert_int_equal(verify_with_leeway("{\"userId\":42,\"exp\":1699999970,"
	    "\"jti\":\"" JTI "\"}", 30, &why), -1);
	assert_string_equal(why, "expired");
}

static void
verify_leeway_covers_a_near_nbf(void **state)
{
	const char	*why;

	(void)state;
	assert_int_equal(verify_with_leeway("{\"userId\":42,\"exp\":1700003600,"
	    "\"nbf\":1700000030,\"jti\":\"" JTI "\"}", 30, &why), 0);
	assert_int_equal(verify_with_leeway("{\"userId\":42,\"exp\":1700003600,"
	    "\"nbf\":1700000031,\"jti\":\"" JTI "\"}", 30, &why), -1);
	assert_string_equal(why, "not yet valid (nbf)");
}

static void
verify_expires_in_one_second(void **state)
{
	(void)state;
	payload_accepted("{\"userId\":42,\"exp\":1700000001,\"jti\":\"" JTI "\"}");
}

static void
verify_missing_exp(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"jti\":\"" JTI "\"}", "no integer exp");
}

static void
verify_exp_as_string(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":\"1700003600\",\"jti\":\"" JTI "\"}",
	    "no integer exp");
}

static void
verify_exp_as_float(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1700003600.5,\"jti\":\"" JTI "\"}",
	    "no integer exp");
	payload_refused("{\"userId\":42,\"exp\":1.7e10,\"jti\":\"" JTI "\"}",
	    "no integer exp");
}

static void
verify_exp_as_other_types(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":null,\"jti\":\"" JTI "\"}",
	    "no integer exp");
	payload_refused("{\"userId\":42,\"exp\":true,\"jti\":\"" JTI "\"}",
	    "no integer exp");
	payload_refused("{\"userId\":42,\"exp\":[1700003600],\"jti\":\"" JTI "\"}",
	    "no integer exp");
}

static void
verify_nbf_in_future(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1700003600,\"nbf\":1700000001,"
	    "\"jti\":\"" JTI "\"}", "not yet valid (nbf)");
}

static void
verify_nbf_now_or_past(void **state)
{
	(void)state;
	payload_accepted("{\"userId\":42,\"exp\":1700003600,\"nbf\":1700000000,"
	    "\"jti\":\"" JTI "\"}");
	payload_accepted("{\"userId\":42,\"exp\":1700003600,\"nbf\":1600000000,"
	    "\"jti\":\"" JTI "\"}");
}

static void
verify_nbf_not_integer(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1700003600,\"nbf\":\"0\","
	    "\"jti\":\"" JTI "\"}", "not yet valid (nbf)");
	payload_refused("{\"userId\":42,\"exp\":1700003600,\"nbf\":null,"
	    "\"jti\":\"" JTI "\"}", "not yet valid (nbf)");
}

static void
verify_user_id_zero(void **state)
{
	(void)state;
	payload_refused("{\"userId\":0,\"exp\":1700003600,\"jti\":\"" JTI "\"}",
	    "no valid userId");
}

static void
verify_user_id_negative(void **state)
{
	(void)state;
	payload_refused("{\"userId\":-5,\"exp\":1700003600,\"jti\":\"" JTI "\"}",
	    "no valid userId");
}

static void
verify_user_id_string(void **state)
{
	(void)state;
	payload_refused("{\"userId\":\"42\",\"exp\":1700003600,\"jti\":\"" JTI "\"}",
	    "no valid userId");
}

static void
verify_user_id_float(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42.0,\"exp\":1700003600,\"jti\":\"" JTI "\"}",
	    "no valid userId");
}

static void
verify_user_id_missing(void **state)
{
	(void)state;
	payload_refused("{\"exp\":1700003600,\"jti\":\"" JTI "\"}",
	    "no valid userId");
	/* The claim name is case-sensitive. */
	payload_refused("{\"userid\":42,\"exp\":1700003600,\"jti\":\"" JTI "\"}",
	    "no valid userId");
}

static void
verify_user_id_large(void **state)
{
	(void)state;
	payload_accepted("{\"userId\":9223372036854775807,\"exp\":1700003600,"
	    "\"jti\":\"" JTI "\"}");
}

static void
verify_jti_missing(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1700003600}", "no valid jti");
}

static void
verify_jti_short(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1700003600,"
	    "\"jti\":\"0123456789abcdef0123456789abcde\"}", "no valid jti");
	payload_refused("{\"userId\":42,\"exp\":1700003600,\"jti\":\"\"}",
	    "no valid jti");
}

static void
verify_jti_long(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1700003600,"
	    "\"jti\":\"0123456789abcdef0123456789abcdef0\"}", "no valid jti");
}

static void
verify_jti_uppercase(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1700003600,"
	    "\"jti\":\"0123456789ABCDEF0123456789ABCDEF\"}", "no valid jti");
}

static void
verify_jti_not_hex(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1700003600,"
	    "\"jti\":\"0123456789abcdef0123456789abcdeg\"}", "no valid jti");
	payload_refused("{\"userId\":42,\"exp\":1700003600,"
	    "\"jti\":\"0123456789abcdef 123456789abcdef\"}", "no valid jti");
}

static void
verify_jti_not_string(void **state)
{
	(void)state;
	payload_refused("{\"userId\":42,\"exp\":1700003600,\"jti\":12345}",
	    "no valid jti");
}

static void
verify_longest_token(void **state)
{
	char		 payload[1200];
	char		*token = NULL;
	const char	*why;
	size_t		 pad;

	(void)state;
	/* Grow a padding claim until the token is exactly TOK_MAX_LEN long. */
	for (pad = 600; pad < 800; pad++) {
		snprintf(payload, sizeof(payload), "{\"userId\":42,"
		    "\"exp\":1700003600,\"jti\":\"" JTI "\",\"pad\":\"%0*d\"}",
		    (int)pad, 0);
		token = sign(payload, JWT_ALG_HS256, key);
		if (strlen(token) == TOK_MAX_LEN)
			break;
		free(token);
		token = NULL;
	}
	assert_non_null(token);
	assert_int_equal(verify(token, &why), 0);
	assert_null(why);
	free(token);
}

static void
verify_token_too_long(void **state)
{
	char		 payload[1200];
	char		*token = NULL;
	size_t		 pad;

	(void)state;
	for (pad = 600; pad < 800; pad++) {
		snprintf(payload, sizeof(payload), "{\"userId\":42,"
		    "\"exp\":1700003600,\"jti\":\"" JTI "\",\"pad\":\"%0*d\"}",
		    (int)pad, 0);
		token = sign(payload, JWT_ALG_HS256, key);
		if (strlen(token) > TOK_MAX_LEN)
			break;
		free(token);
		token = NULL;
	}
	assert_non_null(token);
	assert_int_equal(strlen(token), TOK_MAX_LEN + 1);
	refused(token, "token too long");
	free(token);
}

static void
verify_empty_token(void **state)
{
	(void)state;
	refused("", "empty token");
}

static void
verify_dots_missing(void **state)
{
	struct tok_claims	 c = good_claims();
	char			 token[TOK_MAX_LEN + 1];
	char			*p;

	(void)state;
	refused("abc", "malformed token");
	refused("abc.def", "malformed token");
	refused("a.b.c.d", "malformed token");
	/* A real token with its last dot removed. */
	assert_int_equal(tok_issue(key, KEYLEN, &c, token, sizeof(token)), 0);
	assert_non_null(p = strrchr(token, '.'));
	memmove(p, p + 1, strlen(p + 1) + 1);
	refused(token, "malformed token");
}

static void
verify_illegal_characters(void **state)
{
	static const char	 bad[] = "+/= \t\n\"%;,\\";
	struct tok_claims	 c = good_claims();
	char			 good[TOK_MAX_LEN + 1], token[TOK_MAX_LEN + 8];
	size_t			 i;

	(void)state;
	assert_int_equal(tok_issue(key, KEYLEN, &c, good, sizeof(good)), 0);
	for (i = 0; bad[i] != '\0'; i++) {
		memcpy(token, good, sizeof(good));
		token[strlen(token) - 1] = bad[i];
		refused(token, "malformed token");
	}
	/* Padding that base64 (not base64url) would add. */
	snprintf(token, sizeof(token), "%s=", good);
	refused(token, "malformed token");
	snprintf(token, sizeof(token), "%s\xc3\xa9", good);
	refused(token, "malformed token");
}

static void
verify_why_is_null_on_success(void **state)
{
	struct tok_claims	 c = good_claims(), out;
	char			 token[TOK_MAX_LEN + 1];
	const char		*why;

	(void)state;
	assert_int_equal(tok_issue(key, KEYLEN, &c, token, sizeof(token)), 0);
	/* A failure first, so a stale reason would show. */
	assert_int_equal(tok_verify(key, KEYLEN, "", 0, NOW, 0, &out, &why), -1);
	assert_non_null(why);
	assert_int_equal(tok_verify(key, KEYLEN, token, strlen(token), NOW, 0,
	    &out, &why), 0);
	assert_null(why);
}

/*
 * The digest is SHA-256 of the whole token's text (vectors from
 * sha256sum), and the id is its first 32 digits.
 */
static void
refresh_parse_gives_id_and_sha256(void **state)
{
	char	 id[TOK_ID_LEN + 1], digest[TOK_DIGEST_LEN + 1];
	char	 zeros[TOK_REFRESH_LEN + 1];
	char	 t[] = "abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

	(void)state;
	memset(zeros, '0', TOK_REFRESH_LEN);
	zeros[TOK_REFRESH_LEN] = '\0';
	assert_int_equal(tok_refresh_parse(zeros, TOK_REFRESH_LEN, id, digest),
	    0);
	assert_string_equal(digest,
	    "cb0216e7ae909ac5f758bc9bc9de34a36e93432ae178dea5a43fcdbf67202c76");
	assert_string_equal(id, "00000000000000000000000000000000");
	assert_int_equal(sizeof(t) - 1, TOK_REFRESH_LEN);
	assert_int_equal(tok_refresh_parse(t, TOK_REFRESH_LEN, id, digest), 0);
	assert_string_equal(digest,
	    "1cbb3558fba39e7187c4fb2daa29b786cde94391f8fe2b42dad36a53cdc384ad");
	assert_string_equal(id, "abcdef0123456789abcdef0123456789");
}

/*
 * Junk never reaches the store: only TOK_REFRESH_LEN lower-case hex digits
 * are a token (an upper-case id would name no session).
 */
static void
refresh_parse_refuses_junk(void **state)
{
	char	 id[TOK_ID_LEN + 1], digest[TOK_DIGEST_LEN + 1];
	char	 t[TOK_REFRESH_LEN + 2];

	(void)state;
	memset(t, 'a', sizeof(t) - 1);
	t[sizeof(t) - 1] = '\0';
	assert_int_equal(tok_refresh_parse(t, TOK_REFRESH_LEN, id, digest), 0);
	assert_int_equal(tok_refresh_parse(t, TOK_REFRESH_LEN - 1, id, digest),
	    -1);
	assert_int_equal(tok_refresh_parse(t, TOK_REFRESH_LEN + 1, id, digest),
	    -1);
	assert_int_equal(tok_refresh_parse(t, 64, id, digest), -1);
	assert_int_equal(tok_refresh_parse(t, 0, id, digest), -1);
	t[10] = 'g';
	assert_int_equal(tok_refresh_parse(t, TOK_REFRESH_LEN, id, digest), -1);
	t[10] = 'A';
	assert_int_equal(tok_refresh_parse(t, TOK_REFRESH_LEN, id, digest), -1);
	t[10] = 'a';
	t[90] = 'F';
	assert_int_equal(tok_refresh_parse(t, TOK_REFRESH_LEN, id, digest), -1);
	t[90] = '\0';
	assert_int_equal(tok_refresh_parse(t, TOK_REFRESH_LEN, id, digest), -1);
	t[90] = ';';
	assert_int_equal(tok_refresh_parse(t, TOK_REFRESH_LEN, id, digest), -1);
}

static void
refresh_new_is_random_and_matches_its_digest(void **state)
{
	char	 a[TOK_REFRESH_LEN + 1], b[TOK_REFRESH_LEN + 1];
	char	 da[TOK_DIGEST_LEN + 1], db[TOK_DIGEST_LEN + 1];
	char	 again[TOK_DIGEST_LEN + 1], id[TOK_ID_LEN + 1];
	char	 sid[TOK_ID_LEN + 1];
	size_t	 i;

	(void)state;
	assert_int_equal(tok_new_id(sid), 0);
	assert_int_equal(tok_refresh_new(sid, a, da), 0);
	assert_int_equal(tok_refresh_new(sid, b, db), 0);
	assert_int_equal(strlen(a), TOK_REFRESH_LEN);
	for (i = 0; i < TOK_REFRESH_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	/* The session's id, then the random part. */
	assert_memory_equal(a, sid, TOK_ID_LEN);
	assert_string_not_equal(a + TOK_ID_LEN, b + TOK_ID_LEN);
	assert_string_not_equal(da, db);
	assert_int_equal(tok_refresh_parse(a, TOK_REFRESH_LEN, id, again), 0);
	assert_string_equal(again, da);
	assert_string_equal(id, sid);
	/* The digest is not the token's random part. */
	assert_string_not_equal(a + TOK_ID_LEN, da);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_id_is_32_lowercase_hex),
		cmocka_unit_test(new_ids_differ),
		cmocka_unit_test(issue_then_verify_round_trip),
		cmocka_unit_test(issued_token_has_three_base64url_parts),
		cmocka_unit_test(issue_small_buffer_fails),
		cmocka_unit_test(issue_without_key_fails),
		cmocka_unit_test(verify_reads_only_len_bytes),
		cmocka_unit_test(verify_wrong_key),
		cmocka_unit_test(verify_without_key_fails),
		cmocka_unit_test(verify_tampered_payload),
		cmocka_unit_test(verify_tampered_signature),
		cmocka_unit_test(verify_alg_none),
		cmocka_unit_test(verify_alg_none_with_signature),
		cmocka_unit_test(verify_hs512_with_right_key),
		cmocka_unit_test(verify_hs384_with_right_key),
		cmocka_unit_test(verify_signed_payload_accepted),
		cmocka_unit_test(verify_expired_one_second_ago),
		cmocka_unit_test(verify_expires_now),
		cmocka_unit_test(verify_expires_in_one_second),
		cmocka_unit_test(verify_leeway_covers_a_recent_exp),
		cmocka_unit_test(verify_leeway_covers_a_near_nbf),
		cmocka_unit_test(verify_missing_exp),
		cmocka_unit_test(verify_exp_as_string),
		cmocka_unit_test(verify_exp_as_float),
		cmocka_unit_test(verify_exp_as_other_types),
		cmocka_unit_test(verify_nbf_in_future),
		cmocka_unit_test(verify_nbf_now_or_past),
		cmocka_unit_test(verify_nbf_not_integer),
		cmocka_unit_test(verify_user_id_zero),
		cmocka_unit_test(verify_user_id_negative),
		cmocka_unit_test(verify_user_id_string),
		cmocka_unit_test(verify_user_id_float),
		cmocka_unit_test(verify_user_id_missing),
		cmocka_unit_test(verify_user_id_large),
		cmocka_unit_test(verify_jti_missing),
		cmocka_unit_test(verify_jti_short),
		cmocka_unit_test(verify_jti_long),
		cmocka_unit_test(verify_jti_uppercase),
		cmocka_unit_test(verify_jti_not_hex),
		cmocka_unit_test(verify_jti_not_string),
		cmocka_unit_test(verify_longest_token),
		cmocka_unit_test(verify_token_too_long),
		cmocka_unit_test(verify_empty_token),
		cmocka_unit_test(verify_dots_missing),
		cmocka_unit_test(verify_illegal_characters),
		cmocka_unit_test(verify_why_is_null_on_success),
		cmocka_unit_test(refresh_parse_gives_id_and_sha256),
		cmocka_unit_test(refresh_parse_refuses_junk),
		cmocka_unit_test(refresh_new_is_random_and_matches_its_digest),
	};

	return cmocka_run_group_tests_name("token", tests, NULL, NULL);
}
