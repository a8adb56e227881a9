/* test_lab.c - the lab's state file: its lines, and undoing what it lists. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../04-netns-veth/ipnetns.h"
#include "../../common/lab.h"
#include "../../common/labrun.h"
#include "../../common/narrate.h"
#include "../../common/netns.h"
#include "../../common/proc.h"
#include "suites.h"

START_TEST(lines_round_trip)
{
    const char *lines[] = {"netns ns1 4026532290 8193",
                           "link veth0 nslab-host",
                           "proc dnsmasq 4242 987654 nslab-lan",
                           "netns ns1 0 0",
                           "netns ns1 4026532290 0",
                           "proc dnsmasq 0 0 nslab-lan",
                           "proc dhclient.eth0 4194304 18446744073709551615 ns1",
                           "proc dnsmasq 2 1 -",
                           "dir nslab-host5"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        struct lab_obj o;
        char buf[128];
        ck_assert_msg(lab_parse_obj(lines[i], &o) == 0, "refused '%s'", lines[i]);
        ck_assert_int_gt(lab_format_obj(&o, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, lines[i]);
    }
}
END_TEST

START_TEST(bad_lines_are_refused)
{
    struct lab_obj o;
    const char *bad[] = {"",
                         "netns",
                         "netns ns1",
                         "netns ns1 12",
                         "netns ns1 12 3 extra",
                         "link veth0",
                         "route 10.0.0.0/8",
                         "proc x 1 2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(lab_parse_obj(bad[i], &o) == -EBADMSG, "accepted '%s'", bad[i]);
}
END_TEST

/* Every field as the program writes it, and nothing else: a state file is input. */
START_TEST(every_field_is_checked)
{
    struct lab_obj o;
    const char *bad[] = {
        "netns ../../etc/shadow 0 0", /* undo would unlink /run/netns/../../etc/shadow */
        "netns -n 0 0",
        "netns . 0 0",
        "netns ns1 -5 0",
        "netns ns1 +5 0",
        "netns ns1 0x10 0",
        "netns ns1 010 0",
        "netns ns1 18446744073709551616 0", /* 2^64 */
        "netns ns1 99999999999999999999 0",
        "netns ns1 0 8193", /* a cookie without an inode */
        "netns ns1 12 3 extra",
        "netns ns1  12 3",
        "netns ns1 12 3 ",
        " netns ns1 12 3",
        "netns\\tns1 12 3",
        "netns ns1 12 3\\r",
        "link ../x nslab-host",
        "link veth0 ../nslab-host",
        "link veth-with-a-long-name nslab-host", /* IFNAMSIZ */
        "link veth0 -",
        "proc dnsmasq 4294971538 0 -", /* 2^32 + 4242: not pid 4242 */
        "proc dnsmasq 4294971538 987654 nslab-lan",
        "proc dnsmasq -5 987654 nslab-lan",
        "proc dnsmasq 2147483648 987654 nslab-lan",
        "proc dnsmasq 4194305 987654 nslab-lan", /* above any pid_max */
        "proc dnsmasq 1 987654 nslab-lan",       /* init is never ours */
        "proc dnsmasq 4242 0 nslab-lan",         /* a pid is recorded with its start time */
        "proc dnsmasq 0 987654 nslab-lan",
        "proc ../../x 0 0 nslab-lan",
        "proc .dnsmasq 0 0 nslab-lan",
        "proc dnsmasq 0 0 ../nslab-lan",
        "proc dnsmasq 0 0",
        "dir ../../etc",
        "dir .hidden",
        "dir a/b",
        "dir",
        "owner 04-netns-veth", /* not an object: the file's first line */
        "NETNS ns1 0 0",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(lab_parse_obj(bad[i], &o) == -EBADMSG, "accepted '%s'", bad[i]);
    /* An embedded NUL ends the C string: "netns ns1 12 3\0junk" is checked as
     * "netns ns1 12 3", which the whole-file reader refuses (a_bad_line_is_named). */
}
END_TEST

static char tmp_dir[64];

/* A fresh directory of our own (mode 0700) for a test's state files. */
static const char *make_tmp_dir(void)
{
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/nslab-unit-lab.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
    return tmp_dir;
}

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    /* Mode 0644 whatever the umask (a login user's is often 0002): lab_open refuses a
     * state file others may write, as the stages write none. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fchmod(fd, 0644), 0);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    ck_assert_int_eq(close(fd), 0);
}

static void rm_tmp_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp_dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A state file with a bad line: lab_open refuses the whole file and says which line. */
START_TEST(a_bad_line_is_named)
{
    static const struct {
        const char *text;
        size_t len; /* 0: strlen */
        int line;
        const char *why; /* a part of lab.why */
    } files[] = {
        {"# made by hand\nowner t\nnetns ns1 4026532290 8193\n\nnetns ../../etc/shadow 0 0\n", 0, 5,
         "../../etc/shadow"},
        {"owner t\nproc dnsmasq 4294971538 0 -\n", 0, 2, "4294971538"},
        {"owner t\nroute 10.0.0.0/8\n", 0, 2, "route"},
        {"owner t\nnetns ns1 12 3\0junk\n", 28, 2, "NUL"},
        {"owner t\nowner t\n", 0, 2, "owner"},
        {"owner t x\n", 0, 1, "owner"},
        {"owner ../t\n", 0, 1, "owner"},
        {"netns ns1 0 0\n", 0, 0, "owner"},
    };
    const char *dir = make_tmp_dir();
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct lab lab;
        const char *t = files[i].text;
        write_file(dir, "x.state", t, files[i].len ? files[i].len : strlen(t));
        ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), -EBADMSG);
        ck_assert_int_eq(lab.line, files[i].line);
        ck_assert_msg(strstr(lab.why, files[i].why) != NULL, "file %zu: why is '%s'", i, lab.why);
    }
    /* 33 objects: more than a lab ever records. */
    char text[2048] = "owner t\n";
    for (int i = 0; i <= LAB_MAX_OBJS; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "link v%d ns1\n", i);
    write_file(dir, "x.state", text, strlen(text));
    struct lab lab;
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), -EBADMSG);
    ck_assert_int_eq(lab.line, LAB_MAX_OBJS + 2);
    rm_tmp_dir();
}
END_TEST

