/* 03-user-drop/user-drop.c - the article's whole first program, corrected.
 *
 * clone() a child into new IPC, PID and mount namespaces sharing the parent's file
 * descriptor table (CLONE_FILES, as the article does), make / private, mount a fresh
 * /proc, then drop from root to nobody (65534) and exec a command: bash by default.
 * The drop: supplementary groups, then the group, then the user, last because it
 * gives up the capabilities the other two need; every call is checked: if one fails,
 * the command never runs.  (The article's order, setgid before setgroups, is as good:
 * its fault is that nothing is checked.)  -U does it in a new user namespace, without
 * root: the parent maps the target IDs inside to the caller's outside.
 *
 * Shell commands it replaces:
 *   unshare --ipc --pid --mount --fork --mount-proc \
 *     setpriv --clear-groups --regid=65534 --reuid=65534 CMD
 *   (-U: unshare --user --map-user=65534 --map-group=65534 ... without --clear-groups)
 *
 * New here, written out below: CLONE_FILES, setgroups(), setgid(), setuid(), in that
 * order; and beside it, 03-user-drop/userns-maps.c, the user-namespace lesson: the
 * writes to /proc/PID/setgroups, uid_map and gid_map that -U makes (stages 01 and 02
 * link that file for their own -U).  Met in stage 01 and called from its file,
 * 01-pid-ns/pid1.c: the hold pipe, the private / and the fresh /proc, execvp() and
 * the waitpid() loop.
 *
 * Read: clone(2), setgroups(2), setgid(2), setuid(2), credentials(7),
 *       capabilities(7), user_namespaces(7).
 *
 * Usage: user-drop [-q] [-U] [-u USER] [-g GROUP] [-- CMD [ARG...]]
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "../01-pid-ns/pid1.h"
#include "../common/args.h"
#include "../common/err.h"
#include "../common/ids.h"
#include "../common/narrate.h"
#include "../common/spawn.h"
#include "userns-maps.h"

static const char usage[] =
    "Usage: user-drop [-q] [-U] [-u USER] [-g GROUP] [-- CMD [ARG...]]\n"
    "Runs CMD (default: /bin/bash) as PID 1 of new IPC, PID and mount namespaces with\n"
    "a fresh /proc, after dropping root for USER and GROUP (default: 65534, nobody\n"
    "and nogroup): no supplementary groups, no capabilities, no way back.\n"
    "\n"
    "  -u, --user NAME|UID    the user to become (default 65534)\n"
    "  -g, --group NAME|GID   the group to become (default 65534)\n"
    "  -U, --userns           also a new user namespace: runs without root; USER and\n"
    "                         GROUP inside stand for you outside\n"
    "  -q, --quiet            do not narrate the kernel operations\n"
    "  -h, --help             show this help\n"
    "\n"
    "Needs root, or -U. Exit status: CMD's, 128+N if CMD died of signal N,\n"
    "1 if a system call failed (CMD did not run), 2 for a bad option.\n"
    "\n"
    "Example:\n"
    "  sudo 03-user-drop/user-drop -- id\n";

struct child_args {
    char **cmd;
    uid_t uid;
    gid_t gid;
    bool userns;
    int hold[2]; /* stage 01's hold pipe */
};

/* The hint for a failed setgid/setuid: EINVAL means the ID has no meaning here. */
static const char *id_hint(int err, const char *map)
{
    static char hint[128];
    if (err != EINVAL)
        return NULL;
    snprintf(hint, sizeof(hint), "the ID is not mapped in this user namespace: see %s", map);
    return hint;
}

