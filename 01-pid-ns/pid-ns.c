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
 * Read: clone(2), pid_namespaces(7), mount_namespaces(7), proc(5), waitpid(2),
 *       user_namespaces(7).
 *
 * Usage: pid-ns [-q] [-U] [-- CMD [ARG...]]  (must run as root, CLONE_NEWPID and
 *        mounting proc need CAP_SYS_ADMIN, or with -U)
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/args.h"
#include "../common/err.h"
#include "../common/mounts.h"
#include "../common/narrate.h"
#include "../common/procfs.h"
#include "../common/spawn.h"
#include "../common/userns.h"

/* The article allocates one page (4 KiB) and that is just enough because its child
 * execs almost at once.  Ours also formats narration and error messages before
 * exec, so we give it room; alloca() of 256 KiB is still far below the 8 MiB the
 * main thread's stack may grow to (ulimit -s). */
#define CHILD_STACK_SIZE (256 * 1024)

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

/* What the child needs: the command to exec.  Passed to clone() as its argument. */
struct child_args {
    char **cmd;
};

/* Runs in the child, inside the new namespaces; it is the child's main, so it may
 * report its own errors.  It returns only on failure (clone then _exit()s with it). */
static int child_main(void *arg)
{
    struct child_args *a = arg;
    int r;

    narrate_set_who("pid-ns child");

    /* Our mount namespace is a copy of the parent's, propagation included: where /
     * is shared (every systemd system), the proc we mount next would also appear
     * over the host's /proc and hide the host's processes after we exit.  Cutting
     * the propagation first keeps every mount we make in here. */
    narrate_op("mount --make-rprivate /", "mount(\"/\", MS_REC|MS_PRIVATE)");
    if ((r = mnt_make_rprivate("/")) < 0) {
        err_print(-r, NULL, "mount --make-rprivate /");
        return EXIT_RUNTIME;
    }

    /* /proc still shows the parent's PID namespace: proc is per PID namespace, and
     * a new mount of it shows the mounter's.  Without this, ps would list the host. */
    narrate_op("mount -t proc proc /proc",
               "mount(\"proc\", \"/proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC)");
    if ((r = mnt_proc("/proc")) < 0) {
        err_print(-r, NULL, "mount -t proc proc /proc");
        return EXIT_RUNTIME;
    }

    char shell[256];
    args_join(a->cmd, "exec ", shell, sizeof(shell));
    narrate_op(shell, "execvp(\"%s\") as PID %d", a->cmd[0], (int)getpid());
    execvp(a->cmd[0], a->cmd);
    /* Like a shell: 127 when the command is not there, 126 when it cannot run. */
    err_print(errno, NULL, "exec %s", a->cmd[0]);
    return errno == ENOENT ? 127 : 126;
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
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'U':
            userns = true;
            break;
        default:
            if (optopt)
                err_usage("unknown option '-%c'", optopt);
            err_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    struct child_args a;
    if (args_command(argc, argv, optind, bash, &a.cmd) < 0)
        err_usage("missing command after '--'");
    narrate_init("pid-ns", quiet);

    /* Step 1, as in the article: the child's stack comes from our own stack frame.
     * clone() wants the highest address of that memory, because the stack grows
     * down on x86 and arm.  The article insists on alloca() rather than malloc(),
     * but the kernel does not care where the memory comes from: any writable memory
     * of the right size and 16-byte alignment works (malloc, mmap with MAP_STACK).
     * What matters is that it is big enough and that nothing else uses it; without
     * CLONE_VM the child even runs on its own copy of it. */
    /* cppcheck-suppress allocaCalled ; the article's way, on purpose */
    char *stack = alloca(CHILD_STACK_SIZE);
    void *stack_top = spawn_stack_top(stack, CHILD_STACK_SIZE);

    /* Step 2: the child starts in a new PID namespace, where it is PID 1, and a new
     * mount namespace, where its /proc mount stays its own.  SIGCHLD is the signal
     * we get when it ends, so waitpid() works as for a fork()ed child.
     * With -U (chapter 3), a new user namespace too: the kernel makes it first and
     * it owns the other two, so the child has the capabilities it needs in them
     * without any outside. */
    struct spawn_child child;
    int flags = CLONE_NEWPID | CLONE_NEWNS | SIGCHLD;
    if (userns)
        flags |= CLONE_NEWUSER;
    char op[160], shell[96], hint[256];
    spawn_describe(flags, op, sizeof(op), shell, sizeof(shell));
    if ((r = spawn_clone(&child, child_main, &a, stack_top, flags)) < 0)
        err_die(EXIT_RUNTIME, -r, spawn_clone_hint(r, flags, hint, sizeof(hint)), "%s ~ %s", op,
                shell);
    /* Narrated once it worked: the child waits for spawn_release(), so these lines
     * still come before anything it prints. */
    narrate_note("child stack: %d KiB from alloca(), clone() gets its top",
                 CHILD_STACK_SIZE / 1024);
    narrate_op(shell, "%s", op);

    /* -U: the child has no IDs until we map them; root inside stands for us. */
    if (userns) {
        struct userns_map m = {0, getuid(), 0, getgid()};
        char failed[128];
        if ((r = userns_write_maps(child.pid, &m, failed, sizeof(failed))) < 0)
            err_die(EXIT_RUNTIME, -r, spawn_clone_hint(r, flags, hint, sizeof(hint)), "%s", failed);
    }

    /* One process, two numbers: NSpid lists its PID in our namespace, then in its own. */
    if (narrate_enabled()) {
        pid_t ids[8];
        int n = procfs_read_nspid(child.pid, ids, 8);
        if (n >= 2)
            narrate_note("the child is PID %d on the host and PID %d inside "
                         "(NSpid: %d %d in /proc/%d/status)",
                         (int)ids[0], (int)ids[n - 1], (int)ids[0], (int)ids[n - 1],
                         (int)child.pid);
    }

    /* Step 3: let it go and wait for it (spawn_finish): like system(), we ignore
     * Ctrl-C and Ctrl-\ meanwhile, which are for the command in the namespace (a
     * shell there handles them); then the article's loop, waitpid() retried when a
     * signal interrupts it, and the command's status passed on (128+N for signal N). */
    int code;
    const char *failed;
    if ((r = spawn_finish(&child, &code, &failed)) < 0)
        err_die(EXIT_RUNTIME, -r, NULL, "%s %d", failed, (int)child.pid);
    return code;
}
