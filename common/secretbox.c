/*
 * secretbox: AES-256-GCM seal and open through OpenSSL's EVP interface
 * (the libcrypto the programs load already for libjwt).
 */
#include <string.h>

#include <openssl/evp.h>

#include "secretbox.h"
#include "util.h"

#define BOX_PREFIX	"g1:"
#define BOX_RAW_MAX	(BOX_NONCE_LEN + BOX_PLAIN_MAX + BOX_TAG_LEN)

int
box_seal(const unsigned char key[BOX_KEY_LEN], const char *aad,
    const unsigned char *plain, size_t len, char out[BOX_TEXT_MAX + 1])
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	 raw[BOX_RAW_MAX];
	unsigned char	*ct = raw + BOX_NONCE_LEN;
	int		 n, fin, rc = -1;

	if (len == 0 || len > BOX_PLAIN_MAX)
		return -1;
	if (util_random(raw, BOX_NONCE_LEN) == -1)
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, BOX_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, raw) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(ctx, ct, &n, plain, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1 ||
	    (size_t)(n + fin) != len ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, BOX_TAG_LEN,
	    ct + len) != 1)
		goto done;
	memcpy(out, BOX_PREFIX, 3);
	util_hex(raw, BOX_NONCE_LEN + len + BOX_TAG_LEN, out + 3);
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	util_wipe(raw, sizeof(raw));
	return rc;
}

int
box_open(const unsigned char key[BOX_KEY_LEN], const char *aad,
    const char *text, unsigned char plain[BOX_PLAIN_MAX], size_t *len)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	 raw[BOX_RAW_MAX], out[BOX_PLAIN_MAX];
	size_t		 hexlen, rawlen, ctlen, i;
	int		 n, fin, hi, lo, rc = -1;

	if (strncmp(text, BOX_PREFIX, 3) != 0)
		return -1;
	text += 3;
	hexlen = strlen(text);
	if (hexlen % 2 != 0 || hexlen > 2 * BOX_RAW_MAX ||
	    hexlen < 2 * (BOX_NONCE_LEN + 1 + BOX_TAG_LEN))
		return -1;
	rawlen = hexlen / 2;
	for (i = 0; i < rawlen; i++) {
		hi = util_hexval((unsigned char)text[2 * i]);
		lo = util_hexval((unsigned char)text[2 * i + 1]);
		if (hi == -1 || lo == -1)
			return -1;
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	ctlen = rawlen - BOX_NONCE_LEN - BOX_TAG_LEN;
	/* The tag is checked by the final step: a changed byte fails there. */
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, BOX_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, raw) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_DecryptUpdate(ctx, out, &n, raw + BOX_NONCE_LEN,
	    (int)ctlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, BOX_TAG_LEN,
	    raw + BOX_NONCE_LEN + ctlen) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1 ||
	    (size_t)(n + fin) != ctlen)
		goto done;
	memcpy(plain, out, ctlen);
	*len = ctlen;
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	util_wipe(out, sizeof(out));
	util_wipe(raw, sizeof(raw));
	return rc;
}
