/* userdir.c - the per-user directory of rootless labs, checked as tmux checks its own. */
#define _GNU_SOURCE
#include "userdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int userdir_open(char *path, size_t size, char *why, size_t whysize)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    int n;
    why[0] = '\0';
    if (xdg && xdg[0] == '/')
        n = snprintf(path, size, "%s/nslab", xdg);
    else
        n = snprintf(path, size, "/tmp/nslab-%u", (unsigned)getuid());
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    /* O_NOFOLLOW: a link planted in /tmp would make us write where its maker chose. */
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP || e == ENOTDIR) {
            snprintf(why, whysize, "not a directory of ours: remove it");
            return -EPERM;
        }
        return -e;
    }
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (st.st_uid != getuid() || (st.st_mode & 077)) {
        snprintf(why, whysize, "owner uid %u, mode %04o; it must be ours (uid %u), mode 0700",
                 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)getuid());
        close(fd);
        return -EPERM;
    }
    return fd;
}
