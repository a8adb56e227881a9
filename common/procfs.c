/* procfs.c - read a process's PIDs in every namespace from /proc/PID/status. */
#define _GNU_SOURCE
#include "procfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int procfs_parse_nspid(const char *status, pid_t *ids, size_t max)
{
    const char *p = status;

    /* Find "NSpid:" at the start of a line, not inside another field. */
    for (;;) {
        if (strncmp(p, "NSpid:", 6) == 0)
            break;
        p = strchr(p, '\n');
        if (!p)
            return -ENOENT;
        p++;
    }
    p += 6;

    int count = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\n' || *p == '\0')
            break;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v <= 0 || v > INT_MAX ||
            (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\0'))
            return -EINVAL;
        if ((size_t)count < max)
            ids[count] = (pid_t)v;
        count++;
        p = end;
    }
    return count ? count : -EINVAL;
}

int procfs_read(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t used = 0;
    ssize_t n = 0;
    /* A /proc file may come in pieces (a page a read): read to its end. */
    while (used < size - 1) {
        n = read(fd, buf + used, size - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    int e = n < 0 ? errno : used == size - 1 ? EFBIG : 0;
    close(fd);
    buf[used] = '\0';
    return -e;
}

int procfs_read_nspid(pid_t pid, pid_t *ids, size_t max)
{
    char path[64], buf[8192];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    int r = procfs_read(path, buf, sizeof(buf));
    return r < 0 ? r : procfs_parse_nspid(buf, ids, max);
}

int procfs_idmap_has(const char *map, unsigned long id)
{
    bool has = false;
    const char *p = map;

    /* The kernel writes each line as three right-aligned numbers; a map has at most
     * 340 lines.  Every line is checked, also after a match: garbage is never read
     * as a map. */
    while (*p) {
        unsigned long long v[3];
        for (int k = 0; k < 3; k++) {
            char *end;
            while (*p == ' ' || *p == '\t')
                p++;
            if (!isdigit((unsigned char)*p))
                return -EINVAL;
            errno = 0;
            v[k] = strtoull(p, &end, 10);
            if (errno || v[k] > UINT32_MAX)
                return -EINVAL;
            p = end;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '\n' && *p != '\0')
            return -EINVAL;
        if (*p == '\n')
            p++;
        /* 64 bits: first + count reaches 2^32 for the whole range, "0 0 4294967295". */
        if (id >= v[0] && id < v[0] + v[2])
            has = true;
    }
    return has;
}

int procfs_can_drop_to(const char *proc, unsigned long uid, unsigned long gid)
{
    char path[256], text[12 * 1024];
    int r;

    snprintf(path, sizeof(path), "%s/uid_map", proc);
    if ((r = procfs_read(path, text, sizeof(text))) < 0 || (r = procfs_idmap_has(text, uid)) <= 0)
        return r;
    snprintf(path, sizeof(path), "%s/gid_map", proc);
    if ((r = procfs_read(path, text, sizeof(text))) < 0 || (r = procfs_idmap_has(text, gid)) <= 0)
        return r;
    /* "deny" for good in a namespace whose gid_map an unprivileged user wrote; no file
     * before Linux 3.19, when setgroups() was always allowed. */
    snprintf(path, sizeof(path), "%s/setgroups", proc);
    if ((r = procfs_read(path, text, sizeof(text))) == -ENOENT)
        return 1;
    if (r < 0)
        return r;
    return !strcmp(text, "allow\n");
}
