/* doctor-probe.c - make doctor's look at two kernel features that no command-line tool
 * shows: each is tried for real, and one line says whether the kernel has it.
 *
 *   pidfd_open yes | pidfd_open no: <why>
 *   SO_NETNS_COOKIE yes | SO_NETNS_COOKIE no: <why>
 *
 * scripts/doctor.sh turns each line into what it means for the stages.  With
 * --without pidfd_open the probe first installs a seccomp filter under which the
 * kernel answers pidfd_open with ENOSYS, as a kernel before 5.3 does: that is how
 * tests/doctor.bats sees what doctor says on such a kernel.
 *
 * Read: pidfd_open(2), socket(7) (SO_NETNS_COOKIE), seccomp(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* A pidfd of our own process: 5.3 made pidfd_open, which the rootless labs' keeper
 * and the stopping of dnsmasq rely on. */
static int probe_pidfd_open(void)
{
    int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (fd < 0)
        return -errno;
    close(fd);
    return 0;
}

/* Any socket tells its network namespace's cookie (5.14); before, ENOPROTOOPT. */
static int probe_netns_cookie(void)
{
    uint64_t cookie = 0;
    socklen_t len = sizeof(cookie);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int r = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0 ? -errno : 0;
    close(fd);
    return r;
}

/* The kernel, told by a seccomp filter to answer one system call with ENOSYS.  No
 * privilege needed once no_new_privs is set (seccomp(2)). */
static int deny_syscall(long nr)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        return -errno;
    return 0;
}

static void say(const char *feature, int r)
{
    if (r == 0)
        printf("%s yes\n", feature);
    else
        printf("%s no: %s\n", feature, strerror(-r));
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--without") == 0 && strcmp(argv[2], "pidfd_open") == 0) {
        int r = deny_syscall(SYS_pidfd_open);
        if (r < 0) {
            fprintf(stderr, "doctor-probe: seccomp: %s\n", strerror(-r));
            return 1;
        }
    } else if (argc != 1) {
        fprintf(stderr, "usage: doctor-probe [--without pidfd_open]\n");
        return 2;
    }
    say("pidfd_open", probe_pidfd_open());
    say("SO_NETNS_COOKIE", probe_netns_cookie());
    return 0;
}
