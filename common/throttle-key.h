/*
 * throttle-key: the words a throttle counter's key is made of (throttle.h):
 * how a client address and an e-mail are written into it.  Shared by the
 * programs and by fcgi-auth-admin, which must name a counter the same way.
 */
#ifndef THROTTLE_KEY_H
#define THROTTLE_KEY_H

#include <netinet/in.h>

/* Hex digits of an e-mail's digest in a key. */
#define THROTTLE_DIGEST_LEN	64

/* The longest address word: an IPv6 prefix and its length ("/64"). */
#define THROTTLE_ADDR_MAX	(INET6_ADDRSTRLEN + 4)

/*
 * The word a key holds for an e-mail, or for whatever was typed as one:
 * the SHA-256 of it with ASCII letters in lower case (e-mails match without
 * regard to case), as lower-case hex.  Of one length and ASCII, so a key is
 * never cut, inside a character or at all, and holds nothing typed.
 * Returns 0, or -1 if OpenSSL fails.
 */
int	throttle_key_digest(const char *email,
	    char out[THROTTLE_DIGEST_LEN + 1]);

/*
 * The word a key holds for a client address: an IPv6 client is counted by
 * its /64 ("2001:db8:1:2::/64"), which one machine usually has whole and
 * could hop within; any other address as it is.
 */
void	throttle_key_client(const char *client, char out[THROTTLE_ADDR_MAX]);

#endif
