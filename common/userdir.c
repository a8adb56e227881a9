/* userdir.c - the per-user directory of rootless labs, checked as tmux checks its own. */
#define _GNU_SOURCE
#include "userdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int userdir_at(char *path, size_t size, char *why, size_t whysize, int make)
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
    if (make && mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    /* Looked at before it is opened: one we may not even enter is someone else's. */
    if (lstat(path, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, whysize, "not a directory of ours: remove it");
        return -EPERM;
    }
    if (st.st_uid != getuid() || (st.st_mode & 077)) {
        snprintf(why, whysize, "owner uid %u, mode %04o; it must be ours (uid %u), mode 0700",
                 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)getuid());
        return -EPERM;
    }
    /* O_NOFOLLOW, and the same inode as the one checked: a link or a directory swapped
     * in meanwhile would make us write where its maker chose. */
    struct stat again;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &again) < 0 || again.st_dev != st.st_dev || again.st_ino != st.st_ino) {
        close(fd);
        snprintf(why, whysize, "it changed while we looked: remove it");
        return -EPERM;
    }
    return fd;
}

int userdir_open(char *path, size_t size, char *why, size_t whysize)
{
    return userdir_at(path, size, why, whysize, 1);
}

int userdir_lookup(char *path, size_t size, char *why, size_t whysize)
{
    return userdir_at(path, size, why, whysize, 0);
}
