/* test_dhcp_vs_dnsmasq.c - the client (05-bridge-dhcp/dhcp-client.c) against a real dnsmasq, on a
 * throwaway LAN.
 *
 * The LAN is two network namespaces made for this run and nothing else:
 *   nslab-dhs<pid>: dsrv 10.77.0.1/24, dnsmasq (DHCP only: --port=0 turns DNS off)
 *   nslab-dhc<pid>: dcli (the client, no address), and dlone, a veth whose peer
 *                   nobody listens on, for the timeout test
 * dnsmasq keeps its pid, lease and log files in a temporary directory.  --no-ping:
 * by default dnsmasq pings an address before its first offer of it and waits up to
 * 3 s (PING_WAIT in its config.h) for an answer; on a LAN we just built nobody can
 * hold the address, and the wait would only measure dnsmasq.  The test
 * thread enters the client namespace with setns() around each call and comes back,
 * so nothing is ever sent outside the two namespaces.  Root only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../05-bridge-dhcp/dhcp-client.h"
#include "../../common/narrate.h"
#include "suites.h"

#define CLIENT_MAC "02:00:5e:77:00:01"

static char ns_srv[32], ns_cli[32], dir[64];
static bool lab_ok;

static int sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void lab_setup(void)
{
    snprintf(ns_srv, sizeof(ns_srv), "nslab-dhs%d", (int)getpid());
    snprintf(ns_cli, sizeof(ns_cli), "nslab-dhc%d", (int)getpid());
    snprintf(dir, sizeof(dir), "/tmp/nslab-dhcp.XXXXXX");
    lab_ok = mkdtemp(dir) != NULL && chmod(dir, 0755) == 0 &&
             sh("ip netns add %s && ip netns add %s", ns_srv, ns_cli) == 0 &&
             sh("ip -n %s link add dsrv type veth peer name dcli netns %s", ns_srv, ns_cli) == 0 &&
             sh("ip -n %s link set dcli address " CLIENT_MAC, ns_cli) == 0 &&
             sh("ip -n %s addr add 10.77.0.1/24 dev dsrv && ip -n %s link set dsrv up", ns_srv,
                ns_srv) == 0 &&
             sh("ip -n %s link set dcli up && ip -n %s link set lo up", ns_cli, ns_cli) == 0 &&
             sh("ip -n %s link add dlone type veth peer name dlonep && ip -n %s link set dlone up"
                " && ip -n %s link set dlonep up",
                ns_cli, ns_cli, ns_cli) == 0 &&
             sh("ip netns exec %s dnsmasq --conf-file=/dev/null --port=0 --interface=dsrv"
                " --bind-interfaces --dhcp-range=10.77.0.50,10.77.0.99,255.255.255.0,2m"
                " --dhcp-option=3,10.77.0.1 --dhcp-leasefile=%s/leases --pid-file=%s/pid"
                " --log-facility=%s/log --log-dhcp --no-ping%s",
                ns_srv, dir, dir, dir,
                /* in our user namespace nobody is no user: as stage 05's -U does */
                unit_in_userns ? " --user=root --group=" : "") == 0;
}

static void lab_teardown(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/pid", dir);
    FILE *f = fopen(path, "r");
    int pid = 0;
    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    /* dnsmasq daemonized, so it is not our child: wait for it to be gone. */
    if (pid > 0 && kill(pid, SIGTERM) == 0)
        for (int i = 0; i < 200 && kill(pid, 0) == 0; i++)
            usleep(10000);
    sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", ns_srv, ns_cli);
    if (dir[0])
        sh("rm -rf %s", dir);
}

/* setns() into the client's namespace; returns the fd to come back with. */
static int enter_client(void)
{
    char path[64];
    int back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(back, 0);
    snprintf(path, sizeof(path), "/run/netns/%s", ns_cli);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(setns(fd, CLONE_NEWNET), 0);
    close(fd);
    return back;
}

static void leave_client(int back)
{
    ck_assert_int_eq(setns(back, CLONE_NEWNET), 0);
    close(back);
}

static char *narration;
static size_t narration_len;
static FILE *narration_f;

