/*
 * password: libxcrypt's crypt_gensalt_rn and crypt_rn, used carefully.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crypt.h>

#include "password.h"
#include "util.h"

int
pw_hash(const char *password, int cost, char *out, size_t outsz)
{
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd;
	const char		*hash;
	int			 rc = -1;

	out[0] = '\0';
	if (strlen(password) > PW_MAX_BYTES || cost < 4 || cost > 31)
		return -1;
	/* NULL random bytes: libxcrypt reads the salt from the kernel itself. */
	if (crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, setting,
	    sizeof(setting)) == NULL)
		return -1;
	/* crypt_data is 32 KiB: too big for a careless stack, so allocate it. */
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	hash = crypt_rn(password, setting, cd, sizeof(*cd));
	if (hash != NULL && hash[0] != '*' && strlen(hash) < outsz) {
		strcpy(out, hash);
		rc = 0;
	}
	util_wipe(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
pw_verify(const char *password, const char *hash)
{
	struct crypt_data	*cd;
	const char		*out;
	int			 match = 0;

	/* bcrypt would compare only the first 72 bytes: never let that pass. */
	if (strlen(password) > PW_MAX_BYTES || (cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	out = crypt_rn(password, hash, cd, sizeof(*cd));
	if (out != NULL && out[0] != '*')
		match = util_equal_ct(out, strlen(out), hash, strlen(hash));
	util_wipe(cd, sizeof(*cd));
	free(cd);
	return match;
}

int
pw_cost(const char *hash)
{
	int	 cost;

	/* libxcrypt 4.4 does not implement CRYPT_SALT_TOO_CHEAP: read the cost. */
	if (strncmp(hash, "$2", 2) != 0 || strchr("abxy", hash[2]) == NULL ||
	    hash[2] == '\0' || hash[3] != '$' || hash[4] < '0' ||
	    hash[4] > '9' || hash[5] < '0' || hash[5] > '9' || hash[6] != '$')
		return -1;
	cost = (hash[4] - '0') * 10 + (hash[5] - '0');
	return cost >= 4 && cost <= 31 ? cost : -1;
}

int
pw_needs_rehash(const char *hash, int cost)
{
	return strncmp(hash, "$2b$", 4) != 0 || pw_cost(hash) != cost;
}

void
pw_pad(const char *password, int from, int to)
{
	char	 dummy[PW_HASH_MAX];
	int	 cost;

	/* Another scheme's time is unknown: at least a whole one at to. */
	if (from < 4 || from > 31) {
		pw_dummy_hash(to, dummy, sizeof(dummy));
		pw_verify(password, dummy);
		return;
	}
	/*
	 * bcrypt's work doubles with each step of cost, so the time of cost
	 * to is that of from and of one each at from, from + 1 ... to - 1
	 * (2^to = 2^from + 2^from + 2^(from+1) + ... + 2^(to-1)): real
	 * verifications of dummies, exact whatever the machine's speed or
	 * load, with no clock to measure.
	 */
	for (cost = from; cost < to; cost++) {
		pw_dummy_hash(cost, dummy, sizeof(dummy));
		pw_verify(password, dummy);
	}
}

void
pw_dummy_hash(int cost, char *out, size_t outsz)
{
	/*
	 * A fixed salt and digest: crypt_rn still runs the full key schedule
	 * for this cost, and no password hashes to this digest in practice.
	 */
	snprintf(out, outsz, "$2b$%02d$%s", cost,
	    "C6UzMDM.H6dfI/f/IKxGhuF5XDNpHXtbNOpNxNvSa8lAtNS9W0X7y");
}
