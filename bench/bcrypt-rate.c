/*
 * bcrypt-rate: the floor for log-in and registration: how many bcrypt
 * hashes per second libxcrypt computes at a cost, with one process per
 * core, as the programs would.  Prints "hashes/s", a single number.
 *   bcrypt-rate COST SECONDS [PROCESSES]
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Hash for secs seconds in this process; write the count to fd. */
static void
worker(int cost, double secs, int fd)
{
	struct crypt_data	 data;
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	double			 end = now() + secs;
	long			 n = 0;

	memset(&data, 0, sizeof(data));
	if (crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, setting,
	    sizeof(setting)) == NULL)
		_exit(1);
	while (now() < end) {
		if (crypt_r("bench password", setting, &data) == NULL)
			_exit(1);
		n++;
	}
	dprintf(fd, "%ld\n", n);
	_exit(0);
}

int
main(int argc, char *argv[])
{
	int	 cost, procs, i, fds[2], status;
	double	 secs;
	long	 total = 0, n;
	FILE	*f;

	if (argc < 3) {
		fprintf(stderr, "usage: bcrypt-rate COST SECONDS [PROCESSES]\n");
		return 2;
	}
	cost = atoi(argv[1]);
	secs = atof(argv[2]);
	procs = argc > 3 ? atoi(argv[3]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (cost < 4 || cost > 31 || secs <= 0 || procs < 1 || pipe(fds) == -1)
		return 2;
	for (i = 0; i < procs; i++)
		if (fork() == 0)
			worker(cost, secs, fds[1]);
	close(fds[1]);
	if ((f = fdopen(fds[0], "r")) == NULL)
		return 1;
	while (fscanf(f, "%ld", &n) == 1)
		total += n;
	while (wait(&status) > 0)
		;
	printf("%.1f\n", total / secs);
	return 0;
}
