/* spawn.c - the words and numbers around a clone(): narration, hint, exit status. */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>

#include "err.h"
#include "userns.h"

int spawn_exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

void *spawn_stack_top(void *base, size_t size)
{
    uintptr_t top = (uintptr_t)base + size;
    return (void *)(top & ~(uintptr_t)15);
}

/* Each namespace flag, the name clone(2) gives it and unshare(1)'s option for it, in
 * the order the narration lists them. */
static const struct {
    int flag;
    const char *name, *option;
} ns_flags[] = {
    {CLONE_NEWUSER, "CLONE_NEWUSER", "--user"}, {CLONE_NEWPID, "CLONE_NEWPID", "--pid"},
    {CLONE_NEWNS, "CLONE_NEWNS", "--mount"},    {CLONE_NEWIPC, "CLONE_NEWIPC", "--ipc"},
    {CLONE_NEWUTS, "CLONE_NEWUTS", "--uts"},    {CLONE_NEWNET, "CLONE_NEWNET", "--net"},
    {CLONE_FILES, "CLONE_FILES", NULL},
};

void spawn_describe(int flags, char *op, size_t opsize, char *shell, size_t shellsize)
{
    size_t o = (size_t)snprintf(op, opsize, "clone(");
    size_t s = (size_t)snprintf(shell, shellsize, "unshare");
    for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
        if (!(flags & ns_flags[i].flag))
            continue;
        if (o < opsize)
            o += (size_t)snprintf(op + o, opsize - o, "%s|", ns_flags[i].name);
        /* CLONE_FILES has no unshare option: it shares, it makes nothing new. */
        if (ns_flags[i].option && s < shellsize)
            s += (size_t)snprintf(shell + s, shellsize - s, " %s", ns_flags[i].option);
    }
    if (o < opsize)
        snprintf(op + o, opsize - o, "%s)", (flags & 0xff) == SIGCHLD ? "SIGCHLD" : "0");
    /* A new PID namespace holds the children of the caller, not the caller: unshare
     * needs --fork to put a process in it; clone() starts the child there at once. */
    if (s < shellsize)
        snprintf(shell + s, shellsize - s, " --fork");
}

const char *spawn_clone_hint(int r, int flags, char *buf, size_t size)
{
    if (flags & CLONE_NEWUSER)
        return userns_blocked_hint("/proc/sys", buf, size) ? buf : NULL;
    if (r != -EPERM)
        return NULL;
    snprintf(buf, size, "%s, or add -U for a user namespace of your own",
             err_root_hint("new namespaces need CAP_SYS_ADMIN"));
    return buf;
}
