/* labstage.c - recording a network stage's failed step, and dying of it. */
#define _GNU_SOURCE
#include "labstage.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "err.h"
#include "nl.h"

int labstage_fail(struct labstage *s, int r, const struct nl *nl, const char *shell,
                  const char *hint, ...)
{
    struct labfail *f = &s->fail;
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

void labstage_print(const struct labfail *f)
{
    err_print(f->err, f->hint[0] ? f->hint : NULL, "%s", f->shell);
}

void labstage_die(const struct labstage *s)
{
    const struct labfail *f = &s->fail;
    err_die(f->status ? f->status : EXIT_RUNTIME, f->err, f->hint[0] ? f->hint : NULL, "%s",
            f->shell);
}

int labstage_record(struct labstage *s, enum lab_kind kind, const char *name, const char *netns)
{
    int r = lab_record(&s->lab, kind, name, netns);
    return r < 0 ? labstage_fail(s, r, NULL, "writing the lab's state", NULL) : r;
}
