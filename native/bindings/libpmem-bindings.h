/* Umbrella header for Libpmem.g.cs (see libpmem.json). */
#include <libpmem.h>
