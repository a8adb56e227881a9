/* 01-pid-ns/pid1.h - stage 01's steps around the clone(), which stages 02 and 03 take
 * again: the child is held until its parent lets it go, makes its mounts private,
 * mounts its own proc and execs the command; the parent waits for it in the
 * article's loop.  01-pid-ns/pid-ns.c calls them in that order; 01-pid-ns/pid1.c
 * holds the system calls, with why each is there.
 *
 * Each returns 0 or -errno and prints nothing but its narration: the stage says what
 * failed.  Excepted: pid1_exec, pid1_abandon and the last three, which take a stage's
 * main's part (see below).
 */
#ifndef NSLAB_PID1_H
#define NSLAB_PID1_H

#include <stdbool.h>
#include <sys/types.h>

/* The child's stack, taken with alloca() in the stage's main (pid-ns.c says why
 * this size). */
#define PID1_STACK_SIZE (256 * 1024)

/* In the child, first: wait for the parent's pid1_release() on the hold pipe the
 * parent made before clone() (pipe2 with O_CLOEXEC).  shared_files: the child was
 * cloned with CLONE_FILES, so the parent's descriptors are its own and must stay
 * open.  0, or -EPIPE when the parent gave up (pid1_abandon) before releasing. */
int pid1_hold(const int hold[2], bool shared_files);

/* In the child: mount --make-rprivate PATH (MS_REC|MS_PRIVATE), narrated. */
int pid1_make_private(const char *path);

/* In the child: mount -t proc proc TARGET (nosuid,nodev,noexec), narrated. */
int pid1_mount_proc(const char *target);

/* In the child, last: execvp(cmd[0], cmd), narrated "as" who the command runs as
 * (NULL: as PID N, the caller's PID).  Returns only when exec failed, after printing
 * why, with the status a shell gives: 127 for a command not found, else 126. */
int pid1_exec(char *const cmd[], const char *as);

/* In the parent: lets the held child run. */
int pid1_release(const int hold[2]);

/* In the parent, last: ignore Ctrl-C and Ctrl-\ (they are for the command), waitpid()
 * in the article's loop, close the hold pipe, and narrate how the child ended.  *code
 * gets the status a shell would report: the command's, or 128+N for signal N. */
int pid1_wait(pid_t pid, int hold[2], int *code);

/* In the parent, when a step after clone() failed: close the hold pipe without a
 * release, so the child returns without running anything, and reap it.  Returns
 * EXIT_RUNTIME, for `return pid1_abandon(...)`. */
int pid1_abandon(pid_t pid, int hold[2]);

/* The parent's steps as a stage's main takes them, saying what failed (err.h) and
 * returning the stage's exit status. */
struct userns_map;

/* clone() failed with err: close the hold pipe, print the clone step (op ~ shell)
 * with the hint for flags, return EXIT_RUNTIME. */
int pid1_clone_failed(int err, int flags, int hold[2], const char *op, const char *shell);

/* -U: write the held child's ID maps (03-user-drop/userns-maps.c).  0, or, when a
 * write failed, the failure printed, the child abandoned, and EXIT_RUNTIME. */
int pid1_map(pid_t pid, int hold[2], int flags, const struct userns_map *m);

/* Last: pid1_release, then pid1_wait.  The command's status as a shell gives it, or
 * EXIT_RUNTIME after printing what failed (the child abandoned if not released). */
int pid1_finish(pid_t pid, int hold[2]);

#endif
