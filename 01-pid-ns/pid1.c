/* 01-pid-ns/pid1.c - stage 01's steps, in the order they run: first the child's
 * (held, private mounts, its own proc, exec), then the parent's (release, wait).
 * Stages 02 and 03 call them too; 01-pid-ns/pid-ns.c is the program that shows the
 * whole sequence, with the clone() between the two sides.
 *
 * Read: clone(2), mount(2), mount_namespaces(7), proc(5), execvp(3), waitpid(2),
 *       prctl(2), pipe(7).
 */
#define _GNU_SOURCE
#include "pid1.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/args.h"
#include "../common/err.h"
#include "../common/narrate.h"
#include "../common/spawn.h"
#include "../03-user-drop/userns-maps.h"

int pid1_hold(const int hold[2], bool shared_files)
{
    char byte;
    ssize_t n;

    /* If the parent dies, so does the namespace: the child gets SIGKILL instead of
     * living on unwatched (as `unshare --kill-child` does). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return -errno;
    /* Our copy of the write end would keep the pipe open and hide the parent's
     * death from read().  With CLONE_FILES the table is the parent's: hands off. */
    if (!shared_files)
        close(hold[1]);
    do
        n = read(hold[0], &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return n == 1 ? 0 : -EPIPE;
}

int pid1_make_private(const char *path)
{
    char shell[128];

    /* Our mount namespace is a copy of the parent's, propagation included: where /
     * is shared (every systemd system), a mount we make would also appear in the
     * parent's namespace, and our proc would hide the host's /proc after we exit.
     * Cutting the propagation first keeps every mount we make in here.  Only the
     * flags count in this call: source, type and data are ignored. */
    snprintf(shell, sizeof(shell), "mount --make-rprivate %s", path);
    narrate_op(shell, "mount(\"%s\", MS_REC|MS_PRIVATE)", path);
    if (mount(NULL, path, NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return -errno;
    return 0;
}

int pid1_mount_proc(const char *target)
{
    char shell[128];

    /* A proc mount shows the PID namespace of whoever mounted it: until we mount our
     * own, /proc is the parent's and ps lists the host's processes.  nosuid, nodev,
     * noexec: what every distribution uses; nothing under /proc is run or a device. */
    snprintf(shell, sizeof(shell), "mount -t proc proc %s", target);
    narrate_op(shell, "mount(\"proc\", \"%s\", MS_NOSUID|MS_NODEV|MS_NOEXEC)", target);
    if (mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return -errno;
    return 0;
}

int pid1_exec(char *const cmd[], const char *as)
{
    char shell[256], pid[32];

    if (!as) {
        snprintf(pid, sizeof(pid), "PID %d", (int)getpid());
        as = pid;
    }
    args_join(cmd, "exec ", shell, sizeof(shell));
    narrate_op(shell, "execvp(\"%s\") as %s", cmd[0], as);
    /* The command replaces us and stays PID 1 of the namespace.  The hold pipe is
     * O_CLOEXEC, so it does not inherit it. */
    execvp(cmd[0], cmd);
    /* Like a shell: 127 when the command is not there, 126 when it cannot run. */
    int e = errno;
    err_print(e, NULL, "exec %s", cmd[0]);
    return e == ENOENT ? 127 : 126;
}

int pid1_release(const int hold[2])
{
    ssize_t n;

    do
        n = write(hold[1], "g", 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        return n < 0 ? -errno : -EIO;
    return 0;
}

/* Closes the parent's ends of the hold pipe, once the child is reaped: with
 * CLONE_FILES the table is the child's too, and closing earlier would close them
 * under it. */
static void close_hold(int hold[2])
{
    for (int i = 0; i < 2; i++)
        if (hold[i] >= 0)
            close(hold[i]);
    hold[0] = hold[1] = -1;
}

int pid1_wait(pid_t pid, int hold[2], int *code)
{
    int r, status;

    /* As system() does: while the command runs, Ctrl-C and Ctrl-\ are for it (a
     * shell in the namespace handles them), not for us.  The child was cloned before
     * this, so it keeps the default dispositions. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    /* The article's loop: a signal handled while we wait interrupts waitpid() with
     * EINTR, and giving up then would lose the child's status. */
    while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        continue;
    int e = r < 0 ? errno : 0;
    close_hold(hold);
    if (e)
        return -e;
    /* Pass the command's status on as a shell reports it: 128+N for signal N. */
    *code = spawn_exit_code(status);
    if (*code >= 128)
        narrate_op(NULL, "waitpid(%d): killed by signal %d (%s), exit status %d", (int)pid,
                   *code - 128, strsignal(*code - 128), *code);
    else
        narrate_op(NULL, "waitpid(%d): exited with status %d", (int)pid, *code);
    if (*code < 0)
        *code = EXIT_RUNTIME;
    return 0;
}

int pid1_abandon(pid_t pid, int hold[2])
{
    /* The write end first: a held child reads end-of-file and returns at once.
     * Then reap it, so no zombie and no namespace outlives us. */
    if (hold[1] >= 0)
        close(hold[1]);
    hold[1] = -1;
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        continue;
    close_hold(hold);
    return EXIT_RUNTIME;
}

/* The three stages' parent after clone() is the same but for the flags and the map:
 * these say what failed, as a stage's main does, and return its exit status. */

int pid1_clone_failed(int err, int flags, int hold[2], const char *op, const char *shell)
{
    char hint[256];
    close_hold(hold);
    return err_fail(err, spawn_clone_hint(-err, flags, hint, sizeof(hint)), "%s ~ %s", op, shell);
}

int pid1_map(pid_t pid, int hold[2], int flags, const struct userns_map *m)
{
    char failed[128], hint[256];
    int r = userns_write_maps(pid, m, failed, sizeof(failed));
    if (r == 0)
        return 0;
    err_print(-r, spawn_clone_hint(r, flags, hint, sizeof(hint)), "%s", failed);
    return pid1_abandon(pid, hold);
}

int pid1_finish(pid_t pid, int hold[2])
{
    int r, code;
    if ((r = pid1_release(hold)) < 0) {
        err_print(-r, NULL, "releasing the child %d", (int)pid);
        return pid1_abandon(pid, hold);
    }
    if ((r = pid1_wait(pid, hold, &code)) < 0)
        return err_fail(-r, NULL, "waitpid %d", (int)pid);
    return code;
}
