/* 03-user-drop/userns-maps.c - the three writes that give a child in a new user
 * namespace its IDs: setgroups, uid_map, gid_map, in the order the kernel requires.
 *
 * Read: user_namespaces(7) ("User and group ID mappings", "Interaction with system
 *       calls that change process UIDs or GIDs"), proc(5) (/proc/PID/setgroups).
 */
#define _GNU_SOURCE
#include "userns-maps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/narrate.h"

int userns_format_map(char *buf, size_t size, unsigned long inside, unsigned long outside,
                      unsigned long count)
{
    int n = snprintf(buf, size, "%lu %lu %lu\n", inside, outside, count);
    if (n < 0 || (size_t)n >= size)
        return -ENOSPC;
    return n;
}

int userns_write_proc(pid_t pid, const char *file, const char *text)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    /* A map must arrive in one write(): the kernel accepts each map file once, and
     * takes the whole map from that one write. */
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    int e = n < 0 ? errno : (size_t)n != len ? EIO : 0;
    if (close(fd) < 0 && !e)
        e = errno;
    return -e;
}

/* Narrates and writes one file; on failure leaves its shell command in op. */
static int write_one(pid_t pid, const char *file, const char *text, char *op, size_t opsize)
{
    char shown[64];
    /* The shell command without the map's newline, as a student would type it. */
    snprintf(shown, sizeof(shown), "%.*s", (int)strcspn(text, "\n"), text);
    snprintf(op, opsize, "echo '%s' > /proc/%d/%s", shown, (int)pid, file);
    narrate_op(op, "write \"%s\" to /proc/%d/%s", shown, (int)pid, file);
    return userns_write_proc(pid, file, text);
}

int userns_write_maps(pid_t pid, const struct userns_map *m, char *op, size_t opsize)
{
    char uid_map[64], gid_map[64];
    int r;

    userns_format_map(uid_map, sizeof(uid_map), m->uid_inside, m->uid_outside, 1);
    userns_format_map(gid_map, sizeof(gid_map), m->gid_inside, m->gid_outside, 1);
    /* setgroups first: without CAP_SETGID outside, the kernel takes a gid_map only
     * from a namespace where setgroups() is already denied for good.  Otherwise the
     * child, root inside, could drop with setgroups() a group that a file's mode
     * denies (say 0707, group excluded) and read what that group may not. */
    if ((r = write_one(pid, "setgroups", "deny", op, opsize)) < 0)
        return r;
    /* One line each, one ID inside for our own outside: the only map a process
     * without CAP_SETUID/CAP_SETGID over the parent namespace may write. */
    if ((r = write_one(pid, "uid_map", uid_map, op, opsize)) < 0)
        return r;
    return write_one(pid, "gid_map", gid_map, op, opsize);
}
