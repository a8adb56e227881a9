/* 05-bridge-dhcp/bridge-dhcp.c - a bridge onto an uplink, and DHCP inside namespaces.
 *
 * The article's last steps: br0 bridges the host's eth0 and veth0, `dhclient br0`
 * gives the host its LAN address, and `ip netns exec ns1 dhclient veth1` gives ns1 an
 * address of its own on the same LAN, from the LAN's DHCP server, through the bridge.
 *
 * The article bridges the machine's real network card.  We never touch it: the LAN
 * is a namespace we create (nslab-lan) with a router interface lan0 192.168.3.1/24 and
 * a real DHCP server, dnsmasq; the article's "physical" eth0 is the lab host's end of
 * a veth pair whose other end is lan0.  The lab host is a namespace too (nslab-host5;
 * stage 04's is nslab-host), and ns1 is the article's.
 *
 *   nslab-lan: lan0 192.168.3.1/24 + dnsmasq
 *        | (veth pair: the LAN's cable)
 *   nslab-host5: eth0 --[br0 192.168.3.x/24 by DHCP]-- veth0
 *                                                        | (veth pair)
 *   ns1:                                               veth1 192.168.3.y/24 by DHCP
 *
 * Shell commands it replaces (up; down stops the daemons and deletes the namespaces):
 *   ip netns add nslab-host5; ip netns add nslab-lan; ip netns add ns1
 *   ip -n nslab-lan link add lan0 type veth peer name eth0 netns nslab-host5
 *   ip -n nslab-lan addr add 192.168.3.1/24 dev lan0; ip -n nslab-lan link set lan0 up
 *   ip netns exec nslab-lan dnsmasq --interface=lan0 --dhcp-range=... --no-ping ...
 *   ip -n nslab-host5 link add br0 type bridge          (brctl addbr br0)
 *   ip -n nslab-host5 link set br0 address <eth0's MAC>
 *   ip -n nslab-host5 link add veth0 type veth peer name veth1 netns ns1
 *   ip -n nslab-host5 link set eth0 master br0          (brctl addif br0 eth0)
 *   ip -n nslab-host5 link set veth0 master br0         (brctl addif br0 veth0)
 *   ip -n nslab-host5 link set eth0|veth0|br0 up; ip -n ns1 link set veth1 up
 *   ip netns exec nslab-host5 dhclient br0; ip netns exec ns1 dhclient veth1
 *
 * Read: bridge(8), ip-link(8) (type bridge, master), dnsmasq(8), dhclient(8),
 *       RFC 2131 (DHCP), RFC 2132 (its options), common/dhcp.h.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/dnsmasq.h"
#include "../common/err.h"
#include "../common/lab.h"
#include "../04-netns-veth/ipnetns.h"
#include "../04-netns-veth/rtnl.h"
#include "../common/args.h"
#include "../common/labrun.h"
#include "../common/labstep.h"
#include "../common/lanlab.h"
#include "../common/narrate.h"
#include "../common/netns.h"
#include "../common/nl.h"
#include "../common/nlshow.h"
#include "../common/validate.h"

static const char usage[] =
    "Usage: bridge-dhcp [OPTIONS] [up | down | show | exec [--host | --lan] -- CMD [ARG...]]\n"
    "Builds the article's bridged network: a LAN namespace with a router (192.168.3.1/24)\n"
    "and dnsmasq; a lab host whose br0 bridges eth0 (its cable to the LAN) and veth0; ns1\n"
    "behind veth1.  br0 and veth1 get their addresses from dnsmasq by DHCP.\n"
    "\n"
    "  up            create the lab; fails (exit 1, nothing changed) if it is already up\n"
    "  show          links, addresses and routes of the three namespaces, br0's ports\n"
    "                (bridge link) and the leases dnsmasq handed out\n"
    "  down          stop dnsmasq and any DHCP client, remove what up created (also\n"
    "                after a killed up)\n"
    "  exec -- CMD   run CMD in ns1 (--host: the lab host, --lan: the LAN)\n"
    "  (none)        the demo: up, show, ns1 pings the router and br0, down\n"
    "\n"
    "  --dhcp-client C   ours (the default: common/dhcp.c, narrated), dhclient or udhcpc\n"
    "                    (the real clients, each in a mount namespace of its own whose /etc\n"
    "                    is an overlay: the machine's /etc/resolv.conf is never written)\n"
    "  --dns             dnsmasq offers the router as DNS server (off by default)\n"
    "  --rapid-commit    two messages instead of four (RFC 4039: DISCOVER answered by ACK)\n"
    "  --timing          print on stdout how long each lease took, from the client's start\n"
    "                    to the address on the link\n"
    "  --host-ns NAME    the lab host namespace (nslab-host5); names the state file\n"
    "  --lan-ns NAME     the LAN namespace (nslab-lan)\n"
    "  --ns NAME         the article's ns1\n"
    "  --bridge NAME     br0          --eth0 NAME   eth0 (the lab host's uplink)\n"
    "  --veth0 NAME      veth0        --veth1 NAME  veth1 (in ns1)\n"
    "  --lan-if NAME     lan0 (the router's end of the uplink, in the LAN)\n"
    "  --router A/N      the router's address and the LAN (192.168.3.1/24)\n"
    "  --pool A-B        the addresses dnsmasq hands out (192.168.3.100-192.168.3.199)\n"
    "  -q, --quiet       do not narrate\n"
    "  -h, --help        show this help\n"
    "Options go before or after the subcommand.  State: /run/nslab/<host-ns>.state, files\n"
    "(dnsmasq's pid, leases, log) in /run/nslab/<host-ns>/.\n"
    "\n"
    "Needs root. Exit status: 0, 1 if a system call failed, 2 for a bad option or name;\n"
    "exec passes on CMD's status (128+N if it died of signal N).\n"
    "\n"
    "Example:\n"
    "  sudo 05-bridge-dhcp/bridge-dhcp up && sudo ip netns exec ns1 ping -c1 192.168.3.1\n";

/* The lab's names and addresses: the article's, unless changed by options. */
static struct {
    const char *host, *lan, *ns, *br, *eth0, *veth0, *veth1, *lanif, *client;
    bool dns, rapid, timing;
    struct cidr4 router;
    char router_s[24], router_ip[16], mask_s[16], pool_lo[16], pool_hi[16], dir[128];
} cfg = {.host = "nslab-host5",
         .lan = "nslab-lan",
         .ns = "ns1",
         .br = "br0",
         .eth0 = "eth0",
         .veth0 = "veth0",
         .veth1 = "veth1",
         .lanif = "lan0",
         .client = "ours"};

