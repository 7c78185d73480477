/*
 * fuzz-token: libFuzzer target for token verification.  The first byte
 * picks the mode: the rest is a token as a cookie would carry it, or a
 * payload that is signed with the right key first, so the claim checks
 * behind the signature are reached too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "token.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[] = "fuzz-key-0123456789abcdef0123456789";
#define NOW	1700000000

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tok_claims	 claims;
	const char		*why;
	char			 payload[4096], *token = NULL;
	jwt_t			*jwt = NULL;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		tok_verify(key, sizeof(key) - 1, (const char *)data + 1, size - 1,
		    NOW, 30, &claims, &why);
		return 0;
	}
	if (size - 1 >= sizeof(payload))
		return 0;
	memcpy(payload, data + 1, size - 1);
	payload[size - 1] = '\0';
	if (jwt_new(&jwt) == 0 && jwt_add_grants_json(jwt, payload) == 0 &&
	    jwt_set_alg(jwt, JWT_ALG_HS256, key, sizeof(key) - 1) == 0 &&
	    (token = jwt_encode_str(jwt)) != NULL)
		tok_verify(key, sizeof(key) - 1, token, strlen(token), NOW, 30,
		    &claims, &why);
	free(token);
	jwt_free(jwt);
	return 0;
}
