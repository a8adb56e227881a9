/* labrun.c - up, down, show and exec of a network stage, each in the right state. */
#define _GNU_SOURCE
#include "labrun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "narrate.h"
#include "netns.h"
#include "nlshow.h"
#include "proc.h"
#include "spawn.h"
#include "validate.h"

/* Opens the lab named host for the stage: 0 down, 1 up (or half up), or a failure
 * (another stage's lab: "pick another --host-ns"). */
static int lab_state(struct labstage *s, const char *host)
{
    char shell[200];
    int state = lab_open(&s->lab, s->stage, host);
    if (state == -EBUSY) {
        snprintf(shell, sizeof(shell), "%s: another stage's lab", s->lab.path);
        labstage_fail(s, state, NULL, shell, "pick another --host-ns");
        s->fail.err = 0; /* the message says it all */
        return state;
    }
    if (state < 0) {
        snprintf(shell, sizeof(shell), "reading %s", s->lab.path);
        /* lab.why: the bad line and what is wrong with it, or the path not trusted. */
        return labstage_fail(s, state, NULL, shell, s->lab.why[0] ? "%s" : NULL, s->lab.why);
    }
    return state;
}

/* Takes the machine-wide lock for up and down and reads the state again under it. */
static int lab_state_locked(struct labstage *s, const char *host)
{
    int r = lab_lock(&s->lab);
    if (r < 0)
        return labstage_fail(s, r, NULL, "flock " LAB_STATE_DIR, s->lab.why[0] ? "%s" : NULL,
                             s->lab.why);
    /* lab_open starts afresh: keep the lock's fd across it. */
    int fd = s->lab.lock_fd;
    r = lab_state(s, host);
    s->lab.lock_fd = fd;
    return r;
}

/* The lab must be up, and the namespaces in names[] still its own, before show or
 * exec.  -ENOENT (not up) or -ESTALE (half up), with the advice in the hint. */
static int require_up(struct labstage *s, int state, const char *const names[], int n)
{
    char shell[160];
    if (state == 0) {
        snprintf(shell, sizeof(shell), "%s is not up", names[0]);
        labstage_fail(s, -ENOENT, NULL, shell, "run '%s up' first", s->prog);
        s->fail.err = 0;
        return -ENOENT;
    }
    for (int i = 0; i < n; i++)
        if (lab_netns_check(&s->lab, names[i]) < 0) {
            snprintf(shell, sizeof(shell), "%s is only half up: namespace %s is missing", names[0],
                     names[i]);
            labstage_fail(s, -ESTALE, NULL, shell, "run '%s down', then up", s->prog);
            s->fail.err = 0;
            return -ESTALE;
        }
    return 0;
}

int labrun_exec(struct labstage *s, const char *ns, char **cmd)
{
    char shell[256] = "";
    int n = snprintf(shell, sizeof(shell), "ip netns exec %s", ns);
    for (int i = 0; cmd[i] && n > 0 && (size_t)n < sizeof(shell); i++)
        n += snprintf(shell + n, sizeof(shell) - (size_t)n, " %s", cmd[i]);
    narrate_op(shell, "fork, setns(%s), unshare(CLONE_NEWNS), mount sysfs /sys, execvp(%s)", ns,
               cmd[0]);
    int status, r = netns_exec(ns, cmd, &status);
    if (r < 0) {
        labstage_fail(s, r, NULL, shell, NULL);
        s->fail.hint[0] = '\0';
        /* A command that is not there: 127, as a shell says. */
        s->fail.status = r == -ENOENT ? 127 : EXIT_RUNTIME;
        return r;
    }
    return spawn_exit_code(status);
}

int labrun_shell(struct labstage *s)
{
    char *bash[] = {"bash", NULL};
    int status;
    /* No setns here: the shell stays where we are, in the lab's world (with -U, the
     * keeper's user, mount and network namespaces), where `ip netns` finds the lab. */
    narrate_op("bash", "fork, execvp(bash), waitpid");
    pid_t pid = fork();
    if (pid < 0)
        return labstage_fail(s, -errno, NULL, "bash", NULL);
    if (pid == 0) {
        execvp(bash[0], bash);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0)
        return labstage_fail(s, -errno, NULL, "bash", NULL);
    return spawn_exit_code(status);
}