static struct labstage st = {
    .stage = "05-bridge-dhcp", .prog = "05-bridge-dhcp/bridge-dhcp", .who = "bridge-dhcp"};

/* Every step returns -errno with st.fail filled in: the stage dies naming it, after
 * taking back, when up fails, what up made so far. */
static bool in_up;
static void check(int r)
{
    if (r >= 0)
        return;
    if (in_up) {
        narrate_note("up failed: removing what it made");
        labrun_down(&st, labstage_print);
    }
    labstage_die(&st);
}

/* dnsmasq in the LAN namespace, serving the pool with the router as default route. */
static struct dnsmasq_conf dnsmasq_conf(void)
{
    return (struct dnsmasq_conf){
        .ifname = cfg.lanif,
        .range_start = cfg.pool_lo,
        .range_end = cfg.pool_hi,
        .netmask = cfg.mask_s,
        .router = cfg.router_ip,
        .dns = cfg.dns ? cfg.router_ip : NULL,
        .lease_secs = 3600,
        .dir = cfg.dir,
        .rapid_commit = cfg.rapid,
    };
}

/* One lease for ifname in ns, by the chosen client (ours by default), timed. */
static void lease(struct nl *nl, const char *ns, const char *ifname)
{
    struct lanlab_client c = {.name = cfg.client, .dir = cfg.dir, .rapid = cfg.rapid};
    struct nl_addr4 a;
    char ip[INET_ADDRSTRLEN];
    long us;
    check(lanlab_lease(&st, nl, ns, ifname, &c, &a, &us));
    inet_ntop(AF_INET, &a.addr, ip, sizeof(ip));
    narrate_note("%s has %s/%d, %.2f ms after the client (%s) started", ifname, ip, a.prefix,
                 (double)us / 1000.0, cfg.client);
    if (cfg.timing)
        printf("lease %s %s/%d %ld us %s\n", ifname, ip, a.prefix, us, cfg.client);
}

