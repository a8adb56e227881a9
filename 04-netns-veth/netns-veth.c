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
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/lab.h"
#include "../common/narrate.h"
#include "../common/netns.h"
#include "../common/nl.h"
#include "../common/spawn.h"
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

static struct lab lab;

/* Dies naming the step as the ip command, with the kernel's own words as a hint. */
static void die_step(int r, const struct nl *nl, const char *shell)
{
    char hint[300] = "";
    if (nl && nl->ext_ack[0])
        snprintf(hint, sizeof(hint), "kernel: %s", nl->ext_ack);
    else if (r == -EPERM || r == -EACCES)
        snprintf(hint, sizeof(hint), "%s", err_root_hint("network namespaces need CAP_SYS_ADMIN"));
    err_die(EXIT_RUNTIME, -r, hint[0] ? hint : NULL, "%s", shell);
}

/* A netlink socket belongs to the namespace it is opened in, for good: open it
 * inside (setns there, socket(), setns back) and every request on it goes there,
 * which is all `ip -n NAME` does. */
static void nl_open_in(const char *ns, struct nl *nl)
{
    char shell[128];
    int back, r;
    snprintf(shell, sizeof(shell), "ip -n %s", ns);
    if ((r = netns_enter(ns, &back)) < 0)
        die_step(r, NULL, shell);
    r = nl_open(nl);
    int rl = netns_leave(back);
    if (r < 0 || rl < 0)
        die_step(r < 0 ? r : rl, NULL, shell);
    narrate_op(shell, "setns(%s), socket(AF_NETLINK, NETLINK_ROUTE), setns back", ns);
}

/* One request: narrated, sent, acknowledged - or the step named and we die. */
static void request(struct nl *nl, struct nlmsghdr *nlh, const char *shell, const char *op)
{
    narrate_op(shell, "%s", op);
    int r = nl_request(nl, nlh);
    if (r < 0)
        die_step(r, nl, shell);
}

static void link_up(struct nl *nl, const char *ns, const char *name)
{
    char buf[NL_BUFSIZE], shell[128], op[64];
    snprintf(shell, sizeof(shell), "ip -n %s link set %s up", ns, name);
    snprintf(op, sizeof(op), "RTM_NEWLINK %s IFF_UP", name);
    request(nl, nl_msg_link_updown(buf, name, true), shell, op);
}

static void addr_add(struct nl *nl, const char *ns, const char *name, const struct cidr4 *a,
                     const char *text)
{
    char buf[NL_BUFSIZE], shell[128], op[96];
    struct nl_link l;
    snprintf(shell, sizeof(shell), "ip -n %s addr add %s dev %s", ns, text, name);
    /* An address names its link by index, so ask for it first (RTM_GETLINK). */
    int r = nl_link_get(nl, name, &l);
    if (r < 0)
        die_step(r, nl, shell);
    snprintf(op, sizeof(op), "RTM_NEWADDR %s on %s (index %d)", text, name, l.index);
    request(nl, nl_msg_addr4_add(buf, l.index, a->addr, a->prefix), shell, op);
}

/* Creating a namespace the way ip netns add does; refused when the name is taken. */
static void netns_add_step(const char *name)
{
    char shell[128];
    snprintf(shell, sizeof(shell), "ip netns add %s", name);
    narrate_op(shell, "unshare(CLONE_NEWNET), mount --bind it on %s/%s", NETNS_RUN_DIR, name);
    int r = lab_netns_add(&lab, name);
    if (r == -EEXIST)
        err_die(EXIT_RUNTIME, EEXIST, "it is not ours: netns-veth did not create it", "%s", shell);
    if (r < 0)
        die_step(r, NULL, shell);
}

