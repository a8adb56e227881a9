/* mounts.h - what /proc/PID/mountinfo says about a mount point.  Stage 02's --leak
 * reads it to show where the child's mounts landed; the mounts themselves are
 * written out by the stages (01-pid-ns/pid1.c, 02-ipc-mount-ns/ipc-mount-ns.c). */
#ifndef NSLAB_MOUNTS_H
#define NSLAB_MOUNTS_H

#include <stddef.h>

/* Finds the mount on target in a mountinfo text (proc(5): the mount point is the 5th
 * field, the filesystem type the first after " - ") and copies its type into fstype.
 * The last one wins: it is the one on top.  0, or -ENOENT when nothing is mounted
 * there, -ENOSPC when fstype is too small. */
int mnt_info_fstype(const char *mountinfo, const char *target, char *fstype, size_t size);

#endif
