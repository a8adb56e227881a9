/* test_ipnetns.c - ip netns add (04-netns-veth/ipnetns.c), del and exec
 * (common/netns.c), against real, uniquely named namespaces. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../04-netns-veth/ipnetns.h"
#include "../../common/narrate.h"
#include "../../common/netns.h"
#include "suites.h"

static char name[64];

static void unique(void)
{
    snprintf(name, sizeof(name), "nslab-unit-%d", (int)getpid());
}

static void cleanup(void)
{
    netns_del(name);
}

START_TEST(path_is_under_run_netns)
{
    char buf[32];
    ck_assert_int_eq(netns_path("ns1", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "/run/netns/ns1");
    ck_assert_int_eq(netns_path("a-name-far-too-long-for-this", buf, 16), -ENAMETOOLONG);
}
END_TEST

START_TEST(add_makes_what_ip_netns_list_sees)
{
    uint64_t ino, mine;
    struct stat st;
    unique();
    ck_assert_int_eq(ipnetns_pin(name), 0);
    ck_assert_int_eq(ipnetns_pin(name), -EEXIST);
    ck_assert_int_eq(netns_inode(name, &ino), 0);
    ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
    mine = st.st_ino;
    ck_assert(ino != mine); /* a new namespace, and we are back in ours */
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "ip netns list | grep -qx '%s'", name);
    int listed = system(cmd);
    cleanup();
    ck_assert_int_eq(listed, 0);
    ck_assert_int_eq(netns_inode(name, &ino), -ENOENT);
    ck_assert_int_eq(netns_del(name), -ENOENT);
}
END_TEST

START_TEST(enter_and_leave)
{
    struct stat before, inside, after;
    uint64_t ino;
    int back;
    unique();
    ck_assert_int_eq(ipnetns_pin(name), 0);
    ck_assert_int_eq(netns_inode(name, &ino), 0);
    stat("/proc/thread-self/ns/net", &before);
    ck_assert_int_eq(netns_enter(name, &back), 0);
    stat("/proc/thread-self/ns/net", &inside);
    ck_assert_int_eq(netns_leave(back), 0);
    stat("/proc/thread-self/ns/net", &after);
    cleanup();
    ck_assert_uint_eq(inside.st_ino, ino);
    ck_assert_uint_eq(after.st_ino, before.st_ino);
    ck_assert_int_eq(netns_enter(name, &back), -ENOENT);
}
END_TEST

START_TEST(exec_runs_inside_with_its_own_sys)
{
    int status;
    unique();
    ck_assert_int_eq(ipnetns_pin(name), 0);
    /* Only lo in a new namespace, in ip's view and in /sys/class/net. */
    char *cmd[] = {"sh", "-c", "test \"$(ls /sys/class/net)\" = lo && exit 7", NULL};
    int r = netns_exec(name, cmd, &status);
    char *missing[] = {"/nonexistent/nslab", NULL};
    int r2 = netns_exec(name, missing, &status);
    cleanup();
    ck_assert_int_eq(r, 0);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 7);
    ck_assert_int_eq(r2, -ENOENT);
    ck_assert_int_eq(netns_exec(name, cmd, &status), -ENOENT); /* deleted */
}
END_TEST

/* The whole of a small file, for comparing; "" when there is none. */
static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
}

/* A DHCP client's write to /etc/resolv.conf lands in the overlay's upper /etc, as a
 * regular file there (never through a symbolic link out of /etc), also as root of a
 * user namespace to which the machine's /etc belongs to nobody (unit_in_userns);
 * a second run finds what the first wrote, with a /run of its own. */
START_TEST(exec_etc_overlay_takes_resolv_conf)
{
    char dir[] = "/tmp/nslab-unit-XXXXXX", path[96], before[8192], after[8192], lab[256];
    struct netns_exec_opts o = {.new_uts = true, .timeout_ms = 5000};
    int status;
    unique();
    slurp("/etc/resolv.conf", before, sizeof(before));
    ck_assert_ptr_nonnull(mkdtemp(dir));
    o.etc_dir = dir;
    ck_assert_int_eq(ipnetns_pin(name), 0);
    char *writer[] = {"sh", "-c",
                      "test -f /etc/resolv.conf && test ! -L /etc/resolv.conf && "
                      "echo nameserver 192.0.2.53 >/etc/resolv.conf && exit 7",
                      NULL};
    /* private_run: a /run of its own, empty when etc_dir is not under /run */
    char *reader[] = {"sh", "-c",
                      "grep -qx 'nameserver 192.0.2.53' /etc/resolv.conf && "
                      "test -z \"$(ls -A /run)\" && exit 8",
                      NULL};
    int r = netns_exec_opts(name, writer, &o, &status);
    int st1 = status;
    o.private_run = true;
    int r2 = netns_exec_opts(name, reader, &o, &status);
    cleanup();
    snprintf(path, sizeof(path), "%s/etc/resolv.conf", dir);
    slurp(path, lab, sizeof(lab));
    slurp("/etc/resolv.conf", after, sizeof(after));
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(r, 0);
    ck_assert(WIFEXITED(st1));
    ck_assert_int_eq(WEXITSTATUS(st1), 7);
    ck_assert_int_eq(r2, 0);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 8);
    ck_assert_str_eq(lab, "nameserver 192.0.2.53\n");
    ck_assert_str_eq(after, before);
}
END_TEST

