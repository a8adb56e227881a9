/* 04-netns-veth/netns-veth.c - a named network namespace and a veth pair, over netlink.
 *
 * The article's network steps 1-7: a namespace ns1, a veth pair (a virtual cable with
 * two ends, veth0 and veth1), veth1 moved into ns1, an address on each end, both ends
 * up, and the routes the kernel then makes by itself.  `ip` does each step by sending
 * the kernel one rtnetlink message; this program sends the same messages itself, and
 * narrates each one beside the `ip` command that sends it.
 *
 * The article runs its steps on the real host.  We never touch the machine's network:
 * the article's host is played by a second namespace we create, the lab host
 * (nslab-host), and inside the lab every name and address is the article's.
 *
 * Shell commands it replaces (up; down is `ip netns del` of both):
 *   ip netns add nslab-host                  ip netns add ns1
 *   ip -n nslab-host link set lo up
 *   ip -n nslab-host link add veth0 type veth peer name veth1 netns ns1
 *     (with --article-steps, the article's two steps:
 *      ip -n nslab-host link add veth0 type veth peer name veth1
 *      ip -n nslab-host link set veth1 netns ns1)
 *   ip -n nslab-host addr add 192.168.5.5/24 dev veth0
 *   ip -n nslab-host link set veth0 up
 *   ip -n ns1 link set lo up
 *   ip -n ns1 addr add 192.168.5.10/24 dev veth1
 *   ip -n ns1 link set veth1 up
 *
 * Read: network_namespaces(7), veth(4), ip-netns(8), rtnetlink(7), netlink(7),
 *       setns(2), unshare(2), libmnl's examples/rtnl/.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/lab.h"
#include "../common/labstep.h"
#include "../common/narrate.h"
#include "../common/netns.h"
#include "../common/nl.h"
#include "../common/validate.h"

static const char usage[] =
    "Usage: netns-veth [OPTIONS] [up | down | show | exec [--host] -- CMD [ARG...]]\n"
    "Builds the article's network: a namespace ns1 and a veth pair, veth0 192.168.5.5/24\n"
    "in a lab host namespace (the article's host) and veth1 192.168.5.10/24 in ns1.\n"
    "\n"
    "  up            create the lab; fails (exit 1, nothing changed) if it is already up\n"
    "  show          print both sides' links, IPv4 addresses and routes\n"
    "  down          remove what up created, and nothing else (also after a killed up)\n"
    "  exec -- CMD   run CMD in ns1 (--host: in the lab host), like ip netns exec\n"
    "  (none)        the demo: up, show, a ping each way, down\n"
    "\n"
    "  --host-ns NAME   the lab host namespace (nslab-host); names the lab's state file\n"
    "  --ns NAME        the article's ns1\n"
    "  --veth0 NAME     the host's end of the pair (veth0)\n"
    "  --veth1 NAME     the end in ns1 (veth1)\n"
    "  --addr0 A/N      veth0's address (192.168.5.5/24)\n"
    "  --addr1 A/N      veth1's address (192.168.5.10/24), in the same subnet\n"
    "  --article-steps  make veth1 beside veth0, then move it into ns1, as the article\n"
    "                   does (by default veth1 is made in ns1: one request, no move)\n"
    "  -q, --quiet      do not narrate the kernel operations\n"
    "  -h, --help       show this help\n"
    "Options go before or after the subcommand.  State: /run/nslab/<host-ns>.state.\n"
    "\n"
    "Needs root. Exit status: 0, 1 if a system call failed, 2 for a bad option or name;\n"
    "exec passes on CMD's status (128+N if it died of signal N).\n"
    "\n"
    "Example:\n"
    "  sudo 04-netns-veth/netns-veth up && sudo ip netns exec ns1 ping -c1 192.168.5.5\n";

/* The lab's names and addresses: the article's, unless changed by options. */
static struct {
    const char *host, *ns, *veth0, *veth1;
    bool article_steps; /* make veth1 beside veth0, then move it, as the article does */
    struct cidr4 addr0, addr1;
    char addr0_s[24], addr1_s[24];
} cfg = {.host = "nslab-host", .ns = "ns1", .veth0 = "veth0", .veth1 = "veth1"};

static struct labstage st = {
    .stage = "04-netns-veth", .prog = "04-netns-veth/netns-veth", .who = "netns-veth"};

/* Every step returns -errno with st.fail filled in: the stage dies naming it. */
static void check(int r)
{
    if (r < 0)
        labstep_die(&st);
}

