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
 * What is new here is written out below, in cmd_up's order: br0's RTM_NEWLINK
 * messages (IFLA_LINKINFO { IFLA_INFO_KIND "bridge" }, IFLA_ADDRESS, IFLA_MASTER for
 * each port) built with libmnl where they are sent.  Beside it, lan.c starts dnsmasq
 * inside the LAN by fork(), setns() and execvp(), and gets each lease (lan_lease): our
 * client's exchange, dhcp-client.c, then its address and the default route as
 * RTM_NEWROUTE.  Met before: named namespaces, the veth pair, an address and a link up
 * (stage 04's own files, 04-netns-veth/ipnetns.c and rtnl.c, called from here).
 * Plumbing: dnsmasq's command line, lease file and pid (common/dnsmasq.c), the lease
 * timer and the real clients (common/lanlab.c).
 *
 * Read: bridge(8), ip-link(8) (type bridge, master), rtnetlink(7), setns(2),
 *       dnsmasq(8), dhclient(8), RFC 2131 (DHCP), RFC 2132 (its options).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../04-netns-veth/ipnetns.h"
#include "../04-netns-veth/keeper.h"
#include "../04-netns-veth/rtnl.h"
#include "../common/args.h"
#include "../common/dnsmasq.h"
#include "../common/err.h"
#include "../common/lab.h"
#include "../common/labrun.h"
#include "../common/labstage.h"
#include "../common/lanlab.h"
#include "../common/narrate.h"
#include "../common/netns.h"
#include "../common/nl.h"
#include "../common/nlshow.h"
#include "../common/validate.h"
#include "lan.h"

static const char usage[] =
    "Usage: bridge-dhcp [OPTIONS] [up | down | show | exec [--host | --lan] -- CMD [ARG...]]\n"
    "Builds the article's bridged network: a LAN namespace with a router (192.168.3.1/24)\n"
    "and dnsmasq; a lab host whose br0 bridges eth0 (its cable to the LAN) and veth0; ns1\n"
    "behind veth1.  br0 and veth1 get their addresses from dnsmasq by DHCP.\n"
    "\n"
    "  up            create the lab; fails (exit 1, nothing changed) if it is already up\n"
    "  show          a picture of the lab, then the links, addresses and routes of the\n"
    "                three namespaces, br0's ports (bridge link) and the leases dnsmasq\n"
    "                handed out\n"
    "  down          stop dnsmasq and any DHCP client, remove what up created (also\n"
    "                after a killed up)\n"
    "  exec -- CMD   run CMD in ns1 (--host: the lab host, --lan: the LAN)\n"
    "  shell         (with -U) a bash in the lab's world: ip netns list, ip -n ns1 ...\n"
    "  (none)        the demo: up, show, ns1 pings the router and br0, down\n"
    "\n"
    "  --dhcp-client C   ours (the default: dhcp-client.c, narrated), dhclient or udhcpc\n"
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
    "  -U, --userns      without root: the lab in a user namespace of your own, held by\n"
    "                    a keeper process between commands (04-netns-veth/keeper.c)\n"
    "  -q, --quiet       do not narrate\n"
    "  -h, --help        show this help\n"
    "Options go before or after the subcommand.  State: /run/nslab/<host-ns>.state, files\n"
    "(dnsmasq's pid, leases, log) in /run/nslab/<host-ns>/.\n"
    "\n"
    "Needs root, or -U. Exit status: 0, 1 if a system call failed, 2 for a bad option or name;\n"
    "exec passes on CMD's status (128+N if it died of signal N).\n"
    "\n"
    "Example:\n"
    "  sudo 05-bridge-dhcp/bridge-dhcp up && sudo ip netns exec ns1 ping -c1 192.168.3.1\n"
    "  05-bridge-dhcp/bridge-dhcp -U up && 05-bridge-dhcp/bridge-dhcp -U exec -- ping -c1 "
    "192.168.3.1\n";

/* The lab's names and addresses: the article's, unless changed by options. */
static struct {
    const char *host, *lan, *ns, *br, *eth0, *veth0, *veth1, *lanif, *client;
    bool dns, rapid, timing, userns;
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

/* dnsmasq in the LAN namespace, serving the pool with the router as default route;
 * root there unless this user namespace lets it drop to nobody (common/dnsmasq.h). */
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
        .stay_root = !dnsmasq_can_drop(),
    };
}

