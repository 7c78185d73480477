/*
 * replay: run a fuzz target's input files once each, without libFuzzer, so
 * that every build (and the sanitizer build) replays the seed corpus and
 * every crash ever found.  Exits 0 if each file ran to the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char *argv[])
{
	unsigned char	*buf;
	size_t		 len;
	FILE		*fp;
	int		 i;

	if ((buf = malloc(1 << 20)) == NULL)
		return 99;
	for (i = 1; i < argc; i++) {
		if ((fp = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			free(buf);
			return 99;
		}
		len = fread(buf, 1, 1 << 20, fp);
		fclose(fp);
		LLVMFuzzerTestOneInput(buf, len);
	}
	free(buf);
	return 0;
}
