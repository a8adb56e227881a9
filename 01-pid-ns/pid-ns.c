/* 01-pid-ns/pid-ns.c - a process that is PID 1 of its own PID namespace.
 *
 * The article's first program, step by step: allocate a stack with alloca(), clone()
 * a child into a new PID namespace and a new mount namespace, mount a fresh /proc in
 * the child so that ps sees only the namespace's processes, exec a command (bash by
 * default), and wait for it in the parent.
 *
 * Shell commands it replaces:
 *   unshare --pid --mount --fork --mount-proc [CMD]
 *   (by hand: unshare --pid --mount --fork sh -c
 *     'mount --make-rprivate / && mount -t proc proc /proc && exec CMD')
 *
 *   -U adds a user namespace, so no root is needed:
 *   unshare --user --map-root-user --pid --mount --fork --mount-proc [CMD]
 *
 * Where each call is: main below takes the stack (alloca), makes the hold pipe
 * (pipe2) and calls clone(); the steps before and after it, which stages 02 and 03
 * take again, are in 01-pid-ns/pid1.c in the order they run: the child's read() on
 * the hold pipe, mount(MS_REC|MS_PRIVATE), mount("proc"), execvp(); the parent's
 * write() that releases it and the waitpid() loop.  -U writes the child's ID maps
 * as chapter 3 teaches them (03-user-drop/userns-maps.c).
 *
 * Read: clone(2), pid_namespaces(7), mount_namespaces(7), proc(5), waitpid(2),
 *       user_namespaces(7).
 *
 * Usage: pid-ns [-q] [-U] [-- CMD [ARG...]]  (must run as root, CLONE_NEWPID and
 *        mounting proc need CAP_SYS_ADMIN, or with -U)
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "../03-user-drop/userns-maps.h"
#include "../common/args.h"
#include "../common/err.h"
#include "../common/narrate.h"
#include "../common/procfs.h"
#include "../common/spawn.h"
#include "pid1.h"

static const char usage[] =
    "Usage: pid-ns [-q] [-U] [-- CMD [ARG...]]\n"
    "Runs CMD (default: /bin/bash) as PID 1 of a new PID namespace, with its own\n"
    "mount namespace and a fresh /proc, so ps inside sees only the namespace.\n"
    "\n"
    "  -U, --userns  also a new user namespace: runs without root, as root inside\n"
    "  -q, --quiet   do not narrate the kernel operations\n"
    "  -h, --help    show this help\n"
    "\n"
    "Needs root (CAP_SYS_ADMIN), or -U. Exit status: CMD's, 128+N if CMD died of signal N,\n"
    "1 if a system call failed, 2 for a bad option.\n"
    "\n"
    "Example:\n"
    "  sudo 01-pid-ns/pid-ns -- ps -eo pid,comm\n";

/* What the child needs, passed to clone() as its argument.  Without CLONE_VM the
 * child gets its own copy of our memory, this struct included. */
struct child_args {
    char **cmd;
    int hold[2]; /* the child waits to read one byte from hold[0] */
};

/* Runs in the child, inside the new namespaces; it is the child's main, so it may
 * report its own errors.  What it returns is its exit status. */
static int child_main(void *arg)
{
    struct child_args *a = arg;
    int r;

    narrate_set_who("pid-ns child");

    /* Held until the parent has looked at us from outside (and, with -U, given us
     * our IDs): that also keeps its narration before ours.  A parent that gave up
     * has said why already. */
    if (pid1_hold(a->hold, false) < 0)
        return EXIT_RUNTIME;

    /* Our mount namespace is a copy of the parent's, propagation included: cut it
     * before mounting anything, or our proc lands on the host's /proc too. */
    if ((r = pid1_make_private("/")) < 0)
        return err_fail(-r, NULL, "mount --make-rprivate /");

    /* /proc still shows the parent's PID namespace: proc shows the mounter's.
     * Without this, ps would list the host. */
    if ((r = pid1_mount_proc("/proc")) < 0)
        return err_fail(-r, NULL, "mount -t proc proc /proc");

    /* The command becomes PID 1; we return only if it could not be run. */
    return pid1_exec(a->cmd, NULL);
}