/* The RTM_NEWLINK header every link request here starts with: the link is named
 * (IFLA_IFNAME), not numbered, so ifi_index stays 0 and the kernel looks it up. */
static struct nlmsghdr *newlink(char *buf, const char *name, uint16_t flags)
{
    memset(buf, 0, NL_BUFSIZE);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

/* The lab's own directory, for dnsmasq's and the clients' files. */
static int make_dir(void)
{
    char shell[200];
    int r;
    if ((r = labstage_record(&st, LAB_DIR, cfg.host, NULL)) < 0)
        return r;
    snprintf(shell, sizeof(shell), "mkdir %s", cfg.dir);
    narrate_op(shell, "mkdir(%s): pid, lease and log files stay in the lab", cfg.dir);
    return mkdir(cfg.dir, 0755) < 0 ? labstage_fail(&st, -errno, NULL, shell, NULL) : 0;
}

/* brctl addbr br0: a link of kind "bridge", IFLA_LINKINFO { IFLA_INFO_KIND }, no
 * IFLA_INFO_DATA (the defaults: STP off).  NLM_F_EXCL: fail rather than reuse.
 * Made first, it also takes index 2 in the lab host, so eth0, made next, gets 3
 * while its peer lan0 gets 2 in the LAN: a veth whose peer has its own index looks
 * to the kernel like a plain device, whose carrier change the link watch may put
 * off for up to a second - and a bridge port forwards only once its carrier is
 * seen. */
static int add_bridge(struct nl *host)
{
    char buf[NL_BUFSIZE], shell[200], op[160];
    int r;
    if ((r = rtnl_link_up(&st, host, buf, cfg.host, "lo", true)) < 0 ||
        (r = labstage_record(&st, LAB_LINK, cfg.br, cfg.host)) < 0)
        return r;
    struct nlmsghdr *nlh = newlink(buf, cfg.br, NLM_F_CREATE | NLM_F_EXCL);
    struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
    mnl_attr_nest_end(nlh, linkinfo);
    snprintf(shell, sizeof(shell), "ip -n %s link add %s type bridge", cfg.host, cfg.br);
    snprintf(op, sizeof(op), "RTM_NEWLINK %s type bridge", cfg.br);
    return rtnl_talk(&st, host, nlh, shell, op);
}

/* The LAN: the router's interface, its cable's other end born in the lab host as eth0
 * (the article's physical card; stage 04 taught the veth pair), and a DHCP server,
 * which starts while we build the lab host: it must be ready before the first
 * DISCOVER, not before. */
static int build_lan(struct nl *lan, const struct dnsmasq_conf *dconf)
{
    char buf[NL_BUFSIZE];
    int fd, r;
    if ((r = rtnl_link_up(&st, lan, buf, cfg.lan, "lo", true)) < 0 ||
        (r = labstage_record(&st, LAB_LINK, cfg.lanif, cfg.lan)) < 0)
        return r;
    if ((fd = netns_open(cfg.host)) < 0)
        return labstage_fail(&st, fd, NULL, "open " NETNS_RUN_DIR, "%s", cfg.host);
    r = rtnl_veth_add(&st, lan, buf, cfg.lan, cfg.lanif, cfg.eth0, cfg.host, fd);
    close(fd);
    if (r < 0 || (r = rtnl_addr4_add(&st, lan, buf, cfg.lan, cfg.lanif, 0, &cfg.router)) < 0 ||
        (r = rtnl_link_up(&st, lan, buf, cfg.lan, cfg.lanif, true)) < 0)
        return r;
    return lan_dnsmasq_start(&st, cfg.lan, dconf);
}

/* br0 gets eth0's MAC (as the article saw), IFLA_ADDRESS.  A bridge takes the lowest
 * MAC of its ports unless given one: fixed to eth0's, br0 keeps one identity (and one
 * lease) whatever ports come and go. */
static int bridge_mac(struct nl *host)
{
    char buf[NL_BUFSIZE], shell[200], op[160], mac[18];
    struct nl_link eth0;
    if (nl_link_get(host, cfg.eth0, &eth0) < 0)
        return labstage_fail(&st, -ENODEV, NULL, "ip link show", "%s", cfg.eth0);
    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", eth0.mac[0], eth0.mac[1],
             eth0.mac[2], eth0.mac[3], eth0.mac[4], eth0.mac[5]);
    struct nlmsghdr *nlh = newlink(buf, cfg.br, 0);
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, eth0.mac);
    snprintf(shell, sizeof(shell), "ip -n %s link set %s address %s", cfg.host, cfg.br, mac);
    snprintf(op, sizeof(op), "RTM_NEWLINK %s IFLA_ADDRESS %s (%s's)", cfg.br, mac, cfg.eth0);
    return rtnl_talk(&st, host, nlh, shell, op);
}