static void cmd_up(void)
{
    char buf[NL_BUFSIZE], shell[160], op[96];
    struct nl host, ns1;
    int fd;

    /* Refuse before changing anything when a name is someone else's. */
    const char *const names[] = {cfg.host, cfg.ns};
    check(labstep_names_free(&st, names, 2));

    /* Step 2 (and the lab host): two named namespaces, pinned under /run/netns. */
    check(labstep_netns_add(&st, cfg.host));
    check(labstep_netns_add(&st, cfg.ns));

    check(labstep_nl_open(&st, cfg.host, &host));
    check(labstep_nl_open(&st, cfg.ns, &ns1));

    /* A new namespace has only lo, and it is down: nothing, not even 127.0.0.1,
     * answers there until it is up.  Not in the article; ping to yourself needs it. */
    check(labstep_link_up(&st, &host, cfg.host, "lo"));

    /* Step 3: the pair.  Record it first: if we are killed right after, down still
     * knows the link is ours.  Deleting either end deletes both. */
    check(labstep_record(&st, LAB_LINK, cfg.veth0, cfg.host));
    /* The kernel takes a namespace as an open file descriptor on it (IFLA_NET_NS_FD),
     * not by name: names are ip's business. */
    if ((fd = netns_open(cfg.ns)) < 0) {
        snprintf(shell, sizeof(shell), "open %s/%s", NETNS_RUN_DIR, cfg.ns);
        check(labstep_failed(&st, fd, NULL, shell, NULL));
    }
    if (cfg.article_steps) {
        snprintf(shell, sizeof(shell), "ip -n %s link add %s type veth peer name %s", cfg.host,
                 cfg.veth0, cfg.veth1);
        snprintf(op, sizeof(op), "RTM_NEWLINK %s type veth peer %s", cfg.veth0, cfg.veth1);
        check(
            labstep_request(&st, &host, nl_msg_veth_add(buf, cfg.veth0, cfg.veth1, -1), shell, op));

        /* Step 4: one end into ns1.  Moving a live link makes the kernel wait for
         * every reader of the old namespace's device list to finish (an RCU grace
         * period): the slowest step of up. */
        snprintf(shell, sizeof(shell), "ip -n %s link set %s netns %s", cfg.host, cfg.veth1,
                 cfg.ns);
        snprintf(op, sizeof(op), "RTM_NEWLINK %s IFLA_NET_NS_FD=%d (%s)", cfg.veth1, fd, cfg.ns);
        check(labstep_request(&st, &host, nl_msg_link_netns(buf, cfg.veth1, fd), shell, op));
    } else {
        /* Steps 3 and 4 in one request: the peer's own IFLA_NET_NS_FD has it born in
         * ns1, so nothing ever has to move (what `ip link add ... netns ns1` sends). */
        snprintf(shell, sizeof(shell), "ip -n %s link add %s type veth peer name %s netns %s",
                 cfg.host, cfg.veth0, cfg.veth1, cfg.ns);
        snprintf(op, sizeof(op), "RTM_NEWLINK %s type veth peer %s IFLA_NET_NS_FD=%d (%s)",
                 cfg.veth0, cfg.veth1, fd, cfg.ns);
        check(
            labstep_request(&st, &host, nl_msg_veth_add(buf, cfg.veth0, cfg.veth1, fd), shell, op));
        narrate_note("%s is born in %s: the article's steps 3 and 4 in one request "
                     "(--article-steps makes it here, then moves it)",
                     cfg.veth1, cfg.ns);
    }
    close(fd);

    /* Step 6: addresses and links up (ifconfig did both at once). */
    check(labstep_addr_add(&st, &host, cfg.host, cfg.veth0, &cfg.addr0));
    check(labstep_link_up(&st, &host, cfg.host, cfg.veth0));
    check(labstep_link_up(&st, &ns1, cfg.ns, "lo"));
    check(labstep_addr_add(&st, &ns1, cfg.ns, cfg.veth1, &cfg.addr1));
    check(labstep_link_up(&st, &ns1, cfg.ns, cfg.veth1));

    /* Step 7 needs no request: an address with a prefix makes the kernel add the
     * connected route to its subnet (proto kernel scope link) on its own. */
    narrate_note("no route to add: the kernel made %s/%d dev %s and dev %s itself (see show)",
                 inet_ntoa(cidr4_network(&cfg.addr0)), cfg.addr0.prefix, cfg.veth0, cfg.veth1);
    nl_close(&host);
    nl_close(&ns1);
}

static void show(void)
{
    check(labstep_show_ns(&st, cfg.host, " (the article's host)"));
    check(labstep_show_ns(&st, cfg.ns, ""));
}

static int exec_in(const char *ns, char **cmd)
{
    int code;
    check(labstep_exec(&st, ns, cmd, &code));
    return code;
}