static int cmd_up(void)
{
    char buf[NL_BUFSIZE], shell[200], op[160];
    struct nl host, lan, ns1;
    struct nl_link eth0;
    int fd;

    in_up = true;

    /* Refuse before changing anything when a name is someone else's. */
    const char *const names[] = {cfg.host, cfg.lan, cfg.ns};
    check(ipnetns_check_free(&st, names, 3));

    /* The lab's own directory, for dnsmasq's and the clients' files. */
    check(labstep_record(&st, LAB_DIR, cfg.host, NULL));
    snprintf(shell, sizeof(shell), "mkdir %s", cfg.dir);
    narrate_op(shell, "mkdir(%s): pid, lease and log files stay in the lab", cfg.dir);
    if (mkdir(cfg.dir, 0755) < 0)
        check(labstage_fail(&st, -errno, NULL, shell, NULL));

    check(ipnetns_add(&st, cfg.host));
    check(ipnetns_add(&st, cfg.lan));
    check(ipnetns_rtnl(&st, cfg.lan, &lan));
    check(ipnetns_rtnl(&st, cfg.host, &host));

    /* The lab host's bridge first (brctl addbr br0).  It also takes index 2 there, so
     * eth0, made next, gets 3 while its peer lan0 gets 2 in the LAN: a veth whose
     * peer has its own index looks to the kernel like a plain device, whose carrier
     * change the link watch may put off for up to a second - and a bridge port
     * forwards only once its carrier is seen. */
    check(rtnl_link_up(&st, &host, buf, cfg.host, "lo", true));
    check(labstep_record(&st, LAB_LINK, cfg.br, cfg.host));
    snprintf(shell, sizeof(shell), "ip -n %s link add %s type bridge", cfg.host, cfg.br);
    snprintf(op, sizeof(op), "RTM_NEWLINK %s type bridge", cfg.br);
    check(labstep_request(&st, &host, nl_msg_bridge_add(buf, cfg.br), shell, op));

    /* The LAN: the router's interface, its cable's other end born in the lab host as
     * eth0 (the article's physical card), and a DHCP server. */
    check(rtnl_link_up(&st, &lan, buf, cfg.lan, "lo", true));
    check(labstep_record(&st, LAB_LINK, cfg.lanif, cfg.lan));
    if ((fd = netns_open(cfg.host)) < 0)
        check(labstage_fail(&st, fd, NULL, "open " NETNS_RUN_DIR, "%s", cfg.host));
    check(rtnl_veth_add(&st, &lan, buf, cfg.lan, cfg.lanif, cfg.eth0, cfg.host, fd));
    close(fd);
    check(rtnl_addr4_add(&st, &lan, buf, cfg.lan, cfg.lanif, 0, &cfg.router));
    check(rtnl_link_up(&st, &lan, buf, cfg.lan, cfg.lanif, true));
    /* dnsmasq starts while we build the lab host; it must be ready before the first
     * DISCOVER, not before. */
    struct dnsmasq_conf dconf = dnsmasq_conf();
    check(lanlab_dnsmasq_start(&st, cfg.lan, &dconf));

    /* ns1, the article's namespace, behind the bridge. */
    check(ipnetns_add(&st, cfg.ns));
    check(ipnetns_rtnl(&st, cfg.ns, &ns1));

    /* The lab host: br0 gets eth0's MAC (as the article saw), veth0 comes beside. */
    /* A bridge takes the lowest MAC of its ports unless given one: fixed to eth0's,
     * br0 keeps one identity (and one lease) whatever ports come and go. */
    if (nl_link_get(&host, cfg.eth0, &eth0) < 0)
        check(labstage_fail(&st, -ENODEV, NULL, "ip link show", "%s", cfg.eth0));
    char mac[18];
    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", eth0.mac[0], eth0.mac[1],
             eth0.mac[2], eth0.mac[3], eth0.mac[4], eth0.mac[5]);
    snprintf(shell, sizeof(shell), "ip -n %s link set %s address %s", cfg.host, cfg.br, mac);
    snprintf(op, sizeof(op), "RTM_NEWLINK %s IFLA_ADDRESS %s (%s's)", cfg.br, mac, cfg.eth0);
    check(labstep_request(&st, &host, nl_msg_link_mac(buf, cfg.br, eth0.mac), shell, op));
    check(labstep_record(&st, LAB_LINK, cfg.veth0, cfg.host));
    if ((fd = netns_open(cfg.ns)) < 0)
        check(labstage_fail(&st, fd, NULL, "open " NETNS_RUN_DIR, "%s", cfg.ns));
    check(rtnl_veth_add(&st, &host, buf, cfg.host, cfg.veth0, cfg.veth1, cfg.ns, fd));
    close(fd);

    /* brctl addif: a port is named by its master's index, IFLA_MASTER. */
    struct nl_link br;
    if (nl_link_get(&host, cfg.br, &br) < 0)
        check(labstage_fail(&st, -ENODEV, NULL, "ip link show", "%s", cfg.br));
    const char *const ports[] = {cfg.eth0, cfg.veth0};
    for (int i = 0; i < 2; i++) {
        snprintf(shell, sizeof(shell), "ip -n %s link set %s master %s", cfg.host, ports[i],
                 cfg.br);
        snprintf(op, sizeof(op), "RTM_NEWLINK %s IFLA_MASTER %d (%s)", ports[i], br.index, cfg.br);
        check(labstep_request(&st, &host, nl_msg_link_master(buf, ports[i], br.index), shell, op));
    }
    narrate_note("%s and %s hold no address (the article's ifconfig %s 0.0.0.0): a port hands "
                 "its frames to the bridge, and the host's address goes on %s",
                 cfg.eth0, cfg.veth0, cfg.eth0, cfg.br);
    check(rtnl_link_up(&st, &host, buf, cfg.host, cfg.br, true));
    check(rtnl_link_up(&st, &host, buf, cfg.host, cfg.eth0, true));
    check(rtnl_link_up(&st, &host, buf, cfg.host, cfg.veth0, true));
    check(rtnl_link_up(&st, &ns1, buf, cfg.ns, "lo", true));
    check(rtnl_link_up(&st, &ns1, buf, cfg.ns, cfg.veth1, true));
    /* A port forwards only once the kernel has seen its carrier: a DISCOVER sent
     * before would be lost, and the client would wait for its first retransmission. */
    const char *const ports2[] = {cfg.eth0, cfg.veth0};
    int r = nl_bridge_wait_forwarding(&host, cfg.br, ports2, 2, 1000);
    if (r < 0)
        check(labstage_fail(&st, r, NULL, "bridge link", "%s and %s never forwarded", cfg.eth0,
                            cfg.veth0));

    check(lanlab_dnsmasq_ready(&st, &dconf));

    /* dhclient br0, then ip netns exec ns1 dhclient veth1. */
    lease(&host, cfg.host, cfg.br);
    lease(&ns1, cfg.ns, cfg.veth1);
    nl_close(&host);
    nl_close(&lan);
    nl_close(&ns1);
    in_up = false;
    return 0;
}

