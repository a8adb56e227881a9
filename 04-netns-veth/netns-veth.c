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
 * The lesson is in three files, read in this order: this one (the steps of `up`, in
 * the article's order), ipnetns.c (how `ip netns add` pins a namespace and how `ip -n`
 * opens a netlink socket inside it) and rtnl.c (each netlink message, built with
 * libmnl where it is sent, and the kernel's ack read back).  Stage 05 reuses the
 * last two.  The lab's bookkeeping (a state file written before each creation, so
 * that `down` works after a killed `up`) is common/lab.c; `down`, `show` and `exec`
 * are common/labrun.c.
 *
 * Read: network_namespaces(7), veth(4), ip-netns(8), rtnetlink(7), netlink(7),
 *       setns(2), unshare(2), libmnl's examples/rtnl/.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/args.h"
#include "../common/err.h"
#include "../common/labrun.h"
#include "../common/narrate.h"
#include "../common/netns.h"
#include "ipnetns.h"
#include "keeper.h"
#include "rtnl.h"

static const char usage[] =
    "Usage: netns-veth [OPTIONS] [up | down | show | exec [--host] -- CMD [ARG...]]\n"
    "Builds the article's network: a namespace ns1 and a veth pair, veth0 192.168.5.5/24\n"
    "in a lab host namespace (the article's host) and veth1 192.168.5.10/24 in ns1.\n"
    "\n"
    "  up            create the lab; fails (exit 1, nothing changed) if it is already up\n"
    "  show          a picture of the lab, then both sides' links, IPv4 addresses and\n"
    "                routes\n"
    "  down          remove what up created, and nothing else (also after a killed up)\n"
    "  exec -- CMD   run CMD in ns1 (--host: in the lab host), like ip netns exec\n"
    "  shell         (with -U) a bash in the lab's world: ip netns list, ip -n ns1 ...\n"
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
    "  -U, --userns     without root: the lab in a user namespace of your own, held\n"
    "                   by a keeper process between commands (04-netns-veth/keeper.c)\n"
    "  -q, --quiet      do not narrate the kernel operations\n"
    "  -h, --help       show this help\n"
    "Options go before or after the subcommand.  State: /run/nslab/<host-ns>.state.\n"
    "\n"
    "Needs root, or -U. Exit status: 0, 1 if a system call failed, 2 for a bad option or name;\n"
    "exec passes on CMD's status (128+N if it died of signal N).\n"
    "\n"
    "Example:\n"
    "  sudo 04-netns-veth/netns-veth up && sudo ip netns exec ns1 ping -c1 192.168.5.5\n"
    "  04-netns-veth/netns-veth -U up && 04-netns-veth/netns-veth -U exec -- ping -c1 "
    "192.168.5.5\n";

/* The lab's names and addresses: the article's, unless changed by options. */
static struct {
    const char *host, *ns, *veth0, *veth1, *where;
    bool article_steps; /* make veth1 beside veth0, then move it, as the article does */
    bool userns;        /* -U: the lab in a user namespace of its own, without root */
    struct args_cidr4 addr0, addr1;
} cfg = {.host = "nslab-host", .ns = "ns1", .veth0 = "veth0", .veth1 = "veth1"};

static const struct args_opt options[] = {
    {"host-ns", ARGS_NETNS, &cfg.host},   {"ns", ARGS_NETNS, &cfg.ns},
    {"veth0", ARGS_IFNAME, &cfg.veth0},   {"veth1", ARGS_IFNAME, &cfg.veth1},
    {"addr0", ARGS_CIDR4, &cfg.addr0},    {"addr1", ARGS_CIDR4, &cfg.addr1},
    {"host", ARGS_WHERE, &cfg.where},     {"article-steps", ARGS_FLAG, &cfg.article_steps},
    {"userns", ARGS_USERNS, &cfg.userns}, {NULL, 0, NULL},
};

static struct labstage st = {
    .stage = "04-netns-veth", .prog = "04-netns-veth/netns-veth", .who = "netns-veth"};

/* up: every step returns 0 or -errno with st.fail filled in.  The first that fails
 * jumps to undo, which takes back everything the state file lists, so that a failed
 * up leaves the machine as it found it. */
