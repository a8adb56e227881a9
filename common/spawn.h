/* spawn.h - what goes around the clone() each stage writes out (01-pid-ns/pid-ns.c
 * first): its narration and its shell twin, the hint for a clone() that failed, the
 * child stack's top, and the exit status a shell would report for a child.
 * The steps before and after the clone are stage 01's lesson: 01-pid-ns/pid1.h.
 */
#ifndef NSLAB_SPAWN_H
#define NSLAB_SPAWN_H

#include <stddef.h>

/* The exit status a shell would report for a wait status: the child's own status,
 * or 128+N when it died of signal N.  -1 for a status that is neither. */
int spawn_exit_code(int status);

/* The clone() call and its shell twin, built from the flags by one table (as
 * util-linux's unshare keeps one), for narration and error messages:
 *   "clone(CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNS|SIGCHLD)", "unshare --user --pid --mount --fork"
 */
void spawn_describe(int flags, char *op, size_t opsize, char *shell, size_t shellsize);

/* The hint for a clone() into new namespaces that failed with r (-errno): with
 * CLONE_NEWUSER, the setting that forbids user namespaces here (if one does);
 * otherwise, for EPERM, the privilege and the make target.  NULL when there is
 * nothing to add. */
const char *spawn_clone_hint(int r, int flags, char *buf, size_t size);

/* The top of a child stack of size bytes at base, rounded down to the 16 bytes the
 * x86-64 and arm64 ABIs require: the stack grows down, from there. */
void *spawn_stack_top(void *base, size_t size);

#endif
