/* proc.c - a process's identity from /proc, and the one set of pidfd calls. */
#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "narrate.h"
#include "procfs.h"

int proc_pidfd_open(pid_t pid)
{
    /* glibc 2.36 has a wrapper, Debian 12's 2.36 too; the syscall works everywhere. */
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -errno : fd;
}

int proc_pidfd_signal(int pfd, int sig)
{
    return syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0 ? -errno : 0;
}

int proc_pidfd_wait(int pfd, int ms)
{
    struct pollfd pf = {.fd = pfd, .events = POLLIN};
    int n;
    while ((n = poll(&pf, 1, ms)) < 0 && errno == EINTR)
        ;
    return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

/* What /proc/PID/stat says of a process: its command name, its state letter, its
 * start time (field 22, clock ticks since boot).  -ESRCH when there is no such
 * process. */
static int proc_stat(pid_t pid, char *comm, size_t size, char *state, uint64_t *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (procfs_read(path, buf, sizeof(buf)) < 0)
        return -ESRCH;
    /* The command name may hold spaces and parentheses: it ends at the last ')'. */
    char *open_p = strchr(buf, '('), *close_p = strrchr(buf, ')');
    unsigned long long t;
    if (!open_p || !close_p || close_p < open_p || close_p[1] != ' ' || !close_p[2])
        return -ESRCH;
    if (sscanf(close_p + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
               "%*d %*d %llu",
               &t) != 1)
        return -ESRCH;
    snprintf(comm, size, "%.*s", (int)(close_p - open_p - 1), open_p + 1);
    *state = close_p[2];
    *start = t;
    return 0;
}

uint64_t proc_start_time(pid_t pid)
{
    char comm[32], state;
    uint64_t t;
    if (proc_stat(pid, comm, sizeof(comm), &state, &t) < 0 || state == 'Z' || state == 'X')
        return 0;
    return t;
}

/* Is p->pid still the process p describes, alive?  0 yes (and p->start is now its
 * start time), -ESRCH no. */
static int proc_is(struct proc_id *p)
{
    char comm[32], path[64], state;
    uint64_t t;
    struct stat st;
    if (p->pid <= 1 || p->pid > PROC_PID_MAX ||
        proc_stat(p->pid, comm, sizeof(comm), &state, &t) < 0 || state == 'Z' || state == 'X' ||
        strncmp(comm, p->comm, 15) != 0 || (p->start && t != p->start))
        return -ESRCH;
    if (p->netns_ino) {
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)p->pid);
        if (stat(path, &st) < 0 || (uint64_t)st.st_ino != p->netns_ino)
            return -ESRCH;
    }
    p->start = t;
    return 0;
}

int proc_check(pid_t pid, const char *comm, uint64_t start)
{
    struct proc_id p = {.pid = pid, .comm = comm, .start = start};
    return proc_is(&p);
}

int proc_hold(struct proc_id *p)
{
    if (p->pid <= 1 || p->pid > PROC_PID_MAX)
        return -ESRCH;
    int fd = proc_pidfd_open(p->pid);
    /* EINVAL: a thread's id, not a process's: not one we started. */
    if (fd < 0)
        return fd == -ESRCH || fd == -EINVAL ? -ESRCH : fd;
    int r = proc_is(p);
    if (r == 0)
        r = proc_pidfd_signal(fd, 0);
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

int proc_end(int pfd, const struct proc_id *p, const char *name)
{
    char shell[48];
    if (name) {
        snprintf(shell, sizeof(shell), "kill %d", (int)p->pid);
        narrate_op(shell, "pidfd_open(%d), pidfd_send_signal(SIGTERM) (%s)", (int)p->pid, name);
    }
    int r = proc_pidfd_signal(pfd, SIGTERM);
    if (r == 0 && (r = proc_pidfd_wait(pfd, 1000)) == -ETIMEDOUT) {
        /* Still running, and still the same process: the pidfd holds it. */
        if (name) {
            snprintf(shell, sizeof(shell), "kill -KILL %d", (int)p->pid);
            narrate_op(shell, "pidfd_send_signal(SIGKILL) (%s did not end on SIGTERM)", name);
        }
        if ((r = proc_pidfd_signal(pfd, SIGKILL)) == 0)
            r = proc_pidfd_wait(pfd, 1000);
    }
    close(pfd);
    return r == -ESRCH ? 0 : r;
}

int proc_stop(pid_t pid, const char *comm, uint64_t start, uint64_t netns_ino)
{
    struct proc_id p = {.pid = pid, .comm = comm, .start = start, .netns_ino = netns_ino};
    /* A name alone is not an identity: a recycled pid may run the same program. */
    if (!start && !netns_ino)
        return -EINVAL;
    int pfd = proc_hold(&p);
    if (pfd < 0)
        return pfd == -ESRCH ? 0 : pfd;
    int r = proc_end(pfd, &p, NULL);
    return r < 0 ? r : 1;
}
