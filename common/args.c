/* args.c - command-line checks shared by the stages. */
#define _GNU_SOURCE
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int args_command(int argc, char *argv[], int optind, char **dflt, char ***cmd)
{
    if (optind < argc) {
        *cmd = &argv[optind];
        return 0;
    }
    /* getopt skips a "--" it meets; if that was the last word, the user asked for a
     * command and gave none, which is a mistake, not a request for the default. */
    if (optind > 1 && strcmp(argv[optind - 1], "--") == 0)
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
