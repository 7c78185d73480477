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
 * The words a key holds for a client address: addr, what the client is
 * counted by, and net, the coarser IPv6 tier its site is counted by too
 * ("" for IPv4).  An IPv6 client is counted by its /64, which one machine
 * usually has whole and could hop within ("2001:db8:1:2::/64"), and by its
 * /48, the most an ISP gives one customer ("2001:db8:1::/48"), so that the
 * holder of a /56 or a /48 has not 256 or 65,536 times an address's
 * budget.  An IPv4 client is counted by its address, also when it arrives
 * as IPv4-mapped IPv6 (::ffff:192.0.2.1, on a dual-stack socket).  What is
 * no address at all is copied (cut) as it is.
 */
void	throttle_key_client(const char *client, char addr[THROTTLE_ADDR_MAX],
	    char net[THROTTLE_ADDR_MAX]);

#endif
