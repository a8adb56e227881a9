/* userns.h - why the kernel may refuse an ordinary user a user namespace, for the
 * hint of a failed clone(CLONE_NEWUSER) (common/spawn.c).  The user-namespace lesson
 * itself, the ID maps, is stage 03's: 03-user-drop/userns-maps.c.
 */
#ifndef NSLAB_USERNS_H
#define NSLAB_USERNS_H

#include <stddef.h>

/* When a setting under procsys ("/proc/sys") forbids unprivileged user namespaces,
 * writes a one-line hint naming it into hint and returns 1; otherwise returns 0.
 * Checked: user.max_user_namespaces = 0, Debian's old
 * kernel.unprivileged_userns_clone = 0, Ubuntu's
 * kernel.apparmor_restrict_unprivileged_userns = 1 (its hint names the fix,
 * `sudo make allow-userns`, which loads scripts/apparmor's profile). */
int userns_blocked_hint(const char *procsys, char *hint, size_t size);

#endif
