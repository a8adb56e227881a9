/* userns.c - the settings that forbid unprivileged user namespaces. */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Reads the first word of procsys/name into buf; 0 or -errno. */
static int read_setting(const char *procsys, const char *name, char buf[16])
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", procsys, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int ok = fscanf(f, "%15s", buf) == 1;
    fclose(f);
    return ok ? 0 : -EINVAL;
}

int userns_blocked_hint(const char *procsys, char *hint, size_t size)
{
    static const struct {
        const char *file, *sysctl, *blocked, *why, *fix;
    } settings[] = {
        {"user/max_user_namespaces", "user.max_user_namespaces", "0",
         "user namespaces are turned off", NULL},
        {"kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone", "0",
         "only root may create user namespaces", NULL},
        /* Ubuntu 23.10+: the namespace is made, but without capabilities in it, unless
         * an AppArmor profile grants this program "userns"; the course ships one. */
        {"kernel/apparmor_restrict_unprivileged_userns",
         "kernel.apparmor_restrict_unprivileged_userns", "1",
         "AppArmor restricts unprivileged user namespaces",
         "an administrator lets the course's programs have them, once: sudo make allow-userns"},
    };
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        char val[16];
        if (read_setting(procsys, settings[i].file, val) == 0 &&
            strcmp(val, settings[i].blocked) == 0) {
            snprintf(hint, size, "%s here: sysctl %s is %s%s%s", settings[i].why,
                     settings[i].sysctl, val, settings[i].fix ? "; " : "",
                     settings[i].fix ? settings[i].fix : "");
            return 1;
        }
    }
    return 0;
}
