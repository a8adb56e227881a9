/* 05-bridge-dhcp/dhcp-client.h - stage 05's DHCP client (dhcp-client.c): the four
 * messages, DISCOVER, OFFER, REQUEST, ACK, on one interface.
 *
 * The wire format and the reply checks it uses are in common/dhcpreply.h.  Applying the
 * lease (address, default route) is the caller's job, over netlink.  Nothing here
 * prints an error or exits: each function returns 0 (or a length) or -errno; the
 * exchange narrates each message it sends or receives (narrate.h).
 */
#ifndef NSLAB_DHCP_CLIENT_H
#define NSLAB_DHCP_CLIENT_H

#include <stdint.h>

#include "../common/dhcpreply.h"

/* Default overall bound of dhcp_acquire(), and its retransmission backoff: the
 * first retransmission after 250 ms, doubling up to 1 s (a lab LAN answers in
 * milliseconds; RFC 2131's 4 s first wait is meant for a busy real network). */
#define DHCP_TIMEOUT_MS     5000
#define DHCP_RETRY_FIRST_MS 250
#define DHCP_RETRY_MAX_MS   1000

/* What dhcp_acquire() returns: everything needed to configure the interface. */
struct dhcp_lease {
    struct in_addr addr;
    struct in_addr mask;
    int prefix;
    struct in_addr router; /* INADDR_ANY when the server gave none */
    struct in_addr server;
    uint32_t lease_time;
    struct in_addr dns[DHCP_MAX_DNS];
    int n_dns;
    uint32_t xid;
    int attempts;    /* messages sent, DISCOVERs and REQUESTs together */
    long elapsed_us; /* from the first DISCOVER to the ACK */
};

/* Writes a DISCOVER (broadcast flag set; options 53, 61, 55, 57, and 12 when hostname
 * is not NULL) into buf.  Returns its length (at least DHCP_MIN_LEN) or -ENOSPC. */
int dhcp_build_discover(void *buf, size_t size, uint32_t xid, const uint8_t mac[6], uint16_t secs,
                        const char *hostname);

/* The same DISCOVER with option 80 (RFC 4039, rapid commit): a server that allows it
 * answers with an ACK at once, and the exchange is two messages instead of four. */
int dhcp_build_discover_rapid(void *buf, size_t size, uint32_t xid, const uint8_t mac[6],
                              uint16_t secs, const char *hostname);

/* Writes the REQUEST that selects an offer: options 50 (requested address) and 54
 * (the server chosen) as well as the DISCOVER's.  Returns its length or -ENOSPC. */
int dhcp_build_request(void *buf, size_t size, uint32_t xid, const uint8_t mac[6], uint16_t secs,
                       struct in_addr requested, struct in_addr server, const char *hostname);

/* Runs DISCOVER, OFFER, REQUEST, ACK on interface ifname of the calling thread's
 * network namespace; the interface must be up, with or without an address.  mac is
 * the interface's hardware address, or NULL to read it.  Retransmits with a short
 * backoff, restarts after a NAK, and gives up after timeout_ms (DHCP_TIMEOUT_MS
 * when 0), however many packets arrive meanwhile.  Sends from 0.0.0.0:68 to
 * 255.255.255.255:67 and reads the replies with an AF_PACKET socket, since an
 * interface without an address may not get broadcast UDP through the IP stack
 * (rp_filter).  Returns 0 with *out filled, -ETIMEDOUT when no server completed the
 * exchange in time, or another -errno when a socket operation failed (-ENODEV for an
 * unknown interface, -EPERM without CAP_NET_RAW). */
int dhcp_acquire(const char *ifname, const uint8_t mac[6], int timeout_ms, struct dhcp_lease *out);

/* dhcp_acquire with flags: DHCP_RAPID_COMMIT asks for rapid commit, and takes an ACK
 * that carries option 80 in answer to the DISCOVER as the lease (narrated "rapid
 * commit: ..."); a server that does not allow it answers with an OFFER, and the
 * exchange goes on with four messages. */
#define DHCP_RAPID_COMMIT 1u
int dhcp_acquire_flags(const char *ifname, const uint8_t mac[6], int timeout_ms, unsigned flags,
                       struct dhcp_lease *out);

/* The exchange itself, on sockets dhcp_acquire_flags has opened: send_fd a UDP socket
 * bound to port 68 on the interface, recv_fd a packet socket reading IPv4 there (any
 * datagram socket will do: the tests hand it one they flood).  mac is the client's
 * hardware address; ifname only names the shell twin in the narration.  Packets it
 * cannot use are counted, and told in one line at the end ("ignored N packets: ..."). */
int dhcp_exchange(int send_fd, int recv_fd, const char *ifname, const uint8_t mac[6],
                  int timeout_ms, unsigned flags, struct dhcp_lease *out);

#endif
