// Debian's libseccomp (package libseccomp-dev): the few functions the sandbox's syscall
// filter uses, declared here with the library's own signatures (seccomp.h, libseccomp 2.5).
// seccomp_rule_add is variadic (not callable from Swift): the _array form is used instead.
#ifndef CSECCOMP_H
#define CSECCOMP_H

#include <stdint.h>

typedef void *scmp_filter_ctx;

struct scmp_arg_cmp {
    unsigned int arg;
    int op;            /* enum scmp_compare */
    uint64_t datum_a;
    uint64_t datum_b;
};

/* enum scmp_compare */
#define CSECCOMP_CMP_MASKED_EQ 7

#define CSECCOMP_ACT_ALLOW 0x7fff0000U
#define CSECCOMP_ACT_ERRNO_BASE 0x00050000U

scmp_filter_ctx seccomp_init(uint32_t def_action);
void seccomp_release(scmp_filter_ctx ctx);
int seccomp_syscall_resolve_name(const char *name);
int seccomp_rule_add_array(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
                           const struct scmp_arg_cmp *arg_array);
int seccomp_export_bpf(const scmp_filter_ctx ctx, int fd);

#endif
