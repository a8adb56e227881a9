/* netns.c - named network namespaces once they exist (ip netns add is stage 04's
 * lesson, 04-netns-veth/ipnetns.c): finding, entering and identifying them, ip netns
 * del and ip netns exec with the same files and mounts as iproute2. */
#define _GNU_SOURCE
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int netns_path(const char *name, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/%s", NETNS_RUN_DIR, name);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int netns_del(const char *name)
{
    char path[256];
    int r;
    if ((r = netns_path(name, path, sizeof(path))) < 0)
        return r;
    /* MNT_DETACH, as ip does: a process with it open keeps it, we let go at once. */
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
        return -errno;
    if (unlink(path) < 0)
        return -errno;
    return 0;
}

int netns_open(const char *name)
{
    char path[256];
    int r, fd;
    if ((r = netns_path(name, path, sizeof(path))) < 0)
        return r;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -errno;
    return fd;
}

int netns_inode(const char *name, uint64_t *ino)
{
    int fd = netns_open(name);
    if (fd < 0)
        return fd;
    struct statfs sfs;
    struct stat st;
    int r = 0;
    /* A namespace file lives on nsfs; the bare mount point is on the tmpfs of /run. */
    if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
        r = -errno;
    else if (sfs.f_type != NSFS_MAGIC)
        r = -EINVAL;
    else
        *ino = st.st_ino;
    close(fd);
    return r;
}

int netns_enter(const char *name, int *back)
{
    int fd = netns_open(name);
    if (fd < 0)
        return fd;
    int b = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (b < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    int r = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
    close(fd);
    if (r < 0) {
        close(b);
        return r;
    }
    *back = b;
    return 0;
}

int netns_cookie(const char *name, uint64_t *cookie)
{
    int back, r = netns_enter(name, &back);
    if (r < 0)
        return r;
    /* Any socket made inside tells the cookie of its namespace. */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        r = -errno;
    r = netns_leave(back) < 0 && r == 0 ? -errno : r;
    if (fd < 0)
        return r;
    socklen_t len = sizeof(*cookie);
    *cookie = 0;
    if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len) < 0 && errno != ENOPROTOOPT)
        r = r ? r : -errno;
    close(fd);
    return r;
}

int netns_leave(int back)
{
    int r = setns(back, CLONE_NEWNET) < 0 ? -errno : 0;
    close(back);
    return r;
}

/* The overlay's upper /etc gets its own resolv.conf before the mount: a copy of the
 * machine's, as a regular file of ours.  Above the machine's, it is what the clients
 * see and rewrite in place, with no copy-up: one of a file whose owner is not mapped
 * (the machine's root, seen from the user namespace of -U or of `unshare --user
 * --map-root-user`) is refused, and the lab would keep the machine's DNS.  And where
 * the machine's /etc/resolv.conf is a symbolic link (to /run/systemd/resolve/, say),
 * the clients would follow it out of /etc (dhclient-script's readlink -f, udhcpc's
 * echo >) and write the machine's own file.  An existing one (a second client run)
 * stays.  0 or -errno. */
static int upper_resolv_conf(const char *upper)
{
    char path[320], buf[4096];
    snprintf(path, sizeof(path), "%s/resolv.conf", upper);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno == EEXIST ? 0 : -errno;
    /* No resolv.conf on the machine, or none we may read: the lab's starts empty. */
    int in = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC), r = 0;
    ssize_t n;
    while (in >= 0 && (n = read(in, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || write(fd, buf, (size_t)n) != n) {
            r = n < 0 ? 0 : -EIO;
            break;
        }
    }
    if (in >= 0)
        close(in);
    if (close(fd) < 0 && r == 0)
        r = -errno;
    return r;
}

/* A fresh tmpfs on /run, and the directory that holds etc_dir bound back on its own
 * path when that is under /run.  Opened first as an O_PATH fd: the bind's source is
 * the directory as it was, reached through /proc/self/fd once /run hides it.
 * 0 or -errno. */
static int private_run(const char *etc_dir)
{
    char dir[300], src[64];
    snprintf(dir, sizeof(dir), "%s", etc_dir);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return -EINVAL;
    *slash = '\0';
    bool keep = !strncmp(dir, "/run/", 5);
    int fd = keep ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1, r = 0;
    if (keep && fd < 0)
        return -errno;
    if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
        r = -errno;
    /* mkdir -p of the lab's directory on the new /run, then mount --bind onto it */
    for (char *p = dir + 5; keep && r == 0 && p;) {
        p = strchr(p, '/');
        if (p)
            *p = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            r = -errno;
        if (p)
            *p++ = '/';
    }
    snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
    if (keep && r == 0 && mount(src, dir, NULL, MS_BIND, NULL) < 0)
        r = -errno;
    if (fd >= 0)
        close(fd);
    return r;
}