static void cmd_up(void)
{
    char buf[NL_BUFSIZE], shell[160], op[96];
    struct nl host, ns1;
    int r, fd;

    /* Refuse before changing anything when a name is someone else's. */
    const char *names[] = {cfg.host, cfg.ns};
    for (int i = 0; i < 2; i++) {
        char path[256];
        netns_path(names[i], path, sizeof(path));
        if (access(path, F_OK) == 0)
            err_die(EXIT_RUNTIME, EEXIST, "netns-veth did not create it; pick another name",
                    "ip netns add %s", names[i]);
    }

    /* Step 2 (and the lab host): two named namespaces, pinned under /run/netns. */
    netns_add_step(cfg.host);
    netns_add_step(cfg.ns);

    nl_open_in(cfg.host, &host);
    nl_open_in(cfg.ns, &ns1);

    /* A new namespace has only lo, and it is down: nothing, not even 127.0.0.1,
     * answers there until it is up.  Not in the article; ping to yourself needs it. */
    link_up(&host, cfg.host, "lo");

    /* Step 3: the pair.  Record it first: if we are killed right after, down still
     * knows the link is ours.  Deleting either end deletes both. */
    if ((r = lab_record(&lab, LAB_LINK, cfg.veth0, cfg.host)) < 0)
        die_step(r, NULL, "writing the lab's state");
    /* The kernel takes a namespace as an open file descriptor on it (IFLA_NET_NS_FD),
     * not by name: names are ip's business. */
    if ((fd = netns_open(cfg.ns)) < 0) {
        snprintf(shell, sizeof(shell), "open %s/%s", NETNS_RUN_DIR, cfg.ns);
        die_step(fd, NULL, shell);
    }
    if (cfg.article_steps) {
        snprintf(shell, sizeof(shell), "ip -n %s link add %s type veth peer name %s", cfg.host,
                 cfg.veth0, cfg.veth1);
        snprintf(op, sizeof(op), "RTM_NEWLINK %s type veth peer %s", cfg.veth0, cfg.veth1);
        request(&host, nl_msg_veth_add(buf, cfg.veth0, cfg.veth1, -1), shell, op);

        /* Step 4: one end into ns1.  Moving a live link makes the kernel wait for
         * every reader of the old namespace's device list to finish (an RCU grace
         * period): the slowest step of up. */
        snprintf(shell, sizeof(shell), "ip -n %s link set %s netns %s", cfg.host, cfg.veth1,
                 cfg.ns);
        snprintf(op, sizeof(op), "RTM_NEWLINK %s IFLA_NET_NS_FD=%d (%s)", cfg.veth1, fd, cfg.ns);
        request(&host, nl_msg_link_netns(buf, cfg.veth1, fd), shell, op);
    } else {
        /* Steps 3 and 4 in one request: the peer's own IFLA_NET_NS_FD has it born in
         * ns1, so nothing ever has to move (what `ip link add ... netns ns1` sends). */
        snprintf(shell, sizeof(shell), "ip -n %s link add %s type veth peer name %s netns %s",
                 cfg.host, cfg.veth0, cfg.veth1, cfg.ns);
        snprintf(op, sizeof(op), "RTM_NEWLINK %s type veth peer %s IFLA_NET_NS_FD=%d (%s)",
                 cfg.veth0, cfg.veth1, fd, cfg.ns);
        request(&host, nl_msg_veth_add(buf, cfg.veth0, cfg.veth1, fd), shell, op);
        narrate_note("%s is born in %s: the article's steps 3 and 4 in one request "
                     "(--article-steps makes it here, then moves it)",
                     cfg.veth1, cfg.ns);
    }
    close(fd);

    /* Step 6: addresses and links up (ifconfig did both at once). */
    addr_add(&host, cfg.host, cfg.veth0, &cfg.addr0, cfg.addr0_s);
    link_up(&host, cfg.host, cfg.veth0);
    link_up(&ns1, cfg.ns, "lo");
    addr_add(&ns1, cfg.ns, cfg.veth1, &cfg.addr1, cfg.addr1_s);
    link_up(&ns1, cfg.ns, cfg.veth1);

    /* Step 7 needs no request: an address with a prefix makes the kernel add the
     * connected route to its subnet (proto kernel scope link) on its own. */
    narrate_note("no route to add: the kernel made %s/%d dev %s and dev %s itself (see show)",
                 inet_ntoa(cidr4_network(&cfg.addr0)), cfg.addr0.prefix, cfg.veth0, cfg.veth1);
    nl_close(&host);
    nl_close(&ns1);
}

