/* ourdir.c - a directory trusted only when ours alone. */
#define _GNU_SOURCE
#include "ourdir.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int ourdir_check(const struct stat *st, mode_t deny, bool root_ok)
{
    bool owner = st->st_uid == geteuid() || (root_ok && st->st_uid == 0);
    return owner && !(st->st_mode & deny) ? 0 : -EPERM;
}

int ourdir_open(int at, const char *name, mode_t deny, bool root_ok, struct stat *st)
{
    struct stat again;
    /* Looked at before it is opened: one we may not even enter is someone else's. */
    if (fstatat(at, name, st, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
    if (S_ISLNK(st->st_mode))
        return -ELOOP;
    if (!S_ISDIR(st->st_mode))
        return -ENOTDIR;
    if (ourdir_check(st, deny, root_ok) < 0)
        return -EPERM;
    /* O_NOFOLLOW, and the inode looked at: a link or a directory swapped in meanwhile
     * would make us act where its maker chose. */
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOTDIR ? -ESTALE : -errno;
    if (fstat(fd, &again) < 0 || again.st_dev != st->st_dev || again.st_ino != st->st_ino ||
        ourdir_check(&again, deny, root_ok) < 0) {
        close(fd);
        return -ESTALE;
    }
    return fd;
}
