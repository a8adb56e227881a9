/* narrate.c - one line per kernel operation, with its shell equivalent. */
#define _GNU_SOURCE
#include "narrate.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

static const char *narr_who = "nslab";
static bool narr_quiet;
static FILE *narr_stream;

void narrate_init(const char *who, bool quiet)
{
    narr_who = who;
    narr_quiet = quiet;
}

void narrate_set_who(const char *who)
{
    narr_who = who;
}

bool narrate_enabled(void)
{
    return !narr_quiet;
}

void narrate_set_stream(FILE *stream)
{
    narr_stream = stream;
}

int narrate_format_op(char *buf, size_t size, const char *who, const char *op, const char *shell)
{
    int n = snprintf(buf, size, "[%s] %s", who, op);
    if (n < 0 || (size_t)n >= size)
        return -ENOSPC;
    if (shell) {
        /* Pad to the column, but always leave two spaces before the '~'. */
        int pad = NARRATE_SHELL_COL - n;
        if (pad < 2)
            pad = 2;
        int m = snprintf(buf + n, size - (size_t)n, "%*s~ %s", pad, "", shell);
        if (m < 0 || (size_t)m >= size - (size_t)n)
            return -ENOSPC;
        n += m;
    }
    return n;
}

static void emit(const char *line, int len)
{
    FILE *out = narr_stream ? narr_stream : stderr;
    char buf[1100];
    /* One fwrite per line: parent and child write to the same terminal. */
    if (len < 0 || (size_t)len >= sizeof(buf) - 1)
        len = (int)strnlen(line, sizeof(buf) - 2);
    memcpy(buf, line, (size_t)len);
    buf[len] = '\n';
    fflush(stdout);
    fwrite(buf, 1, (size_t)len + 1, out);
    fflush(out);
}

void narrate_op(const char *shell, const char *fmt, ...)
{
    if (narr_quiet)
        return;
    char op[512], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(op, sizeof(op), fmt, ap);
    va_end(ap);
    int n = narrate_format_op(line, sizeof(line), narr_who, op, shell);
    emit(line, n < 0 ? (int)strlen(line) : n);
}

void narrate_note(const char *fmt, ...)
{
    if (narr_quiet)
        return;
    char note[512], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof(note), fmt, ap);
    va_end(ap);
    int n = narrate_format_op(line, sizeof(line), narr_who, note, NULL);
    emit(line, n < 0 ? (int)strlen(line) : n);
}