/* Undoes everything the state file lists, newest first; keeps what failed. */
static int cmd_down(void)
{
    char shell[160];
    int failed = 0, kept = 0;
    for (int i = lab.n - 1; i >= 0; i--) {
        int r = lab_undo(&lab, i, shell, sizeof(shell));
        if (r == -ESTALE) {
            /* Replaced by someone else's: not ours to delete, nor to remember. */
            err_print(ESTALE, "not the namespace netns-veth created: left alone", "%s", shell);
            failed = 1;
            lab.obj[i].kind = -1;
        } else if (r < 0) {
            err_print(-r, NULL, "%s", shell);
            failed = 1;
        } else {
            lab.obj[i].kind = -1;
        }
    }
    for (int i = 0; i < lab.n; i++)
        if ((int)lab.obj[i].kind != -1)
            lab.obj[kept++] = lab.obj[i];
    lab.n = kept;
    int r = kept ? lab_save(&lab) : lab_remove_state(&lab);
    if (r < 0) {
        err_print(-r, NULL, "updating %s", lab.path);
        failed = 1;
    }
    return failed;
}

/* An up that fails halfway takes back what it made, so a failure changes nothing.
 * Runs at exit (err_die exits), and only while up is in progress. */
static bool up_running;
static void up_rollback(void)
{
    if (!up_running || lab.n == 0)
        return;
    up_running = false;
    narrate_note("up failed: removing what it made");
    cmd_down();
}

static void show_side(const char *ns, const char *what)
{
    struct nl nl;
    nl_open_in(ns, &nl);
    printf("%s%s:\n", ns, what);
    fflush(stdout);
    int r = nl_show(&nl, stdout);
    nl_close(&nl);
    if (r < 0)
        die_step(r, NULL, "ip -n NS link/addr/route show");
}

static int cmd_exec(const char *ns, char **cmd)
{
    char shell[256] = "";
    int n = snprintf(shell, sizeof(shell), "ip netns exec %s", ns);
    for (int i = 0; cmd[i] && n > 0 && (size_t)n < sizeof(shell); i++)
        n += snprintf(shell + n, sizeof(shell) - (size_t)n, " %s", cmd[i]);
    narrate_op(shell, "fork, setns(%s), unshare(CLONE_NEWNS), mount sysfs /sys, execvp(%s)", ns,
               cmd[0]);
    int status, r = netns_exec(ns, cmd, &status);
    if (r < 0)
        err_die(r == -ENOENT ? 127 : EXIT_RUNTIME, -r, NULL, "%s", shell);
    return spawn_exit_code(status);
}

/* The lab must be up and its namespaces still ours before we show or run anything. */
static void require_up(int state)
{
    if (state == 0)
        err_die(EXIT_RUNTIME, 0, "run '04-netns-veth/netns-veth up' first", "%s is not up",
                cfg.host);
    const char *names[] = {cfg.host, cfg.ns};
    for (int i = 0; i < 2; i++)
        if (lab_netns_check(&lab, names[i]) < 0)
            err_die(EXIT_RUNTIME, 0, "run '04-netns-veth/netns-veth down', then up",
                    "%s is only half up: namespace %s is missing", cfg.host, names[i]);
}

