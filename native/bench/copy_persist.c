/*
 * copy_persist: the C baseline for `pmemsharp bench`. Calls libpmem directly with the same
 * sizes, offsets and file layout as the C# side, so the ratio C#/C is the wrapper's cost.
 *
 * usage: copy_persist FILE REGION_BYTES BYTES_PER_SIZE [--writers N] SIZE...
 *   maps FILE (created at REGION_BYTES) with pmem_map_file, writes every page, then for each
 *   SIZE runs max(BYTES_PER_SIZE / SIZE, 64) calls of pmem_memcpy_persist and then of
 *   pmem_persist at offsets i * SIZE modulo REGION_BYTES. The copies run in CHUNKS chunks and
 *   the fastest chunk is reported (the C# side does the same), so a preempted chunk does not count. With --writers N (N > 1), N threads
 *   each run that many pmem_memcpy_persist calls in their own 1/N of the file instead.
 * output, one line each: "is_pmem 0|1", then "copy SIZE CALLS NANOSECONDS" (one chunk's) and
 *   "persist SIZE CALLS NANOSECONDS" per size, or "writers N SIZE CALLS WALL_NANOSECONDS"
 *   (CALLS summed over the threads).
 */
#include <libpmem.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNKS 8 /* CopyPersistBench.Chunks */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct writer {
	char *slice;
	const char *source;
	size_t size, calls, slots;
};

static void *write_slice(void *arg)
{
	struct writer *w = arg;
	for (size_t i = 0; i < w->calls; i++)
		pmem_memcpy_persist(w->slice + (i % w->slots) * w->size, w->source, w->size);
	return NULL;
}

/* N threads, each copying into its own slice of the file; prints the wall time of all of them. */
static int run_writers(char *base, size_t region, size_t budget, int writers, const char *source, size_t size)
{
	pthread_t threads[64];
	struct writer work[64];
	size_t slice = region / (size_t)writers;
	size_t calls = budget / size < 64 ? 64 : budget / size;
	if (size > slice)
		return 0;
	uint64_t t0 = now_ns();
	for (int t = 0; t < writers; t++) {
		work[t] = (struct writer){ base + (size_t)t * slice, source, size, calls, slice / size };
		if (pthread_create(&threads[t], NULL, write_slice, &work[t]) != 0)
			return 1;
	}
	for (int t = 0; t < writers; t++)
		pthread_join(threads[t], NULL);
	uint64_t t1 = now_ns();
	printf("writers %d %zu %zu %llu\n", writers, size, calls * (size_t)writers, (unsigned long long)(t1 - t0));
	fflush(stdout);
	return 0;
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
	int first_size = 4, writers = 1;
	if (argc > 5 && strcmp(argv[4], "--writers") == 0) {
		writers = atoi(argv[5]);
		first_size = 6;
		if (writers < 1 || writers > 64) {
			fprintf(stderr, "--writers takes 1 to 64\n");
			return 2;
		}
	}

	size_t mapped;
	int is_pmem;
	char *base = pmem_map_file(path, region, PMEM_FILE_CREATE, 0644, &mapped, &is_pmem);
	if (base == NULL) {
		fprintf(stderr, "pmem_map_file %s: %s\n", path, pmem_errormsg());
		return 1;
	}
	/* The C# side writes every page too (after MADV_POPULATE_WRITE): under a hypervisor that shadows
	 * page tables, the first user access to a page traps even after populate, so neither timed loop
	 * may be the first to touch a page. */
	memset(base, 0, mapped);
	printf("is_pmem %d\n", is_pmem);

	size_t largest = 0;
	for (int a = first_size; a < argc; a++) {
		size_t size = strtoull(argv[a], NULL, 0);
		if (size > largest)
			largest = size;
	}
	char *source = aligned_alloc(64, (largest + 63) & ~(size_t)63);
	memset(source, 0x5a, largest);

	for (int a = first_size; a < argc; a++) {
		size_t size = strtoull(argv[a], NULL, 0);
		if (size == 0 || size > region)
			continue;
		if (writers > 1) {
			if (run_writers(base, region, budget, writers, source, size) != 0) {
				fprintf(stderr, "pthread_create failed\n");
				return 1;
			}
			continue;
		}
		size_t calls = budget / size < 64 ? 64 : budget / size;
		size_t slots = region / size;

		for (size_t i = 0; i < 16; i++) /* warm up the code path */
			pmem_memcpy_persist(base + (i % slots) * size, source, size);
		size_t per_chunk = calls / CHUNKS < 8 ? 8 : calls / CHUNKS, next = 0;
		uint64_t best = UINT64_MAX;
		for (int c = 0; c < CHUNKS; c++) {
			uint64_t c0 = now_ns();
			for (size_t i = 0; i < per_chunk; i++, next++)
				pmem_memcpy_persist(base + (next % slots) * size, source, size);
			uint64_t took = now_ns() - c0;
			if (took < best)
				best = took;
		}
		printf("copy %zu %zu %llu\n", size, per_chunk, (unsigned long long)best);

		uint64_t t0 = now_ns(), t1;
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
