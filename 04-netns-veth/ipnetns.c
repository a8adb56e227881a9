/* ipnetns.c - ip netns add, and ip -n NAME: a named network namespace and a netlink
 * socket inside it, written out the way iproute2's ip/ipnetns.c does it.
 *
 * Read: ip-netns(8), network_namespaces(7), unshare(2), setns(2), mount(2) (MS_BIND,
 *       MS_SHARED), mount_namespaces(7) (shared subtrees), netlink(7).
 */
#define _GNU_SOURCE
#include "ipnetns.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/narrate.h"
#include "../common/netns.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

int ipnetns_check_free(struct labstage *s, const char *const names[], int n)
{
    char path[256], shell[128];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, names[i]);
        if (access(path, F_OK) == 0) {
            snprintf(shell, sizeof(shell), "ip netns add %s", names[i]);
            return labstage_fail(s, -EEXIST, NULL, shell, "%s did not create it; pick another name",
                                 s->who);
        }
    }
    return 0;
}

/* The thread that makes the namespace.  unshare(CLONE_NEWNET) moves only the calling
 * thread: this one goes in, and the program's main thread stays where it was, so
 * nothing has to find its way back (iproute2 makes its namespaces the same way). */
static void *pin_thread(void *path)
{
    /* A new network namespace: lo, down, and nothing else (but for fallback tunnels
     * such as tunl0 when their modules are loaded; see the tutorial's errata). */
    if (unshare(CLONE_NEWNET) < 0)
        return (void *)(long)errno;
    /* Pin it: a bind mount of this thread's namespace file on /run/netns/NAME keeps it
     * alive once the thread is gone.  /proc/thread-self, not /proc/self: self is the
     * main thread, which is still in the old namespace. */
    if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
        return (void *)(long)errno;
    return NULL;
}

int ipnetns_pin(const char *name)
{
    char path[256];
    void *err;
    int r, fd;
    if ((r = netns_path(name, path, sizeof(path))) < 0)
        return r;

    /* /run/netns must be a mount point of its own, and shared: a namespace mounted
     * there later then appears in every mount namespace made since (an `ip netns exec`
     * shell), and its unmount reaches them all, so it can die.  The first time the
     * directory is no mount point yet (EINVAL): bind-mount it on itself, and again. */
    if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
        return -errno;
    for (int bound = 0;; bound = 1) {
        if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
            break;
        if (errno != EINVAL || bound ||
            mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
            return -errno;
    }

    /* The mount point: an empty file, mode 0.  O_EXCL: if the name is taken, it is
     * not ours, and we must not mount over someone else's namespace. */
    if ((fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)) < 0)
        return -errno;
    close(fd);

    /* The thread is joined at once: its namespace must be mounted before we go on. */
    pthread_t t;
    if ((r = -pthread_create(&t, NULL, pin_thread, path)) < 0 || (r = -pthread_join(t, &err)) < 0 ||
        (r = -(int)(long)err) < 0)
        unlink(path);
    return r;
}

int ipnetns_add(struct labstage *s, const char *name)
{
    char path[256], shell[128];
    int i, r;
    snprintf(shell, sizeof(shell), "ip netns add %s", name);
    if (netns_path(name, path, sizeof(path)) < 0)
        return labstage_fail(s, -ENAMETOOLONG, NULL, shell, NULL);
    narrate_op(shell,
               "mkdir(" NETNS_RUN_DIR "), mount(\"" NETNS_RUN_DIR "\", MS_SHARED|MS_REC), "
               "open(O_CREAT|O_EXCL) %s, unshare(CLONE_NEWNET) in a thread, mount --bind on %s",
               path, path);

    /* Written down before it exists: if we are killed in between, down still knows. */
    if ((i = lab_record(&s->lab, LAB_NETNS, name, NULL)) < 0)
        return labstage_fail(s, i, NULL, shell, NULL);
    if ((r = ipnetns_pin(name)) < 0) {
        lab_forget_last(&s->lab);
        if (r == -EEXIST)
            return labstage_fail(s, r, NULL, shell, "it is not ours: %s did not create it", s->who);
        return labstage_fail(s, r, NULL, shell, NULL);
    }

    /* Its identity, so that down never deletes a namespace someone else made since:
     * the inode (what `ip netns identify` compares) and the cookie (never reused). */
    uint64_t ino, cookie;
    if ((r = netns_inode(name, &ino)) < 0 || (r = netns_cookie(name, &cookie)) < 0 ||
        (r = lab_confirm(&s->lab, i, ino, cookie)) < 0)
        return labstage_fail(s, r, NULL, shell, NULL);
    return 0;
}

int ipnetns_rtnl(struct labstage *s, const char *name, struct nl *nl)
{
    char path[256], shell[128];
    int fd, back, r = 0;
    snprintf(shell, sizeof(shell), "ip -n %s", name);
    memset(nl, 0, sizeof(*nl));
    /* A socket belongs to the network namespace it was made in, for life.  So: step
     * into the namespace (setns on its file), make the socket, step back out. */
    if (netns_path(name, path, sizeof(path)) < 0)
        return labstage_fail(s, -ENAMETOOLONG, NULL, shell, NULL);
    if ((back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
        return labstage_fail(s, -errno, NULL, shell, NULL);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(fd, CLONE_NEWNET) < 0) {
        r = -errno;
        goto out;
    }
    /* rtnetlink: the routing family of netlink, which `ip` speaks. */
    if (!(nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC))) {
        r = -errno;
        goto out;
    }
    /* Ask for extended acks: on failure the kernel says why in words ("prefix length
     * is too long"), which `ip` prints as "Error: ...". */
    int on = 1;
    mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &on, sizeof(on));
    /* bind gives the socket its port id (MNL_SOCKET_AUTOPID: the kernel picks one),
     * the address the kernel sends its answers to. */
    if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        r = -errno;
        goto out;
    }
    nl->portid = mnl_socket_get_portid(nl->sock);
    nl->seq = (unsigned int)time(NULL);
out:
    if (fd >= 0)
        close(fd);
    /* Back home: the socket stays in the namespace it was made in. */
    if (setns(back, CLONE_NEWNET) < 0 && r == 0)
        r = -errno;
    close(back);
    if (r < 0) {
        nl_close(nl);
        return labstage_fail(s, r, NULL, shell, NULL);
    }
    /* No command does only this: it is the first step of every `ip -n NAME ...`. */
    char twin[160];
    snprintf(twin, sizeof(twin), "ip -n %s ... (its first step)", name);
    narrate_op(twin, "setns(%s), socket(AF_NETLINK, NETLINK_ROUTE), bind, setns back", name);
    return 0;
}