static int cmd_up(void)
{
    char buf[NL_BUFSIZE];
    struct nl host = {0}, ns1 = {0};
    int r, fd = -1;

    /* Refuse before changing anything when a name is someone else's. */
    const char *const names[] = {cfg.host, cfg.ns};
    if ((r = ipnetns_check_free(&st, names, 2)) < 0)
        return r;

    /* Step 2 (and the lab host): two named namespaces, pinned under /run/netns, and
     * a netlink socket in each: every request on it acts there (`ip -n NAME`). */
    if ((r = ipnetns_add(&st, cfg.host)) < 0 || (r = ipnetns_add(&st, cfg.ns)) < 0 ||
        (r = ipnetns_rtnl(&st, cfg.host, &host)) < 0 || (r = ipnetns_rtnl(&st, cfg.ns, &ns1)) < 0)
        goto undo;

    /* A new namespace has lo, and it is down: nothing, not even 127.0.0.1,
     * answers there until it is up.  Not in the article; ping to yourself needs it. */
    if ((r = rtnl_link_up(&st, &host, buf, cfg.host, "lo", true)) < 0)
        goto undo;

    /* Step 3: the pair.  Written down first: if we are killed right after, down still
     * knows the link is ours.  Deleting either end deletes both. */
    if ((r = labstage_record(&st, LAB_LINK, cfg.veth0, cfg.host)) < 0)
        goto undo;
    /* The kernel takes the peer's namespace as an open fd on it (IFLA_NET_NS_FD). */
    if ((fd = netns_open(cfg.ns)) < 0) {
        r = labstage_fail(&st, fd, NULL, "open " NETNS_RUN_DIR, "%s", cfg.ns);
        goto undo;
    }
    if (cfg.article_steps) {
        /* Step 4 as the article does it: veth1 made beside veth0, then moved.  Moving
         * a live link makes the kernel wait for every reader of the old namespace's
         * device list to finish (an RCU grace period): the slowest step of up. */
        if ((r = rtnl_veth_add(&st, &host, buf, cfg.host, cfg.veth0, cfg.veth1, NULL, -1)) < 0 ||
            (r = rtnl_link_move(&st, &host, buf, cfg.host, cfg.veth1, cfg.ns, fd)) < 0)
            goto undo;
    } else {
        /* Steps 3 and 4 in one request: the peer's own IFLA_NET_NS_FD has it born in
         * ns1, so nothing ever has to move (what `ip link add ... netns ns1` sends). */
        if ((r = rtnl_veth_add(&st, &host, buf, cfg.host, cfg.veth0, cfg.veth1, cfg.ns, fd)) < 0)
            goto undo;
        narrate_note("%s is born in %s: the article's steps 3 and 4 in one request "
                     "(--article-steps makes it here, then moves it)",
                     cfg.veth1, cfg.ns);
    }

    /* Step 6: addresses and links up (ifconfig did both at once). */
    if ((r = rtnl_addr4_add(&st, &host, buf, cfg.host, cfg.veth0, 0, &cfg.addr0.a)) < 0 ||
        (r = rtnl_link_up(&st, &host, buf, cfg.host, cfg.veth0, true)) < 0)
        goto undo;
    /* ns1's lo, as the lab host's (exercise 4.1 takes this step out). */
    if ((r = rtnl_link_up(&st, &ns1, buf, cfg.ns, "lo", true)) < 0)
        goto undo;
    if ((r = rtnl_addr4_add(&st, &ns1, buf, cfg.ns, cfg.veth1, 0, &cfg.addr1.a)) < 0 ||
        (r = rtnl_link_up(&st, &ns1, buf, cfg.ns, cfg.veth1, true)) < 0)
        goto undo;

    /* Step 7 needs no request: an address with a prefix makes the kernel add the
     * connected route to its subnet (proto kernel scope link) on its own. */
    narrate_note("no route to add: the kernel made %s/%d dev %s and dev %s itself (see show)",
                 inet_ntoa(cidr4_network(&cfg.addr0.a)), cfg.addr0.a.prefix, cfg.veth0, cfg.veth1);

    /* Up is not yet working: the kernel turns the pair's carrier on a moment later,
     * on its own (its link watch), and until then both ends show NO-CARRIER and
     * nothing passes.  Wait for it, so that up returns with a cable that works. */
    if ((r = nl_wait_oper_up(&host, cfg.veth0, 2000)) < 0 ||
        (r = nl_wait_oper_up(&ns1, cfg.veth1, 2000)) < 0) {
        r = labstage_fail(&st, r, NULL, "ip link show", "%s or %s never came up", cfg.veth0,
                          cfg.veth1);
        goto undo;
    }
    narrate_note("%s and %s are operationally up: the cable works", cfg.veth0, cfg.veth1);
    r = 0;
    goto out;
undo:
    narrate_note("up failed: removing what it made");
    labrun_down(&st, labstage_print);
out:
    if (fd >= 0)
        close(fd);
    nl_close(&host);
    nl_close(&ns1);
    return r;
}

