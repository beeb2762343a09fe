/* Checked against libc.so.6: what is exported, what sets errno, what is variadic. */
#include <stddef.h>

int close(int fd);
int unsetenv(const char *name);
char *getenv(const char *name);
const char *gnu_get_libc_version(void);
int printf(const char *format, ...);
int pmdksharp_not_exported(int value);
