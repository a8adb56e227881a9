/* spawn.c - clone a child into new namespaces, release it, wait for it. */
#define _GNU_SOURCE
#include "spawn.h"

#include <stdbool.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "narrate.h"
#include "userns.h"

/* What the child needs before it calls the stage's function.  It lives in
 * spawn_clone's frame: without CLONE_VM the child gets its own copy of the parent's
 * memory, frame included, so the pointer stays valid in the child. */
struct trampoline {
    int (*fn)(void *);
    void *arg;
    int go_read, go_write;
    bool shared_files;
};

static int trampoline(void *p)
{
    struct trampoline *t = p;
    char byte;
    ssize_t n;

    /* If the parent dies, so does the namespace: the child gets SIGKILL instead of
     * living on unwatched (as `unshare --kill-child` does). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return 1;
    /* Our copy of the write end would keep the pipe open and hide the parent's
     * death from read().  With CLONE_FILES the table is the parent's: hands off. */
    if (!t->shared_files)
        close(t->go_write);
    do
        n = read(t->go_read, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) /* the parent gave up before releasing us */
        return 1;
    return t->fn(t->arg);
}

int spawn_clone(struct spawn_child *c, int (*fn)(void *), void *arg, void *stack_top, int flags)
{
    struct trampoline t = {.fn = fn, .arg = arg};

    c->pid = -1;
    c->released = false;
    /* O_CLOEXEC: the command the child execs must not inherit the pipe. */
    if (pipe2(c->go, O_CLOEXEC) < 0)
        return -errno;
    t.go_read = c->go[0];
    t.go_write = c->go[1];
    t.shared_files = flags & CLONE_FILES;
    /* Both ends stay open in the parent until spawn_wait: with CLONE_FILES the child
     * shares our descriptor table, so closing the read end here would close it under
     * the waiting child too. */
    c->pid = clone(trampoline, stack_top, flags, &t);
    if (c->pid < 0) {
        int e = errno;
        close(c->go[0]);
        close(c->go[1]);
        c->go[0] = c->go[1] = -1;
        return -e;
    }
    return 0;
}

int spawn_release(struct spawn_child *c)
{
    ssize_t n;

    do
        n = write(c->go[1], "g", 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        return n < 0 ? -errno : -EIO;
    c->released = true;
    return 0;
}

int spawn_wait(struct spawn_child *c, int *status)
{
    int r;

    /* The article's loop: a signal handler in the parent must not make us lose the
     * child's status. */
    while ((r = waitpid(c->pid, status, 0)) < 0 && errno == EINTR)
        continue;
    int e = r < 0 ? errno : 0;
    if (c->go[0] >= 0)
        close(c->go[0]);
    if (c->go[1] >= 0)
        close(c->go[1]);
    c->go[0] = c->go[1] = -1;
    return -e;
}

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

void spawn_narrate_exit(pid_t pid, int code)
{
    if (code >= 128)
        narrate_op(NULL, "waitpid(%d): killed by signal %d (%s), exit status %d", (int)pid,
                   code - 128, strsignal(code - 128), code);
    else
        narrate_op(NULL, "waitpid(%d): exited with status %d", (int)pid, code);
}

int spawn_finish(struct spawn_child *c, int *code, const char **failed)
{
    int r, status;
    /* The child was cloned before this, so it keeps the default dispositions. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    *failed = "releasing the child";
    if ((r = spawn_release(c)) < 0)
        return r;
    *failed = "waitpid";
    if ((r = spawn_wait(c, &status)) < 0)
        return r;
    *code = spawn_exit_code(status);
    spawn_narrate_exit(c->pid, *code);
    if (*code < 0)
        *code = EXIT_RUNTIME;
    return 0;
}
