/* dhcp.h - a small DHCP client (RFC 2131, options from RFC 2132), written out so a
 * student can see the protocol: DISCOVER, OFFER, REQUEST, ACK.
 *
 * Two layers:
 *   - pure builders and parsers (dhcp_build_*, dhcp_parse_*), which touch no socket,
 *     so the unit tests feed them every malformed reply a network could deliver;
 *   - dhcp_acquire(), which runs the exchange on one interface of the network
 *     namespace the calling thread is in, and returns the lease.
 * Applying the lease (address, default route) is the caller's job, over netlink.
 * Nothing here prints an error or exits: each function returns 0 (or a length) or
 * -errno, and the parser also hands back a one-line reason the caller can narrate.
 * dhcp_acquire() narrates each message it sends or receives (narrate.h).
 */
#ifndef NSLAB_DHCP_H
#define NSLAB_DHCP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Message types (option 53). */
enum dhcp_msg_type {
    DHCPDISCOVER = 1,
    DHCPOFFER = 2,
    DHCPREQUEST = 3,
    DHCPDECLINE = 4,
    DHCPACK = 5,
    DHCPNAK = 6,
    DHCPRELEASE = 7,
    DHCPINFORM = 8,
};

#define DHCP_SERVER_PORT    67
#define DHCP_CLIENT_PORT    68
#define DHCP_MAGIC_COOKIE   0x63825363u
#define DHCP_FIXED_LEN      236 /* the BOOTP header, up to the magic cookie */
#define DHCP_OPTIONS_OFF    240
#define DHCP_MIN_LEN        300 /* RFC 1542: relays and old servers drop shorter BOOTP packets */
#define DHCP_MSG_MAX        576 /* what every DHCP host must accept (RFC 2131 section 2) */
#define DHCP_FLAG_BROADCAST 0x8000
#define DHCP_MAX_DNS        3
#define DHCP_LEASE_INFINITE 0xffffffffu

/* Default overall bound of dhcp_acquire(), and its retransmission backoff: the
 * first retransmission after 250 ms, doubling up to 1 s (a lab LAN answers in
 * milliseconds; RFC 2131's 4 s first wait is meant for a busy real network). */
#define DHCP_TIMEOUT_MS     5000
#define DHCP_RETRY_FIRST_MS 250
#define DHCP_RETRY_MAX_MS   1000

/* A server's OFFER, ACK or NAK, after every check of dhcp_parse_reply(). */
struct dhcp_reply {
    uint8_t type;                     /* DHCPOFFER, DHCPACK or DHCPNAK */
    uint32_t xid;                     /* host order */
    struct in_addr yiaddr;            /* the address offered (OFFER, ACK) */
    struct in_addr siaddr;            /* next server (informational) */
    struct in_addr server;            /* option 54, server identifier */
    struct in_addr mask;              /* option 1 */
    int prefix;                       /* the mask as a prefix length */
    struct in_addr router;            /* first of option 3; INADDR_ANY when none */
    uint32_t lease_time;              /* option 51, seconds; DHCP_LEASE_INFINITE for ever */
    struct in_addr dns[DHCP_MAX_DNS]; /* option 6 */
    int n_dns;
    bool rapid_commit; /* option 80 present: an ACK straight after a DISCOVER */
};

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

/* Checks a server's message (the UDP payload) and fills out.  Returns 0, or:
 *   -EBADMSG  malformed: truncated, not a BOOTREPLY, wrong htype/hlen, bad magic
 *             cookie, an option running past the end or with a wrong length, no end
 *             option, no or an unknown message type;
 *   -ENOMSG   well formed but not for us: a foreign xid or client hardware address;
 *   -EINVAL   an OFFER or ACK we must not use: yiaddr 0, broadcast or not a unicast
 *             host address, no server identifier, no or a non-contiguous mask, the
 *             network's own or broadcast address, a lease of 0 s, a router off the
 *             subnet.
 * *why (when why is not NULL) gets a short reason on failure, a static string. */
int dhcp_parse_reply(const void *buf, size_t len, uint32_t xid, const uint8_t mac[6],
                     struct dhcp_reply *out, const char **why);

/* Finds the UDP payload for port 68 in an IPv4 packet as AF_PACKET hands it over
 * (from the IP header on): checks the IP version, header length and checksum, that
 * it is a whole UDP datagram (no fragment) to DHCP_CLIENT_PORT, and the lengths.
 * Sets *payload and *plen.  Returns 0, -EBADMSG (malformed) or -ENOMSG (not ours);
 * *why as for dhcp_parse_reply(). */
int dhcp_parse_ip_udp(const void *pkt, size_t len, const uint8_t **payload, size_t *plen,
                      const char **why);

/* The prefix length of a netmask in network order, or -EINVAL when its ones are not
 * contiguous. */
int dhcp_mask_to_prefix(struct in_addr mask);

/* "DHCPOFFER" for DHCPOFFER, "DHCP?" for an unknown type. */
const char *dhcp_type_name(int type);

/* Runs DISCOVER, OFFER, REQUEST, ACK on interface ifname of the calling thread's
 * network namespace; the interface must be up, with or without an address.  mac is
 * the interface's hardware address, or NULL to read it.  Retransmits with a short
 * backoff, restarts after a NAK, and gives up after timeout_ms (DHCP_TIMEOUT_MS
 * when 0).  Sends from 0.0.0.0:68 to 255.255.255.255:67 and reads the replies with
 * an AF_PACKET socket, since an interface without an address may not get broadcast
 * UDP through the IP stack (rp_filter).  Returns 0 with *out filled, -ETIMEDOUT
 * when no server completed the exchange in time, or another -errno when a socket
 * operation failed (-ENODEV for an unknown interface, -EPERM without CAP_NET_RAW). */
int dhcp_acquire(const char *ifname, const uint8_t mac[6], int timeout_ms, struct dhcp_lease *out);

/* dhcp_acquire with flags: DHCP_RAPID_COMMIT asks for rapid commit, and takes an ACK
 * that carries option 80 in answer to the DISCOVER as the lease (narrated "rapid
 * commit: ..."); a server that does not allow it answers with an OFFER, and the
 * exchange goes on with four messages. */
#define DHCP_RAPID_COMMIT 1u
int dhcp_acquire_flags(const char *ifname, const uint8_t mac[6], int timeout_ms, unsigned flags,
                       struct dhcp_lease *out);

#endif
