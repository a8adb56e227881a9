/* err.c - one-line error messages, and the statuses a stage returns with them. */
#define _GNU_SOURCE
#include "err.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *err_stage = "nslab";

static void vprint(int err, const char *hint, const char *fmt, va_list ap)
{
    /* Build the whole line first so that one write() carries it: the parent and the
     * child share the terminal and their lines must not interleave mid-line. */
    char line[1024];
    int n = snprintf(line, sizeof(line), "%s: ", err_stage);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    if (err && (size_t)n < sizeof(line))
        n += snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(err));
    if (hint && (size_t)n < sizeof(line))
        n += snprintf(line + n, sizeof(line) - (size_t)n, " (%s)", hint);
    if ((size_t)n >= sizeof(line) - 1)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    fflush(stdout);
    fwrite(line, 1, (size_t)n, stderr);
}

/* "try '01-pid-ns/pid-ns -h'": the stage "01-pid-ns" is built as 01-pid-ns/pid-ns. */
static const char *usage_hint(char *buf, size_t size)
{
    const char *prog = strchr(err_stage, '-');
    snprintf(buf, size, "try '%s/%s -h'", err_stage, prog ? prog + 1 : err_stage);
    return buf;
}

void err_print(int err, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(err, hint, fmt, ap);
    va_end(ap);
}

int err_fail(int err, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(err, hint, fmt, ap);
    va_end(ap);
    return EXIT_RUNTIME;
}

int err_bad_usage(const char *fmt, ...)
{
    char hint[128];
    va_list ap;
    va_start(ap, fmt);
    vprint(0, usage_hint(hint, sizeof(hint)), fmt, ap);
    va_end(ap);
    return EXIT_USAGE;
}

int err_bad_option(int opt, char *const argv[])
{
    if (opt == ':')
        return err_bad_usage("option '%s' needs an argument", argv[optind - 1]);
    /* optopt is the unknown letter of a short option, 0 for an unknown long one. */
    if (optopt)
        return err_bad_usage("unknown option '-%c'", optopt);
    return err_bad_usage("unknown option '%s'", argv[optind - 1]);
}

void err_die(int status, int err, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(err, hint, fmt, ap);
    va_end(ap);
    exit(status);
}

void err_usage(const char *fmt, ...)
{
    char hint[128];
    va_list ap;
    va_start(ap, fmt);
    vprint(0, usage_hint(hint, sizeof(hint)), fmt, ap);
    va_end(ap);
    exit(EXIT_USAGE);
}

const char *err_root_hint(const char *needs)
{
    static char hint[256];
    /* "01-pid-ns" -> "sudo make run-01" */
    snprintf(hint, sizeof(hint), "%s; run as root: sudo make run-%.2s", needs, err_stage);
    return hint;
}
