/* mounts.c - private propagation and a fresh proc. */
#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <sys/mount.h>

int mnt_make_rprivate(const char *path)
{
    /* Only the propagation flags: source, type and data are ignored for this call. */
    if (mount(NULL, path, NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return -errno;
    return 0;
}

int mnt_proc(const char *target)
{
    /* nosuid,nodev,noexec: what every distribution uses for /proc; nothing under
     * it should ever be run or open a device. */
    if (mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return -errno;
    return 0;
}
