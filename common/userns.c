/* userns.c - ID maps for a child in a new user namespace. */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "narrate.h"

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
    /* A map must arrive in one write(): the kernel accepts each map file once. */
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
     * from a namespace where setgroups() is already denied for good. */
    if ((r = write_one(pid, "setgroups", "deny", op, opsize)) < 0)
        return r;
    if ((r = write_one(pid, "uid_map", uid_map, op, opsize)) < 0)
        return r;
    return write_one(pid, "gid_map", gid_map, op, opsize);
}

/* Reads the first word of procsys/name into buf; 0 or -errno. */
static int read_setting(const char *procsys, const char *name, char buf[16])
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", procsys, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int ok = fscanf(f, "%15s", buf) == 1;
    fclose(f);
    return ok ? 0 : -EINVAL;
}

int userns_blocked_hint(const char *procsys, char *hint, size_t size)
{
    static const struct {
        const char *file, *sysctl, *blocked, *why;
    } settings[] = {
        {"user/max_user_namespaces", "user.max_user_namespaces", "0",
         "user namespaces are turned off"},
        {"kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone", "0",
         "only root may create user namespaces"},
        {"kernel/apparmor_restrict_unprivileged_userns",
         "kernel.apparmor_restrict_unprivileged_userns", "1",
         "AppArmor restricts unprivileged user namespaces"},
    };
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        char val[16];
        if (read_setting(procsys, settings[i].file, val) == 0 &&
            strcmp(val, settings[i].blocked) == 0) {
            snprintf(hint, size, "%s here: sysctl %s is %s", settings[i].why, settings[i].sysctl,
                     val);
            return 1;
        }
    }
    return 0;
}
