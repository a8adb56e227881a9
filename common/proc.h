/* proc.h - a process the lab started: who it is, and stopping it through a pidfd.
 *
 * A pid names a process only while it lives; then the kernel may give it to another.
 * With its start time (/proc/PID/stat's 22nd field) it names one process for good,
 * and a pidfd (pidfd_open(2), Linux 5.3) holds one: a signal through it reaches that
 * process or none, and it polls readable once the process has exited.  Stage 05's
 * dnsmasq and DHCP clients, and the keeper of -U (04-netns-veth/keeper.c), are
 * checked and stopped here.  0 (or a value) or -errno; only proc_end narrates.
 */
#ifndef NSLAB_PROC_H
#define NSLAB_PROC_H

#include <stdint.h>
#include <sys/types.h>

#define PROC_PID_MAX 4194304 /* PID_MAX_LIMIT: the most /proc/sys/kernel/pid_max allows */

/* pidfd_open(pid, 0): a pidfd, or -errno. */
int proc_pidfd_open(pid_t pid);
/* pidfd_send_signal(pfd, sig): 0 or -errno. */
int proc_pidfd_signal(int pfd, int sig);
/* Waits up to ms (-1: for ever) for the process to exit (a zombie has exited: its
 * parent may take a while to reap it).  0, -ETIMEDOUT, or -errno. */
int proc_pidfd_wait(int pfd, int ms);

/* The start time of a live process, 0 when there is none: gone, or a zombie (a daemon
 * we stopped waits for its parent to reap it, which may take seconds; it holds
 * nothing). */
uint64_t proc_start_time(pid_t pid);

/* A process the lab started, as far as it knows it: its pid, its command name (the
 * kernel keeps 15 bytes), and its start time or the inode of the network namespace
 * it runs in (0 for unknown). */
struct proc_id {
    pid_t pid;
    const char *comm;
    uint64_t start, netns_ino;
};

/* Process pid, if it is alive, its command name is comm, and (when start is not 0) it
 * started at start: 0, else -ESRCH.  A check, not a licence to signal: proc_hold. */
int proc_check(pid_t pid, const char *comm, uint64_t start);

/* Makes sure p->pid is the process p describes and holds on to it: the pidfd is
 * opened first, /proc read next, then a signal 0 through the pidfd proves that what
 * /proc showed was the process it holds (a pid is not reused while its process
 * lives).  The pidfd (p->start is now the start time), -ESRCH (gone, a zombie, or
 * another process), or -errno. */
int proc_hold(struct proc_id *p);

/* SIGTERM through the pidfd, up to a second's wait, SIGKILL if it is still there;
 * closes pfd.  name (when not NULL) is what the narration calls it.  0 or -errno. */
int proc_end(int pfd, const struct proc_id *p, const char *name);

/* proc_hold then proc_end, quietly, for a process named by comm and its start time
 * or its namespace (one of the two: a name alone says nothing of a recycled pid,
 * -EINVAL).  1 when it stopped it, 0 when there was nothing to stop, -errno. */
int proc_stop(pid_t pid, const char *comm, uint64_t start, uint64_t netns_ino);

#endif
