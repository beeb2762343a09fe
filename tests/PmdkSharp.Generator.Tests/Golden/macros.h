/* Object-like macros: which are bound, with what C# type and value. */
#include <stddef.h>

#define M_INT 42
#define M_NEG (-7)
#define M_HEX 0x10
#define M_SHIFT (1 << 4)
#define M_UNSIGNED (1U << 31)
#define M_LONG 5000000000L
#define M_ULONG 1UL
#define M_LONGLONG (1LL << 40)
#define M_SIZE ((size_t)4096)
#define M_SIZE_BIG ((size_t)1 << 33)
#define M_POINTER ((void *) -1)
#define M_REF (M_INT + 1)
#define M_CHAR 'A'
#define M_MULTI (M_INT |	\
		M_HEX) /* trailing comment */

/* Skipped silently: */
#define M_FUNC(x) ((x) * 2)
#define M_STRING "hello"
#define M_FLOAT 1.5
#define M_TYPE int
#define M_EMPTY
#define M_UNDEFINED_REF (M_NOT_DEFINED + 1)

/* Not selected by the prefix. */
#define OTHER_PREFIX 1
