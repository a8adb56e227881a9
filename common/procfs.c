/* procfs.c - read a process's PIDs in every namespace from /proc/PID/status. */
#define _GNU_SOURCE
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

int procfs_read_nspid(pid_t pid, pid_t *ids, size_t max)
{
    char path[64], buf[4096];

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0 || (len += (size_t)n) == sizeof(buf) - 1)
            break;
    }
    close(fd);
    buf[len] = '\0';
    return procfs_parse_nspid(buf, ids, max);
}