static int demo(void)
{
    char *ping0[] = {"ping", "-c", "1", "-W", "2", cfg.addr1_s, NULL};
    char *ping1[] = {"ping", "-c", "1", "-W", "2", cfg.addr0_s, NULL};
    /* ping wants the bare address, not A/N. */
    *strchr(cfg.addr0_s, '/') = '\0';
    *strchr(cfg.addr1_s, '/') = '\0';
    show_side(cfg.host, " (the article's host)");
    show_side(cfg.ns, "");
    fflush(stdout);
    int a = cmd_exec(cfg.host, ping0);
    int b = cmd_exec(cfg.ns, ping1);
    int d = cmd_down();
    return a || b || d ? EXIT_RUNTIME : 0;
}

static void set_name(const char **dst, const char *val, const char *opt, bool ifname)
{
    int r = ifname ? validate_ifname(val) : validate_netns_name(val);
    if (r == -ENAMETOOLONG || (!ifname && strlen(val) >= LAB_NAME_MAX))
        err_usage("%s name '%s' for %s is too long (at most %d bytes)",
                  ifname ? "interface" : "namespace", val, opt,
                  ifname ? IFNAMSIZ - 1 : LAB_NAME_MAX - 1);
    if (r < 0)
        err_usage("bad %s name '%s' for %s (letters, digits and _.- only)",
                  ifname ? "interface" : "namespace", val, opt);
    *dst = val;
}

static void set_addr(struct cidr4 *dst, char *text, size_t size, const char *val, const char *opt)
{
    if (validate_cidr4(val, dst) < 0 || strlen(val) >= size)
        err_usage("bad address '%s' for %s (a host address A.B.C.D/N, e.g. 192.168.5.5/24)", val,
                  opt);
    snprintf(text, size, "%s", val);
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

    err_stage = "04-netns-veth";
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
    if (sub && strcmp(sub, "up") && strcmp(sub, "down") && strcmp(sub, "show") &&
        strcmp(sub, "exec"))
        err_usage("unknown subcommand '%s'", sub);
    bool is_exec = sub && !strcmp(sub, "exec");
    if (is_exec && nrest == 0)
        err_usage("exec needs a command: exec -- CMD [ARG...]");
    if (!is_exec && nrest > 0)
        err_usage("unexpected '%s' after %s", rest[0], sub ? sub : "the options");
    if (in_host && !is_exec)
        err_usage("--host goes with exec");
    narrate_init("netns-veth", quiet);

    int state = lab_open(&lab, err_stage, cfg.host);
    if (state == -EBUSY)
        err_die(EXIT_RUNTIME, 0, "pick another --host-ns", "%s: another stage's lab", lab.path);
    if (state < 0)
        err_die(EXIT_RUNTIME, -state, NULL, "reading %s", lab.path);

    if (is_exec) {
        require_up(state);
        return cmd_exec(in_host ? cfg.host : cfg.ns, rest);
    }
    if (sub && !strcmp(sub, "show")) {
        require_up(state);
        show_side(cfg.host, " (the article's host)");
        show_side(cfg.ns, "");
        return 0;
    }

    /* up and down change the machine: one at a time, and state read under the lock. */
    int r = lab_lock(&lab);
    if (r < 0)
        err_die(EXIT_RUNTIME, -r, NULL, "flock %s", LAB_STATE_DIR);
    state = lab_open(&lab, err_stage, cfg.host);
    if (state < 0)
        err_die(EXIT_RUNTIME, -state, NULL, "reading %s", lab.path);
    if (sub && !strcmp(sub, "down")) {
        if (state == 0) {
            narrate_note("%s is not up (no %s): nothing to remove", cfg.host, lab.path);
            return 0;
        }
        return cmd_down();
    }
    if (state > 0)
        err_die(EXIT_RUNTIME, 0, "run '04-netns-veth/netns-veth down' first",
                "%s is already up (%s lists what it made)", cfg.host, lab.path);
    up_running = true;
    atexit(up_rollback);
    cmd_up();
    up_running = false;
    lab_unlock(&lab);
    return sub ? 0 : demo();
}
