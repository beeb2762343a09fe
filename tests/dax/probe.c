/*
 * DAX probe: the self-test of the DAX VM harness (tests/dax/run-in-vm.sh).
 *
 * For a directory it maps a scratch file with pmem_map_file() and reports
 * libpmem's is_pmem verdict, then maps another scratch file with
 * mmap(MAP_SHARED_VALIDATE | MAP_SYNC) and reports whether the kernel
 * accepted it. On a file system mounted with -o dax both succeed
 * (is_pmem=1, map_sync=ok); anywhere else libpmem says is_pmem=0 and
 * MAP_SYNC fails with EOPNOTSUPP.
 *
 * Usage:
 *   probe                 check $PMDKSHARP_DAX_DIR (expects DAX) and
 *                         $PMDKSHARP_NODAX_DIR (expects no DAX); exit 1 if
 *                         either expectation fails, 2 on usage errors.
 *   probe DIR...          only report, expect nothing (exit 0 unless an
 *                         unexpected error happens).
 *
 * PMEM_IS_PMEM_FORCE must not be set: it would make is_pmem meaningless.
 * Build: gcc -O2 -Wall -o probe probe.c -lpmem
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libpmem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

#define MAP_LEN (4u << 20) /* 4 MiB: room for a 2 MiB-aligned mapping */

enum expect { EXPECT_NOTHING, EXPECT_DAX, EXPECT_NODAX };

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EINVAL: return "EINVAL";
	case ENODEV: return "ENODEV";
	case EACCES: return "EACCES";
	case ENOMEM: return "ENOMEM";
	default: return strerror(e);
	}
}

/* Returns is_pmem (0/1), or -1 if pmem_map_file itself failed. */
static int probe_libpmem(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/.dax-probe-pmem.%ld", dir, (long)getpid());

	size_t mapped = 0;
	int is_pmem = 0;
	char *p = pmem_map_file(path, MAP_LEN, PMEM_FILE_CREATE | PMEM_FILE_EXCL,
				0600, &mapped, &is_pmem);
	if (p == NULL) {
		fprintf(stderr, "probe: pmem_map_file(%s): %s\n", path, pmem_errormsg());
		unlink(path);
		return -1;
	}
	/* Touch and persist a few bytes the way libpmem's users would. */
	static const char msg[] = "PmdkSharp DAX probe";
	if (is_pmem)
		pmem_memcpy_persist(p, msg, sizeof msg);
	else {
		memcpy(p, msg, sizeof msg);
		pmem_msync(p, sizeof msg);
	}
	pmem_unmap(p, mapped);
	unlink(path);
	return is_pmem;
}

/* Returns 0 if a MAP_SYNC mapping succeeded, else the errno. */
static int probe_map_sync(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/.dax-probe-sync.%ld", dir, (long)getpid());

	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		int e = errno;
		fprintf(stderr, "probe: open(%s): %s\n", path, strerror(e));
		return e;
	}
	int err = 0;
	if (ftruncate(fd, MAP_LEN) != 0) {
		err = errno;
		fprintf(stderr, "probe: ftruncate(%s): %s\n", path, strerror(err));
	} else {
		void *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE,
			       MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
		if (p == MAP_FAILED) {
			err = errno;
		} else {
			((volatile char *)p)[0] = 1; /* take a write fault */
			munmap(p, MAP_LEN);
		}
	}
	close(fd);
	unlink(path);
	return err;
}

/* Returns 1 if the expectation holds (or there is none), else 0. */
static int probe_dir(const char *label, const char *dir, enum expect expect)
{
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("%s %s: not a directory\n", label, dir);
		return expect == EXPECT_NOTHING ? 1 : 0;
	}
	int is_pmem = probe_libpmem(dir);
	int sync_err = probe_map_sync(dir);

	printf("%s %s: is_pmem=%d map_sync=%s\n", label, dir, is_pmem,
	       errno_name(sync_err));

	switch (expect) {
	case EXPECT_DAX:
		return is_pmem == 1 && sync_err == 0;
	case EXPECT_NODAX:
		return is_pmem == 0 && sync_err == EOPNOTSUPP;
	default:
		return is_pmem >= 0;
	}
}

int main(int argc, char **argv)
{
	const char *force = getenv("PMEM_IS_PMEM_FORCE");
	if (force != NULL && force[0] != '\0') {
		fprintf(stderr, "probe: PMEM_IS_PMEM_FORCE is set; is_pmem would be forced\n");
		return 2;
	}
	const char *ver = pmem_check_version(PMEM_MAJOR_VERSION, PMEM_MINOR_VERSION);
	if (ver != NULL) {
		fprintf(stderr, "probe: libpmem: %s\n", ver);
		return 2;
	}

	int ok = 1;
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			ok &= probe_dir("dir", argv[i], EXPECT_NOTHING);
		return ok ? 0 : 1;
	}

	const char *dax = getenv("PMDKSHARP_DAX_DIR");
	const char *nodax = getenv("PMDKSHARP_NODAX_DIR");
	if (dax == NULL || dax[0] == '\0' || nodax == NULL || nodax[0] == '\0') {
		fprintf(stderr, "probe: PMDKSHARP_DAX_DIR and PMDKSHARP_NODAX_DIR must be set "
				"(run it through tests/dax/run-in-vm.sh), or pass directories\n");
		return 2;
	}
	int dax_ok = probe_dir("dax", dax, EXPECT_DAX);
	int nodax_ok = probe_dir("nodax", nodax, EXPECT_NODAX);
	printf("dax-probe: %s (dax %s, nodax %s)\n",
	       dax_ok && nodax_ok ? "PASS" : "FAIL",
	       dax_ok ? "ok" : "UNEXPECTED", nodax_ok ? "ok" : "UNEXPECTED");
	return dax_ok && nodax_ok ? 0 : 1;
}
