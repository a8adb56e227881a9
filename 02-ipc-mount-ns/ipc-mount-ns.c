/* 02-ipc-mount-ns/ipc-mount-ns.c - IPC, mount and UTS isolation, made visible.
 *
 * Stage 01's PID and mount namespaces, plus the two the article passes to clone()
 * without showing them: CLONE_NEWIPC (System V IPC objects and POSIX message queues)
 * and CLONE_NEWUTS (the host name).  The child gets a fresh /proc, a tmpfs on /mnt,
 * its own mqueue filesystem, and optionally its own host name; then it runs a
 * command, so `ipcs -q`, `findmnt` and `hostname` inside can be compared with the
 * host's.  --leak shows the article's trap: without `mount --make-rprivate /`, the
 * child's mounts land in its parent's mount table (done in a throwaway mount
 * namespace, so the machine's own never changes).  -U does it all in a new user
 * namespace, without root.
 *
 * Shell commands it replaces:
 *   unshare --pid --mount --ipc --uts --fork sh -c 'mount --make-rprivate / &&
 *     mount -t proc proc /proc && mount -t tmpfs tmpfs /mnt &&
 *     mkdir /mnt/mqueue && mount -t mqueue mqueue /mnt/mqueue && hostname NAME && exec CMD'
 *   (-U adds --user --map-root-user)
 *
 * New here, written out below: the CLONE_NEWIPC and CLONE_NEWUTS flags, the tmpfs
 * and mqueue mounts, sethostname(), and for --leak unshare(CLONE_NEWNS),
 * mount(MS_REC|MS_SHARED) and umount2().  Met in stage 01 and called from its file,
 * 01-pid-ns/pid1.c: the hold pipe, the private / and the fresh /proc, execvp() and
 * the waitpid() loop.  -U writes the ID maps of chapter 3 (03-user-drop/userns-maps.c).
 *
 * Read: ipc_namespaces(7), mount_namespaces(7), uts_namespaces(7), mq_overview(7),
 *       sysvipc(7), ipcs(1), findmnt(8), sethostname(2).
 *
 * Usage: ipc-mount-ns [-q] [-U] [-n NAME] [--leak] [-- CMD [ARG...]]
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../01-pid-ns/pid1.h"
#include "../03-user-drop/userns-maps.h"
#include "../common/args.h"
#include "../common/err.h"
#include "../common/mounts.h"
#include "../common/narrate.h"
#include "../common/spawn.h"

static const char usage[] =
    "Usage: ipc-mount-ns [-q] [-U] [-n NAME] [--leak] [-- CMD [ARG...]]\n"
    "Runs CMD (default: /bin/bash) in new PID, mount, IPC and UTS namespaces, with a\n"
    "fresh /proc, a tmpfs on /mnt and its own POSIX message queue filesystem, so\n"
    "ipcs, findmnt and hostname inside show only the namespace's.\n"
    "\n"
    "  -n, --hostname NAME  set the namespace's host name (the host's stays)\n"
    "  -U, --userns         also a new user namespace: runs without root, as root inside\n"
    "      --leak           skip 'mount --make-rprivate /', as the article does, in a\n"
    "                       throwaway mount namespace whose / is shared: the child's\n"
    "                       mounts leak into it (root only)\n"
    "  -q, --quiet          do not narrate the kernel operations\n"
    "  -h, --help           show this help\n"
    "\n"
    "Needs root, or -U. Exit status: CMD's, 128+N if CMD died of signal N,\n"
    "1 if a system call failed, 2 for a bad option.\n"
    "\n"
    "Example:\n"
    "  sudo 02-ipc-mount-ns/ipc-mount-ns -n inside -- sh -c 'hostname; ipcs -q; findmnt /mnt'\n";

struct child_args {
    char **cmd;
    const char *hostname; /* NULL: keep the copied one */
    bool leak;
    int hold[2]; /* stage 01's hold pipe */
};