static void print_port(const struct nl_brport *p, void *data)
{
    char line[256];
    (void)data;
    if (nlshow_brport(line, sizeof(line), p, cfg.br) >= 0)
        printf("  %s\n", line);
}

static int show(void)
{
    char path[200], text[4096];
    struct nl host;
    struct dnsmasq_lease leases[16];
    check(labrun_show_ns(&st, cfg.host, " (the article's host)"));
    check(ipnetns_rtnl(&st, cfg.host, &host));
    printf(" bridge ports (bridge link):\n");
    fflush(stdout);
    if (nl_dump_brports(&host, print_port, NULL) < 0)
        check(labstage_fail(&st, -EIO, NULL, "bridge link", NULL));
    nl_close(&host);
    check(labrun_show_ns(&st, cfg.lan, " (the LAN: router and DHCP server)"));
    check(labrun_show_ns(&st, cfg.ns, ""));
    snprintf(path, sizeof(path), "%s/dnsmasq.leases", cfg.dir);
    printf("leases (%s):\n", path);
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    int k = dnsmasq_parse_leases(text, leases, 16);
    for (int i = 0; i < k && i < 16; i++)
        printf("  %s %s %s\n", leases[i].ip, leases[i].mac, leases[i].hostname);
    fflush(stdout);
    return 0;
}

