/* 03-user-drop/userns-maps.h - chapter 3's lesson on user namespaces: the ID maps a
 * parent writes for a child it cloned with CLONE_NEWUSER.
 *
 * The child starts with every capability inside its new user namespace, but its IDs
 * are unmapped: it is the overflow user 65534 until someone writes /proc/PID/uid_map
 * and gid_map.  An unprivileged parent may write one line each, mapping one ID inside
 * to its own ID outside, and only after writing "deny" to /proc/PID/setgroups (since
 * Linux 3.19).  That is what `unshare --user --map-root-user` does.  Chapter 3 of
 * TUTORIAL.md teaches it with this stage; stages 01 and 02 link this file for their
 * own -U, which that chapter introduces too.  The child waits on its hold pipe
 * (01-pid-ns/pid1.h) while its parent writes the maps.
 */
#ifndef NSLAB_USERNS_MAPS_H
#define NSLAB_USERNS_MAPS_H

#include <stddef.h>
#include <sys/types.h>

/* One ID inside the namespace and the ID outside it stands for. */
struct userns_map {
    uid_t uid_inside, uid_outside;
    gid_t gid_inside, gid_outside;
};

/* "INSIDE OUTSIDE COUNT\n", a line of uid_map or gid_map (user_namespaces(7)).
 * Returns its length, or -ENOSPC when buf is too small. */
int userns_format_map(char *buf, size_t size, unsigned long inside, unsigned long outside,
                      unsigned long count);

/* Writes text to /proc/PID/<file> in a single write(), as the kernel requires for the
 * maps.  0 or -errno. */
int userns_write_proc(pid_t pid, const char *file, const char *text);

/* Writes, in the order the kernel needs, "deny" to /proc/PID/setgroups, then uid_map,
 * then gid_map, each narrated with its shell equivalent.  On failure returns -errno
 * and leaves in op the shell command that failed (for the stage's error line). */
int userns_write_maps(pid_t pid, const struct userns_map *m, char *op, size_t opsize);

#endif
