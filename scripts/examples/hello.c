// WASI command (has main): the payload arrives on stdin, stdout is the output.
// Deploy: scripts/deploy.sh helloc c scripts/examples/hello.c
#include <stdio.h>

int main(void) {
    char buf[4096];
    size_t n;
    fputs("Hello, ", stdout);
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        fwrite(buf, 1, n, stdout);
    }
    putchar('\n');
    return 0;
}
