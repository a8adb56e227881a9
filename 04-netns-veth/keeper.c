/* 04-netns-veth/keeper.c - the keeper of a lab without root: its namespaces, its
 * private /run/netns, the join of every later command, and its end (see keeper.h).
 *
 * Shell commands it replaces (up, then every command, then down):
 *   unshare --user --map-root-user --mount --net --pid --fork --mount-proc \
 *       sh -c 'mount --make-rprivate /; mount -t tmpfs tmpfs /run/netns; ...;
 *              inotifywait -e delete_self,move_self,delete,moved_from DIR' &
 *   nsenter --target PID --user --mount --net --pid  netns-veth up
 *   kill -KILL PID
 *
 * Read: user_namespaces(7), mount_namespaces(7), pid_namespaces(7) ("The namespace
 *       init process"), setns(2), clone(2), pidfd_open(2), nsenter(1), inotify(7),
 *       signalfd(2).
 */
#define _GNU_SOURCE
#include "keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../03-user-drop/userns-maps.h"
#include "../common/err.h"
#include "../common/lab.h"
#include "../common/narrate.h"
#include "../common/netns.h"
#include "../common/proc.h"
#include "../common/spawn.h"
#include "../common/userdir.h"

#define KEEPER_COMM  "nslab-keeper"
#define KEEPER_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)
/* What ends a lab: its directory removed or moved, a name in it removed or moved. */
#define KEEPER_WATCH (IN_DELETE_SELF | IN_MOVE_SELF | IN_DELETE | IN_MOVED_FROM)

struct keeper {
    int dirfd, pidfd;
    char dir[256], file[LAB_NAME_MAX + 16]; /* the per-user directory, "<host>.keeper" */
    pid_t pid;
    uint64_t start;
    int ours; /* started by this command: it reaps it */
};

/* What the keeper tells up once its world is ready: 0, or the step that failed. */
struct keeper_report {
    int err;
    char shell[256];
};

/* ---- the keeper itself (the child) ---------------------------------------------- */

static int report(struct keeper_report *rep, const char *shell)
{
    rep->err = errno;
    snprintf(rep->shell, sizeof(rep->shell), "%s", shell);
    return -1;
}

/* Its world: root of a new user namespace, it may mount in the mount namespace that
 * namespace owns, and nothing it mounts reaches the machine. */