/* A line longer than any the program writes is refused whole, not read in pieces. */
START_TEST(a_long_line_is_refused_whole)
{
    char text[1024];
    /* A comment whose tail, past byte 255, reads like an object. */
    int n = snprintf(text, sizeof(text), "owner t\n# %0253d", 0);
    snprintf(text + n, sizeof(text) - (size_t)n, "netns evil 0 0\nnetns ns1 0 0\n");
    const char *dir = make_tmp_dir();
    write_file(dir, "x.state", text, strlen(text));
    struct lab lab;
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), -EBADMSG);
    ck_assert_int_eq(lab.line, 2);
    ck_assert_int_eq(lab_find(&lab, LAB_NETNS, "evil"), -ENOENT);
    rm_tmp_dir();
}
END_TEST

/* The state directory is trusted only when no one else can change it. */
START_TEST(the_state_dir_must_be_ours)
{
    struct lab lab;
    char path[128], link[128];
    const char *dir = make_tmp_dir();
    write_file(dir, "x.state", "owner t\nnetns ns1 0 0\n", 22);
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), 1);

    /* Writable by others: they could plant a state file. */
    ck_assert_int_eq(chmod(dir, 0777), 0);
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), -EPERM);
    ck_assert_msg(strstr(lab.why, dir) != NULL, "why is '%s'", lab.why);
    ck_assert_int_eq(lab_lock(&lab), -EPERM);
    ck_assert_msg(strstr(lab.why, dir) != NULL, "why is '%s'", lab.why);
    ck_assert_int_lt(lab_record(&lab, LAB_NETNS, "ns2", NULL), 0);
    ck_assert_int_eq(chmod(dir, 0775), 0);
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), -EPERM);
    ck_assert_int_eq(chmod(dir, 0755), 0);

    /* A symbolic link to it: whoever made the link chooses the directory. */
    snprintf(link, sizeof(link), "%s.link", dir);
    ck_assert_int_eq(symlink(dir, link), 0);
    int r = lab_open_at(&lab, link, "t", "x");
    int rl = lab_lock(&lab);
    unlink(link);
    ck_assert_int_eq(r, -ELOOP);
    ck_assert_int_eq(rl, -ELOOP);
    ck_assert_msg(strstr(lab.why, link) != NULL, "why is '%s'", lab.why);

    /* A state file that is a symbolic link, or writable by others. */
    snprintf(path, sizeof(path), "%s/x.state", dir);
    snprintf(link, sizeof(link), "%s/y.state", dir);
    ck_assert_int_eq(symlink(path, link), 0);
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "y"), -ELOOP);
    ck_assert_int_eq(chmod(path, 0666), 0);
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), -EPERM);
    ck_assert_msg(strstr(lab.why, path) != NULL, "why is '%s'", lab.why);
    rm_tmp_dir();
}
END_TEST

