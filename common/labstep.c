/* labstep.c - the steps of a network stage's up, down, show and exec. */
#define _GNU_SOURCE
#include "labstep.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "narrate.h"
#include "netns.h"
#include "spawn.h"

int labstep_failed(struct labstage *s, int r, const struct nl *nl, const char *shell,
                   const char *hint, ...)
{
    struct labstep_fail *f = &s->fail;
    f->err = r < 0 ? -r : 0;
    f->status = EXIT_RUNTIME;
    snprintf(f->shell, sizeof(f->shell), "%s", shell);
    f->hint[0] = '\0';
    if (hint) {
        va_list ap;
        va_start(ap, hint);
        vsnprintf(f->hint, sizeof(f->hint), hint, ap);
        va_end(ap);
    } else if (nl && nl->ext_ack[0]) {
        /* The kernel's own words: more precise than strerror alone. */
        snprintf(f->hint, sizeof(f->hint), "kernel: %s", nl->ext_ack);
    } else if (r == -EPERM || r == -EACCES) {
        snprintf(f->hint, sizeof(f->hint), "%s",
                 err_root_hint("network namespaces need CAP_SYS_ADMIN"));
    }
    return r < 0 ? r : -EINVAL;
}

void labstep_print(const struct labstep_fail *f)
{
    err_print(f->err, f->hint[0] ? f->hint : NULL, "%s", f->shell);
}

void labstep_die(const struct labstage *s)
{
    const struct labstep_fail *f = &s->fail;
    err_die(f->status ? f->status : EXIT_RUNTIME, f->err, f->hint[0] ? f->hint : NULL, "%s",
            f->shell);
}

int labstep_names_free(struct labstage *s, const char *const names[], int n)
{
    char path[256], shell[128];
    for (int i = 0; i < n; i++) {
        netns_path(names[i], path, sizeof(path));
        if (access(path, F_OK) == 0) {
            snprintf(shell, sizeof(shell), "ip netns add %s", names[i]);
            return labstep_failed(s, -EEXIST, NULL, shell,
                                  "%s did not create it; pick another name", s->who);
        }
    }
    return 0;
}

int labstep_netns_add(struct labstage *s, const char *name)
{
    char shell[128];
    snprintf(shell, sizeof(shell), "ip netns add %s", name);
    narrate_op(shell, "unshare(CLONE_NEWNET), mount --bind it on %s/%s", NETNS_RUN_DIR, name);
    int r = lab_netns_add(&s->lab, name);
    if (r == -EEXIST)
        return labstep_failed(s, r, NULL, shell, "it is not ours: %s did not create it", s->who);
    if (r < 0)
        return labstep_failed(s, r, NULL, shell, NULL);
    return 0;
}

int labstep_nl_open(struct labstage *s, const char *ns, struct nl *nl)
{
    char shell[128];
    int back, r;
    snprintf(shell, sizeof(shell), "ip -n %s", ns);
    if ((r = netns_enter(ns, &back)) < 0)
        return labstep_failed(s, r, NULL, shell, NULL);
    r = nl_open(nl);
    int rl = netns_leave(back);
    if (r < 0 || rl < 0) {
        if (r == 0)
            nl_close(nl);
        return labstep_failed(s, r < 0 ? r : rl, NULL, shell, NULL);
    }
    narrate_op(shell, "setns(%s), socket(AF_NETLINK, NETLINK_ROUTE), setns back", ns);
    return 0;
}

int labstep_request(struct labstage *s, struct nl *nl, struct nlmsghdr *nlh, const char *shell,
                    const char *op)
{
    narrate_op(shell, "%s", op);
    int r = nl_request(nl, nlh);
    return r < 0 ? labstep_failed(s, r, nl, shell, NULL) : 0;
}

int labstep_link_up(struct labstage *s, struct nl *nl, const char *ns, const char *name)
{
    char buf[NL_BUFSIZE], shell[128], op[64];
    snprintf(shell, sizeof(shell), "ip -n %s link set %s up", ns, name);
    snprintf(op, sizeof(op), "RTM_NEWLINK %s IFF_UP", name);
    return labstep_request(s, nl, nl_msg_link_updown(buf, name, true), shell, op);
}

