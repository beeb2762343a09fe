/* Umbrella header for Libpmem2.g.cs (see libpmem2.json). PMEM2_USE_MINIASYNC stays undefined: libminiasync is not a dependency. */
#include <libpmem2.h>
