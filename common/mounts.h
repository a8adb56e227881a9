/* mounts.h - the mounts the stages make in their new mount namespaces, and what
 * /proc/PID/mountinfo says about them. */
#ifndef NSLAB_MOUNTS_H
#define NSLAB_MOUNTS_H

#include <stdbool.h>

#include <stddef.h>

/* mount --make-rprivate PATH: stop mount events propagating between this mount
 * namespace and the one it was copied from.  Must come first in a new mount
 * namespace, or mounts made inside appear outside on a shared /.  0 or -errno. */
int mnt_make_rprivate(const char *path);

/* mount -t proc -o nosuid,nodev,noexec proc TARGET: a proc of the caller's PID
 * namespace (the mounter's, not the parent's), so ps sees only its processes.
 * 0 or -errno. */
int mnt_proc(const char *target);

/* mount --make-rshared PATH: what systemd does to /.  Stage 02's --leak uses it in a
 * throwaway mount namespace to show the article's trap.  0 or -errno. */
int mnt_make_rshared(const char *path);

/* mount -t TYPE -o nosuid,nodev TYPE TARGET: a fresh instance of a filesystem that
 * needs no device (tmpfs, mqueue).  0 or -errno. */
int mnt_fs(const char *type, const char *target);

/* Finds the mount on target in a mountinfo text (proc(5): the mount point is the 5th
 * field, the filesystem type the first after " - ") and copies its type into fstype.
 * The last one wins: it is the one on top.  0, or -ENOENT when nothing is mounted
 * there, -ENOSPC when fstype is too small. */
int mnt_info_fstype(const char *mountinfo, const char *target, char *fstype, size_t size);

/* Stage 01's two steps for the stages after it, each narrated: mount
 * --make-rprivate / (skipped, with a note, when leak is true: the article's way),
 * then a fresh proc on /proc.  0, or -errno with *failed the shell command that
 * failed. */
int mnt_private_proc(bool leak, const char **failed);

#endif