static int exec_in(const char *ns, char **cmd)
{
    int code = labrun_exec(&st, ns, cmd);
    check(code);
    return code;
}

static int demo(void)
{
    struct nl host;
    struct in_addr br_addr = {0};
    char br_ip[INET_ADDRSTRLEN];
    check(ipnetns_rtnl(&st, cfg.host, &host));
    nl_link_addr4(&host, cfg.br, &br_addr);
    nl_close(&host);
    inet_ntop(AF_INET, &br_addr, br_ip, sizeof(br_ip));
    show();
    /* ns1 reaches the LAN's router and the lab host, both through the bridge. */
    char *ping_router[] = {"ping", "-c", "1", "-W", "2", cfg.router_ip, NULL};
    char *ping_host[] = {"ping", "-c", "1", "-W", "2", br_ip, NULL};
    int a = exec_in(cfg.ns, ping_router);
    int b = exec_in(cfg.ns, ping_host);
    int d = labrun_down(&st, labstage_print);
    return a || b || d ? EXIT_RUNTIME : 0;
}

/* The pool, checked against the router once both are known. */
static void set_pool(const char *text)
{
    struct in_addr lo, hi;
    int r = validate_pool(text, &cfg.router, &lo, &hi);
    if (r == -EINVAL)
        err_usage("bad pool '%s' for --pool (A-B, e.g. 192.168.3.100-192.168.3.199)", text);
    if (r < 0)
        err_usage("pool %s is not in %s's subnet, or holds the router", text, cfg.router_s);
    inet_ntop(AF_INET, &lo, cfg.pool_lo, sizeof(cfg.pool_lo));
    inet_ntop(AF_INET, &hi, cfg.pool_hi, sizeof(cfg.pool_hi));
}

/* The options, as a table (common/args.h). */
static const char *pool = "192.168.3.100-192.168.3.199", *where;
static struct args_cidr4 router;
static const struct args_opt options[] = {
    {"host-ns", ARGS_NETNS, &cfg.host},
    {"lan-ns", ARGS_NETNS, &cfg.lan},
    {"ns", ARGS_NETNS, &cfg.ns},
    {"bridge", ARGS_IFNAME, &cfg.br},
    {"eth0", ARGS_IFNAME, &cfg.eth0},
    {"veth0", ARGS_IFNAME, &cfg.veth0},
    {"veth1", ARGS_IFNAME, &cfg.veth1},
    {"lan-if", ARGS_IFNAME, &cfg.lanif},
    {"router", ARGS_CIDR4, &router},
    {"pool", ARGS_STRING, &pool},
    {"dhcp-client", ARGS_STRING, &cfg.client},
    {"dns", ARGS_FLAG, &cfg.dns},
    {"rapid-commit", ARGS_FLAG, &cfg.rapid},
    {"timing", ARGS_FLAG, &cfg.timing},
    {"host", ARGS_WHERE, &where},
    {"lan", ARGS_WHERE, &where},
    {NULL, 0, NULL},
};