/* The state file is created afresh (O_EXCL, O_NOFOLLOW) with mode 0644 whatever the
 * umask, and renamed into place. */
START_TEST(the_state_file_is_made_afresh)
{
    struct lab lab;
    char path[128], victim[128], text[64] = "";
    struct stat st;
    const char *dir = make_tmp_dir();
    snprintf(victim, sizeof(victim), "%s/victim", dir);
    write_file(dir, "victim", "precious\n", 9);
    snprintf(path, sizeof(path), "%s/x.state.new", dir);
    ck_assert_int_eq(symlink(victim, path), 0);

    umask(0);
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), 0);
    ck_assert_int_eq(lab_record(&lab, LAB_NETNS, "ns1", NULL), 0);
    ck_assert_int_eq(lab_record(&lab, LAB_LINK, "veth0", "ns1"), 1);

    FILE *f = fopen(victim, "re");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
    fclose(f);
    ck_assert_str_eq(text, "precious\n");
    ck_assert_int_eq(lstat(path, &st), -1); /* renamed */
    snprintf(path, sizeof(path), "%s/x.state", dir);
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0644);

    struct lab again;
    ck_assert_int_eq(lab_open_at(&again, dir, "t", "x"), 1);
    ck_assert_int_eq(again.n, 2);
    ck_assert_int_eq(lab_remove_state(&lab), 0);
    rm_tmp_dir();
}
END_TEST

/* What the program records, it can read back: a bad name is refused when recorded. */
START_TEST(bad_names_are_not_recorded)
{
    struct lab lab;
    const char *dir = make_tmp_dir();
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), 0);
    ck_assert_int_eq(lab_record(&lab, LAB_NETNS, "../x", NULL), -EINVAL);
    ck_assert_int_eq(lab_record(&lab, LAB_LINK, "veth0", NULL), -EINVAL);
    ck_assert_int_eq(lab_record(&lab, LAB_LINK, "a-much-too-long-ifname", "ns1"), -EINVAL);
    ck_assert_int_eq(lab_record(&lab, LAB_DIR, ".x", NULL), -EINVAL);
    ck_assert_int_eq(lab_record(&lab, LAB_PROC, "dns/masq", "ns1"), -EINVAL);
    ck_assert_int_eq(lab.n, 0);
    rm_tmp_dir();
}
END_TEST

/* With an id of 0 (not confirmed yet) the name must still be one of /run/netns. */
START_TEST(a_namespace_name_is_checked_first)
{
    struct lab lab = {.n = 1, .obj[0] = {.kind = LAB_NETNS, .name = "../../etc/passwd"}};
    ck_assert_int_ne(lab_netns_check(&lab, "../../etc/passwd"), 0);
}
END_TEST

/* A child running sleep (SIGTERM ignored when asked), once it has exec'd. */
static pid_t start_sleep(bool ignore_term)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (ignore_term)
            signal(SIGTERM, SIG_IGN);
        execlp("sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 2000 && proc_check(pid, "sleep", 0) < 0; i++)
        nanosleep(&(struct timespec){0, 500 * 1000}, NULL);
    ck_assert_int_eq(proc_check(pid, "sleep", 0), 0);
    return pid;
}

/* Alive, not a zombie: still running after what the test did. */
static bool still_running(pid_t pid)
{
    int st;
    return waitpid(pid, &st, WNOHANG) == 0 && proc_check(pid, "sleep", 0) == 0;
}