static int keeper_world(struct keeper_report *rep)
{
    /* As stage 01 teaches: every mount private first, so no mount of ours propagates
     * to the machine's namespace (nor one of the machine's into ours). */
    narrate_op("mount --make-rprivate /", "mount(\"none\", \"/\", MS_REC|MS_PRIVATE)");
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return report(rep, "mount --make-rprivate /");

    /* The lab's runtime files: a private tmpfs on /run/netns (where `ip netns` pins
     * namespaces) and on /run/nslab (the state file).  Mode 0755: lab.c trusts a
     * directory nobody else may write.  Where the machine has no /run/netns yet (no
     * one made it since boot) we may not create it: then /run itself is ours. */
    static const char *const both[] = {NETNS_RUN_DIR, LAB_STATE_DIR, NULL};
    static const char *const run[] = {"/run", NULL};
    bool have = access(NETNS_RUN_DIR, F_OK) == 0 && access(LAB_STATE_DIR, F_OK) == 0;
    char shell[96];
    for (const char *const *d = have ? both : run; *d; d++) {
        snprintf(shell, sizeof(shell), "mount -t tmpfs -o mode=0755 tmpfs %s", *d);
        narrate_op(shell, "mount(\"tmpfs\", \"%s\", MS_NOSUID|MS_NODEV)", *d);
        if (mount("tmpfs", *d, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
            return report(rep, shell);
    }
    for (const char *const *d = both; !have && *d; d++) {
        snprintf(shell, sizeof(shell), "mkdir %s", *d);
        narrate_op(shell, "mkdir(%s)", *d);
        if (mkdir(*d, 0755) < 0)
            return report(rep, shell);
    }

    /* A /proc of the new PID namespace: the pids the lab reads (dnsmasq's pid file)
     * are that namespace's, and so are the ones this /proc shows. */
    narrate_op("mount -t proc proc /proc",
               "mount(\"proc\", \"/proc\", MS_NOSUID|MS_NODEV|MS_NOEXEC)");
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return report(rep, "mount -t proc proc /proc");
    return 0;
}

struct keeper_pipes {
    int go[2], ready[2], dirfd;
    const char *dir, *file; /* the per-user directory, the record's name in it */
    int watch, here;        /* the keeper's: its inotify fd, its own fd on the directory */
};

/* The lab ends with its record.  $XDG_RUNTIME_DIR is the login's own: at the last
 * logout, logind removes what is in it (rm -rf), our record too, then unmounts it
 * lazily, which our mount namespace, a copy, never sees.  A lab whose record is gone
 * can no longer be found by any command, so its keeper ends then and the kernel frees
 * the lab (so too when someone removes /tmp/nslab-UID).  inotify watches an inode,
 * not a name: the directory up opened and checked, reached through its fd (/run may
 * be covered by our tmpfs next).  Our own fd on it, opened anew, tells whether the
 * record is still there when something in the directory went; up's lock is on the
 * fd we inherited, which is closed here. */
static int keeper_watch(struct keeper_pipes *p, struct keeper_report *rep)
{
    char fdpath[32], op[160], shell[300];
    snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", p->dirfd);
    snprintf(op, sizeof(op),
             "inotify_init1(IN_CLOEXEC), inotify_add_watch(%s, "
             "IN_DELETE_SELF|IN_MOVE_SELF|IN_DELETE|IN_MOVED_FROM)",
             fdpath);
    snprintf(shell, sizeof(shell), "inotifywait -e delete_self,move_self,delete,moved_from %s",
             p->dir);
    narrate_op(shell, "%s", op);
    if ((p->watch = inotify_init1(IN_CLOEXEC)) < 0 ||
        inotify_add_watch(p->watch, fdpath, KEEPER_WATCH) < 0)
        return report(rep, shell);
    if ((p->here = open(fdpath, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return report(rep, shell);
    close(p->dirfd);
    return 0;
}

/* After an event: 1 when the lab can no longer be found (its directory removed or
 * moved, or its record gone from it), else 0.  Events that were lost (the queue
 * overflowed) are covered by the look at the record. */
static int keeper_lost(const struct keeper_pipes *p)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    struct stat st;
    ssize_t n = read(p->watch, buf, sizeof(buf));
    for (ssize_t i = 0; i + (ssize_t)sizeof(struct inotify_event) <= n;) {
        const struct inotify_event *ev = (const void *)(buf + i);
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
            return 1;
        i += (ssize_t)(sizeof(*ev) + ev->len);
    }
    return fstatat(p->here, p->file, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

/* PID 1 of the lab: stays, reaps the orphans given to it (dnsmasq, once the command
 * that started it is gone), and ends on SIGTERM or when its record goes.  SIGTERM and
 * SIGCHLD are blocked since before up was told the world is ready, so none is lost:
 * the kernel queues a blocked signal for the signalfd to read, and drops any other
 * one sent to PID 1 from inside (SIGKILL from outside aside): a stray Ctrl-C does not
 * end the lab.  One poll() waits for a signal and for the watch. */
static __attribute__((noreturn)) void keeper_hold(const struct keeper_pipes *p, int sfd)
{
    struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = p->watch, .events = POLLIN}};
    struct signalfd_siginfo si;
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        if ((fds[1].revents & POLLIN) && keeper_lost(p))
            _exit(0);
        if (fds[0].revents & POLLIN) {
            if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) && si.ssi_signo == SIGTERM)
                _exit(0);
            while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
        }
    }
}

/* Closes every fd from 3 up but the n in keep[], which it sorts. */
static void close_all_but(int *keep, int n)
{
    unsigned from = 3;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    for (int i = 0; i < n; i++) {
        if ((unsigned)keep[i] > from)
            close_range(from, (unsigned)keep[i] - 1, 0);
        from = (unsigned)keep[i] + 1;
    }
    close_range(from, ~0U, 0);
}

static int keeper_main(void *arg)
{
    struct keeper_pipes *p = arg;
    struct keeper_report rep = {0};
    sigset_t set;
    char c;
    int sfd = -1, r;
    prctl(PR_SET_NAME, KEEPER_COMM);
    close(p->go[1]);
    close(p->ready[0]);
    /* Wait for up to write our maps and our record.  If up dies first, EOF: go too
     * (and with us our copy of the directory's fd, and of up's lock on it). */
    if (read(p->go[0], &c, 1) != 1)
        _exit(1);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    if ((r = keeper_watch(p, &rep)) == 0 && (r = keeper_world(&rep)) == 0 &&
        (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0))
        r = report(&rep, "signalfd SIGTERM SIGCHLD");
    if (write(p->ready[1], &rep, sizeof(rep)) != sizeof(rep) || r < 0)
        _exit(1);
    /* A session of its own, no terminal, and nothing open but the watch and the
     * signalfd (and the directory's fd): it must not keep a pipe (a test's output) or
     * a lock alive. */
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    close_all_but((int[]){p->watch, p->here, sfd}, 3);
    if (chdir("/") < 0)
        _exit(1);
    keeper_hold(p, sfd);
}

/* ---- up: the keeper is born ------------------------------------------------------ */

static char keeper_stack[64 * 1024] __attribute__((aligned(16)));

static int keeper_start(struct labstage *s, struct keeper *k)
{
    char op[160], shell[400], hint[256], failed[160];
    struct keeper_pipes p = {.dirfd = k->dirfd, .dir = k->dir, .file = k->file};
    struct keeper_report rep;
    int r;
    if (pipe2(p.go, O_CLOEXEC) < 0)
        return labstage_fail(s, -errno, NULL, "pipe", NULL);
    if (pipe2(p.ready, O_CLOEXEC) < 0) {
        r = -errno;
        close(p.go[0]);
        close(p.go[1]);
        return labstage_fail(s, r, NULL, "pipe", NULL);
    }
    /* Four new namespaces at once.  The user namespace is made first (the kernel does
     * so whatever the order of the flags), and owns the other three: that is what
     * lets a process without privilege make them. */
    spawn_describe(KEEPER_FLAGS | SIGCHLD, op, sizeof(op), shell, sizeof(shell));
    snprintf(shell + strlen(shell), sizeof(shell) - strlen(shell), " (the keeper)");
    narrate_op(shell, "%s", op);
    k->pid = clone(keeper_main, spawn_stack_top(keeper_stack, sizeof(keeper_stack)),
                   KEEPER_FLAGS | SIGCHLD, &p);
    r = k->pid < 0 ? -errno : 0;
    close(p.go[0]);
    close(p.ready[1]);
    if (r < 0) {
        close(p.go[1]);
        close(p.ready[0]);
        const char *h = spawn_clone_hint(r, KEEPER_FLAGS, hint, sizeof(hint));
        return labstage_fail(s, r, NULL, shell, h ? "%s" : NULL, h);
    }
    k->ours = 1;

    /* Chapter 3's maps: root inside is us outside. */
    struct userns_map m = {0, getuid(), 0, getgid()};
    if ((r = userns_write_maps(k->pid, &m, failed, sizeof(failed))) < 0) {
        labstage_fail(s, r, NULL, failed, NULL);
        goto fail;
    }
    /* Written down before it is told to go: killed from here on, up leaves a record
     * that the next command finds and acts on; killed before, the keeper reads EOF
     * on its pipe and ends. */
    k->start = proc_start_time(k->pid);
    snprintf(shell, sizeof(shell), "echo %d %" PRIu64 " > %s/%s", (int)k->pid, k->start, k->dir,
             k->file);
    narrate_op(shell, "open(%s/%s.%d, O_CREAT|O_EXCL), rename", k->dir, k->file, (int)getpid());
    if ((r = userdir_save(k->dirfd, k->file, k->pid, k->start)) < 0) {
        labstage_fail(s, r, NULL, shell, NULL);
        goto fail;
    }
    if (write(p.go[1], "g", 1) != 1 ||
        read(p.ready[0], &rep, sizeof(rep)) != (ssize_t)sizeof(rep)) {
        labstage_fail(s, -ECHILD, NULL, "the keeper", "it ended before its world was ready");
        goto fail_record;
    }
    if (rep.err) {
        labstage_fail(s, -rep.err, NULL, rep.shell, NULL);
        goto fail_record;
    }
    close(p.go[1]);
    close(p.ready[0]);
    if ((k->pidfd = proc_pidfd_open(k->pid)) < 0)
        return labstage_fail(s, k->pidfd, NULL, "the keeper", NULL);
    return 0;
fail_record:
    unlinkat(k->dirfd, k->file, 0);
fail:
    close(p.go[1]); /* EOF: the keeper ends */
    close(p.ready[0]);
    kill(k->pid, SIGKILL);
    waitpid(k->pid, NULL, 0);
    return s->fail.err ? -s->fail.err : -EINVAL;
}

/* ---- every command: the join, as nsenter does it -------------------------------- */

/* Joins the keeper's user, mount, network and PID namespaces.  0, or a failure (< 0,
 * s->fail filled in). */
static int keeper_join(struct labstage *s, const struct keeper *k)
{
    static const char *const kinds[] = {"user", "mnt", "net", "pid"};
    char shell[96], path[64], cwd[4096];
    int fds[4], r = 0, i;
    snprintf(shell, sizeof(shell), "nsenter --target %d --user --mount --net --pid", (int)k->pid);
    for (i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)k->pid, kinds[i]);
        if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            r = -errno;
            break;
        }
    }
    /* The fds hold those namespaces for good; a signal 0 through the pidfd proves
     * they are the keeper's (its pid was not given to another process meanwhile). */
    if (r == 0)
        r = proc_pidfd_signal(k->pidfd, 0);
    if (r < 0) {
        while (i-- > 0)
            close(fds[i]);
        return labstage_fail(s, r, NULL, shell, "the keeper is gone: the lab with it");
    }
    narrate_op(shell,
               "setns(/proc/%d/ns/user), setns(/proc/%d/ns/mnt), setns(/proc/%d/ns/net), "
               "setns(/proc/%d/ns/pid), fork",
               (int)k->pid, (int)k->pid, (int)k->pid, (int)k->pid);
    bool here = getcwd(cwd, sizeof(cwd)) != NULL;
    /* The user namespace first: joining it gives us every capability over what it
     * owns, which the other three setns() need (CAP_SYS_ADMIN there). */
    userdir_joined_keeper();
    for (i = 0; i < 4; i++)
        if (r == 0 && setns(fds[i], 0) < 0)
            r = -errno;
    for (i = 0; i < 4; i++)
        close(fds[i]);
    if (r < 0)
        return labstage_fail(s, r, NULL, shell, NULL);
    /* setns() into a mount namespace moves us to its root: back to where we were. */
    if ((!here || chdir(cwd) < 0) && chdir("/") < 0)
        return labstage_fail(s, -errno, NULL, "cd /", NULL);
    return 0;
}