static int demo(void)
{
    char *ping0[] = {"ping", "-c", "1", "-W", "2", cfg.addr1_s, NULL};
    char *ping1[] = {"ping", "-c", "1", "-W", "2", cfg.addr0_s, NULL};
    /* ping wants the bare address, not A/N. */
    *strchr(cfg.addr0_s, '/') = '\0';
    *strchr(cfg.addr1_s, '/') = '\0';
    show();
    fflush(stdout);
    int a = exec_in(cfg.host, ping0);
    int b = exec_in(cfg.ns, ping1);
    int d = labstep_down(&st, labstep_print);
    return a || b || d ? EXIT_RUNTIME : 0;
}

static void set_name(const char **dst, const char *val, const char *opt, bool ifname)
{
    char msg[256];
    if (labopt_name(dst, val, opt, ifname, msg, sizeof(msg)) < 0)
        err_usage("%s", msg);
}

static void set_addr(struct cidr4 *dst, char *text, size_t size, const char *val, const char *opt)
{
    char msg[256];
    if (labopt_addr(dst, text, size, val, opt, msg, sizeof(msg)) < 0)
        err_usage("%s", msg);
}

int main(int argc, char *argv[])
{
    enum {
        OPT_HOSTNS = 256,
        OPT_NS,
        OPT_VETH0,
        OPT_VETH1,
        OPT_ADDR0,
        OPT_ADDR1,
        OPT_HOST,
        OPT_ARTICLE
    };
    static const struct option longopts[] = {
        {"host-ns", required_argument, NULL, OPT_HOSTNS},
        {"ns", required_argument, NULL, OPT_NS},
        {"veth0", required_argument, NULL, OPT_VETH0},
        {"veth1", required_argument, NULL, OPT_VETH1},
        {"addr0", required_argument, NULL, OPT_ADDR0},
        {"addr1", required_argument, NULL, OPT_ADDR1},
        {"host", no_argument, NULL, OPT_HOST},
        {"article-steps", no_argument, NULL, OPT_ARTICLE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool quiet = false, in_host = false;
    int opt;

    err_stage = st.stage;
    set_addr(&cfg.addr0, cfg.addr0_s, sizeof(cfg.addr0_s), "192.168.5.5/24", "");
    set_addr(&cfg.addr1, cfg.addr1_s, sizeof(cfg.addr1_s), "192.168.5.10/24", "");
    /* No leading '+': getopt permutes, so options may come before or after the
     * subcommand; what follows "--" is left alone for exec. */
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_HOSTNS:
            set_name(&cfg.host, optarg, "--host-ns", false);
            break;
        case OPT_NS:
            set_name(&cfg.ns, optarg, "--ns", false);
            break;
        case OPT_VETH0:
            set_name(&cfg.veth0, optarg, "--veth0", true);
            break;
        case OPT_VETH1:
            set_name(&cfg.veth1, optarg, "--veth1", true);
            break;
        case OPT_ADDR0:
            set_addr(&cfg.addr0, cfg.addr0_s, sizeof(cfg.addr0_s), optarg, "--addr0");
            break;
        case OPT_ADDR1:
            set_addr(&cfg.addr1, cfg.addr1_s, sizeof(cfg.addr1_s), optarg, "--addr1");
            break;
        case OPT_HOST:
            in_host = true;
            break;
        case OPT_ARTICLE:
            cfg.article_steps = true;
            break;
        case ':':
            err_usage("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt)
                err_usage("unknown option '-%c'", optopt);
            err_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    const char *sub;
    char **rest;
    int nrest;
    lab_subcommand(argc, argv, optind, &sub, &rest, &nrest);

    /* Checks between the values, still before anything is created. */
    if (!strcmp(cfg.host, cfg.ns))
        err_usage("--host-ns and --ns are both '%s'", cfg.ns);
    if (!strcmp(cfg.veth0, cfg.veth1))
        err_usage("--veth0 and --veth1 are both '%s'", cfg.veth0);
    if (!strcmp(cfg.veth0, "lo") || !strcmp(cfg.veth1, "lo"))
        err_usage("'lo' is taken: every namespace has its loopback link");
    if (!validate_same_subnet(&cfg.addr0, &cfg.addr1))
        err_usage("%s and %s are not two addresses in one subnet", cfg.addr0_s, cfg.addr1_s);
    char msg[256];
    int which = labopt_subcommand(sub, nrest, rest, in_host ? "--host" : NULL, msg, sizeof(msg));
    if (which < 0)
        err_usage("%s", msg);
    narrate_init("netns-veth", quiet);

    /* exec, show, up, down or the demo: labstep_run calls ours in the right state. */
    const char *const names[] = {cfg.host, cfg.ns};
    const struct labstep_ops ops = {
        .up = cmd_up, .show = show, .demo = demo, .names = names, .n = 2};
    int r = labstep_run(&st, which, cfg.host, &ops, in_host ? cfg.host : cfg.ns, rest);
    if (r < 0)
        labstep_die(&st);
    return r;
}
