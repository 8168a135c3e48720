// Linux system headers the Glibc module does not bring into Swift (epoll, signalfd, eventfd,
// pidfd, spawn extensions, prctl, mallopt, statfs). Only system headers are included here; nothing is vendored.
#ifndef CFAAS_SYSTEM_H
#define CFAAS_SYSTEM_H

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/eventfd.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/file.h>
#include <spawn.h>
#include <dlfcn.h>
#include <sys/socket.h>
#include <malloc.h>
#include <sys/statfs.h>

// glibc declares these only under _GNU_SOURCE; their signatures, declared here directly.
int pipe2(int pipefd[2], int flags);
int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

// prctl is variadic, which Swift cannot call: the one use, wrapped.
static inline int faas_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

#endif