/* ---- down: the keeper ends ------------------------------------------------------- */

static void keeper_end(struct keeper *k)
{
    char shell[32];
    snprintf(shell, sizeof(shell), "kill -KILL %d", (int)k->pid);
    /* SIGKILL to PID 1 of a PID namespace: the kernel kills every process in it
     * and, with their last user gone, frees the namespaces, the tmpfs mounts and the
     * links.  The pidfd turns readable once all that is done. */
    narrate_op(shell, "pidfd_send_signal(SIGKILL) to the keeper, then it and its namespaces go");
    if (proc_pidfd_signal(k->pidfd, SIGKILL) == 0)
        proc_pidfd_wait(k->pidfd, 5000);
    if (k->ours)
        waitpid(k->pid, NULL, 0);
    /* Its record goes, unless a newer keeper has taken the name meanwhile, and the
     * user's directory with the last one. */
    userdir_drop(k->dirfd, k->dir, k->file, KEEPER_COMM, k->pid, k->start);
}

/* A PID namespace is entered by children only: the command goes on in a child, PID 2
 * or more inside, and only the child returns (as nsenter's does).  This process waits
 * for it out here, ends the keeper when the lab is down (down, the demo's end, a
 * failed up: nothing is left to hold), and exits with the child's status. */
static void keeper_fork(struct labstage *s, struct keeper *k, enum labsub which, const char *host)
{
    char state[300];
    int st, r = 0;
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        close(k->pidfd);
        close(k->dirfd);
        return;
    }
    if (child < 0)
        r = labstage_fail(s, -errno, NULL, "fork", NULL);
    while (r == 0 && waitpid(child, &st, 0) < 0)
        if (errno != EINTR)
            r = labstage_fail(s, -errno, NULL, "wait", NULL);
    if (r < 0) {
        if (k->ours) /* a keeper nobody could join holds nothing */
            keeper_end(k);
        labstage_die(s);
    }
    snprintf(state, sizeof(state), "%s/%s.state", LAB_STATE_DIR, host);
    if (which == LABSUB_DOWN || (which == LABSUB_DEMO && k->ours) || access(state, F_OK) < 0)
        keeper_end(k);
    exit(spawn_exit_code(st));
}

