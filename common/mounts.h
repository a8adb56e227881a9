/* mounts.h - the two mounts a new PID namespace needs to see itself in /proc. */
#ifndef NSLAB_MOUNTS_H
#define NSLAB_MOUNTS_H

/* mount --make-rprivate PATH: stop mount events propagating between this mount
 * namespace and the one it was copied from.  Must come first in a new mount
 * namespace, or mounts made inside appear outside on a shared /.  0 or -errno. */
int mnt_make_rprivate(const char *path);

/* mount -t proc -o nosuid,nodev,noexec proc TARGET: a proc of the caller's PID
 * namespace (the mounter's, not the parent's), so ps sees only its processes.
 * 0 or -errno. */
int mnt_proc(const char *target);

#endif
