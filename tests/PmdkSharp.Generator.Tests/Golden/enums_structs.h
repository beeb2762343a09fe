/* Enums, opaque and complete structs, function-pointer typedefs. */
#include <stddef.h>

struct opaque_handle;

struct point {
	int x;
	int y;
	const char *label;
};

/* Reserved words, as kernel structs (struct statx) have them: fixed buffers. */
struct padded {
	unsigned int flags;
	unsigned short spare0[1];
	unsigned long long spare[3];
};

enum color {
	COLOR_RED,
	COLOR_GREEN = 5,
	COLOR_BLUE,
};

enum signed_values {
	SV_NEG = -1,
	SV_POS = 1,
};

typedef void (*callback_fn)(const void *data, size_t len);
typedef int (*compare_fn)(const struct point *a, const struct point *b);
typedef void (*no_args_fn)(void);

int open_handle(struct opaque_handle **out, enum color c);
void close_handle(struct opaque_handle *h);
enum color handle_color(const struct opaque_handle *h);
callback_fn get_callback(struct opaque_handle *h);
void set_compare(struct opaque_handle *h, compare_fn cmp);
no_args_fn get_no_args(void);
int point_distance(struct point a, struct point *b);
enum signed_values sign_of(int v);
unsigned int padded_flags(const struct padded *p);
