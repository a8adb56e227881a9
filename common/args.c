/* args.c - the command line of the stages: options, names, subcommands. */
#define _GNU_SOURCE
#include "args.h"

#include <ctype.h>
#include <getopt.h>
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "lab.h"

int args_command(int argc, char *argv[], int first, char **dflt, char ***cmd)
{
    if (first < argc) {
        *cmd = &argv[first];
        return 0;
    }
    /* getopt skips a "--" it meets; if that was the last word, the user asked for a
     * command and gave none, which is a mistake, not a request for the default. */
    if (first > 1 && strcmp(argv[first - 1], "--") == 0)
        return -EINVAL;
    *cmd = dflt;
    return 0;
}

/* Does the word need quotes to be read back by a shell as one word? */
static bool needs_quotes(const char *w)
{
    if (!*w)
        return true;
    for (; *w; w++)
        if (!isalnum((unsigned char)*w) && !strchr("_./,:=@%+-", *w))
            return true;
    return false;
}

int args_join(char *const cmd[], const char *prefix, char *buf, size_t size)
{
    size_t len = 0;
    int n = snprintf(buf, size, "%s", prefix);
    if (n < 0 || (size_t)n >= size)
        goto cut;
    len = (size_t)n;
    for (size_t i = 0; cmd[i]; i++) {
        /* Single quotes, as a student would type the word; a ' inside becomes '\''. */
        const char *q = needs_quotes(cmd[i]) ? "'" : "";
        n = snprintf(buf + len, size - len, "%s%s", i ? " " : "", q);
        if (n < 0 || (size_t)n >= size - len)
            goto cut;
        len += (size_t)n;
        for (const char *c = cmd[i]; *c; c++) {
            n = snprintf(buf + len, size - len, "%s", *c == '\'' && *q ? "'\\''" : (char[]){*c, 0});
            if (n < 0 || (size_t)n >= size - len)
                goto cut;
            len += (size_t)n;
        }
        n = snprintf(buf + len, size - len, "%s", q);
        if (n < 0 || (size_t)n >= size - len)
            goto cut;
        len += (size_t)n;
    }
    return 0;
cut:
    /* Keep what fits and mark the cut, so a long command still narrates in one line. */
    if (size >= 4)
        strcpy(buf + size - 4, "...");
    return -ENOSPC;
}

int args_check_hostname(const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return -EINVAL;
    /* The kernel's limit (HOST_NAME_MAX is 64 on Linux): sethostname would say EINVAL. */
    if (len > 64)
        return -ENAMETOOLONG;
    for (const char *c = name; *c; c++)
        if (!isgraph((unsigned char)*c) || *c == '/')
            return -EINVAL;
    return 0;
}

int args_set(const struct args_opt *o, const char *val, char *msg, size_t size)
{
    bool ifname = o->kind == ARGS_IFNAME;
    int r;
    switch (o->kind) {
    case ARGS_NETNS:
    case ARGS_IFNAME:
        r = ifname ? validate_ifname(val) : validate_netns_name(val);
        /* A namespace name is also a line of the lab's state file. */
        if (r == -ENAMETOOLONG || (!ifname && strlen(val) >= LAB_NAME_MAX)) {
            snprintf(msg, size, "%s name '%s' for --%s is too long (at most %d bytes)",
                     ifname ? "interface" : "namespace", val, o->name,
                     ifname ? IFNAMSIZ - 1 : LAB_NAME_MAX - 1);
            return -ENAMETOOLONG;
        }
        if (r < 0) {
            snprintf(msg, size, "bad %s name '%s' for --%s (letters, digits and _.- only)",
                     ifname ? "interface" : "namespace", val, o->name);
            return -EINVAL;
        }
        *(const char **)o->dst = val;
        return 0;
    case ARGS_CIDR4: {
        struct args_cidr4 *c = o->dst;
        if (validate_cidr4(val, &c->a) < 0 || strlen(val) >= sizeof(c->text)) {
            snprintf(msg, size,
                     "bad address '%s' for --%s (a host address A.B.C.D/N, e.g. 192.168.5.5/24)",
                     val, o->name);
            return -EINVAL;
        }
        snprintf(c->text, sizeof(c->text), "%s", val);
        return 0;
    }
    case ARGS_STRING:
        *(const char **)o->dst = val;
        return 0;
    case ARGS_FLAG:
    case ARGS_USERNS:
        *(bool *)o->dst = true;
        return 0;
    case ARGS_WHERE:
        if (*(const char **)o->dst) {
            snprintf(msg, size, "%s and --%s: one place at a time", *(const char **)o->dst,
                     o->name);
            return -EINVAL;
        }
        *(const char **)o->dst = val;
        return 0;
    }
    return -EINVAL;
}

