/* Every scalar and pointer mapping the generator knows. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef unsigned int my_flags_t;
typedef my_flags_t my_more_flags_t;

int t_int(int a, unsigned b, long c, unsigned long d, long long e, unsigned long long f);
char t_char(char a, signed char b, unsigned char c, short d, unsigned short e, _Bool g);
double t_float(float a, double b);
size_t t_typedefs(size_t a, ssize_t b, off_t c, mode_t d, uintptr_t e, intptr_t f);
int64_t t_fixed(int8_t a, int16_t b, int32_t c, int64_t d, uint8_t e, uint16_t f, uint32_t g, uint64_t h);
my_more_flags_t t_other_typedef(my_flags_t flags);
void *t_pointers(void *a, const void *b, int *c, int **d, char *e, unsigned char *f, const int *g, size_t *h);
int t_strings(const char *path, char *buffer, const char *mode);
const char *t_const_char_return(void);
void t_void(void);
int t_unnamed(int, int);
int t_keyword(int string, int object);
void t_array(int values[4]);
void t_callback_param(void (*callback)(int code));
