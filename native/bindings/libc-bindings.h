/* Umbrella header for Libc.g.cs (see libc.json). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <sys/stat.h>
