/* scripts/bench: the payload-size rows' function, a WASI command that counts its stdin. */
#include <stdio.h>

int main(void) {
    static char buffer[65536];
    size_t total = 0, n;
    while ((n = fread(buffer, 1, sizeof buffer, stdin)) > 0) total += n;
    printf("%zu", total);
    return 0;
}