static void listen_narration(void)
{
    narration_f = open_memstream(&narration, &narration_len);
    narrate_set_stream(narration_f);
    narrate_init("dhcp", false);
}

static const char *heard(void)
{
    fclose(narration_f);
    narrate_set_stream(NULL);
    return narration;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Waits up to 2 s for dnsmasq's lease file to hold needle: it writes the file just
 * after sending the ACK, so the client may be a little ahead of it. */
static bool lease_file_has(const char *needle)
{
    char path[128], buf[4096];
    snprintf(path, sizeof(path), "%s/leases", dir);
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(path, "r");
        if (f) {
            size_t n = fread(buf, 1, sizeof(buf) - 1, f);
            fclose(f);
            buf[n] = '\0';
            if (strstr(buf, needle))
                return true;
        }
        usleep(10000);
    }
    return false;
}

/* name, in the namespace we are in, looked up once as the stage does: index and MAC. */
static struct dhcp_iface iface(const char *name)
{
    struct dhcp_iface ifc = {.name = name, .index = (int)if_nametoindex(name)};
    struct ifreq ifr = {0};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    ck_assert_int_eq(ioctl(fd, SIOCGIFHWADDR, &ifr), 0);
    memcpy(ifc.mac, ifr.ifr_hwaddr.sa_data, 6);
    close(fd);
    return ifc;
}

/* One lease as the stage gets it: the sockets, the exchange, the sockets closed. */
static int acquire(const struct dhcp_iface *ifc, int timeout_ms, struct dhcp_lease *l)
{
    struct dhcp_sockets s;
    int r = dhcp_open(ifc, &s);
    if (r == 0)
        r = dhcp_exchange(&s, ifc, NULL, timeout_ms, 0, l);
    dhcp_close(&s);
    return r;
}

START_TEST(lease_from_dnsmasq)
{
    ck_assert_msg(lab_ok, "could not build the lab LAN (ip netns, veth, dnsmasq)");
    struct dhcp_lease l;
    listen_narration();
    int back = enter_client();
    struct dhcp_iface dcli = iface("dcli");
    int r = acquire(&dcli, 3000, &l);
    leave_client(back);
    const char *said = heard();
    ck_assert_msg(r == 0, "acquire: %s\n%s", strerror(-r), said);

    uint32_t a = ntohl(l.ack.yiaddr.s_addr);
    ck_assert_msg(a >= 0x0a4d0032 && a <= 0x0a4d0063, "%s not in the range",
                  inet_ntoa(l.ack.yiaddr));
    ck_assert_str_eq(inet_ntoa(l.ack.mask), "255.255.255.0");
    ck_assert_int_eq(l.ack.prefix, 24);
    ck_assert_str_eq(inet_ntoa(l.ack.router), "10.77.0.1");
    ck_assert_str_eq(inet_ntoa(l.ack.server), "10.77.0.1");
    ck_assert_uint_eq(l.ack.lease_time, 120);
    ck_assert_int_eq(l.ack.n_dns, 0); /* --port=0: dnsmasq offers no DNS */
    ck_assert_int_ge(l.attempts, 2);
    ck_assert_int_gt(l.elapsed_us, 0);

    /* The four messages, in order, in the narration. */
    const char *d = strstr(said, "DHCPDISCOVER xid");
    const char *o = d ? strstr(d, "DHCPOFFER xid") : NULL;
    const char *q = o ? strstr(o, "DHCPREQUEST xid") : NULL;
    const char *k = q ? strstr(q, "DHCPACK xid") : NULL;
    ck_assert_msg(k, "narration lacks the four messages in order:\n%s", said);
    ck_assert_ptr_nonnull(strstr(said, "~ dhclient -1 -v dcli"));
    ck_assert_ptr_nonnull(strstr(said, "from " CLIENT_MAC));

    /* The server's side: its lease file names our MAC and the address. */
    ck_assert_msg(lease_file_has(CLIENT_MAC), "dnsmasq's lease file does not list " CLIENT_MAC);
    ck_assert(lease_file_has(inet_ntoa(l.ack.yiaddr)));
}
END_TEST

