/* mounts.c - the filesystem type on a mount point, from a mountinfo text. */
#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int mnt_info_fstype(const char *mountinfo, const char *target, char *fstype, size_t size)
{
    int found = -ENOENT;
    for (const char *line = mountinfo; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char copy[8192], mnt[4096], type[256];
        /* One line at a time, so that a short line's fields are not read from the next;
         * a line longer than any the kernel writes is not a mount of ours. */
        if (len < sizeof(copy)) {
            memcpy(copy, line, len);
            copy[len] = '\0';
            const char *sep = strstr(copy, " - ");
            /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ..." then " - TYPE SOURCE OPTIONS" */
            if (sep && sscanf(copy, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
                sscanf(sep + 3, "%255s", type) == 1 && strcmp(mnt, target) == 0) {
                if (strlen(type) >= size)
                    return -ENOSPC;
                strcpy(fstype, type);
                found = 0;
            }
        }
        line = end ? end + 1 : NULL;
    }
    return found;
}