static void picture_link(const struct nl_link *l, void *data)
{
    struct labdraw_ns *ns = data;
    if (ns->n >= LABDRAW_MAX_LINKS)
        return;
    struct labdraw_link *d = &ns->link[ns->n++];
    memset(d, 0, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "%s", l->name);
    d->index = l->index;
    d->up = l->flags & IFF_UP;
    d->master = l->master;
    /* IFLA_LINK is also set on links that are no pair (a VLAN's lower device, ...),
     * and a veth's peer may have the same index in its own namespace: the renderer
     * joins two ends only when each names the other. */
    d->peer = l->link;
    d->peer_netns = l->link_netns;
}

static void picture_addr(const struct nl_addr4 *a, void *data)
{
    struct labdraw_ns *ns = data;
    char ip[INET_ADDRSTRLEN];
    for (int k = 0; k < ns->n; k++) {
        struct labdraw_link *l = &ns->link[k];
        if (l->index != a->index || l->naddr >= LABDRAW_MAX_ADDRS)
            continue;
        inet_ntop(AF_INET, &a->addr, ip, sizeof(ip));
        snprintf(l->addr[l->naddr++], sizeof(l->addr[0]), "%s/%d", ip, a->prefix);
    }
}

/* The daemon, while it still runs (the state file's pid, same name and start time). */
static void picture_daemon(struct labstage *s, const struct labrun_view *v, struct labdraw_ns *ns)
{
    int i = lab_find(&s->lab, LAB_PROC, v->daemon);
    if (i < 0)
        return;
    const struct lab_obj *o = &s->lab.obj[i];
    if (o->id > 0 && proc_check((pid_t)o->id, v->daemon, o->id2) == 0)
        snprintf(ns->daemon[ns->ndaemon++], sizeof(ns->daemon[0]), "%s (PID %d): %s", v->daemon,
                 (int)o->id, v->daemon_job);
    else
        snprintf(ns->daemon[ns->ndaemon++], sizeof(ns->daemon[0]), "%s: not running", v->daemon);
}

/* Namespace i into ns: its socket opened once and its links and addresses dumped, or
 * why it is not there. */
static int picture_ns(struct labstage *s, struct labrun_view *v, int i, struct labdraw_ns *ns)
{
    char shell[200];
    const char *name = v->ns[i].name;
    int back, r;
    memset(ns, 0, sizeof(*ns));
    snprintf(ns->name, sizeof(ns->name), "%s", name);
    snprintf(ns->title, sizeof(ns->title), "%s", v->ns[i].title);
    r = lab_netns_check(&s->lab, name);
    if (r == -ENOENT) {
        snprintf(ns->gone, sizeof(ns->gone), "gone: no " NETNS_RUN_DIR "/%s", name);
        return 0;
    }
    if (r < 0) {
        snprintf(ns->gone, sizeof(ns->gone), "gone: " NETNS_RUN_DIR "/%s is not the lab's now",
                 name);
        return 0;
    }
    snprintf(shell, sizeof(shell), "ip -n %s link; ip -n %s -4 addr", name, name);
    /* A socket opened inside the namespace talks to it for life (see 04's ipnetns.c). */
    if ((r = netns_enter(name, &back)) < 0)
        return labstage_fail(s, r, NULL, shell, NULL);
    r = nl_open(&v->ns[i].nl);
    int rl = netns_leave(back);
    if (r == 0 && rl < 0)
        nl_close(&v->ns[i].nl);
    if (r < 0 || rl < 0)
        return labstage_fail(s, r < 0 ? r : rl, NULL, shell, NULL);
    v->ns[i].open = true;
    /* The picture's facts: each link's IFLA_LINK (its veth peer's index),
     * IFLA_LINK_NETNSID (that peer is elsewhere) and IFLA_MASTER (its bridge). */
    narrate_op(shell,
               "setns(%s), socket(AF_NETLINK, NETLINK_ROUTE), setns back; RTM_GETLINK, "
               "RTM_GETADDR dumps",
               name);
    if ((r = nl_dump_links(&v->ns[i].nl, picture_link, ns)) < 0 ||
        (r = nl_dump_addrs4(&v->ns[i].nl, picture_addr, ns)) < 0)
        return labstage_fail(s, r, NULL, shell, NULL);
    if (v->daemon && v->daemon_ns && strcmp(v->daemon_ns, name) == 0)
        picture_daemon(s, v, ns);
    return 0;
}

int labrun_picture(struct labstage *s, struct labrun_view *v)
{
    static struct labdraw d;
    static char text[16384];
    int r;
    memset(&d, 0, sizeof(d));
    for (int i = 0; i < v->n && i < LABDRAW_MAX_NS; i++, d.n++)
        if ((r = picture_ns(s, v, i, &d.ns[i])) < 0)
            return r;
    if ((r = labdraw_render(&d, labdraw_utf8(), text, sizeof(text))) < 0)
        return labstage_fail(s, r, NULL, "drawing the lab", NULL);
    printf("%s\n", text);
    fflush(stdout);
    return 0;
}

