/*
 * memory: how much memory a group of processes holds together.  The sum of
 * their RSS counts every shared page (libc, SQLite, libcrypto, the
 * program's own text) once per process; this counts each physical page
 * once, from /proc/PID/pagemap, as the kernel sees it.  Reading page frame
 * numbers needs CAP_SYS_ADMIN (root); without it the sum of PSS (each
 * shared page split between its users) is printed instead.
 *   memory PID...  ->  "rss_sum_kib together_kib method"
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PRESENT		(UINT64_C(1) << 63)
#define PFN_MASK	((UINT64_C(1) << 55) - 1)

struct frames {
	uint64_t	*v;
	size_t		 n, cap;
};

static int
frames_add(struct frames *f, uint64_t pfn)
{
	uint64_t	*nv;

	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 4096;
		if ((nv = realloc(f->v, f->cap * sizeof(*nv))) == NULL)
			return -1;
		f->v = nv;
	}
	f->v[f->n++] = pfn;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Add the frames of pid's present pages; *nonzero tells if PFNs were readable. */
static int
frames_of(const char *pid, struct frames *f, int *nonzero)
{
	char		 path[64], line[512];
	FILE		*maps;
	int		 pm;
	long		 page = sysconf(_SC_PAGESIZE);
	uint64_t	 lo, hi, addr, e;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	if ((maps = fopen(path, "r")) == NULL)
		return -1;
	snprintf(path, sizeof(path), "/proc/%s/pagemap", pid);
	if ((pm = open(path, O_RDONLY)) == -1) {
		fclose(maps);
		return -1;
	}
	while (fgets(line, sizeof(line), maps) != NULL) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi) != 2 ||
		    strstr(line, "[vsyscall]") != NULL)
			continue;
		for (addr = lo; addr < hi; addr += (uint64_t)page) {
			if (pread(pm, &e, sizeof(e),
			    (off_t)(addr / (uint64_t)page * sizeof(e))) != sizeof(e))
				break;
			if (!(e & PRESENT))
				continue;
			if ((e & PFN_MASK) != 0)
				*nonzero = 1;
			if (frames_add(f, e & PFN_MASK) == -1)
				goto fail;
		}
	}
	close(pm);
	fclose(maps);
	return 0;
fail:
	close(pm);
	fclose(maps);
	return -1;
}

/* A "Name:  N kB" line's N from /proc/PID/smaps_rollup, or -1. */
static long
rollup(const char *pid, const char *name)
{
	char	 path[64], line[256];
	FILE	*fp;
	long	 v = -1;
	size_t	 len = strlen(name);

	snprintf(path, sizeof(path), "/proc/%s/smaps_rollup", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(fp);
	return v;
}

int
main(int argc, char *argv[])
{
	struct frames	 f = { NULL, 0, 0 };
	long		 rss = 0, pss = 0, v, kib = sysconf(_SC_PAGESIZE) / 1024;
	size_t		 i, unique = 0;
	int		 a, nonzero = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: memory PID...\n");
		return 2;
	}
	for (a = 1; a < argc; a++) {
		if ((v = rollup(argv[a], "Rss")) < 0) {
			fprintf(stderr, "memory: %s: %s\n", argv[a], strerror(errno));
			return 1;
		}
		rss += v;
		if ((v = rollup(argv[a], "Pss")) > 0)
			pss += v;
		if (frames_of(argv[a], &f, &nonzero) == -1) {
			fprintf(stderr, "memory: %s: %s\n", argv[a], strerror(errno));
			return 1;
		}
	}
	if (!nonzero) {
		printf("%ld %ld pss\n", rss, pss);
		return 0;
	}
	qsort(f.v, f.n, sizeof(*f.v), cmp_u64);
	for (i = 0; i < f.n; i++)
		if (i == 0 || f.v[i] != f.v[i - 1])
			unique++;
	printf("%ld %ld unique-pages\n", rss, (long)unique * kib);
	free(f.v);
	return 0;
}