static int child_main(void *arg)
{
    struct child_args *a = arg;
    int r;

    narrate_set_who("ipc-mount-ns child");

    /* As in stage 01: held until the parent is ready, then a private / (which --leak
     * skips, as the article does) and our own /proc. */
    if (pid1_hold(a->hold, false) < 0)
        return EXIT_RUNTIME;
    if (a->leak)
        narrate_note("--leak: no mount --make-rprivate /, as in the article");
    else if ((r = pid1_make_private("/")) < 0)
        return err_fail(-r, NULL, "mount --make-rprivate /");
    if ((r = pid1_mount_proc("/proc")) < 0)
        return err_fail(-r, NULL, "mount -t proc proc /proc");

    /* A mount only this namespace has: findmnt /mnt shows it here, not on the host.
     * tmpfs needs no device; the source "tmpfs" is only a label for findmnt. */
    narrate_op("mount -t tmpfs tmpfs /mnt", "mount(\"tmpfs\", \"/mnt\", MS_NOSUID|MS_NODEV)");
    if (mount("tmpfs", "/mnt", "tmpfs", MS_NOSUID | MS_NODEV, NULL) < 0)
        return err_fail(errno, NULL, "mount -t tmpfs tmpfs /mnt");

    /* POSIX message queues live in the IPC namespace, and an mqueue filesystem shows
     * the queues of the namespace that mounted it.  Where systemd mounted one on
     * /dev/mqueue, the copy we inherited still shows the host's: mount ours over it.
     * Elsewhere, in our tmpfs, so nothing outside it is created. */
    struct stat st;
    const char *mq = "/dev/mqueue";
    if (stat(mq, &st) < 0 || !S_ISDIR(st.st_mode)) {
        mq = "/mnt/mqueue";
        narrate_op("mkdir /mnt/mqueue", "mkdir(\"/mnt/mqueue\")");
        if (mkdir(mq, 0755) < 0)
            return err_fail(errno, NULL, "mkdir %s", mq);
    }
    char shell[96];
    snprintf(shell, sizeof(shell), "mount -t mqueue mqueue %s", mq);
    narrate_op(shell, "mount(\"mqueue\", \"%s\", MS_NOSUID|MS_NODEV)", mq);
    if (mount("mqueue", mq, "mqueue", MS_NOSUID | MS_NODEV, NULL) < 0)
        return err_fail(errno, NULL, "%s", shell);

    /* The UTS namespace is a copy of the host's names; changing ours leaves theirs. */
    if (a->hostname) {
        snprintf(shell, sizeof(shell), "hostname %s", a->hostname);
        narrate_op(shell, "sethostname(\"%s\")", a->hostname);
        if (sethostname(a->hostname, strlen(a->hostname)) < 0)
            return err_fail(errno, NULL, "%s", shell);
    }

    return pid1_exec(a->cmd, NULL);
}

/* --leak, before the clone: a mount namespace of our own whose / is shared again, as
 * systemd leaves it.  Made private first, so that sharing it joins no peer group of
 * the machine's: whatever leaks into it goes away with this process.  Returns an open
 * /proc/self/mountinfo of it, readable after the child's proc has hidden our /proc,
 * or -1 once it has said what failed. */
static int leak_prepare(void)
{
    int r;
    narrate_op("unshare --mount", "unshare(CLONE_NEWNS)");
    if (unshare(CLONE_NEWNS) < 0) {
        err_print(errno, errno == EPERM ? err_root_hint("--leak needs CAP_SYS_ADMIN") : NULL,
                  "unshare --mount");
        return -1;
    }
    if ((r = pid1_make_private("/")) < 0) {
        err_print(-r, NULL, "mount --make-rprivate /");
        return -1;
    }
    narrate_op("mount --make-rshared /", "mount(\"/\", MS_REC|MS_SHARED)");
    if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0) {
        err_print(errno, NULL, "mount --make-rshared /");
        return -1;
    }
    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        err_print(errno, NULL, "cat /proc/self/mountinfo");
    return fd;
}