int labrun_show_ns(struct labstage *s, struct labrun_view *v, int i)
{
    char shell[200];
    const char *ns = v->ns[i].name;
    snprintf(shell, sizeof(shell), "ip -n %s -br link; ip -n %s -br -4 addr; ip -n %s route", ns,
             ns, ns);
    if (!v->ns[i].open)
        return labstage_fail(s, -ENOENT, NULL, shell, NULL);
    /* Three dumps (NLM_F_DUMP) on the socket the picture opened in the namespace. */
    narrate_op(shell, "RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE dumps");
    if (v->ns[i].title[0])
        printf("%s (%s):\n", ns, v->ns[i].title);
    else
        printf("%s:\n", ns);
    fflush(stdout);
    int r = nlshow_ns(&v->ns[i].nl, stdout);
    return r < 0 ? labstage_fail(s, r, NULL, shell, NULL) : 0;
}

void labrun_view_close(struct labrun_view *v)
{
    for (int i = 0; i < v->n && i < LABDRAW_MAX_NS; i++)
        if (v->ns[i].open) {
            nl_close(&v->ns[i].nl);
            v->ns[i].open = false;
        }
}

/* ---- down: the undo of each kind of object ---- */

static int undo_link(struct lab *lab, const struct lab_obj *o)
{
    struct nl nl;
    char buf[NL_BUFSIZE];
    int back, r;
    /* The link lives in a lab namespace; gone with it when that is gone. */
    r = lab_netns_check(lab, o->netns);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return r;
    if ((r = netns_enter(o->netns, &back)) < 0)
        return r == -ENOENT ? 0 : r;
    r = nl_open(&nl);
    int rl = netns_leave(back);
    if (r < 0)
        return r;
    if (rl < 0) {
        nl_close(&nl);
        return rl;
    }
    r = nl_request(&nl, nl_msg_link_del(buf, o->name));
    nl_close(&nl);
    return r == -ENODEV ? 0 : r;
}

/* Is another process in one of the lab's namespaces?  Looked up once (a scan of every
 * thread of the machine); returns the namespace's name, NULL when nobody is in. */
static const char *lab_netns_busy(struct lab *lab)
{
    if (lab->busy == -1) {
        uint64_t ino[LAB_MAX_OBJS] = {0};
        int idx[LAB_MAX_OBJS] = {0}, n = 0;
        for (int i = 0; i < lab->n; i++)
            /* An unconfirmed namespace (id 0) may not exist; nobody can be in it then. */
            if (lab->obj[i].kind == LAB_NETNS && lab->obj[i].id) {
                idx[n] = i;
                ino[n++] = lab->obj[i].id;
            }
        int k = netns_users(ino, n, &lab->busy_pid);
        lab->busy = k < 0 ? LAB_NOBODY_INSIDE : idx[k];
    }
    return lab->busy >= 0 ? lab->obj[lab->busy].name : NULL;
}

/* The lab's directory, LAB_STATE_DIR/NAME of its LAB_DIR object, into buf; -ENOENT
 * when it has none. */
static int lab_dir_path(const struct lab *lab, char *buf, size_t size)
{
    for (int i = 0; i < lab->n; i++)
        if (lab->obj[i].kind == LAB_DIR) {
            int n = snprintf(buf, size, "%s/%s", lab->dir, lab->obj[i].name);
            return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
        }
    return -ENOENT;
}

/* "dhclient.br0" -> "dhclient": the command name a process object runs under. */
static void proc_comm(const struct lab_obj *o, char *comm, size_t size)
{
    snprintf(comm, size, "%s", o->name);
    comm[strcspn(comm, ".")] = '\0';
}

/* The pid in <name>.pid of the lab's own directory: 0 when there is none (yet), -errno
 * when the directory is not to be trusted. */
static int proc_from_pidfile(const struct lab *lab, const struct lab_obj *o, pid_t *pid)
{
    char name[LAB_NAME_MAX + 8], text[32];
    uint64_t v;
    *pid = 0;
    int i = 0;
    while (i < lab->n && lab->obj[i].kind != LAB_DIR)
        i++;
    if (i == lab->n)
        return 0;
    int dfd = lab_open_dir(lab, lab->obj[i].name);
    if (dfd < 0)
        return dfd == -ENOENT ? 0 : dfd;
    snprintf(name, sizeof(name), "%s.pid", o->name);
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int r = fd < 0 ? -errno : 0;
    close(dfd);
    if (r < 0)
        return r == -ENOENT ? 0 : r;
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    /* "4242\n"; anything else is a file still being written, or not a pid file. */
    if (n > 1 && text[n - 1] == '\n') {
        text[n - 1] = '\0';
        if (validate_u64(text, &v) && v > 1 && v <= PROC_PID_MAX)
            *pid = (pid_t)v;
    }
    return 0;
}