/* br0's ports: veth0 made beside it, its peer veth1 born in ns1 (stage 04's pair),
 * then brctl addif br0 eth0 and veth0, every link up, and the wait until both ports
 * forward. */
static int bridge_ports(struct nl *host, struct nl *ns1)
{
    char buf[NL_BUFSIZE], shell[200], op[160];
    const char *const ports[] = {cfg.eth0, cfg.veth0};
    struct nl_link br;
    int fd, r;
    if ((r = labstage_record(&st, LAB_LINK, cfg.veth0, cfg.host)) < 0)
        return r;
    if ((fd = netns_open(cfg.ns)) < 0)
        return labstage_fail(&st, fd, NULL, "open " NETNS_RUN_DIR, "%s", cfg.ns);
    r = rtnl_veth_add(&st, host, buf, cfg.host, cfg.veth0, cfg.veth1, cfg.ns, fd);
    close(fd);
    if (r < 0)
        return r;
    /* A port names its bridge by index, IFLA_MASTER, so ask br0's first (RTM_GETLINK). */
    if (nl_link_get(host, cfg.br, &br) < 0)
        return labstage_fail(&st, -ENODEV, NULL, "ip link show", "%s", cfg.br);
    for (int i = 0; i < 2; i++) {
        struct nlmsghdr *nlh = newlink(buf, ports[i], 0);
        mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)br.index);
        snprintf(shell, sizeof(shell), "ip -n %s link set %s master %s", cfg.host, ports[i],
                 cfg.br);
        snprintf(op, sizeof(op), "RTM_NEWLINK %s IFLA_MASTER %d (%s)", ports[i], br.index, cfg.br);
        if ((r = rtnl_talk(&st, host, nlh, shell, op)) < 0)
            return r;
    }
    narrate_note("%s and %s hold no address (the article's ifconfig %s 0.0.0.0): a port hands "
                 "its frames to the bridge, and the host's address goes on %s",
                 cfg.eth0, cfg.veth0, cfg.eth0, cfg.br);
    if ((r = rtnl_link_up(&st, host, buf, cfg.host, cfg.br, true)) < 0 ||
        (r = rtnl_link_up(&st, host, buf, cfg.host, cfg.eth0, true)) < 0 ||
        (r = rtnl_link_up(&st, host, buf, cfg.host, cfg.veth0, true)) < 0 ||
        (r = rtnl_link_up(&st, ns1, buf, cfg.ns, "lo", true)) < 0 ||
        (r = rtnl_link_up(&st, ns1, buf, cfg.ns, cfg.veth1, true)) < 0)
        return r;
    /* A port forwards only once the kernel has seen its carrier: a DISCOVER sent
     * before would be lost, and the client would wait for its first retransmission. */
    if ((r = nl_bridge_wait_forwarding(host, cfg.br, ports, 2, 1000)) < 0)
        return labstage_fail(&st, r, NULL, "bridge link", "%s and %s never forwarded", cfg.eth0,
                             cfg.veth0);
    return 0;
}

