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
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../03-user-drop/userns-maps.h"
#include "../common/lab.h"
#include "../common/err.h"
#include "../common/narrate.h"
#include "../common/netns.h"
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

static int sys_pidfd_open(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int sys_pidfd_send_signal(int pfd, int sig)
{
    return (int)syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
}

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

/* ---- its record, in the per-user directory --------------------------------------- */

static int record_save(struct keeper *k)
{
    char tmp[LAB_NAME_MAX + 32], line[64];
    snprintf(tmp, sizeof(tmp), "%s.%d", k->file, (int)getpid());
    int n = snprintf(line, sizeof(line), "%d %" PRIu64 "\n", (int)k->pid, k->start);
    int fd = openat(k->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int e = write(fd, line, (size_t)n) == n ? 0 : errno ? errno : EIO;
    if (close(fd) < 0 && !e)
        e = errno;
    /* Renamed into place: a reader never sees half a record. */
    if (!e && renameat(k->dirfd, tmp, k->dirfd, k->file) < 0)
        e = errno;
    if (e)
        unlinkat(k->dirfd, tmp, 0);
    return -e;
}

/* Reads the record and holds its keeper by a pidfd: 1 when it is alive, 0 when there
 * is none (with tidy, a record whose keeper is gone is removed). */
static int record_find(struct keeper *k, bool tidy)
{
    char line[64];
    unsigned long pid;
    unsigned long long start;
    char nl;
    int fd = openat(k->dirfd, k->file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    ssize_t n = read(fd, line, sizeof(line) - 1);
    close(fd);
    line[n > 0 ? n : 0] = '\0';
    if (n > 0 && sscanf(line, "%lu %llu%c", &pid, &start, &nl) == 3 && nl == '\n' && pid > 1 &&
        pid <= LAB_PID_MAX) {
        k->pid = (pid_t)pid;
        k->start = start;
        /* The pidfd first, /proc next, then a signal 0 through the pidfd: what /proc
         * showed was the process the pidfd holds (lab.c stops daemons the same way). */
        k->pidfd = sys_pidfd_open(k->pid);
        if (k->pidfd >= 0 && lab_proc_check(k->pid, KEEPER_COMM, k->start) == 0 &&
            sys_pidfd_send_signal(k->pidfd, 0) == 0)
            return 1;
        if (k->pidfd >= 0)
            close(k->pidfd);
        k->pidfd = -1;
    }
    /* A keeper killed, or the machine restarted: nothing is held any more. */
    if (tidy)
        unlinkat(k->dirfd, k->file, 0);
    return 0;
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
    k->start = lab_proc_start_time(k->pid);
    snprintf(shell, sizeof(shell), "echo %d %" PRIu64 " > %s/%s", (int)k->pid, k->start, k->dir,
             k->file);
    narrate_op(shell, "open(%s/%s.%d, O_CREAT|O_EXCL), rename", k->dir, k->file, (int)getpid());
    if ((r = record_save(k)) < 0) {
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
    if ((k->pidfd = sys_pidfd_open(k->pid)) < 0)
        return labstage_fail(s, -errno, NULL, "the keeper", NULL);
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

/* ---- every command: the join ---------------------------------------------------- */

/* A SANITIZE=1 build only: at exit, LeakSanitizer stops the process's threads from a
 * helper it clones.  After setns(CLONE_NEWPID) that helper is born in the keeper's PID
 * namespace, where this process has no pid, and it would wait for ever: so a process
 * that has joined a keeper skips the leak check (ASan and UBSan still run).  The
 * sanitizer runtime calls this at exit; other builds never do. */
static int joined_keeper;
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
    return joined_keeper;
}

static int keeper_join(struct labstage *s, struct keeper *k, int *status)
{
    static const char *const kinds[] = {"user", "mnt", "net", "pid"};
    char shell[96], path[64], cwd[4096];
    int fds[4], st, r = 0, i;
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
    if (r == 0 && sys_pidfd_send_signal(k->pidfd, 0) < 0)
        r = -errno;
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
    joined_keeper = 1;
    for (i = 0; i < 4; i++)
        if (r == 0 && setns(fds[i], 0) < 0)
            r = -errno;
    for (i = 0; i < 4; i++)
        close(fds[i]);
    if (r < 0)
        return labstage_fail(s, r, NULL, shell, NULL);
    /* setns() into a mount namespace moves us to its root: back to where we were. */
    if (!here || chdir(cwd) < 0) {
        if (chdir("/") < 0)
            return labstage_fail(s, -errno, NULL, "cd /", NULL);
    }
    /* A PID namespace is entered by children only: the command goes on in a child,
     * PID 2 or more inside, while we wait for it out here. */
    fflush(NULL);
    pid_t child = fork();
    if (child < 0)
        return labstage_fail(s, -errno, NULL, shell, NULL);
    if (child == 0) {
        close(k->pidfd);
        close(k->dirfd);
        return 0;
    }
    while (waitpid(child, &st, 0) < 0)
        if (errno != EINTR)
            return labstage_fail(s, -errno, NULL, shell, NULL);
    *status = spawn_exit_code(st);
    return 1;
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
    if (sys_pidfd_send_signal(k->pidfd, SIGKILL) == 0) {
        struct pollfd p = {.fd = k->pidfd, .events = POLLIN};
        poll(&p, 1, 5000);
    }
    if (k->ours)
        waitpid(k->pid, NULL, 0);
    /* The record goes, unless a newer keeper has taken the name meanwhile. */
    struct keeper now = {.dirfd = k->dirfd, .pidfd = -1};
    snprintf(now.file, sizeof(now.file), "%s", k->file);
    flock(k->dirfd, LOCK_EX);
    if (record_find(&now, true) == 1) {
        if (now.pid == k->pid && now.start == k->start)
            unlinkat(k->dirfd, k->file, 0);
        close(now.pidfd);
    }
    /* The last lab of this user gone: its directory goes too (it fails, ENOTEMPTY,
     * while another keeper is written there).  Under the lock, which a command that
     * opened the directory meanwhile takes next; it then sees it was removed. */
    rmdir(k->dir);
    flock(k->dirfd, LOCK_UN);
}

int keeper_run(struct labstage *s, enum labsub which, const char *host, int *status)
{
    struct keeper k = {.pidfd = -1};
    char why[160], shell[600];
    int r;
    snprintf(k.file, sizeof(k.file), "%s.keeper", host);
    if ((k.dirfd = userdir_open(k.dir, sizeof(k.dir), why, sizeof(why))) < 0) {
        snprintf(shell, sizeof(shell), "%s", k.dir);
        if (k.dirfd == -EPERM) {
            snprintf(shell, sizeof(shell), "%s is not ours alone (%s)", k.dir, why);
            labstage_fail(s, k.dirfd, NULL, shell, "remove it, or fix its owner and mode");
            s->fail.err = 0;
            return -EPERM;
        }
        return labstage_fail(s, k.dirfd, NULL, shell, NULL);
    }
    /* One command at a time looks for, starts or ends this user's keepers.  A down
     * that ended the user's last lab may have removed the directory while we waited
     * for the lock (no links left to it): then open it anew. */
    struct stat dst;
    for (int tries = 0;; tries++) {
        if (flock(k.dirfd, LOCK_EX) < 0 || fstat(k.dirfd, &dst) < 0) {
            snprintf(shell, sizeof(shell), "flock %s", k.dir);
            return labstage_fail(s, -errno, NULL, shell, NULL);
        }
        if (dst.st_nlink > 0 || tries == 3)
            break;
        close(k.dirfd);
        if ((k.dirfd = userdir_open(k.dir, sizeof(k.dir), why, sizeof(why))) < 0)
            return labstage_fail(s, k.dirfd, NULL, k.dir, "%s", why);
    }
    if ((r = record_find(&k, true)) < 0) {
        snprintf(shell, sizeof(shell), "reading %s/%s", k.dir, k.file);
        return labstage_fail(s, r, NULL, shell, NULL);
    }
    if (r == 0 && which != LABSUB_UP && which != LABSUB_DEMO) {
        flock(k.dirfd, LOCK_UN);
        if (which == LABSUB_DOWN) {
            narrate_note("%s is not up (no keeper in %s/%s): nothing to remove", host, k.dir,
                         k.file);
            *status = 0;
            return 1;
        }
        snprintf(shell, sizeof(shell), "%s is not up", host);
        labstage_fail(s, -ENOENT, NULL, shell, "run '%s up' first", s->prog);
        s->fail.err = 0;
        return -ENOENT;
    }
    if (r == 0 && (r = keeper_start(s, &k)) < 0)
        return r;
    flock(k.dirfd, LOCK_UN);

    if ((r = keeper_join(s, &k, status)) == 0)
        return 0; /* the child, inside */
    if (r < 0) {
        if (k.ours) /* a keeper nobody could join holds nothing */
            keeper_end(&k);
        return r;
    }

    /* The lab is down (down, the demo's end, a failed up): nothing is left to hold. */
    snprintf(shell, sizeof(shell), "%s/%s.state", LAB_STATE_DIR, host);
    if (which == LABSUB_DOWN || (which == LABSUB_DEMO && k.ours) || access(shell, F_OK) < 0)
        keeper_end(&k);
    close(k.pidfd);
    close(k.dirfd);
    return 1;
}

/* Without -U: whether this user's own -U lab named host is up (its record names a
 * live keeper).  Only looks: makes and removes nothing. */
static bool keeper_rootless_up(const char *host)
{
    struct keeper k = {.pidfd = -1};
    char why[160];
    snprintf(k.file, sizeof(k.file), "%s.keeper", host);
    if ((k.dirfd = userdir_lookup(k.dir, sizeof(k.dir), why, sizeof(why))) < 0)
        return false;
    int r = record_find(&k, false);
    if (r == 1)
        close(k.pidfd);
    close(k.dirfd);
    return r == 1;
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

int keeper_dispatch(struct labstage *s, bool userns, enum labsub which, const char *host,
                    const char *prog_u)
{
    int r, status;
    if (which == LABSUB_SHELL && !userns)
        err_usage("shell goes with -U (as root, your own shell sees the lab: sudo ip netns list)");
    if (!userns) {
        keeper_without_u(s, which, host, prog_u);
        return -1;
    }
    s->prog = prog_u;
    if ((r = keeper_run(s, which, host, &status)) < 0)
        labstage_die(s);
    return r == 0 ? -1 : status;
}