int args_parse(int argc, char *argv[], const struct args_opt *opts, bool *quiet, char *msg,
               size_t size)
{
    struct option lo[33];
    /* ARGS_WHERE's value is the option itself, as typed; it outlives the call. */
    static char where[30][40];
    const char *shorts = ":qh";
    int n = 0, opt, r, userns = -1;
    for (; n < 30 && opts[n].name; n++) {
        bool value =
            opts[n].kind != ARGS_FLAG && opts[n].kind != ARGS_WHERE && opts[n].kind != ARGS_USERNS;
        lo[n] =
            (struct option){opts[n].name, value ? required_argument : no_argument, NULL, 256 + n};
        snprintf(where[n], sizeof(where[n]), "--%s", opts[n].name);
        if (opts[n].kind == ARGS_USERNS) {
            shorts = ":qhU";
            userns = n;
        }
    }
    lo[n] = (struct option){"quiet", no_argument, NULL, 'q'};
    lo[n + 1] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n + 2] = (struct option){0};
    /* Our messages, not getopt's: one line each, as err_usage prints it. */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        if (opt == 'U' && userns >= 0)
            opt = 256 + userns;
        if (opt == 'q') {
            *quiet = true;
        } else if (opt == 'h') {
            return 1;
        } else if (opt >= 256 && opt < 256 + n) {
            const struct args_opt *o = &opts[opt - 256];
            if ((r = args_set(o, o->kind == ARGS_WHERE ? where[opt - 256] : optarg, msg, size)) < 0)
                return r;
        } else if (opt == ':') {
            snprintf(msg, size, "option '%s' needs a value", argv[optind - 1]);
            return -EINVAL;
        } else if (optopt && optopt < 256) {
            snprintf(msg, size, "unknown option '-%c'", optopt);
            return -EINVAL;
        } else {
            snprintf(msg, size, "unknown option '%s'", argv[optind - 1]);
            return -EINVAL;
        }
    }
    return 0;
}

void args_subcommand(int argc, char *argv[], int first_arg, const char **sub, char ***rest,
                     int *nrest)
{
    *sub = first_arg < argc ? argv[first_arg] : NULL;
    int first = first_arg < argc ? first_arg + 1 : argc;
    *rest = &argv[first];
    *nrest = argc - first;
}

int args_labsub(int argc, char *argv[], int first_arg, const char *where, char ***rest, char *msg,
                size_t size)
{
    static const char *const names[] = {"up", "down", "show", "exec", "shell"};
    static const enum labsub subs[] = {LABSUB_UP, LABSUB_DOWN, LABSUB_SHOW, LABSUB_EXEC,
                                       LABSUB_SHELL};
    enum labsub which = LABSUB_DEMO;
    const char *sub;
    int nrest;
    args_subcommand(argc, argv, first_arg, &sub, rest, &nrest);
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
        snprintf(msg, size, "unexpected '%s' after %s", (*rest)[0], sub ? sub : "the options");
        return -EINVAL;
    }
    if (where && which != LABSUB_EXEC) {
        snprintf(msg, size, "%s goes with exec", where);
        return -EINVAL;
    }
    return (int)which;
}