/* The child's side of netns_exec; reports a failure as an errno on the pipe. */
static void exec_child(const char *name, char *const cmd[], const struct netns_exec_opts *o,
                       int report)
{
    int fd = netns_open(name), e;
    if (fd < 0) {
        e = -fd;
        goto fail;
    }
    if (setns(fd, CLONE_NEWNET) < 0)
        goto fail_errno;
    close(fd);
    /* /sys shows the network namespace of whoever mounted it: a fresh sysfs, in a
     * mount namespace of our own so the host's /sys is not touched.  / becomes a
     * slave: mounts from the host still reach us, ours never reach it. */
    if (unshare(CLONE_NEWNS | (o && o->new_uts ? CLONE_NEWUTS : 0)) < 0)
        goto fail_errno;
    if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
        goto fail_errno;
    unsigned long flags = 0;
    struct statvfs sv;
    if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
        flags |= MS_RDONLY;
    /* No sysfs there is fine (a container may have none); the mount decides. */
    umount2("/sys", MNT_DETACH);
    if (mount(name, "/sys", "sysfs", flags, NULL) < 0)
        goto fail_errno;
    if (o && o->quiet) {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
            goto fail_errno;
    }
    if (o && o->etc_dir) {
        char upper[300], work[300], opts[700];
        snprintf(upper, sizeof(upper), "%s/etc", o->etc_dir);
        snprintf(work, sizeof(work), "%s/etc.work", o->etc_dir);
        if ((mkdir(upper, 0755) < 0 && errno != EEXIST) ||
            (mkdir(work, 0700) < 0 && errno != EEXIST))
            goto fail_errno;
        if ((e = -upper_resolv_conf(upper)) != 0)
            goto fail;
        snprintf(opts, sizeof(opts), "lowerdir=/etc,upperdir=%s,workdir=%s", upper, work);
        /* Our mount namespace, / a slave: the overlay is seen here and nowhere else. */
        if (mount("overlay", "/etc", "overlay", 0, opts) < 0)
            goto fail_errno;
        if (o->private_run && (e = -private_run(o->etc_dir)) != 0)
            goto fail;
    }
    execvp(cmd[0], cmd);
fail_errno:
    e = errno;
fail:
    if (write(report, &e, sizeof(e)) < 0) {
        /* nothing more we can say */
    }
    _exit(127);
}

/* Waits for pid; after timeout_ms (> 0) sends SIGTERM, then SIGKILL a second
 * later.  0 with *st, -ETIMEDOUT (reaped) or -errno. */
static int wait_child(pid_t pid, int timeout_ms, int *st)
{
    int timed_out = 0;
    if (timeout_ms > 0) {
        /* Our child, not reaped yet: its pid is its own until we wait for it. */
        int pfd = proc_pidfd_open(pid);
        if (pfd >= 0) {
            if (proc_pidfd_wait(pfd, timeout_ms) == -ETIMEDOUT) {
                timed_out = 1;
                kill(pid, SIGTERM);
                if (proc_pidfd_wait(pfd, 1000) == -ETIMEDOUT)
                    kill(pid, SIGKILL);
            }
            close(pfd);
        }
    }
    while (waitpid(pid, st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return timed_out ? -ETIMEDOUT : 0;
}

int netns_spawn(const char *name, char *const cmd[], const struct netns_exec_opts *o, pid_t *pid)
{
    int pipefd[2], e = 0;
    /* O_CLOEXEC: a successful exec closes the write end, and read() sees EOF. */
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    pid_t child = fork();
    if (child < 0) {
        e = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return -e;
    }
    if (child == 0) {
        close(pipefd[0]);
        exec_child(name, cmd, o, pipefd[1]);
    }
    close(pipefd[1]);
    ssize_t n;
    do
        n = read(pipefd[0], &e, sizeof(e));
    while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (n == (ssize_t)sizeof(e)) {
        /* It never got to exec: reap it and say why. */
        int st;
        wait_child(child, 0, &st);
        return -e;
    }
    *pid = child;
    return 0;
}

int netns_wait(pid_t pid, const struct netns_exec_opts *o, int *status)
{
    return wait_child(pid, o ? o->timeout_ms : 0, status);
}

int netns_exec_opts(const char *name, char *const cmd[], const struct netns_exec_opts *o,
                    int *status)
{
    pid_t pid;
    int r = netns_spawn(name, cmd, o, &pid);
    return r < 0 ? r : netns_wait(pid, o, status);
}

int netns_exec(const char *name, char *const cmd[], int *status)
{
    return netns_exec_opts(name, cmd, NULL, status);
}

int netns_users(const uint64_t *ino, int n, pid_t *pid)
{
    char path[600], link[48];
    pid_t self = getpid();
    int found = -1;

    DIR *proc = opendir("/proc");
    if (!proc)
        return -1;
    struct dirent *p;
    while (found < 0 && (p = readdir(proc))) {
        if (p->d_name[0] < '1' || p->d_name[0] > '9' || atoi(p->d_name) == self)
            continue;
        /* Threads may setns() on their own: look at each one, not just the leader. */
        snprintf(path, sizeof(path), "/proc/%s/task", p->d_name);
        DIR *tasks = opendir(path);
        if (!tasks)
            continue; /* exited meanwhile */
        struct dirent *t;
        while (found < 0 && (t = readdir(tasks))) {
            if (t->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "/proc/%s/task/%s/ns/net", p->d_name, t->d_name);
            ssize_t len = readlink(path, link, sizeof(link) - 1);
            uint64_t v;
            if (len <= 0)
                continue;
            link[len] = '\0';
            if (sscanf(link, "net:[%" SCNu64 "]", &v) != 1)
                continue;
            for (int i = 0; i < n; i++)
                if (ino[i] == v) {
                    found = i;
                    *pid = (pid_t)atoi(p->d_name);
                }
        }
        closedir(tasks);
    }
    closedir(proc);
    return found;
}
