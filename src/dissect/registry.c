/* The dissectors' field tables, for rn_fdesc_lookup(). Each protocol file
 * (src/dissect/<proto>.c) defines one table; list it here. */
#include <string.h>

#include "dissect/dissect_int.h"

struct builtin {
	const struct rn_fdesc *f;
	const size_t *n;
};

/* Add { rn_fd_<proto>, &rn_fd_<proto>_n } as the dissectors land. */
static const struct builtin builtins[] = {
	{ NULL, NULL },
};

const struct rn_fdesc *rn_fdesc_builtin(const char *name)
{
	for (size_t t = 0; t < sizeof builtins / sizeof builtins[0]; t++) {
		if (!builtins[t].f)
			continue;
		for (size_t i = 0; i < *builtins[t].n; i++)
			if (strcmp(builtins[t].f[i].name, name) == 0)
				return &builtins[t].f[i];
	}
	return NULL;
}
