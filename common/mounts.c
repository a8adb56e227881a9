/* mounts.c - private propagation and a fresh proc. */
#define _GNU_SOURCE
#include "mounts.h"

#include "narrate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
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

int mnt_make_rshared(const char *path)
{
    if (mount(NULL, path, NULL, MS_REC | MS_SHARED, NULL) < 0)
        return -errno;
    return 0;
}

int mnt_fs(const char *type, const char *target)
{
    /* The source is only a label for findmnt: these filesystems have no device. */
    if (mount(type, target, type, MS_NOSUID | MS_NODEV, NULL) < 0)
        return -errno;
    return 0;
}

int mnt_info_fstype(const char *mountinfo, const char *target, char *fstype, size_t size)
{
    int found = -ENOENT;
    for (const char *line = mountinfo; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char mnt[4096], type[256];
        const char *sep = memmem(line, len, " - ", 3);
        /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ..." then " - TYPE SOURCE OPTIONS" */
        if (sep && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
            sscanf(sep + 3, "%255s", type) == 1 && strcmp(mnt, target) == 0) {
            if (strlen(type) >= size)
                return -ENOSPC;
            strcpy(fstype, type);
            found = 0;
        }
        line = end ? end + 1 : NULL;
    }
    return found;
}

int mnt_private_proc(bool leak, const char **failed)
{
    int r;
    if (leak) {
        narrate_note("--leak: no mount --make-rprivate /, as in the article");
    } else {
        *failed = "mount --make-rprivate /";
        narrate_op(*failed, "mount(\"/\", MS_REC|MS_PRIVATE)");
        if ((r = mnt_make_rprivate("/")) < 0)
            return r;
    }
    *failed = "mount -t proc proc /proc";
    narrate_op(*failed, "mount(\"proc\", \"/proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC)");
    return mnt_proc("/proc");
}
