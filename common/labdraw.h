/* labdraw.h - the picture `show` draws of a lab: boxes, links, wires, in plain text.
 *
 * Plumbing, not a lesson: no stage teaches drawing.  The picture is made from what the
 * kernel says is there (labrun.c fills a struct labdraw from netlink dumps), never
 * from the lab's configuration, so a link deleted by hand is simply not in it and a
 * namespace that is gone is a box that says so.
 *
 * Each namespace is a box, stacked top to bottom; inside, one row per link: its name,
 * its IPv4 addresses, "(down)" when it is set down, a bridge's ports indented under it;
 * then the daemons running there.  The two ends of a veth pair are joined by a wire
 * leaving each end's row to the right, in lanes beside the boxes.  The ends are paired
 * by what the kernel reports: each end's IFLA_LINK is the other's index, and
 * IFLA_LINK_NETNSID says whether the other is in another namespace.  An end whose
 * peer is not in the picture keeps ip's "@ifN".
 *
 * labdraw_render is a function of its arguments (a struct in, text out; it keeps
 * nothing between calls), so the unit tests check the picture exactly.  It always fits
 * LABDRAW_COLS columns: a title or a row too long is cut, the cut shown by "…" ("~" in
 * ASCII).
 */
#ifndef NSLAB_LABDRAW_H
#define NSLAB_LABDRAW_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#define LABDRAW_COLS        80
#define LABDRAW_MAX_NS      4
#define LABDRAW_MAX_LINKS   8
#define LABDRAW_MAX_ADDRS   2
#define LABDRAW_MAX_DAEMONS 2

struct labdraw_link {
    char name[IFNAMSIZ];
    int index;
    bool up;         /* IFF_UP: set up (the carrier may still be coming) */
    int master;      /* IFLA_MASTER: index of its bridge, 0 when none */
    int peer;        /* IFLA_LINK: the peer's index, 0 when none */
    bool peer_netns; /* IFLA_LINK_NETNSID given: the peer is in another namespace */
    int naddr;
    char addr[LABDRAW_MAX_ADDRS][20]; /* "192.168.3.159/24" */
};

struct labdraw_ns {
    char name[64];
    char title[48]; /* "the article's host", or "" */
    char gone[96];  /* "" while it is there; else why it is not ("gone: ...") */
    int n;
    struct labdraw_link link[LABDRAW_MAX_LINKS];
    int ndaemon;
    char daemon[LABDRAW_MAX_DAEMONS][64]; /* "dnsmasq (PID 42): DHCP server" */
};

struct labdraw {
    int n;
    struct labdraw_ns ns[LABDRAW_MAX_NS];
};

/* The picture, one line per '\n', into out (size bytes, NUL-terminated): box-drawing
 * characters when utf8, else ASCII (+ - |).  Returns its length, -ENOSPC or -ENOMEM. */
int labdraw_render(const struct labdraw *d, bool utf8, char *out, size_t size);

/* Whether the terminal's locale speaks UTF-8: setlocale(LC_CTYPE, "") then
 * nl_langinfo(CODESET).  The locale is put back as it was. */
bool labdraw_utf8(void);

#endif