START_TEST(second_lease_is_the_same_address)
{
    ck_assert_msg(lab_ok, "could not build the lab LAN (ip netns, veth, dnsmasq)");
    struct dhcp_lease l1, l2;
    narrate_init("dhcp", true);
    int back = enter_client();
    struct dhcp_iface dcli = iface("dcli");
    ck_assert_int_eq(acquire(&dcli, 3000, &l1), 0);
    ck_assert_int_eq(acquire(&dcli, 3000, &l2), 0);
    leave_client(back);
    ck_assert_uint_eq(l1.ack.yiaddr.s_addr, l2.ack.yiaddr.s_addr);
    ck_assert_uint_ne(l1.ack.xid, l2.ack.xid);
}
END_TEST

START_TEST(no_server_gives_up_in_time)
{
    ck_assert_msg(lab_ok, "could not build the lab LAN (ip netns, veth, dnsmasq)");
    struct dhcp_lease l;
    struct timespec t0;
    listen_narration();
    int back = enter_client();
    struct dhcp_iface dlone = iface("dlone");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int r = acquire(&dlone, 800, &l);
    long ms = ms_since(&t0);
    leave_client(back);
    const char *said = heard();
    ck_assert_int_eq(r, -ETIMEDOUT);
    ck_assert_msg(ms >= 790 && ms < 1300, "gave up after %ld ms, bound 800 ms", ms);
    /* 0, 250, 750 ms: the first DISCOVER and two retransmissions */
    ck_assert_msg(strstr(said, "again DHCPDISCOVER"), "no retransmission:\n%s", said);
    ck_assert_ptr_nonnull(strstr(said, "within 800 ms"));
}
END_TEST

START_TEST(unknown_interface_is_enodev)
{
    struct dhcp_lease l;
    ck_assert_int_eq(acquire(&(struct dhcp_iface){"nslab-nosuch0", 99999, {0}}, 100, &l), -ENODEV);
    ck_assert_int_eq(acquire(&(struct dhcp_iface){"", 1, {0}}, 100, &l), -EINVAL);
    ck_assert_int_eq(acquire(&(struct dhcp_iface){"lo", 0, {0}}, 100, &l), -EINVAL);
    ck_assert_int_eq(dhcp_exchange(&(struct dhcp_sockets){-1, -1},
                                   &(struct dhcp_iface){"lo", 1, {0}}, NULL, -1, 0, &l),
                     -EINVAL);
}
END_TEST

/* ---- a flood of malformed replies (issue 10): the deadline holds ---- */

/* What the client reads at a time (its buffer): every bad reply below is that long,
 * so a stream of them is read back one reply a call. */
#define FLOOD_PKT 2048

/* An IPv4/UDP packet to port 68 whose DHCP message has a wrong magic cookie. */
static void bad_reply(uint8_t *b)
{
    size_t tot = FLOOD_PKT, dlen = tot - 28;
    memset(b, 0, tot);
    b[0] = 0x45;
    b[2] = (uint8_t)(tot >> 8);
    b[3] = (uint8_t)tot;
    b[8] = 64;
    b[9] = IPPROTO_UDP;
    memcpy(b + 12, "\x0a\x4d\x00\x01\xff\xff\xff\xff", 8);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    b[10] = (uint8_t)(~sum >> 8);
    b[11] = (uint8_t)~sum;
    b[21] = 67;
    b[23] = 68;
    b[24] = (uint8_t)((8 + dlen) >> 8);
    b[25] = (uint8_t)(8 + dlen);
    uint8_t *d = b + 28;
    d[0] = 2; /* BOOTREPLY, Ethernet, but the cookie is wrong */
    d[1] = 1;
    d[2] = 6;
    memcpy(d + 236, "\x63\x82\x53\x00", 4);
    d[240] = 255;
}

struct flood {
    int fd;
    volatile bool stop;
    long sent;
};

/* Writes bad replies 32 at a time into a stream socket, far faster than anyone reads
 * them one a system call, for at most 3 s: the client's socket never runs dry. */
