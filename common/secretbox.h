/*
 * secretbox: authenticated encryption of small secrets kept in the store
 * (the TOTP secrets): AES-256-GCM through OpenSSL's EVP, a fresh random
 * nonce per seal, and associated data that binds a sealed secret to its
 * owner, so that one copied to another row does not open.
 */
#ifndef SECRETBOX_H
#define SECRETBOX_H

#include <stddef.h>

#define BOX_KEY_LEN	32	/* AES-256 */
#define BOX_NONCE_LEN	12	/* GCM's 96-bit IV, random (NIST SP 800-38D) */
#define BOX_TAG_LEN	16
#define BOX_PLAIN_MAX	64	/* the most a box holds, bytes */
/* "g1:" and hex of nonce, ciphertext and tag. */
#define BOX_TEXT_MAX	(3 + 2 * (BOX_NONCE_LEN + BOX_PLAIN_MAX + BOX_TAG_LEN))

/*
 * Seal len (1..BOX_PLAIN_MAX) bytes of plain under key, bound to aad (a
 * NUL-terminated string), as text into out (BOX_TEXT_MAX + 1 bytes).
 * Returns 0, or -1 (no randomness, OpenSSL failed, len out of range).
 */
int	box_seal(const unsigned char key[BOX_KEY_LEN], const char *aad,
	    const unsigned char *plain, size_t len,
	    char out[BOX_TEXT_MAX + 1]);

/*
 * Open text sealed by box_seal() under key with the same aad into plain
 * (BOX_PLAIN_MAX bytes), its length into *len.  Returns 0, or -1 if the
 * text is malformed, or was sealed under another key or aad, or was
 * changed in any byte (nothing is written to plain then).
 */
int	box_open(const unsigned char key[BOX_KEY_LEN], const char *aad,
	    const char *text, unsigned char plain[BOX_PLAIN_MAX], size_t *len);

#endif