/* Finds the lab's keeper, or starts it for up and the demo, and joins it: returns in
 * the child that is now inside (the stage goes on with labrun there).  A failure
 * returns (< 0, s->fail filled in); all else ends here with the command's status. */
static int keeper_run(struct labstage *s, enum labsub which, const char *host)
{
    struct keeper k = {.pidfd = -1};
    char why[160], shell[600];
    int r;
    snprintf(k.file, sizeof(k.file), "%s.keeper", host);
    /* One command at a time looks for, starts or ends this user's keepers. */
    if ((k.dirfd = userdir_open_locked(k.dir, sizeof(k.dir), why, sizeof(why))) < 0) {
        if (k.dirfd == -EPERM) {
            snprintf(shell, sizeof(shell), "%s is not ours alone (%s)", k.dir, why);
            labstage_fail(s, k.dirfd, NULL, shell, "remove it, or fix its owner and mode");
            s->fail.err = 0;
            return -EPERM;
        }
        return labstage_fail(s, k.dirfd, NULL, k.dir, NULL);
    }
    k.pidfd = userdir_find(k.dirfd, k.file, KEEPER_COMM, 1, &k.pid, &k.start);
    if (k.pidfd < 0 && k.pidfd != -ENOENT) {
        snprintf(shell, sizeof(shell), "reading %s/%s", k.dir, k.file);
        return labstage_fail(s, k.pidfd, NULL, shell, NULL);
    }
    if (k.pidfd < 0 && which != LABSUB_UP && which != LABSUB_DEMO) {
        userdir_unlock(k.dirfd);
        if (which == LABSUB_DOWN) {
            narrate_note("%s is not up (no keeper in %s/%s): nothing to remove", host, k.dir,
                         k.file);
            exit(0);
        }
        snprintf(shell, sizeof(shell), "%s is not up", host);
        labstage_fail(s, -ENOENT, NULL, shell, "run '%s up' first", s->prog);
        s->fail.err = 0;
        return -ENOENT;
    }
    if (k.pidfd < 0 && (r = keeper_start(s, &k)) < 0)
        return r;
    userdir_unlock(k.dirfd);
    if ((r = keeper_join(s, &k)) < 0) {
        if (k.ours) /* a keeper nobody could join holds nothing */
            keeper_end(&k);
        return r;
    }
    keeper_fork(s, &k, which, host);
    return 0;
}