/* up, as the article's steps: the LAN and its DHCP server, the lab host's bridge with
 * eth0 and veth0 as ports, then a lease for br0 and one for ns1's veth1. */
static int cmd_up(void)
{
    struct nl host = {0}, lan = {0}, ns1 = {0};
    const struct dnsmasq_conf dconf = dnsmasq_conf();
    int r;

    /* Refuse before changing anything when a name is someone else's. */
    const char *const names[] = {cfg.host, cfg.lan, cfg.ns};
    if ((r = ipnetns_check_free(&st, names, 3)) < 0)
        return r;
    /* The lab host and the LAN, each with a netlink socket inside (stage 04); br0
     * first, then the LAN, whose dnsmasq loads while the rest is built. */
    if ((r = make_dir()) < 0 || (r = ipnetns_add(&st, cfg.host)) < 0 ||
        (r = ipnetns_add(&st, cfg.lan)) < 0 || (r = ipnetns_rtnl(&st, cfg.lan, &lan)) < 0 ||
        (r = ipnetns_rtnl(&st, cfg.host, &host)) < 0 || (r = add_bridge(&host)) < 0 ||
        (r = build_lan(&lan, &dconf)) < 0)
        goto out;
    /* ns1, the article's namespace, behind the bridge. */
    if ((r = ipnetns_add(&st, cfg.ns)) < 0 || (r = ipnetns_rtnl(&st, cfg.ns, &ns1)) < 0 ||
        (r = bridge_mac(&host)) < 0 || (r = bridge_ports(&host, &ns1)) < 0)
        goto out;
    /* dhclient br0, then ip netns exec ns1 dhclient veth1, once dnsmasq listens. */
    const struct lanlab_client c = {.name = cfg.client, .dir = cfg.dir, .rapid = cfg.rapid};
    if ((r = lan_dnsmasq_ready(&st, &dconf)) < 0 ||
        (r = lan_lease(&st, &host, cfg.host, cfg.br, &c, cfg.timing)) < 0 ||
        (r = lan_lease(&st, &ns1, cfg.ns, cfg.veth1, &c, cfg.timing)) < 0)
        goto out;
out:
    nl_close(&ns1);
    nl_close(&host);
    nl_close(&lan);
    /* The one unwind: whatever step failed, down takes back what the state file lists,
     * so a failed up leaves the machine as it found it. */
    if (r < 0) {
        narrate_note("up failed: removing what it made");
        labrun_down(&st, labstage_print);
    }
    return r;
}

static void print_port(const struct nl_brport *p, void *data)
{
    char line[256];
    (void)data;
    if (nlshow_brport(line, sizeof(line), p, cfg.br) >= 0)
        printf("  %s\n", line);
}

/* show's namespaces, stacked in the picture along the cable: the LAN, the lab host
 * bridging it, ns1 behind the bridge; dnsmasq drawn in the LAN while it runs. */
enum { V_LAN, V_HOST, V_NS };
static struct labrun_view view(void)
{
    return (struct labrun_view){
        .n = 3,
        .ns = {{.name = cfg.lan, .title = "the LAN: router and DHCP server"},
               {.name = cfg.host, .title = "the article's host"},
               {.name = cfg.ns, .title = ""}},
        .daemon = "dnsmasq",
        .daemon_ns = cfg.lan,
        .daemon_job = "DHCP server"};
}

