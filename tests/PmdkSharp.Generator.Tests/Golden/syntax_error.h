/* Must make generation fail with clang's message. */
int broken(int a;