static void stop_sleep(pid_t pid)
{
    int st;
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

/* A lab in a temporary directory with its own directory d/ and a process object,
 * named in d/sleep.pid when pidfile is set. */
static int proc_lab(struct lab *lab, pid_t pid, const char *netns, mode_t dmode)
{
    char path[128], text[32];
    const char *dir = make_tmp_dir();
    narrate_init("t", true);
    ck_assert_int_eq(lab_open_at(lab, dir, "t", "x"), 0);
    ck_assert_int_eq(lab_record(lab, LAB_DIR, "d", NULL), 0);
    snprintf(path, sizeof(path), "%s/d", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    int n = snprintf(text, sizeof(text), "%d\n", (int)pid);
    snprintf(path, sizeof(path), "%s/d", dir);
    write_file(path, "sleep.pid", text, (size_t)n);
    ck_assert_int_eq(chmod(path, dmode), 0);
    return lab_record(lab, LAB_PROC, "sleep", netns);
}

/* A process named in a pid file, its start time never recorded (up was killed): its
 * name alone does not make it ours; it must be in the lab's namespace. */
START_TEST(a_pid_file_alone_is_not_enough)
{
    struct lab lab;
    char shell[128];
    pid_t pid = start_sleep(false);
    int i = proc_lab(&lab, pid, "nslab-unit-nowhere", 0755);
    ck_assert_int_ge(i, 0);
    int r = labrun_undo(&lab, i, shell, sizeof(shell));
    bool alive = still_running(pid);
    stop_sleep(pid);
    rm_tmp_dir();
    ck_assert_int_eq(r, 0);
    ck_assert_msg(alive, "signalled a process outside the lab");
}
END_TEST

/* The recorded start time is what identifies a process: another one is left alone. */
START_TEST(a_recycled_pid_is_left_alone)
{
    struct lab lab;
    char shell[128];
    pid_t pid = start_sleep(false);
    int i = proc_lab(&lab, pid, "nslab-unit-nowhere", 0755);
    ck_assert_int_eq(lab_confirm_proc(&lab, i, pid), 0);
    lab.obj[i].id2 += 1;
    int r = labrun_undo(&lab, i, shell, sizeof(shell));
    bool alive = still_running(pid);
    stop_sleep(pid);
    rm_tmp_dir();
    ck_assert_int_eq(r, 0);
    ck_assert(alive);
}
END_TEST

/* SIGTERM, a wait, then SIGKILL for one that does not go; a zombie counts as gone. */
START_TEST(a_process_that_stays_is_killed)
{
    struct lab lab;
    char shell[128];
    int st;
    pid_t pid = start_sleep(true);
    int i = proc_lab(&lab, pid, "nslab-unit-nowhere", 0755);
    ck_assert_int_eq(lab_confirm_proc(&lab, i, pid), 0);
    ck_assert_int_eq(labrun_undo(&lab, i, shell, sizeof(shell)), 0);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    pid = start_sleep(false);
    ck_assert_int_eq(lab_confirm_proc(&lab, i, pid), 0);
    ck_assert_int_eq(labrun_undo(&lab, i, shell, sizeof(shell)), 0);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid); /* a zombie until now */
    ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    rm_tmp_dir();
}
END_TEST

/* The lab's own directory is removed only when it is ours alone. */
START_TEST(an_open_lab_dir_is_not_trusted)
{
    struct lab lab;
    char shell[128], path[128];
    pid_t pid = start_sleep(false);
    int i = proc_lab(&lab, pid, "nslab-unit-nowhere", 0777);
    ck_assert_int_eq(labrun_undo(&lab, 0, shell, sizeof(shell)), -EPERM);
    snprintf(path, sizeof(path), "%s/d/sleep.pid", tmp_dir);
    ck_assert_int_eq(access(path, F_OK), 0);
    /* Nor is the pid file in it believed: down says so and keeps the object. */
    ck_assert_int_eq(labrun_undo(&lab, i, shell, sizeof(shell)), -EPERM);
    bool alive = still_running(pid);
    stop_sleep(pid);
    rm_tmp_dir();
    ck_assert(alive);
}
END_TEST

/* The lab's own directory: made for the lab (recorded first), never taken over. */
START_TEST(the_lab_dir_is_made_for_the_lab)
{
    struct lab lab;
    struct stat st;
    char path[128], shell[128];
    const char *dir = make_tmp_dir();
    narrate_init("t", true);
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), 0);
    ck_assert_int_eq(lab_dir_add(&lab, "d"), 0);
    snprintf(path, sizeof(path), "%s/d", dir);
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISDIR(st.st_mode) && !(st.st_mode & 022));
    ck_assert_int_eq(lab_dir_add(&lab, "d"), -EEXIST);
    ck_assert_int_eq(lab_dir_add(&lab, "../d"), -EINVAL);
    ck_assert_int_eq(lab.n, 1);
    ck_assert_int_eq(labrun_undo(&lab, 0, shell, sizeof(shell)), 0);
    ck_assert_int_eq(lstat(path, &st), -1);
    rm_tmp_dir();
}
END_TEST

