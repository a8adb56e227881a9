/* ids.c - user and group IDs from names or numbers. */
#define _GNU_SOURCE
#include "ids.h"

#include <errno.h>
#include <stdbool.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

/* A word of digits as an ID: 1 and *id set, 0 when it is not all digits (a name),
 * -EINVAL when it is a number but not an ID. */
static int parse_number(const char *s, unsigned long *id)
{
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return 0;
    errno = 0;
    unsigned long v = strtoul(s, NULL, 10);
    /* IDs are 32 bits and the all-ones value is reserved ("no change"). */
    if (errno || v >= 0xffffffffUL)
        return -EINVAL;
    *id = v;
    return 1;
}

/* A name or number for a user (group false) or a group (group true). */
static int parse_id(const char *s, bool group, unsigned long *id)
{
    int r = parse_number(s, id);
    if (r != 0)
        return r < 0 ? r : 0;
    if (!*s)
        return -EINVAL;
    char buf[4096];
    int e;
    /* get*nam_r return 0 with a NULL result for "no such name". */
    if (group) {
        struct group gr, *res = NULL;
        e = getgrnam_r(s, &gr, buf, sizeof(buf), &res);
        if (!e && res)
            *id = gr.gr_gid;
        return e ? -e : res ? 0 : -ENOENT;
    }
    struct passwd pw, *res = NULL;
    e = getpwnam_r(s, &pw, buf, sizeof(buf), &res);
    if (!e && res)
        *id = pw.pw_uid;
    return e ? -e : res ? 0 : -ENOENT;
}

int ids_parse_uid(const char *s, uid_t *uid)
{
    unsigned long v;
    int r = parse_id(s, false, &v);
    if (r == 0)
        *uid = (uid_t)v;
    return r;
}

int ids_parse_gid(const char *s, gid_t *gid)
{
    unsigned long v;
    int r = parse_id(s, true, &v);
    if (r == 0)
        *gid = (gid_t)v;
    return r;
}
