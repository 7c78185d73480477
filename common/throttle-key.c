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

/* Write the /bits prefix of a6 as "prefix/bits" into out. */
static void
throttle_key_prefix(const struct in6_addr *a6, int bits,
    char out[THROTTLE_ADDR_MAX])
{
	struct in6_addr	 p = *a6;
	char		 text[INET6_ADDRSTRLEN];

	memset(p.s6_addr + bits / 8, 0, 16 - bits / 8);
	if (inet_ntop(AF_INET6, &p, text, sizeof(text)) == NULL)
		text[0] = '\0';
	snprintf(out, THROTTLE_ADDR_MAX, "%s/%d", text, bits);
}

void
throttle_key_client(const char *client, char addr[THROTTLE_ADDR_MAX],
    char net[THROTTLE_ADDR_MAX])
{
	struct in6_addr	 a6;

	net[0] = '\0';
	if (inet_pton(AF_INET6, client, &a6) != 1) {
		snprintf(addr, THROTTLE_ADDR_MAX, "%s", client);
		return;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		if (inet_ntop(AF_INET, a6.s6_addr + 12, addr,
		    THROTTLE_ADDR_MAX) == NULL)
			snprintf(addr, THROTTLE_ADDR_MAX, "%s", client);
		return;
	}
	throttle_key_prefix(&a6, 64, addr);
	throttle_key_prefix(&a6, 48, net);
}