/* Without -U: whether this user's own -U lab named host is up (its record names a
 * live keeper).  Only looks: makes and removes nothing. */
static bool keeper_rootless_up(const char *host)
{
    char dir[256], file[LAB_NAME_MAX + 16], why[160];
    pid_t pid;
    uint64_t start;
    snprintf(file, sizeof(file), "%s.keeper", host);
    int dirfd = userdir_lookup(dir, sizeof(dir), why, sizeof(why));
    if (dirfd < 0)
        return false;
    int pfd = userdir_find(dirfd, file, KEEPER_COMM, 0, &pid, &start);
    if (pfd >= 0)
        close(pfd);
    close(dirfd);
    return pfd >= 0;
}

/* Without -U, one line and nothing done where this command cannot help: show, exec
 * or down of a lab that is up with -U only (it would say "not up"), and, without
 * root, up or the demo (the machine's /run/netns is root's): each names the way. */
static void keeper_without_u(struct labstage *s, enum labsub which, const char *host,
                             const char *prog_u)
{
    static const char *const sub[] = {"", " up", " down", " show", " exec -- CMD", " shell"};
    char shell[200], state[300];
    bool root = geteuid() == 0;
    snprintf(state, sizeof(state), "%s/%s.state", LAB_STATE_DIR, host);
    if ((which == LABSUB_SHOW || which == LABSUB_EXEC || which == LABSUB_DOWN) &&
        (!root || access(state, F_OK) < 0) && keeper_rootless_up(host)) {
        snprintf(shell, sizeof(shell), "%s is up with -U, in a user namespace of your own", host);
        labstage_fail(s, -ENOENT, NULL, shell, "run '%s%s'", prog_u, sub[which]);
    } else if (!root && (which == LABSUB_UP || which == LABSUB_DEMO)) {
        snprintf(shell, sizeof(shell), "%s needs root, or -U",
                 which == LABSUB_UP ? "up" : "the demo");
        labstage_fail(s, -EPERM, NULL, shell,
                      "without root: '%s%s', a lab in a user namespace of your own, as make "
                      "run-%.2s does",
                      prog_u, sub[which], s->stage);
    } else {
        return;
    }
    s->fail.err = 0; /* the line says it all */
    labstage_die(s);
}

void keeper_dispatch(struct labstage *s, bool userns, enum labsub which, const char *host,
                     const char *prog_u)
{
    if (which == LABSUB_SHELL && !userns)
        err_usage("shell goes with -U (as root, your own shell sees the lab: sudo ip netns list)");
    if (!userns) {
        keeper_without_u(s, which, host, prog_u);
        return;
    }
    s->prog = prog_u;
    if (keeper_run(s, which, host) < 0)
        labstage_die(s);
}