int main(int argc, char *argv[])
{
    static const struct option longopts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"userns", no_argument, NULL, 'U'},
        {0},
    };
    static char *bash[] = {"/bin/bash", NULL};
    struct child_args a;
    bool quiet = false, userns = false;
    int opt, r;

    err_stage = "01-pid-ns";
    /* '+': stop at the first word that is not ours, so "pid-ns ps -ef" passes -ef on
     * to ps; ':' lets us word the error ourselves. */
    while ((opt = getopt_long(argc, argv, "+:qhU", longopts, NULL)) != -1) {
        switch (opt) {
        case 'q':
            quiet = true;
            break;
        case 'U':
            userns = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return err_bad_option(opt, argv);
        }
    }
    if (args_command(argc, argv, optind, bash, &a.cmd) < 0)
        return err_bad_usage("missing command after '--'");
    narrate_init("pid-ns", quiet);

    /* Step 1, as in the article: the child's stack comes from our own stack frame.
     * clone() wants the highest address of that memory, because the stack grows
     * down on x86 and arm.  The article insists on alloca() rather than malloc(),
     * but the kernel does not care where the memory comes from: any writable memory
     * of the right size and 16-byte alignment works (malloc, mmap with MAP_STACK).
     * Without CLONE_VM the child runs on its own copy of our memory, this stack
     * included, and that copy grows on demand like any main stack: the article's
     * one page cannot overflow into anything of ours: a child running past it
     * writes into its own copy, as deep as a main stack may grow.  Size matters
     * with CLONE_VM (a thread), where the child shares our memory and must stay
     * inside what it was given.  Ours takes 256 KiB anyway, enough for its
     * narration and error messages if CLONE_VM were ever added, and still far below
     * the 8 MiB our own stack may grow to (ulimit -s). */
    /* cppcheck-suppress allocaCalled ; the article's way, on purpose */
    char *stack = alloca(PID1_STACK_SIZE);
    void *stack_top = spawn_stack_top(stack, PID1_STACK_SIZE);

    /* Step 2: the hold pipe.  The child will wait on it until we have looked at it
     * from outside; O_CLOEXEC, so the command it execs does not inherit it. */
    if (pipe2(a.hold, O_CLOEXEC) < 0)
        return err_fail(errno, NULL, "pipe2");

    /* Step 3: the child starts in a new PID namespace, where it is PID 1, and a new
     * mount namespace, where its /proc mount stays its own.  SIGCHLD is the signal
     * we get when it ends, so waitpid() works as for a fork()ed child.
     * With -U (chapter 3), a new user namespace too: the kernel makes it first and
     * it owns the other two, so the child has the capabilities it needs in them
     * without any outside. */
    int flags = CLONE_NEWPID | CLONE_NEWNS | SIGCHLD;
    if (userns)
        flags |= CLONE_NEWUSER;
    char op[160], shell[96];
    spawn_describe(flags, op, sizeof(op), shell, sizeof(shell));
    pid_t pid = clone(child_main, stack_top, flags, &a);
    if (pid < 0)
        return pid1_clone_failed(errno, flags, a.hold, op, shell);
    /* Narrated once it worked: the child is held, so these lines still come before
     * anything it prints. */
    narrate_note("child stack: %d KiB from alloca(), clone() gets its top", PID1_STACK_SIZE / 1024);
    narrate_op(shell, "%s", op);

    /* -U: the child has no IDs until we map them; root inside stands for us.  The
     * writes, and why in that order, are in 03-user-drop/userns-maps.c (chapter 3). */
    if (userns) {
        struct userns_map m = {0, getuid(), 0, getgid()};
        if ((r = pid1_map(pid, a.hold, flags, &m)) != 0)
            return r;
    }

    /* One process, two numbers: NSpid lists its PID in our namespace, then in its own. */
    if (narrate_enabled()) {
        pid_t ids[8];
        int n = procfs_read_nspid(pid, ids, 8);
        if (n >= 2)
            narrate_note("the child is PID %d on the host and PID %d inside "
                         "(NSpid: %d %d in /proc/%d/status)",
                         (int)ids[0], (int)ids[n - 1], (int)ids[0], (int)ids[n - 1], (int)pid);
    }

    /* Step 4: let it go (pid1_release: a byte on the hold pipe).  Step 5: wait for it
     * in the article's loop (pid1_wait), and pass its status on as a shell would
     * (128+N when it died of signal N).  Both in pid1.c beside this file. */
    return pid1_finish(pid, a.hold);
}
