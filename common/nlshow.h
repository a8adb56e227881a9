/* nlshow.h - what the kernel's netlink answers say, printed as iproute2 prints them.
 *
 * `show` and the tests compare our view of a namespace with `ip`'s, line by line, so
 * links, addresses, routes and bridge ports are printed in ip's own formats.  The
 * dumps and their parsers are nl.h's; this module only prints.
 */
#ifndef NSLAB_NLSHOW_H
#define NSLAB_NLSHOW_H

#include <stddef.h>
#include <stdio.h>

#include "nl.h"

/* One line as iproute2 prints it (no trailing newline); the length, or -ENOSPC:
 *   `ip route`:     "192.168.5.0/24 dev veth0 proto kernel scope link src 192.168.5.5"
 *   `ip -br link`:  "veth0@if2  UP  aa:bb:cc:dd:ee:ff <BROADCAST,MULTICAST,UP,LOWER_UP>"
 *   `bridge link`:  "3: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br0
 *                    state forwarding priority 32 cost 2"
 * dev, peer and master are the names of the links the object refers to by index (NULL
 * when unknown). */
int nlshow_route4(char *buf, size_t size, const struct nl_route4 *r, const char *dev);
int nlshow_link(char *buf, size_t size, const struct nl_link *l, const char *peer);
int nlshow_brport(char *buf, size_t size, const struct nl_brport *p, const char *master);

/* Prints the namespace's links (like `ip -br link`), IPv4 addresses (like
 * `ip -br -4 addr`) and main-table IPv4 routes (like `ip route`) to out. */
int nlshow_ns(struct nl *nl, FILE *out);

#endif