static int child_main(void *arg)
{
    struct child_args *a = arg;
    char shell[256];
    int r;

    narrate_set_who("user-drop child");

    /* As in stage 01: held until the parent is ready (with -U, until it has mapped
     * the IDs we drop to), then a private / and our own /proc.  The mounts need root
     * (or the capabilities -U gives us in our own user namespace), so they come
     * before the drop; after it, nothing could be mounted.  With CLONE_FILES our
     * descriptors are the parent's: pid1_hold must leave them open. */
    if (pid1_hold(a->hold, true) < 0)
        return EXIT_RUNTIME;
    if ((r = pid1_make_private("/")) < 0)
        return err_fail(-r, NULL, "mount --make-rprivate /");
    if ((r = pid1_mount_proc("/proc")) < 0)
        return err_fail(-r, NULL, "mount -t proc proc /proc");

    /* The drop.  setgroups() and setgid() need CAP_SETGID, setuid() CAP_SETUID, and
     * setuid() away from root takes both away: it must come last.  Called first, it
     * makes the other two fail with EPERM and leaves root's groups in place.  The two
     * group calls may come in either order (the article calls setgid() first), since
     * neither gives up a capability.  Every result is checked: the article ignores
     * them, so a failed setuid there runs bash as root. */
    if (a->userns) {
        /* The parent had to write "deny" to /proc/PID/setgroups before it could map
         * our group: in this namespace setgroups() fails for good.  The groups we came
         * with stay, shown as 65534 (unmapped), and still count for files outside. */
        narrate_note("setgroups() is denied in this user namespace (/proc/self/setgroups: "
                     "deny): the groups from outside stay");
    } else {
        /* The supplementary groups first: root's (group 0 among them) would stay
         * with nobody otherwise, and open every file those groups may open. */
        narrate_op("setpriv --clear-groups", "setgroups(0, NULL)");
        if (setgroups(0, NULL) < 0)
            return err_fail(errno, NULL, "setgroups(0, NULL) ~ setpriv --clear-groups");
    }
    /* The group next, while CAP_SETGID is still ours: real, effective and saved. */
    snprintf(shell, sizeof(shell), "setpriv --regid=%u", (unsigned)a->gid);
    narrate_op(shell, "setgid(%u)", (unsigned)a->gid);
    if (setgid(a->gid) < 0)
        return err_fail(errno, id_hint(errno, "/proc/self/gid_map"), "setgid(%u) ~ %s",
                        (unsigned)a->gid, shell);
    /* The user last: away from 0 in all three user IDs, the kernel clears our
     * capabilities, and no call after this one could change an ID again. */
    snprintf(shell, sizeof(shell), "setpriv --reuid=%u", (unsigned)a->uid);
    narrate_op(shell, "setuid(%u)", (unsigned)a->uid);
    if (setuid(a->uid) < 0)
        return err_fail(errno, id_hint(errno, "/proc/self/uid_map"), "setuid(%u) ~ %s",
                        (unsigned)a->uid, shell);

    /* As in stage 01, the command replaces us.  No capability is left to clear:
     * setuid() away from 0 in all three user IDs already emptied the permitted and
     * effective sets (capabilities(7), "Effect of user ID changes on capabilities"). */
    char as[48];
    snprintf(as, sizeof(as), "uid %u gid %u", (unsigned)getuid(), (unsigned)getgid());
    return pid1_exec(a->cmd, as);
}

int main(int argc, char *argv[])
{
    static const struct option longopts[] = {
        {"quiet", no_argument, NULL, 'q'},       {"help", no_argument, NULL, 'h'},
        {"userns", no_argument, NULL, 'U'},      {"user", required_argument, NULL, 'u'},
        {"group", required_argument, NULL, 'g'}, {0},
    };
    static char *bash[] = {"/bin/bash", NULL};
    /* 65534 is nobody and nogroup on Debian, as in the article. */
    struct child_args a = {.uid = 65534, .gid = 65534};
    bool quiet = false;
    int opt, r;

    err_stage = "03-user-drop";
    while ((opt = getopt_long(argc, argv, "+:qhUu:g:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'q':
            quiet = true;
            break;
        case 'U':
            a.userns = true;
            break;
        case 'u':
            if ((r = ids_parse_uid(optarg, &a.uid)) < 0)
                return err_bad_usage(r == -ENOENT ? "no user named '%s'" : "bad user ID '%s'",
                                     optarg);
            break;
        case 'g':
            if ((r = ids_parse_gid(optarg, &a.gid)) < 0)
                return err_bad_usage(r == -ENOENT ? "no group named '%s'" : "bad group ID '%s'",
                                     optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return err_bad_option(opt, argv);
        }
    }
    if (args_command(argc, argv, optind, bash, &a.cmd) < 0)
        return err_bad_usage("missing command after '--'");
    narrate_init("user-drop", quiet);

    /* The stack and the hold pipe, as in stage 01. */
    /* cppcheck-suppress allocaCalled ; the article's way, as in stage 01 */
    char *stack = alloca(PID1_STACK_SIZE);
    if (pipe2(a.hold, O_CLOEXEC) < 0)
        return err_fail(errno, NULL, "pipe2");

    /* The article's flags.  CLONE_FILES makes the child share our file descriptor
     * table: a descriptor either of us opens or closes, the other sees opened or
     * closed.  Harmless here: we open nothing while the child runs, and execve()
     * gives the command a private copy of the table, in which our O_CLOEXEC hold
     * pipe is closed.  (pid1_wait closes our ends only once the child is reaped.) */
    int flags = CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNS | CLONE_FILES | SIGCHLD;
    if (a.userns)
        flags |= CLONE_NEWUSER;
    char op[160], shell[96];
    spawn_describe(flags, op, sizeof(op), shell, sizeof(shell));
    pid_t pid = clone(child_main, spawn_stack_top(stack, PID1_STACK_SIZE), flags, &a);
    if (pid < 0)
        return pid1_clone_failed(errno, flags, a.hold, op, shell);
    narrate_op(shell, "%s", op);

    /* -U: the IDs the child will drop to are, inside, the only ones mapped: to us.
     * The writes, and why in that order, are in userns-maps.c beside this file. */
    if (a.userns) {
        struct userns_map m = {a.uid, getuid(), a.gid, getgid()};
        if ((r = pid1_map(pid, a.hold, flags, &m)) != 0)
            return r;
    }

    /* As in stage 01: let it go, wait for it in the article's loop, pass its status on. */
    return pid1_finish(pid, a.hold);
}
