/*
 * copy_persist: the C baseline for `pmemsharp bench`. Calls libpmem directly with the same
 * sizes, offsets and file layout as the C# side, so the ratio C#/C is the wrapper's cost.
 *
 * usage: copy_persist FILE REGION_BYTES BYTES_PER_SIZE SIZE...
 *   maps FILE (created at REGION_BYTES) with pmem_map_file, write-faults it in, then for each
 *   SIZE runs max(BYTES_PER_SIZE / SIZE, 64) calls of pmem_memcpy_persist and then of
 *   pmem_persist at offsets i * SIZE modulo REGION_BYTES.
 * output, one line each: "is_pmem 0|1", then "copy SIZE CALLS NANOSECONDS" and
 *   "persist SIZE CALLS NANOSECONDS" per size.
 */
#include <libpmem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s FILE REGION_BYTES BYTES_PER_SIZE SIZE...\n", argv[0]);
		return 2;
	}
	const char *path = argv[1];
	size_t region = strtoull(argv[2], NULL, 0);
	size_t budget = strtoull(argv[3], NULL, 0);

	size_t mapped;
	int is_pmem;
	char *base = pmem_map_file(path, region, PMEM_FILE_CREATE, 0644, &mapped, &is_pmem);
	if (base == NULL) {
		fprintf(stderr, "pmem_map_file %s: %s\n", path, pmem_errormsg());
		return 1;
	}
	/* The C# side prefaults with MADV_POPULATE_WRITE; a write pass leaves the same page tables. */
	memset(base, 0, mapped);
	printf("is_pmem %d\n", is_pmem);

	size_t largest = 0;
	for (int a = 4; a < argc; a++) {
		size_t size = strtoull(argv[a], NULL, 0);
		if (size > largest)
			largest = size;
	}
	char *source = aligned_alloc(64, (largest + 63) & ~(size_t)63);
	memset(source, 0x5a, largest);

	for (int a = 4; a < argc; a++) {
		size_t size = strtoull(argv[a], NULL, 0);
		if (size == 0 || size > region)
			continue;
		size_t calls = budget / size < 64 ? 64 : budget / size;
		size_t slots = region / size;

		for (size_t i = 0; i < 16; i++) /* warm up the code path */
			pmem_memcpy_persist(base + (i % slots) * size, source, size);
		uint64_t t0 = now_ns();
		for (size_t i = 0; i < calls; i++)
			pmem_memcpy_persist(base + (i % slots) * size, source, size);
		uint64_t t1 = now_ns();
		printf("copy %zu %zu %llu\n", size, calls, (unsigned long long)(t1 - t0));

		t0 = now_ns();
		for (size_t i = 0; i < calls; i++)
			pmem_persist(base + (i % slots) * size, size);
		t1 = now_ns();
		printf("persist %zu %zu %llu\n", size, calls, (unsigned long long)(t1 - t0));
		fflush(stdout);
	}
	free(source);
	pmem_unmap(base, mapped);
	return 0;
}