static int undo_proc(const struct lab *lab, const struct lab_obj *o, char *shell, size_t size)
{
    char comm[LAB_NAME_MAX];
    struct proc_id p = {.pid = (pid_t)o->id, .comm = comm, .start = o->id2};
    int r;
    proc_comm(o, comm, sizeof(comm));
    if (o->id == 0) {
        /* Recorded but never confirmed: up was killed while it was starting.  Its pid
         * file may still be on its way: give it a moment (a daemon that never
         * started costs down these 300 ms, a stray one far more). */
        for (int waited_ms = 0; p.pid <= 0 && waited_ms < 300; waited_ms++)
            if ((r = proc_from_pidfile(lab, o, &p.pid)) < 0)
                return r;
            else if (p.pid <= 0)
                nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
        char dir[160];
        if (lab_dir_path(lab, dir, sizeof(dir)) < 0)
            snprintf(dir, sizeof(dir), "?");
        snprintf(shell, size, "kill $(cat %s/%s.pid)", dir, o->name);
        if (p.pid <= 0) {
            narrate_note("%s left no pid file: it never started", o->name);
            return 0;
        }
        /* No start time was recorded: the namespace the lab started it in is what
         * makes it ours, with its name. */
        int i = lab_find(lab, LAB_NETNS, o->netns);
        p.netns_ino = i >= 0 ? lab->obj[i].id : 0;
        if (!p.netns_ino) {
            narrate_note("%s.pid names PID %d, but the lab has no inode of namespace %s to check "
                         "it by: left alone",
                         o->name, (int)p.pid, o->netns);
            return 0;
        }
    }
    snprintf(shell, size, "kill %d", (int)p.pid);
    if ((r = proc_hold(&p)) == -ESRCH) {
        narrate_note("PID %d is not the lab's %s any more: nothing to stop", (int)p.pid, o->name);
        return 0;
    }
    return r < 0 ? r : proc_end(r, &p, o->name);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -r of the lab's own directory: depth first, never following a symbolic link
 * nor crossing into another file system; and only when it is ours alone. */
static int undo_dir(const struct lab *lab, const struct lab_obj *o)
{
    char path[192];
    int fd = lab_open_dir(lab, o->name);
    if (fd < 0)
        return fd == -ENOENT ? 0 : fd;
    close(fd);
    snprintf(path, sizeof(path), "%s/%s", lab->dir, o->name);
    if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
        return errno ? -errno : -EIO;
    return 0;
}

int labrun_undo(struct lab *lab, int i, char *shell, size_t size)
{
    const struct lab_obj *o = &lab->obj[i];
    int r;
    switch (o->kind) {
    case LAB_LINK: {
        const char *busy;
        snprintf(shell, size, "ip -n %s link del %s", o->netns, o->name);
        /* A namespace that nothing uses any more dies when ip netns del drops its
         * mount, and the kernel deletes its links then, in the background.  Deleting
         * a link ourselves makes us wait for that (about 25 ms here), so we do it
         * only when a process still inside would keep the namespace, and the link,
         * alive. */
        if (!(busy = lab_netns_busy(lab))) {
            /* Said once for all the lab's links, when down meets the first. */
            if (!lab->links_noted) {
                char names[256] = "";
                size_t n = 0;
                int links = 0, k2 = 0;
                for (int k = 0; k < lab->n; k++)
                    links += lab->obj[k].kind == LAB_LINK;
                for (int k = 0; k < lab->n; k++)
                    if (lab->obj[k].kind == LAB_LINK && n < sizeof(names)) {
                        const char *sep = k2 == 0 ? "" : k2 == links - 1 ? " and " : ", ";
                        n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", sep,
                                              lab->obj[k].name);
                        k2++;
                    }
                narrate_note("%s %s with the lab's namespaces: no process is left in them, so "
                             "the kernel deletes %s once ip netns del frees them",
                             names, links > 1 ? "go" : "goes", links > 1 ? "them" : "it");
                lab->links_noted = true;
            }
            return 0;
        }
        narrate_op(shell, "RTM_DELLINK %s (in %s; PID %d is still in %s)", o->name, o->netns,
                   (int)lab->busy_pid, busy);
        return undo_link(lab, o);
    }
    case LAB_NETNS:
        snprintf(shell, size, "ip netns del %s", o->name);
        narrate_op(shell, "umount2(%s/%s, MNT_DETACH), unlink", NETNS_RUN_DIR, o->name);
        r = lab_netns_check(lab, o->name);
        if (r == -ENOENT)
            return 0;
        if (r < 0)
            return r;
        r = netns_del(o->name);
        return r == -ENOENT ? 0 : r;
    case LAB_PROC:
        return undo_proc(lab, o, shell, size);
    case LAB_DIR:
        snprintf(shell, size, "rm -r %s/%s", lab->dir, o->name);
        narrate_op(shell, "unlink() its files, rmdir()");
        return undo_dir(lab, o);
    }
    return -EINVAL;
}