/* show's namespaces: the host above ns1 in the picture, as in the listings. */
static struct labrun_view view(void)
{
    return (struct labrun_view){
        .n = 2,
        .ns = {{.name = cfg.host, .title = "the article's host"}, {.name = cfg.ns, .title = ""}}};
}

/* The picture, then each side's links, addresses and routes as ip prints them. */
static int show(void)
{
    struct labrun_view v = view();
    int r = labrun_picture(&st, &v);
    if (r == 0 && (r = labrun_show_ns(&st, &v, 0)) == 0)
        r = labrun_show_ns(&st, &v, 1);
    labrun_view_close(&v);
    return r;
}

/* The demo, after up: show, a ping each way, down. */
static int demo(void)
{
    char ip0[INET_ADDRSTRLEN], ip1[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &cfg.addr0.a.addr, ip0, sizeof(ip0));
    inet_ntop(AF_INET, &cfg.addr1.a.addr, ip1, sizeof(ip1));
    char *ping0[] = {"ping", "-c", "1", "-W", "2", ip1, NULL};
    char *ping1[] = {"ping", "-c", "1", "-W", "2", ip0, NULL};
    int s = show();
    fflush(stdout);
    int a = s < 0 ? s : labrun_exec(&st, cfg.host, ping0);
    int b = s < 0 ? s : labrun_exec(&st, cfg.ns, ping1);
    if (s < 0 || a < 0 || b < 0)
        labstage_print(&st.fail);
    int d = labrun_down(&st, labstage_print);
    return a || b || d ? EXIT_RUNTIME : 0;
}

int main(int argc, char *argv[])
{
    char msg[256], **cmd;
    bool quiet = false;

    err_stage = st.stage;
    /* The article's addresses, through the same check as --addr0 and --addr1. */
    args_set(&(struct args_opt){"addr0", ARGS_CIDR4, &cfg.addr0}, "192.168.5.5/24", msg,
             sizeof(msg));
    args_set(&(struct args_opt){"addr1", ARGS_CIDR4, &cfg.addr1}, "192.168.5.10/24", msg,
             sizeof(msg));
    int r = args_parse(argc, argv, options, &quiet, msg, sizeof(msg));
    if (r == 1) {
        fputs(usage, stdout);
        return 0;
    }
    if (r < 0)
        err_usage("%s", msg);
    int which = args_labsub(argc, argv, optind, cfg.where, &cmd, msg, sizeof(msg));
    if (which < 0)
        err_usage("%s", msg);

    /* Checks between the values, still before anything is created. */
    if (!strcmp(cfg.host, cfg.ns))
        err_usage("--host-ns and --ns are both '%s'", cfg.ns);
    if (!strcmp(cfg.veth0, cfg.veth1))
        err_usage("--veth0 and --veth1 are both '%s'", cfg.veth0);
    if (!strcmp(cfg.veth0, "lo") || !strcmp(cfg.veth1, "lo"))
        err_usage("'lo' is taken: every namespace has its loopback link");
    if (!validate_same_subnet(&cfg.addr0.a, &cfg.addr1.a))
        err_usage("%s and %s are not two addresses in one subnet", cfg.addr0.text, cfg.addr1.text);
    narrate_init("netns-veth", quiet);

    /* -U: from here on in the keeper's world (keeper.c), where we are root;
     * every hint then says -U. */
    keeper_dispatch(&st, cfg.userns, which, cfg.host, "04-netns-veth/netns-veth -U");

    /* exec, show, up, down or the demo: labrun calls ours in the right state. */
    const char *const names[] = {cfg.host, cfg.ns};
    const struct labrun_ops ops = {
        .up = cmd_up, .show = show, .demo = demo, .view = view, .names = names, .n = 2};
    r = labrun(&st, which, cfg.host, &ops, cfg.where ? cfg.host : cfg.ns, cmd);
    if (r < 0)
        labstage_die(&st);
    return r;
}