int labstep_addr_add(struct labstage *s, struct nl *nl, const char *ns, const char *name,
                     const struct cidr4 *a)
{
    char buf[NL_BUFSIZE], shell[160], op[96], text[INET_ADDRSTRLEN + 4];
    struct nl_link l;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a->addr, ip, sizeof(ip));
    snprintf(text, sizeof(text), "%s/%d", ip, a->prefix);
    snprintf(shell, sizeof(shell), "ip -n %s addr add %s dev %s", ns, text, name);
    /* An address names its link by index, so ask for it first (RTM_GETLINK). */
    int r = nl_link_get(nl, name, &l);
    if (r < 0)
        return labstep_failed(s, r, nl, shell, NULL);
    snprintf(op, sizeof(op), "RTM_NEWADDR %s on %s (index %d)", text, name, l.index);
    return labstep_request(s, nl, nl_msg_addr4_add(buf, l.index, a->addr, a->prefix), shell, op);
}

int labstep_default_route(struct labstage *s, struct nl *nl, const char *ns, const char *name,
                          struct in_addr gw)
{
    char buf[NL_BUFSIZE], shell[160], op[128], ip[INET_ADDRSTRLEN];
    struct nl_link l;
    inet_ntop(AF_INET, &gw, ip, sizeof(ip));
    snprintf(shell, sizeof(shell), "ip -n %s route add default via %s dev %s", ns, ip, name);
    int r = nl_link_get(nl, name, &l);
    if (r < 0)
        return labstep_failed(s, r, nl, shell, NULL);
    snprintf(op, sizeof(op), "RTM_NEWROUTE 0.0.0.0/0 RTA_GATEWAY %s RTA_OIF %d (%s)", ip, l.index,
             name);
    return labstep_request(s, nl, nl_msg_route4_add(buf, (struct in_addr){0}, 0, gw, l.index),
                           shell, op);
}

int labstep_record(struct labstage *s, enum lab_kind kind, const char *name, const char *netns)
{
    int r = lab_record(&s->lab, kind, name, netns);
    return r < 0 ? labstep_failed(s, r, NULL, "writing the lab's state", NULL) : r;
}

int labstep_open(struct labstage *s, const char *host)
{
    int state = lab_open(&s->lab, s->stage, host);
    if (state == -EBUSY) {
        char shell[200];
        snprintf(shell, sizeof(shell), "%s: another stage's lab", s->lab.path);
        labstep_failed(s, state, NULL, shell, "pick another --host-ns");
        s->fail.err = 0; /* the message says it all */
        return state;
    }
    if (state < 0) {
        char shell[200];
        snprintf(shell, sizeof(shell), "reading %s", s->lab.path);
        /* lab.why: the bad line and what is wrong with it, or the path not trusted. */
        return labstep_failed(s, state, NULL, shell, s->lab.why[0] ? "%s" : NULL, s->lab.why);
    }
    return state;
}

int labstep_lock(struct labstage *s, const char *host)
{
    int r = lab_lock(&s->lab);
    if (r < 0)
        return labstep_failed(s, r, NULL, "flock " LAB_STATE_DIR, s->lab.why[0] ? "%s" : NULL,
                              s->lab.why);
    /* lab_open starts afresh: keep the lock's fd across it. */
    int fd = s->lab.lock_fd;
    r = labstep_open(s, host);
    s->lab.lock_fd = fd;
    return r;
}

