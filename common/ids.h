/* ids.h - user and group IDs from what a student types: a name or a number. */
#ifndef NSLAB_IDS_H
#define NSLAB_IDS_H

#include <sys/types.h>

/* "nobody" or "65534" -> 65534.  A word of digits is a number (as setpriv and
 * unshare read it), anything else a name looked up in the user database (getpwnam).
 * 0, -ENOENT when no user has that name, -EINVAL for an empty word or a number out of
 * range ((uid_t)-1 is not an ID: it means "unchanged" to setresuid). */
int ids_parse_uid(const char *s, uid_t *uid);

/* The same for groups ("nogroup" or "65534"), looked up with getgrnam. */
int ids_parse_gid(const char *s, gid_t *gid);

#endif