static void *flood_thread(void *arg)
{
    struct flood *f = arg;
    static uint8_t burst[32 * FLOOD_PKT];
    for (int i = 0; i < 32; i++)
        bad_reply(burst + i * FLOOD_PKT);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!f->stop && ms_since(&t0) < 3000) {
        struct pollfd p = {.fd = f->fd, .events = POLLOUT};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = send(f->fd, burst, sizeof(burst), MSG_DONTWAIT);
        if (n > 0)
            f->sent += n;
    }
    return NULL;
}

START_TEST(flood_of_bad_replies_keeps_deadline_and_retransmits)
{
    ck_assert_msg(lab_ok, "could not build the lab LAN (ip netns, veth, dnsmasq)");
    /* The client's receiving socket is replaced by one end of a stream socket pair,
     * fed by a thread; it sends for real, on dlone, whose peer nobody answers on. */
    int sp[2], one = 1, big = 64 << 20;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    ck_assert_int_eq(setsockopt(sp[1], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)), 0);
    int back = enter_client();
    int out = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(out, 0);
    ck_assert_int_eq(setsockopt(out, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)), 0);
    ck_assert_int_eq(setsockopt(out, SOL_SOCKET, SO_BINDTODEVICE, "dlone", 6), 0);
    leave_client(back);

    struct flood f = {.fd = sp[1]};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, flood_thread, &f), 0);
    usleep(100 * 1000); /* a full socket before the client starts */
    static const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x77, 0x00, 0x02};
    struct dhcp_lease l;
    struct timespec t0;
    listen_narration();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct dhcp_sockets socks = {.udp = out, .pkt = sp[0]};
    struct dhcp_iface ifc = {.name = "dlone", .index = 1};
    memcpy(ifc.mac, mac, 6);
    int r = dhcp_exchange(&socks, &ifc, NULL, 600, 0, &l);
    long ms = ms_since(&t0);
    f.stop = true;
    pthread_join(t, NULL);
    const char *said = heard();
    close(sp[0]);
    close(sp[1]);
    close(out);

    ck_assert_int_eq(r, -ETIMEDOUT);
    ck_assert_msg(ms >= 590 && ms < 900, "gave up after %ld ms, bound 600 ms (%ld replies sent)",
                  ms, f.sent / FLOOD_PKT);
    /* 0 and 250 ms: the DISCOVER and at least one retransmission, flood or not */
    ck_assert_msg(strstr(said, "again DHCPDISCOVER"), "no retransmission:\n%.2000s", said);
    /* every bad reply in one line, with its reason */
    int lines = 0;
    for (const char *p = said; (p = strstr(p, "ignored ")); p++)
        lines++;
    ck_assert_msg(lines == 1, "%d lines about ignored packets:\n%.2000s", lines, said);
    ck_assert_msg(strstr(said, "packets: wrong magic cookie ("), "no summary:\n%.2000s", said);
}
END_TEST

void dhcp_vs_dnsmasq_tcases(Suite *s)
{
    TCase *args = tcase_create("acquire arguments");
    tcase_add_test(args, unknown_interface_is_enodev);
    suite_add_tcase(s, args);

    TCase *lab = tcase_create("dnsmasq lab (root)");
    tcase_add_unchecked_fixture(lab, lab_setup, lab_teardown);
    tcase_set_timeout(lab, 30);
    tcase_add_test(lab, lease_from_dnsmasq);
    tcase_add_test(lab, second_lease_is_the_same_address);
    tcase_add_test(lab, no_server_gives_up_in_time);
    unit_add_root_tcase(s, lab, 3);
    /* SO_SNDBUFFORCE needs CAP_NET_ADMIN over the machine's own user namespace */
    TCase *flood = tcase_create("dnsmasq lab (the machine's root)");
    tcase_add_unchecked_fixture(flood, lab_setup, lab_teardown);
    tcase_set_timeout(flood, 30);
    tcase_add_test(flood, flood_of_bad_replies_keeps_deadline_and_retransmits);
    unit_add_machine_root_tcase(s, flood, 1);
}