int labstep_down(struct labstage *s, void (*report)(const struct labstep_fail *))
{
    if (s->pending > 0) {
        int st;
        netns_wait(s->pending, NULL, &st);
        s->pending = 0;
    }
    struct lab *lab = &s->lab;
    char shell[160];
    int failed = 0, kept = 0;
    struct labstep_fail f = {.status = EXIT_RUNTIME};
    /* Two passes, newest first: the processes, then the rest.  A process keeps its
     * namespace alive, and with it the links there, so it goes first. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = lab->n - 1; i >= 0; i--) {
            if ((int)lab->obj[i].kind == -1 || (pass == 0) != (lab->obj[i].kind == LAB_PROC))
                continue;
            int r = lab_undo(lab, i, shell, sizeof(shell));
            if (r == -ESTALE) {
                /* Replaced by someone else's: not ours to delete, nor to remember. */
                f.err = ESTALE;
                snprintf(f.shell, sizeof(f.shell), "%s", shell);
                snprintf(f.hint, sizeof(f.hint), "not the namespace %s created: left alone",
                         s->who);
                if (report)
                    report(&f);
                failed = 1;
                lab->obj[i].kind = -1;
            } else if (r < 0) {
                f.err = -r;
                snprintf(f.shell, sizeof(f.shell), "%s", shell);
                f.hint[0] = '\0';
                if (report)
                    report(&f);
                failed = 1;
            } else {
                lab->obj[i].kind = -1;
            }
        }
    for (int i = 0; i < lab->n; i++)
        if ((int)lab->obj[i].kind != -1)
            lab->obj[kept++] = lab->obj[i];
    lab->n = kept;
    int r = kept ? lab_save(lab) : lab_remove_state(lab);
    if (r < 0) {
        f.err = -r;
        snprintf(f.shell, sizeof(f.shell), "updating %s", lab->path);
        f.hint[0] = '\0';
        if (report)
            report(&f);
        failed = 1;
    }
    return failed;
}

static struct labstage *rollback_stage;

static void up_rollback(void)
{
    struct labstage *s = rollback_stage;
    if (!s || s->lab.n == 0)
        return;
    rollback_stage = NULL;
    narrate_note("up failed: removing what it made");
    labstep_down(s, labstep_print);
}

void labstep_up_begin(struct labstage *s)
{
    static bool armed;
    rollback_stage = s;
    if (!armed && atexit(up_rollback) == 0)
        armed = true;
}

void labstep_up_end(struct labstage *s)
{
    if (rollback_stage == s)
        rollback_stage = NULL;
}

int labstep_require_up(struct labstage *s, int state, const char *const names[], int n)
{
    char shell[160];
    if (state == 0) {
        snprintf(shell, sizeof(shell), "%s is not up", names[0]);
        labstep_failed(s, -ENOENT, NULL, shell, "run '%s up' first", s->prog);
        s->fail.err = 0;
        return -ENOENT;
    }
    for (int i = 0; i < n; i++)
        if (lab_netns_check(&s->lab, names[i]) < 0) {
            snprintf(shell, sizeof(shell), "%s is only half up: namespace %s is missing", names[0],
                     names[i]);
            labstep_failed(s, -ESTALE, NULL, shell, "run '%s down', then up", s->prog);
            s->fail.err = 0;
            return -ESTALE;
        }
    return 0;
}

int labstep_show_ns(struct labstage *s, const char *ns, const char *title)
{
    struct nl nl;
    int r = labstep_nl_open(s, ns, &nl);
    if (r < 0)
        return r;
    printf("%s%s:\n", ns, title);
    fflush(stdout);
    r = nl_show(&nl, stdout);
    nl_close(&nl);
    return r < 0 ? labstep_failed(s, r, NULL, "ip -n NS link/addr/route show", NULL) : 0;
}

int labstep_exec(struct labstage *s, const char *ns, char **cmd, int *code)
{
    char shell[256] = "";
    int n = snprintf(shell, sizeof(shell), "ip netns exec %s", ns);
    for (int i = 0; cmd[i] && n > 0 && (size_t)n < sizeof(shell); i++)
        n += snprintf(shell + n, sizeof(shell) - (size_t)n, " %s", cmd[i]);
    narrate_op(shell, "fork, setns(%s), unshare(CLONE_NEWNS), mount sysfs /sys, execvp(%s)", ns,
               cmd[0]);
    int status, r = netns_exec(ns, cmd, &status);
    if (r < 0) {
        labstep_failed(s, r, NULL, shell, NULL);
        s->fail.hint[0] = '\0';
        /* A command that is not there: 127, as a shell says. */
        s->fail.status = r == -ENOENT ? 127 : EXIT_RUNTIME;
        return r;
    }
    *code = spawn_exit_code(status);
    return 0;
}