/* proc_stop: a name alone is no identity; the wrong name or namespace is left
 * alone; the right one is stopped, and then it is gone. */
START_TEST(proc_stop_stops_only_the_one_described)
{
    struct stat st;
    int status;
    ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
    uint64_t ino = st.st_ino;
    pid_t pid = start_sleep(false);
    ck_assert_int_eq(proc_stop(pid, "sleep", 0, 0), -EINVAL);
    ck_assert_int_eq(proc_stop(pid, "sleepy", 0, ino), 0);
    ck_assert_int_eq(proc_stop(pid, "sleep", 0, ino + 1), 0);
    ck_assert(still_running(pid));
    ck_assert_int_eq(proc_stop(pid, "sleep", 0, ino), 1);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    ck_assert_int_eq(proc_stop(pid, "sleep", 0, ino), 0);
}
END_TEST

/* ip netns add NAME for the lab, as stage 04 does it: written down first, then made
 * (04-netns-veth/ipnetns.c), then its identity; -EEXIST and nothing recorded when the
 * name is taken. */
static int lab_netns_add(struct lab *lab, const char *name)
{
    uint64_t ino, cookie;
    int r, i = lab_record(lab, LAB_NETNS, name, NULL);
    if (i < 0)
        return i;
    if ((r = ipnetns_pin(name)) < 0) {
        lab_forget_last(lab);
        return r;
    }
    if ((r = netns_inode(name, &ino)) < 0 || (r = netns_cookie(name, &cookie)) < 0)
        return r;
    return lab_confirm(lab, i, ino, cookie);
}

static char lab_name[64], ns_name[64];

START_TEST(record_create_undo_leaves_nothing)
{
    struct lab lab;
    char shell[128];
    snprintf(lab_name, sizeof(lab_name), "nslab-unit-lab-%d", (int)getpid());
    snprintf(ns_name, sizeof(ns_name), "nslab-unit-ns-%d", (int)getpid());
    narrate_init("t", true);
    ck_assert_int_eq(lab_open(&lab, "unit", lab_name), 0);
    ck_assert_int_eq(lab_netns_add(&lab, ns_name), 0);
    ck_assert_int_eq(lab_netns_add(&lab, ns_name), -EEXIST); /* and not recorded twice */
    ck_assert_int_eq(lab.n, 1);
    ck_assert_int_eq(lab_netns_check(&lab, ns_name), 0);

    struct lab again;
    ck_assert_int_eq(lab_open(&again, "unit", lab_name), 1);
    ck_assert_int_eq(again.n, 1);
    ck_assert_uint_eq(again.obj[0].id, lab.obj[0].id);
    ck_assert_int_eq(lab_open(&again, "someone-else", lab_name), -EBUSY);

    ck_assert_int_eq(labrun_undo(&lab, 0, shell, sizeof(shell)), 0);
    ck_assert_str_eq(shell + strlen("ip netns del "), ns_name);
    ck_assert_int_eq(lab_netns_check(&lab, ns_name), -ENOENT);
    ck_assert_int_eq(lab_remove_state(&lab), 0);
    ck_assert_int_eq(access(lab.path, F_OK), -1);
}
END_TEST

START_TEST(a_replaced_namespace_is_left_alone)
{
    struct lab lab;
    char shell[128];
    uint64_t ino;
    snprintf(lab_name, sizeof(lab_name), "nslab-unit-lab-%d", (int)getpid());
    snprintf(ns_name, sizeof(ns_name), "nslab-unit-ns-%d", (int)getpid());
    narrate_init("t", true);
    ck_assert_int_eq(lab_open(&lab, "unit", lab_name), 0);
    ck_assert_int_eq(lab_netns_add(&lab, ns_name), 0);
    /* Someone deletes ours and makes their own with the same name. */
    ck_assert_int_eq(netns_del(ns_name), 0);
    ck_assert_int_eq(ipnetns_pin(ns_name), 0);
    int r = labrun_undo(&lab, 0, shell, sizeof(shell));
    int still = netns_inode(ns_name, &ino);
    netns_del(ns_name);
    lab_remove_state(&lab);
    ck_assert_int_eq(r, -ESTALE);
    ck_assert_int_eq(still, 0);
}
END_TEST

/* The process named in the pid file runs in the lab's namespace: it is stopped, but
 * not when the lab's directory, where the pid file is, is open to others. */
