/*
 * throttle-key: e-mails as digests, clients as the addresses they are
 * counted by.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "throttle-key.h"
#include "util.h"

int
throttle_key_digest(const char *email, char out[THROTTLE_DIGEST_LEN + 1])
{
	EVP_MD_CTX	*ctx;
	unsigned char	 md[EVP_MAX_MD_SIZE], lower[256];
	unsigned int	 mdlen = 0;
	size_t		 i, j, n, len = strlen(email);
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	/* Lower-cased a piece at a time: the e-mail may be of any length. */
	for (i = 0; ok && i < len; i += n) {
		n = len - i < sizeof(lower) ? len - i : sizeof(lower);
		memcpy(lower, email + i, n);
		for (j = 0; j < n; j++)
			if (lower[j] >= 'A' && lower[j] <= 'Z')
				lower[j] += 'a' - 'A';
		ok = EVP_DigestUpdate(ctx, lower, n) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 &&
	    mdlen * 2 == THROTTLE_DIGEST_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	util_hex(md, mdlen, out);
	return 0;
}

void
throttle_key_client(const char *client, char out[THROTTLE_ADDR_MAX])
{
	struct in6_addr	 a6;
	char		 text[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET6, client, &a6) == 1 &&
	    !IN6_IS_ADDR_V4MAPPED(&a6)) {
		memset(a6.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a6, text, sizeof(text)) != NULL) {
			snprintf(out, THROTTLE_ADDR_MAX, "%s/64", text);
			return;
		}
	}
	snprintf(out, THROTTLE_ADDR_MAX, "%s", client);
}