int labopt_name(const char **dst, const char *val, const char *opt, bool ifname, char *msg,
                size_t size)
{
    int r = ifname ? validate_ifname(val) : validate_netns_name(val);
    if (r == -ENAMETOOLONG || (!ifname && strlen(val) >= LAB_NAME_MAX)) {
        snprintf(msg, size, "%s name '%s' for %s is too long (at most %d bytes)",
                 ifname ? "interface" : "namespace", val, opt,
                 ifname ? IFNAMSIZ - 1 : LAB_NAME_MAX - 1);
        return -ENAMETOOLONG;
    }
    if (r < 0) {
        snprintf(msg, size, "bad %s name '%s' for %s (letters, digits and _.- only)",
                 ifname ? "interface" : "namespace", val, opt);
        return -EINVAL;
    }
    *dst = val;
    return 0;
}

int labopt_addr(struct cidr4 *dst, char *text, size_t tsize, const char *val, const char *opt,
                char *msg, size_t size)
{
    if (validate_cidr4(val, dst) < 0 || strlen(val) >= tsize) {
        snprintf(msg, size,
                 "bad address '%s' for %s (a host address A.B.C.D/N, e.g. 192.168.5.5/24)", val,
                 opt);
        return -EINVAL;
    }
    snprintf(text, tsize, "%s", val);
    return 0;
}

int labopt_subcommand(const char *sub, int nrest, char **rest, const char *where_opt, char *msg,
                      size_t size)
{
    static const char *const names[] = {"up", "down", "show", "exec"};
    static const enum labsub subs[] = {LABSUB_UP, LABSUB_DOWN, LABSUB_SHOW, LABSUB_EXEC};
    enum labsub which = LABSUB_DEMO;
    if (sub) {
        size_t i;
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (!strcmp(sub, names[i]))
                break;
        if (i == sizeof(names) / sizeof(names[0])) {
            snprintf(msg, size, "unknown subcommand '%s'", sub);
            return -EINVAL;
        }
        which = subs[i];
    }
    if (which == LABSUB_EXEC && nrest == 0) {
        snprintf(msg, size, "exec needs a command: exec -- CMD [ARG...]");
        return -EINVAL;
    }
    if (which != LABSUB_EXEC && nrest > 0) {
        snprintf(msg, size, "unexpected '%s' after %s", rest[0], sub ? sub : "the options");
        return -EINVAL;
    }
    if (where_opt && which != LABSUB_EXEC) {
        snprintf(msg, size, "%s goes with exec", where_opt);
        return -EINVAL;
    }
    return (int)which;
}

int labstep_run(struct labstage *s, int which, const char *host, const struct labstep_ops *ops,
                const char *exec_ns, char **cmd)
{
    int code, state = labstep_open(s, host);
    if (state < 0)
        return state;
    if (which == LABSUB_EXEC || which == LABSUB_SHOW) {
        if ((state = labstep_require_up(s, state, ops->names, ops->n)) < 0)
            return state;
        if (which == LABSUB_SHOW) {
            ops->show();
            return 0;
        }
        return (state = labstep_exec(s, exec_ns, cmd, &code)) < 0 ? state : code;
    }

    /* up and down change the machine: one at a time, and state read under the lock. */
    if ((state = labstep_lock(s, host)) < 0)
        return state;
    if (which == LABSUB_DOWN) {
        if (state == 0) {
            narrate_note("%s is not up (no %s): nothing to remove", host, s->lab.path);
            return 0;
        }
        return labstep_down(s, labstep_print);
    }
    if (state > 0) {
        labstep_failed(s, -EEXIST, NULL, "", "run '%s down' first", s->prog);
        snprintf(s->fail.shell, sizeof(s->fail.shell), "%s is already up (%s lists what it made)",
                 host, s->lab.path);
        s->fail.err = 0; /* no strerror: the line says it all */
        return -EEXIST;
    }
    labstep_up_begin(s);
    ops->up();
    labstep_up_end(s);
    lab_unlock(&s->lab);
    fflush(stdout);
    return which == LABSUB_UP ? 0 : ops->demo();
}
