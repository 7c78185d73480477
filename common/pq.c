/*
 * pq: dlopen(3)s libpq the first time a postgresql:// database is opened,
 * rather than linking it into every program (see pq.h).
 */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "log.h"
#include "pq.h"
#include "util.h"

/*
 * configure takes the name from the libpq it builds against; a test build
 * may name a library that does not exist.  Fixed at compile time: a
 * setting read at run time would let whoever sets it load their code.
 */
#ifndef PQ_SONAME
#define PQ_SONAME	"libpq.so.5"
#endif

struct pq_api	pq;

#define PQ_SYM(f)	{ #f, offsetof(struct pq_api, f) },
static const struct pq_sym {
	const char	*name;
	size_t		 off;	/* of its field in struct pq_api */
} pq_syms[] = {
	PQ_FUNCTIONS(PQ_SYM)
};
#undef PQ_SYM

static void	*pq_handle;	/* kept open for good once loaded */
static int	 pq_logged;	/* the failure, once per process */

int
pq_load(void)
{
	const char	*err;
	void		*h, *f;
	size_t		 i;

	if (pq_handle != NULL)
		return 0;
	/* RTLD_LOCAL: libpq's symbols serve these pointers, nothing else. */
	if ((h = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL)
		goto fail;
	for (i = 0; i < NITEMS(pq_syms); i++) {
		if ((f = dlsym(h, pq_syms[i].name)) == NULL)
			goto fail;
		/* memcpy: ISO C has no cast from void * to a function pointer. */
		memcpy((char *)&pq + pq_syms[i].off, &f, sizeof(f));
	}
	pq_handle = h;
	return 0;
fail:
	err = dlerror();
	if (!pq_logged)
		log_msg(NULL, "PostgreSQL store: cannot load libpq (install "
		    "libpq5): %s", err != NULL ? err : PQ_SONAME);
	pq_logged = 1;
	/* A partly filled table must not look usable. */
	memset(&pq, 0, sizeof(pq));
	if (h != NULL)
		dlclose(h);
	return -1;
}
