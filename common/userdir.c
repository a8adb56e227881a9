/* userdir.c - the per-user directory of rootless labs, and the keepers' records in it. */
#define _GNU_SOURCE
#include "userdir.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ourdir.h"
#include "proc.h"
#include "validate.h"

static int userdir_at(char *path, size_t size, char *why, size_t whysize, int make)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    int n;
    why[0] = '\0';
    if (xdg && xdg[0] == '/')
        n = snprintf(path, size, "%s/nslab", xdg);
    else
        n = snprintf(path, size, "/tmp/nslab-%u", (unsigned)geteuid());
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    if (make && mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    int fd = ourdir_open(AT_FDCWD, path, 077, false, &st);
    if (fd == -ELOOP || fd == -ENOTDIR)
        snprintf(why, whysize, "not a directory of ours: remove it");
    else if (fd == -ESTALE)
        snprintf(why, whysize, "it changed while we looked: remove it");
    else if (fd == -EPERM)
        snprintf(why, whysize, "owner uid %u, mode %04o; it must be ours (uid %u), mode 0700",
                 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
    return fd == -ELOOP || fd == -ENOTDIR || fd == -ESTALE ? -EPERM : fd;
}

int userdir_open(char *path, size_t size, char *why, size_t whysize)
{
    return userdir_at(path, size, why, whysize, 1);
}

int userdir_lookup(char *path, size_t size, char *why, size_t whysize)
{
    return userdir_at(path, size, why, whysize, 0);
}

int userdir_open_locked(char *path, size_t size, char *why, size_t whysize)
{
    struct stat st;
    int fd = userdir_open(path, size, why, whysize);
    for (int tries = 0; fd >= 0; tries++) {
        if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        /* Still linked (or tried enough): the directory the others lock too. */
        if (st.st_nlink > 0 || tries == 3)
            break;
        close(fd);
        fd = userdir_open(path, size, why, whysize);
    }
    return fd;
}

void userdir_unlock(int dirfd)
{
    flock(dirfd, LOCK_UN);
}

int userdir_format_record(pid_t pid, uint64_t start, char *buf, size_t size)
{
    if (pid <= 1 || pid > PROC_PID_MAX || start == 0)
        return -EINVAL;
    int n = snprintf(buf, size, "%d %" PRIu64 "\n", (int)pid, start);
    return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int userdir_parse_record(const char *text, size_t len, pid_t *pid, uint64_t *start)
{
    char line[64];
    uint64_t p, t;
    if (len < 4 || len >= sizeof(line) || text[len - 1] != '\n')
        return -EBADMSG;
    memcpy(line, text, len - 1);
    line[len - 1] = '\0';
    char *space = strchr(line, ' ');
    if (!space || strlen(line) != len - 1)
        return -EBADMSG;
    *space = '\0';
    if (!validate_u64(line, &p) || !validate_u64(space + 1, &t) || p <= 1 || p > PROC_PID_MAX ||
        t == 0)
        return -EBADMSG;
    *pid = (pid_t)p;
    *start = t;
    return 0;
}

int userdir_save(int dirfd, const char *file, pid_t pid, uint64_t start)
{
    char tmp[300], line[64];
    int n = userdir_format_record(pid, start, line, sizeof(line));
    if (n < 0)
        return n;
    snprintf(tmp, sizeof(tmp), "%s.%d", file, (int)getpid());
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int e = write(fd, line, (size_t)n) == n ? 0 : errno ? errno : EIO;
    if (close(fd) < 0 && !e)
        e = errno;
    /* Renamed into place: a reader never sees half a record. */
    if (!e && renameat(dirfd, tmp, dirfd, file) < 0)
        e = errno;
    if (e)
        unlinkat(dirfd, tmp, 0);
    return -e;
}

int userdir_find(int dirfd, const char *file, const char *comm, int tidy, pid_t *pid,
                 uint64_t *start)
{
    char text[64];
    int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, text, sizeof(text));
    close(fd);
    struct proc_id p = {.comm = comm};
    if (n > 0 && userdir_parse_record(text, (size_t)n, &p.pid, &p.start) == 0) {
        int pfd = proc_hold(&p);
        if (pfd >= 0) {
            *pid = p.pid;
            *start = p.start;
            return pfd;
        }
    }
    /* A keeper killed, or the machine restarted: nothing is held any more. */
    if (tidy)
        unlinkat(dirfd, file, 0);
    return -ENOENT;
}

void userdir_drop(int dirfd, const char *path, const char *file, const char *comm, pid_t pid,
                  uint64_t start)
{
    pid_t now;
    uint64_t now_start;
    flock(dirfd, LOCK_EX);
    int pfd = userdir_find(dirfd, file, comm, 1, &now, &now_start);
    if (pfd >= 0) {
        if (now == pid && now_start == start)
            unlinkat(dirfd, file, 0);
        close(pfd);
    }
    /* The last record gone: the directory goes too (it fails, ENOTEMPTY, while another
     * is there).  Under the lock, which a command that opened the directory meanwhile
     * takes next; it then sees it was removed (userdir_open_locked). */
    rmdir(path);
    flock(dirfd, LOCK_UN);
}

static int joined_keeper;

void userdir_joined_keeper(void)
{
    joined_keeper = 1;
}

int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
    return joined_keeper;
}
