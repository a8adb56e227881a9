/* spawn.h - clone() a child into new namespaces, hold it until the parent is ready,
 * and wait for it the way the article does.
 *
 * The stage allocates the child's stack itself (stage 01 does it with alloca(), as
 * the article does) and passes its top: on every architecture Linux runs these
 * demos on, the stack grows down, so the child's first frame goes just below it.
 *
 * The child does not run its function at once.  It waits on a pipe until the parent
 * calls spawn_release(): between the two the parent can look at the child from
 * outside (its PIDs in /proc/PID/status) or, in later stages, write its user ID maps.
 * That also keeps the narration in a fixed order: the parent's lines first.
 */
#ifndef NSLAB_SPAWN_H
#define NSLAB_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Smallest stack a child function needs to reach exec(): glibc's execvp, stdio
 * and the narration need a few KiB; we give them comfortable room. */
#define SPAWN_STACK_MIN (64 * 1024)

struct spawn_child {
    pid_t pid; /* as the parent sees it */
    int go[2]; /* the child waits to read one byte from go[0] */
    bool released;
};

/* clone(fn, stack_top, flags, arg) with the release pipe wired in.  flags must
 * include the exit signal (SIGCHLD).  Returns 0 or -errno (the child does not exist). */
int spawn_clone(struct spawn_child *c, int (*fn)(void *), void *arg, void *stack_top, int flags);

/* Lets the child run its function.  Returns 0 or -errno. */
int spawn_release(struct spawn_child *c);

/* waitpid() in the article's loop: retried while interrupted by a signal.  Stores
 * the raw wait status; closes the release pipe.  Returns 0 or -errno. */
int spawn_wait(struct spawn_child *c, int *status);

/* The parent's last steps, as stage 01 explains them: ignore Ctrl-C and Ctrl-\ while
 * the child runs (like system(): they are for the command inside), release the
 * child, wait for it in the article's loop, and narrate how it ended.  *code gets
 * the exit status a shell would report.  0, or -errno with *failed the step. */
int spawn_finish(struct spawn_child *c, int *code, const char **failed);

/* The exit status a shell would report for a wait status: the child's own status,
 * or 128+N when it died of signal N.  -1 for a status that is neither. */
int spawn_exit_code(int status);

/* The clone() call and its shell twin, built from the flags by one table (as
 * util-linux's unshare keeps one), for narration and error messages:
 *   "clone(CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNS|SIGCHLD)", "unshare --user --pid --mount --fork"
 */
void spawn_describe(int flags, char *op, size_t opsize, char *shell, size_t shellsize);

/* The hint for a clone() into new namespaces that failed with r: with CLONE_NEWUSER,
 * the setting that forbids user namespaces here (if one does); otherwise, for
 * EPERM, the privilege and the make target.  NULL when there is nothing to add. */
const char *spawn_clone_hint(int r, int flags, char *buf, size_t size);

/* Narrates how the child ended, as the parent learns it from waitpid(). */
void spawn_narrate_exit(pid_t pid, int code);

/* Rounds a stack's top down to the 16 bytes the x86-64 and arm64 ABIs require. */
void *spawn_stack_top(void *base, size_t size);

#endif
