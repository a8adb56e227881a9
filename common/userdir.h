/* userdir.h - the per-user directory where a rootless lab's keeper is written down.
 *
 * Plumbing for -U of stages 04 and 05 (04-netns-veth/keeper.c, chapter 4's rootless
 * section, is the lesson).  $XDG_RUNTIME_DIR/nslab when that variable names a
 * directory (the login's private tmpfs, emptied at logout: a keeper ends when its
 * record goes), else /tmp/nslab-UID, as tmux keeps /tmp/tmux-UID.  /tmp is
 * everyone's: someone may have made the directory first, to read or swap our files,
 * so it is trusted only when it is a real directory (not a symbolic link), ours, and
 * mode 0700.  Nothing is printed; 0 or -errno.
 */
#ifndef NSLAB_USERDIR_H
#define NSLAB_USERDIR_H

#include <stddef.h>

/* The directory's name for this user into path (made 0700 if missing), and an
 * O_DIRECTORY fd on it.  -EPERM (why says what is wrong: owner, mode, a link) when it
 * is not ours alone; -errno when it cannot be made. */
int userdir_open(char *path, size_t size, char *why, size_t whysize);

/* The same directory, the same checks, but only when it is there: nothing is made.
 * For a command that only looks (is a lab of ours up with -U?).  -ENOENT when it is
 * not there. */
int userdir_lookup(char *path, size_t size, char *why, size_t whysize);

#endif