/* --leak, after the child is gone: what its mounts did to ours. */
static void leak_report(int mountinfo_fd)
{
    static char text[256 * 1024];
    char type[64];
    ssize_t n, len = 0;

    /* mountinfo is generated as it is read: from offset 0 it is today's table. */
    while ((n = pread(mountinfo_fd, text + len, sizeof(text) - 1 - (size_t)len, len)) > 0)
        len += n;
    text[len] = '\0';
    close(mountinfo_fd);
    narrate_set_who("ipc-mount-ns");
    if (mnt_info_fstype(text, "/mnt", type, sizeof(type)) == 0)
        narrate_note("--leak: our mount table now has the child's %s on /mnt", type);
    if (mnt_info_fstype(text, "/proc", type, sizeof(type)) == 0)
        narrate_note("--leak: and /proc %s", access("/proc/self", F_OK) == 0
                                                 ? "still shows our processes"
                                                 : "is the dead namespace's: /proc/self is gone");
    /* The leaked proc hides ours, and this process still needs its own /proc until it
     * exits (sanitizers read it, for one).  Unmounting it in our throwaway namespace
     * uncovers ours again. */
    narrate_op("umount /proc", "umount2(\"/proc\", MNT_DETACH)");
    if (umount2("/proc", MNT_DETACH) < 0)
        err_print(errno, NULL, "umount /proc");
    narrate_note("--leak: all in a throwaway mount namespace: the machine's is unchanged");
}

int main(int argc, char *argv[])
{
    static const struct option longopts[] = {
        {"quiet", no_argument, NULL, 'q'},  {"help", no_argument, NULL, 'h'},
        {"userns", no_argument, NULL, 'U'}, {"hostname", required_argument, NULL, 'n'},
        {"leak", no_argument, NULL, 'L'},   {0},
    };
    static char *bash[] = {"/bin/bash", NULL};
    struct child_args a = {0};
    bool quiet = false, userns = false;
    int opt, r;

    err_stage = "02-ipc-mount-ns";
    while ((opt = getopt_long(argc, argv, "+:qhUn:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'q':
            quiet = true;
            break;
        case 'U':
            userns = true;
            break;
        case 'L':
            a.leak = true;
            break;
        case 'n':
            if (args_check_hostname(optarg) < 0)
                return err_bad_usage("bad host name '%s': 1 to 64 printable characters, no '/'",
                                     optarg);
            a.hostname = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return err_bad_option(opt, argv);
        }
    }
    /* Mounts never propagate out of a user namespace's mount namespace: the kernel
     * turns the copied shared mounts into slaves.  There would be nothing to see. */
    if (a.leak && userns)
        return err_bad_usage("--leak and -U do not go together: mounts made in a user namespace "
                             "never propagate out");
    if (args_command(argc, argv, optind, bash, &a.cmd) < 0)
        return err_bad_usage("missing command after '--'");
    narrate_init("ipc-mount-ns", quiet);

    int mountinfo_fd = -1;
    if (a.leak && (mountinfo_fd = leak_prepare()) < 0)
        return EXIT_RUNTIME;

    /* The stack and the hold pipe, as in stage 01. */
    /* cppcheck-suppress allocaCalled ; the article's way, as in stage 01 */
    char *stack = alloca(PID1_STACK_SIZE);
    if (pipe2(a.hold, O_CLOEXEC) < 0)
        return err_fail(errno, NULL, "pipe2");

    /* Four namespaces at once: stage 01's two, and CLONE_NEWIPC and CLONE_NEWUTS,
     * each a copy of ours that starts out as ours (the same host name) or empty (no
     * IPC objects).  With -U a fifth, created first by the kernel, which owns the
     * other four: that is what lets an unprivileged user make them. */
    int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
    if (userns)
        flags |= CLONE_NEWUSER;
    char op[160], shell[96];
    spawn_describe(flags, op, sizeof(op), shell, sizeof(shell));
    pid_t pid = clone(child_main, spawn_stack_top(stack, PID1_STACK_SIZE), flags, &a);
    if (pid < 0)
        return pid1_clone_failed(errno, flags, a.hold, op, shell);
    narrate_op(shell, "%s", op);

    /* -U: the child waits on its pipe with no IDs yet; we map root inside to us. */
    if (userns) {
        struct userns_map m = {0, getuid(), 0, getgid()};
        if ((r = pid1_map(pid, a.hold, flags, &m)) != 0)
            return r;
    }

    /* As in stage 01: let it go, wait for it, pass its status on. */
    int code = pid1_finish(pid, a.hold);
    if (a.leak)
        leak_report(mountinfo_fd);
    return code;
}