START_TEST(spawn_returns_at_exec_and_wait_reaps)
{
    int status, fds[2];
    pid_t pid;
    unique();
    ck_assert_int_eq(ipnetns_pin(name), 0);
    ck_assert_int_eq(pipe(fds), 0);
    /* The command blocks until we write: spawn must have returned before it ends. */
    char arg[32];
    snprintf(arg, sizeof(arg), "read x <&%d; exit 5", fds[0]);
    char *cmd[] = {"sh", "-c", arg, NULL};
    int r = netns_spawn(name, cmd, NULL, &pid);
    ck_assert_int_eq(write(fds[1], "\n", 1), 1);
    int rw = r == 0 ? netns_wait(pid, NULL, &status) : r;
    char *missing[] = {"/nonexistent/nslab", NULL};
    int r2 = netns_spawn(name, missing, NULL, &pid);
    cleanup();
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(rw, 0);
    ck_assert_int_eq(WEXITSTATUS(status), 5);
    ck_assert_int_eq(r2, -ENOENT);
}
END_TEST

START_TEST(a_half_made_namespace_is_not_a_namespace)
{
    char path[128];
    uint64_t ino;
    unique();
    /* What a killed `ip netns add` leaves: the empty file, nothing mounted on it. */
    netns_path(name, path, sizeof(path));
    mkdir(NETNS_RUN_DIR, 0755);
    int fd = open(path, O_CREAT | O_EXCL | O_RDONLY, 0);
    ck_assert_int_ge(fd, 0);
    close(fd);
    int r = netns_inode(name, &ino);
    ck_assert_int_eq(netns_del(name), 0);
    ck_assert_int_eq(r, -EINVAL);
}
END_TEST

START_TEST(users_finds_a_process_inside_but_never_ourselves)
{
    int p[2];
    uint64_t ino;
    pid_t who = 0;
    ck_assert_int_eq(pipe(p), 0);
    pid_t c = fork();
    if (c == 0) {
        struct stat st;
        if (unshare(CLONE_NEWNET) < 0 || stat("/proc/self/ns/net", &st) < 0)
            _exit(1);
        ino = st.st_ino;
        if (write(p[1], &ino, sizeof(ino)) != sizeof(ino))
            _exit(1);
        pause();
        _exit(0);
    }
    ck_assert_int_eq(read(p[0], &ino, sizeof(ino)), (int)sizeof(ino));
    uint64_t set[2] = {1, ino};
    ck_assert_int_eq(netns_users(set, 2, &who), 1);
    ck_assert_int_eq(who, c);
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    ck_assert_int_eq(netns_users(set, 2, &who), -1);

    /* a namespace only this process is in counts as empty: we go when we exit */
    struct stat st;
    ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
    ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
    ino = st.st_ino;
    ck_assert_int_eq(netns_users(&ino, 1, &who), -1);
}
END_TEST

/* Stage 04's lesson: pinned as ip netns add pins, written down in the lab's state,
 * and the caller never leaves its own namespace (the unshare runs in a thread). */
START_TEST(lesson_add_records_and_pins_from_a_thread)
{
    struct labstage st = {.stage = "test-ipnetns", .prog = "test", .who = "test"};
    char lab[64];
    struct stat before, after;
    uint64_t ino;
    struct nl nl;
    struct nl_link lo;
    unique();
    narrate_init("test", true);
    snprintf(lab, sizeof(lab), "nslab-unit-lab-%d", (int)getpid());
    ck_assert_int_ge(lab_open(&st.lab, st.stage, lab), 0);
    ck_assert_int_eq(stat("/proc/thread-self/ns/net", &before), 0);
    ck_assert_int_eq(ipnetns_add(&st, name), 0);
    ck_assert_int_eq(stat("/proc/thread-self/ns/net", &after), 0);
    ck_assert(before.st_ino == after.st_ino);
    ck_assert_int_eq(netns_inode(name, &ino), 0);
    ck_assert_int_eq(st.lab.n, 1);
    ck_assert(st.lab.obj[0].id == ino && st.lab.obj[0].id2 != 0);
    ck_assert_int_eq(lab_netns_check(&st.lab, name), 0);
    /* taken: refused, named as the command, and not recorded twice */
    ck_assert_int_eq(ipnetns_add(&st, name), -EEXIST);
    ck_assert_int_eq(st.lab.n, 1);
    ck_assert(strstr(st.fail.shell, "ip netns add ") == st.fail.shell);
    /* ip -n NAME: a socket that talks to the new namespace, which has only lo */
    ck_assert_int_eq(ipnetns_rtnl(&st, name, &nl), 0);
    ck_assert_int_eq(nl_link_get(&nl, "lo", &lo), 0);
    ck_assert_int_eq(nl_link_get(&nl, "eth0", &lo), -ENODEV);
    nl_close(&nl);
    cleanup();
    lab_remove_state(&st.lab);
}
END_TEST

Suite *suite_ipnetns(void)
{
    Suite *s = suite_create("netns");
    TCase *tc = tcase_create("netns");
    tcase_add_test(tc, path_is_under_run_netns);
    suite_add_tcase(s, tc);
    TCase *root = tcase_create("netns (root)");
    tcase_add_test(root, add_makes_what_ip_netns_list_sees);
    tcase_add_test(root, enter_and_leave);
    tcase_add_test(root, exec_runs_inside_with_its_own_sys);
    tcase_add_test(root, exec_etc_overlay_takes_resolv_conf);
    tcase_add_test(root, a_half_made_namespace_is_not_a_namespace);
    tcase_add_test(root, users_finds_a_process_inside_but_never_ourselves);
    tcase_add_test(root, spawn_returns_at_exec_and_wait_reaps);
    tcase_add_test(root, lesson_add_records_and_pins_from_a_thread);
    unit_add_root_tcase(s, root, 8);
    return s;
}