/* The picture, then the listings: each namespace opened once, its socket serving both. */
static int show(void)
{
    char shell[160];
    struct dnsmasq_lease leases[16];
    struct labrun_view v = view();
    int r;
    if ((r = labrun_picture(&st, &v)) < 0 || (r = labrun_show_ns(&st, &v, V_HOST)) < 0)
        goto out;
    snprintf(shell, sizeof(shell), "bridge -n %s link", cfg.host);
    narrate_op(shell, "RTM_GETLINK dump, ifi_family AF_BRIDGE");
    printf(" bridge ports (bridge link):\n");
    fflush(stdout);
    if ((r = nl_dump_brports(&v.ns[V_HOST].nl, print_port, NULL)) < 0) {
        r = labstage_fail(&st, r, NULL, "bridge link", NULL);
        goto out;
    }
    if ((r = labrun_show_ns(&st, &v, V_LAN)) < 0 || (r = labrun_show_ns(&st, &v, V_NS)) < 0)
        goto out;
    printf("leases (%s/dnsmasq.leases):\n", cfg.dir);
    int k = dnsmasq_read_leases(cfg.dir, leases, 16);
    for (int i = 0; i < k && i < 16; i++)
        printf("  %s %s %s\n", leases[i].ip, leases[i].mac, leases[i].hostname);
    fflush(stdout);
out:
    labrun_view_close(&v);
    return r;
}

static int demo(void)
{
    struct nl host;
    struct in_addr br_addr = {0};
    char br_ip[INET_ADDRSTRLEN];
    int a = 0, b = 0, r;
    if ((r = ipnetns_rtnl(&st, cfg.host, &host)) == 0) {
        nl_link_addr4(&host, cfg.br, &br_addr);
        nl_close(&host);
    }
    inet_ntop(AF_INET, &br_addr, br_ip, sizeof(br_ip));
    /* ns1 reaches the LAN's router and the lab host, both through the bridge. */
    char *ping_router[] = {"ping", "-c", "1", "-W", "2", cfg.router_ip, NULL};
    char *ping_host[] = {"ping", "-c", "1", "-W", "2", br_ip, NULL};
    if (r == 0 && (r = show()) == 0 && (a = labrun_exec(&st, cfg.ns, ping_router)) >= 0 &&
        (b = labrun_exec(&st, cfg.ns, ping_host)) >= 0)
        r = a || b;
    /* A failed step is reported here, so that down still runs after it. */
    if (r < 0)
        labstage_print(&st.fail);
    int d = labrun_down(&st, labstage_print);
    return r || d ? EXIT_RUNTIME : 0;
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
    {"userns", ARGS_USERNS, &cfg.userns},
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
    if ((r = lanlab_path_sbin()) < 0)
        err_die(EXIT_RUNTIME, -r, "shorten PATH", "PATH=$PATH:/usr/sbin:/sbin");
    if (strcmp(cfg.client, "ours") && !lanlab_client_installed(cfg.client))
        err_usage("--dhcp-client %s: %s is not installed (apt-get install %s)", cfg.client,
                  cfg.client, strcmp(cfg.client, "dhclient") ? "udhcpc" : "isc-dhcp-client");
    snprintf(cfg.dir, sizeof(cfg.dir), "%s/%s", LAB_STATE_DIR, cfg.host);
    narrate_init("bridge-dhcp", quiet);

    /* -U: from here on in the keeper's world (04-netns-veth/keeper.c), where we are root;
     * every hint then says -U. */
    keeper_dispatch(&st, cfg.userns, which, cfg.host, "05-bridge-dhcp/bridge-dhcp -U");

    /* exec, show, up, down or the demo: labrun calls ours in the right state. */
    const char *const names[] = {cfg.host, cfg.lan, cfg.ns};
    const struct labrun_ops ops = {
        .up = cmd_up, .show = show, .demo = demo, .view = view, .names = names, .n = 3};
    r = labrun(&st, which, cfg.host, &ops,
               !where                     ? cfg.ns
               : !strcmp(where, "--host") ? cfg.host
                                          : cfg.lan,
               rest);
    if (r < 0)
        labstage_die(&st);
    return r;
}