START_TEST(a_pid_file_process_in_the_lab_is_stopped)
{
    struct lab lab;
    char shell[128], ns[64], path[160], text[32];
    int st;
    snprintf(ns, sizeof(ns), "nslab-unit-pns-%d", (int)getpid());
    const char *dir = make_tmp_dir();
    narrate_init("t", true);
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), 0);
    ck_assert_int_eq(lab_netns_add(&lab, ns), 0);
    ck_assert_int_eq(lab_record(&lab, LAB_DIR, "d", NULL), 1);
    snprintf(path, sizeof(path), "%s/d", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    int i = lab_record(&lab, LAB_PROC, "sleep", ns);
    char *argv[] = {"sleep", "30", NULL};
    pid_t pid;
    bool alive[2];
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(netns_spawn(ns, argv, NULL, &pid), 0);
        for (int w = 0; w < 2000 && proc_check(pid, "sleep", 0) < 0; w++)
            nanosleep(&(struct timespec){0, 500 * 1000}, NULL);
        int n = snprintf(text, sizeof(text), "%d\n", (int)pid);
        write_file(path, "sleep.pid", text, (size_t)n);
        ck_assert_int_eq(chmod(path, k == 0 ? 0775 : 0755), 0);
        ck_assert_int_eq(labrun_undo(&lab, i, shell, sizeof(shell)), k == 0 ? -EPERM : 0);
        alive[k] = still_running(pid);
        stop_sleep(pid);
    }
    netns_del(ns);
    rm_tmp_dir();
    ck_assert_msg(alive[0], "trusted a pid file others could write");
    ck_assert_msg(!alive[1], "left the lab's own process running");
    (void)st;
}
END_TEST

START_TEST(the_state_dir_must_belong_to_us)
{
    struct lab lab;
    char path[128];
    const char *dir = make_tmp_dir();
    write_file(dir, "x.state", "owner t\nnetns ns1 0 0\n", 22);
    ck_assert_int_eq(chown(dir, 65534, 65534), 0);
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), -EPERM);
    ck_assert_msg(strstr(lab.why, dir) != NULL, "why is '%s'", lab.why);
    ck_assert_int_eq(lab_lock(&lab), -EPERM);
    ck_assert_int_eq(chown(dir, 0, 0), 0);
    snprintf(path, sizeof(path), "%s/x.state", dir);
    ck_assert_int_eq(chown(path, 65534, 65534), 0);
    ck_assert_int_eq(lab_open_at(&lab, dir, "t", "x"), -EPERM);
    rm_tmp_dir();
}
END_TEST

Suite *suite_lab(void)
{
    Suite *s = suite_create("lab");
    TCase *tc = tcase_create("lab");
    tcase_add_test(tc, lines_round_trip);
    tcase_add_test(tc, bad_lines_are_refused);
    tcase_add_test(tc, every_field_is_checked);
    tcase_add_test(tc, a_bad_line_is_named);
    tcase_add_test(tc, a_long_line_is_refused_whole);
    tcase_add_test(tc, the_state_dir_must_be_ours);
    tcase_add_test(tc, the_state_file_is_made_afresh);
    tcase_add_test(tc, bad_names_are_not_recorded);
    tcase_add_test(tc, a_namespace_name_is_checked_first);
    tcase_add_test(tc, a_pid_file_alone_is_not_enough);
    tcase_add_test(tc, a_recycled_pid_is_left_alone);
    tcase_add_test(tc, a_process_that_stays_is_killed);
    tcase_add_test(tc, an_open_lab_dir_is_not_trusted);
    tcase_add_test(tc, the_lab_dir_is_made_for_the_lab);
    tcase_add_test(tc, proc_stop_stops_only_the_one_described);
    suite_add_tcase(s, tc);
    TCase *root = tcase_create("lab (root)");
    tcase_add_test(root, record_create_undo_leaves_nothing);
    tcase_add_test(root, a_replaced_namespace_is_left_alone);
    tcase_add_test(root, a_pid_file_process_in_the_lab_is_stopped);
    unit_add_root_tcase(s, root, 3);
    /* chown to other users: only the machine's root has them */
    TCase *machine = tcase_create("lab (the machine's root)");
    tcase_add_test(machine, the_state_dir_must_belong_to_us);
    unit_add_machine_root_tcase(s, machine, 1);
    return s;
}
