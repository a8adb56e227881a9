/* ourdir.h - the one rule for a directory whose files we act on: ours alone.
 *
 * The lab's state directory (/run/nslab, common/lab.h) and the per-user directory of
 * -U (common/userdir.h) hold files that say what to delete and whom to signal.
 * Someone who could write there, or who made the directory (or a symbolic link in its
 * place), could choose for us.  So a directory is trusted only when it is a real
 * directory (not a link), owned by our euid (or by root, where the caller allows it:
 * /run/nslab), with none of the mode bits deny (group and others' write, or all of
 * theirs), and the one opened is the one looked at.  Prints nothing.
 */
#ifndef NSLAB_OURDIR_H
#define NSLAB_OURDIR_H

#include <stdbool.h>
#include <sys/stat.h>

/* Is what st describes ours alone (owner, mode), as above?  0 or -EPERM. */
int ourdir_check(const struct stat *st, mode_t deny, bool root_ok);

/* Opens the directory name (relative to at, O_RDONLY|O_DIRECTORY) when it is ours
 * alone.  An fd, or: -ELOOP a symbolic link, -ENOTDIR not a directory, -EPERM not
 * ours alone, -ESTALE swapped between the look and the open, -errno.  *st is what
 * was looked at, for the caller's message. */
int ourdir_open(int at, const char *name, mode_t deny, bool root_ok, struct stat *st);

#endif