int labrun_down(struct labstage *s, void (*report)(const struct labfail *))
{
    if (s->pending > 0) {
        int st;
        netns_wait(s->pending, NULL, &st);
        s->pending = 0;
    }
    struct lab *lab = &s->lab;
    char shell[160];
    int failed = 0, kept = 0;
    struct labfail f = {.status = EXIT_RUNTIME};
    /* Two passes, newest first: the processes, then the rest.  A process keeps its
     * namespace alive, and with it the links there, so it goes first. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = lab->n - 1; i >= 0; i--) {
            if ((int)lab->obj[i].kind == -1 || (pass == 0) != (lab->obj[i].kind == LAB_PROC))
                continue;
            int r = labrun_undo(lab, i, shell, sizeof(shell));
            if (r == -ESTALE) {
                /* Replaced by someone else's: not ours to delete, nor to remember. */
                f.err = ESTALE;
                snprintf(f.shell, sizeof(f.shell), "%s", shell);
                snprintf(f.hint, sizeof(f.hint), "not the namespace %s created: left alone",
                         s->who);
                if (report)
                    report(&f);
                failed = 1;
                lab->obj[i].kind = -1;
            } else if (r < 0) {
                f.err = -r;
                snprintf(f.shell, sizeof(f.shell), "%s", shell);
                f.hint[0] = '\0';
                if (report)
                    report(&f);
                failed = 1;
            } else {
                lab->obj[i].kind = -1;
            }
        }
    for (int i = 0; i < lab->n; i++)
        if ((int)lab->obj[i].kind != -1)
            lab->obj[kept++] = lab->obj[i];
    lab->n = kept;
    int r = kept ? lab_save(lab) : lab_remove_state(lab);
    if (r < 0) {
        f.err = -r;
        snprintf(f.shell, sizeof(f.shell), "updating %s", lab->path);
        f.hint[0] = '\0';
        if (report)
            report(&f);
        failed = 1;
    }
    return failed;
}

int labrun(struct labstage *s, enum labsub which, const char *host, const struct labrun_ops *ops,
           const char *exec_ns, char **cmd)
{
    int r, state = lab_state(s, host);
    if (state < 0)
        return state;
    if (which == LABSUB_EXEC || which == LABSUB_SHOW || which == LABSUB_SHELL) {
        if ((r = require_up(s, state, ops->names, ops->n)) < 0) {
            /* Half up: the picture still shows what is there, and which is gone. */
            if (r == -ESTALE && which == LABSUB_SHOW && ops->view) {
                struct labfail why = s->fail;
                struct labrun_view v = ops->view();
                labrun_picture(s, &v);
                labrun_view_close(&v);
                s->fail = why;
            }
            return r;
        }
        if (which == LABSUB_SHELL)
            return labrun_shell(s);
        return which == LABSUB_SHOW ? ops->show() : labrun_exec(s, exec_ns, cmd);
    }

    /* up and down change the machine: one at a time, and state read under the lock. */
    if ((state = lab_state_locked(s, host)) < 0)
        return state;
    if (which == LABSUB_DOWN) {
        if (state == 0) {
            narrate_note("%s is not up (no %s): nothing to remove", host, s->lab.path);
            return 0;
        }
        return labrun_down(s, labstage_print);
    }
    if (state > 0) {
        labstage_fail(s, -EEXIST, NULL, "", "run '%s down' first", s->prog);
        snprintf(s->fail.shell, sizeof(s->fail.shell), "%s is already up (%s lists what it made)",
                 host, s->lab.path);
        s->fail.err = 0; /* no strerror: the line says it all */
        return -EEXIST;
    }
    /* A failed up has undone what it made: nothing more to do than say why. */
    if ((r = ops->up()) < 0)
        return r;
    lab_unlock(&s->lab);
    fflush(stdout);
    return which == LABSUB_UP ? 0 : ops->demo();
}
