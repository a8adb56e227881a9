/* netns.h - named network namespaces, made and removed exactly as `ip netns` does.
 *
 * A network namespace lives as long as something refers to it: a process in it, an
 * open file descriptor on /proc/PID/ns/net, or a bind mount of that file.  `ip netns
 * add NAME` keeps one alive with no process at all by bind-mounting it on the empty
 * file /run/netns/NAME; every other tool (`ip netns list`, `ip -n NAME`, `ip netns
 * exec`) finds it there.  We do the same, so those tools see our namespaces.
 *
 * Every function returns 0 (or an fd) or -errno and prints nothing.
 */
#ifndef NSLAB_NETNS_H
#define NSLAB_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NETNS_RUN_DIR "/run/netns"

/* "/run/netns/NAME" into buf; -ENAMETOOLONG when it does not fit. */
int netns_path(const char *name, char *buf, size_t size);

/* ip netns del NAME: detaches the bind mount (the namespace dies with its last user)
 * and removes the file.  -ENOENT when there is no such namespace. */
int netns_del(const char *name);

/* An O_RDONLY|O_CLOEXEC fd on the namespace, for setns() or IFLA_NET_NS_FD. */
int netns_open(const char *name);

/* The namespace's identity: the inode number `ip netns identify` and
 * `readlink /proc/PID/ns/net` show (net:[INODE]).  -ENOENT when there is none,
 * -EINVAL when /run/netns/NAME is not a mounted namespace (a half-made one). */
int netns_inode(const char *name, uint64_t *ino);

/* The namespace's cookie (SO_NETNS_COOKIE, Linux 5.14): a 64-bit number never given
 * to another namespace, unlike an inode number, which the kernel reuses as soon as a
 * namespace dies.  *cookie is 0 on kernels without it. */
int netns_cookie(const char *name, uint64_t *cookie);

/* Is another process in one of the namespaces of inodes ino[0..n-1]?  One pass over
 * /proc/PID/task/TID/ns/net (a thread may setns() on its own); the caller's own
 * threads are left out, since they go when it exits.  Returns the index in ino of a
 * namespace someone is in, with one such pid in *pid, or -1 when nobody is.  A
 * namespace nobody is in dies with its last mount or open fd, and its links with it. */
int netns_users(const uint64_t *ino, int n, pid_t *pid);

/* Moves the calling thread into the namespace (setns) and stores, in *back, an fd
 * on the one it was in, for netns_leave.  Sockets opened in between stay in NAME. */
int netns_enter(const char *name, int *back);
/* Back to the namespace netns_enter left; closes back. */
int netns_leave(int back);

/* ip netns exec NAME CMD...: forks a child that joins the namespace, takes its own
 * mount namespace with / made a slave of ours and a fresh /sys (so /sys/class/net
 * shows the namespace's links), then execs cmd.  Waits for it and stores its wait
 * status.  -errno when the child could not get as far as exec (the failed step's
 * error, -ENOENT for a missing command). */
int netns_exec(const char *name, char *const cmd[], int *status);

/* netns_exec, and more for a program that writes to the system's files (a DHCP
 * client rewrites /etc/resolv.conf):
 *   etc_dir     when not NULL, /etc becomes an overlay in the child's mount namespace:
 *               the machine's /etc below, etc_dir/etc above (etc_dir/etc.work beside),
 *               so what the program writes under /etc lands in etc_dir/etc and the
 *               machine's own /etc is never written; etc_dir/etc/resolv.conf is made
 *               first (a copy of the machine's), so that a client rewrites it in place,
 *               also in a user namespace where the machine's files are not ours, and
 *               never follows a symbolic link out of /etc;
 *   private_run with etc_dir: a fresh tmpfs on /run, with only etc_dir's parent (the
 *               lab's directory, where the client keeps its pid and lease files)
 *               bound back when it is under /run: what a client's script does to the
 *               machine's /run (a resolvconf's /run/resolvconf, systemd-timesyncd's
 *               /run/systemd, the system bus's socket) stays in the child;
 *   new_uts     its own host name too (a client may set the one the server offers);
 *   timeout_ms  > 0: after so long the child gets SIGTERM (then SIGKILL) and the
 *               call returns -ETIMEDOUT;
 *   quiet       its output goes to /dev/null. */
struct netns_exec_opts {
    const char *etc_dir;
    bool private_run;
    bool new_uts;
    int timeout_ms;
    bool quiet; /* its stdout and stderr to /dev/null */
};
int netns_exec_opts(const char *name, char *const cmd[], const struct netns_exec_opts *o,
                    int *status);

/* netns_exec_opts in two halves, for a command to run while the caller goes on:
 * netns_spawn returns once the command is exec'd (its pid in *pid), or -errno when
 * it could not get that far; netns_wait reaps it (with o's timeout) as above. */
int netns_spawn(const char *name, char *const cmd[], const struct netns_exec_opts *o, pid_t *pid);
int netns_wait(pid_t pid, const struct netns_exec_opts *o, int *status);

#endif