int main(int argc, char *argv[])
{
    bool quiet = false;
    char msg[256], **rest;

    err_stage = st.stage;
    args_set(&(struct args_opt){"router", ARGS_CIDR4, &router}, "192.168.3.1/24", msg, sizeof(msg));
    int r = args_parse(argc, argv, options, &quiet, msg, sizeof(msg));
    if (r == 1) {
        fputs(usage, stdout);
        return 0;
    }
    if (r < 0)
        err_usage("%s", msg);
    cfg.router = router.a;
    snprintf(cfg.router_s, sizeof(cfg.router_s), "%s", router.text);
    if (strcmp(cfg.client, "ours") && strcmp(cfg.client, "dhclient") &&
        strcmp(cfg.client, "udhcpc"))
        err_usage("unknown DHCP client '%s' for --dhcp-client (ours, dhclient or udhcpc)",
                  cfg.client);

    /* Checks between the values, still before anything is created. */
    if (!strcmp(cfg.host, cfg.ns) || !strcmp(cfg.host, cfg.lan) || !strcmp(cfg.lan, cfg.ns))
        err_usage("--host-ns, --lan-ns and --ns must be three names ('%s', '%s', '%s')", cfg.host,
                  cfg.lan, cfg.ns);
    const char *const hostifs[] = {cfg.br, cfg.eth0, cfg.veth0};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (!strcmp(hostifs[i], hostifs[j]))
                err_usage("two links of the lab host are both '%s'", hostifs[i]);
    const char *const all[] = {cfg.br, cfg.eth0, cfg.veth0, cfg.veth1, cfg.lanif};
    for (int i = 0; i < 5; i++)
        if (!strcmp(all[i], "lo"))
            err_usage("'lo' is taken: every namespace has its loopback link");
    inet_ntop(AF_INET, &cfg.router.addr, cfg.router_ip, sizeof(cfg.router_ip));
    uint32_t m = cfg.router.prefix ? 0xffffffffu << (32 - cfg.router.prefix) : 0;
    inet_ntop(AF_INET, &(struct in_addr){htonl(m)}, cfg.mask_s, sizeof(cfg.mask_s));
    set_pool(pool);
    int which = args_labsub(argc, argv, optind, where, &rest, msg, sizeof(msg));
    if (which < 0)
        err_usage("%s", msg);
    if (strcmp(cfg.client, "ours") && !lanlab_client_installed(cfg.client))
        err_usage("--dhcp-client %s: %s is not installed (apt-get install %s)", cfg.client,
                  cfg.client, strcmp(cfg.client, "dhclient") ? "udhcpc" : "isc-dhcp-client");
    snprintf(cfg.dir, sizeof(cfg.dir), "%s/%s", LAB_STATE_DIR, cfg.host);
    narrate_init("bridge-dhcp", quiet);

    /* exec, show, up, down or the demo: labrun calls ours in the right state. */
    const char *const names[] = {cfg.host, cfg.lan, cfg.ns};
    const struct labrun_ops ops = {
        .up = cmd_up, .show = show, .demo = demo, .names = names, .n = 3};
    r = labrun(&st, which, cfg.host, &ops,
               !where                     ? cfg.ns
               : !strcmp(where, "--host") ? cfg.host
                                          : cfg.lan,
               rest);
    if (r < 0)
        labstage_die(&st);
    return r;
}
