/* 05-bridge-dhcp/dhcp-client.h - stage 05's DHCP client (dhcp-client.c): the four
 * messages, DISCOVER, OFFER, REQUEST, ACK, on one interface, through RFC 2131's states.
 *
 * The wire format and the reply checks it uses are in common/dhcpreply.h.  Applying
 * the lease (address, default route) is the caller's job, over netlink.  Nothing here
 * prints an error or exits: each function returns 0 (or a length) or -errno; the
 * exchange narrates each message it sends or receives (narrate.h).
 */
#ifndef NSLAB_DHCP_CLIENT_H
#define NSLAB_DHCP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/dhcpreply.h"

/* Default overall bound of an exchange, and its retransmission backoff: the first
 * retransmission after 250 ms, doubling up to 1 s (a lab LAN answers in
 * milliseconds; RFC 2131's 4 s first wait is meant for a busy real network). */
#define DHCP_TIMEOUT_MS     5000
#define DHCP_RETRY_FIRST_MS 250
#define DHCP_RETRY_MAX_MS   1000

/* The client's states on the way to a first lease (RFC 2131 section 4.4, figure 5):
 * INIT sends a DISCOVER; SELECTING waits for an OFFER and answers it with a REQUEST;
 * REQUESTING waits for the ACK (BOUND) or a NAK (back to INIT). */
enum dhcp_state { DHCP_INIT, DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND };

/* The interface a lease is for, looked up once by the caller (ip link show NAME,
 * RTM_GETLINK) and handed down the whole lease path. */
struct dhcp_iface {
    const char *name; /* SO_BINDTODEVICE, and the narration's shell twin */
    int index;        /* where the packet socket listens */
    uint8_t mac[6];   /* chaddr and the client identifier: what the server knows us by */
};

/* What an exchange returns: the server's ACK, every field checked (dhcp_parse_reply:
 * yiaddr, mask and prefix, router, server, lease time, DNS), and how it went. */
struct dhcp_lease {
    struct dhcp_reply ack;
    int attempts;    /* messages sent, DISCOVERs and REQUESTs together */
    long elapsed_us; /* from the first DISCOVER to the ACK */
};

/* One message a client sends. */
struct dhcp_msg {
    uint8_t type; /* DHCPDISCOVER or DHCPREQUEST */
    uint32_t xid;
    uint16_t secs; /* seconds since the exchange began */
    uint8_t mac[6];
    struct in_addr requested, server; /* DHCPREQUEST: the offer taken (options 50, 54) */
    bool rapid_commit;                /* option 80 (RFC 4039): "answer with an ACK at once" */
};

/* Writes m into buf (broadcast flag set; options 53, 61, 55, 57, then 50 and 54 for a
 * REQUEST, 80 when asked).  Returns its length (at least DHCP_MIN_LEN) or -ENOSPC. */
int dhcp_build(void *buf, size_t size, const struct dhcp_msg *m);

/* The two sockets of an exchange: udp sends from 0.0.0.0:68 on the interface, pkt (a
 * packet socket) reads IPv4 there.  Any datagram socket does for pkt: the tests hand
 * the exchange one they fill themselves. */
struct dhcp_sockets {
    int udp, pkt;
};

/* Opens both on ifc, in the calling thread's network namespace (a socket stays in
 * the namespace it was made in).  0 or -errno (-ENODEV
 * for an unknown interface, -EPERM without CAP_NET_RAW, -EINVAL for a bad ifc). */
int dhcp_open(const struct dhcp_iface *ifc, struct dhcp_sockets *s);
void dhcp_close(struct dhcp_sockets *s);

/* What the exchange uses of the world: the clock, a random xid and its three socket
 * calls.  NULL means dhcp_real_io (CLOCK_MONOTONIC, getrandom, sendto, poll,
 * recvfrom); the unit tests pass their own and run an exchange in virtual time. */
struct dhcp_io {
    long (*now_us)(void *ctx);
    uint32_t (*new_xid)(void *ctx);
    /* sendto(fd) to 255.255.255.255:67: 0 or -errno */
    int (*send)(void *ctx, int fd, const void *buf, size_t len);
    /* poll(fd) for input, at most timeout_ms: 1, 0 (time is up) or -errno */
    int (*wait)(void *ctx, int fd, int timeout_ms);
    /* recvfrom(fd) without waiting: the length, or -EAGAIN when nothing is there;
     * *own set for a packet we sent ourselves (a packet socket sees those too) */
    ssize_t (*recv)(void *ctx, int fd, void *buf, size_t size, bool *own);
    void *ctx;
};
extern const struct dhcp_io dhcp_real_io;

/* Runs DISCOVER, OFFER, REQUEST, ACK on s: the interface must be up, with or without
 * an address.  Retransmits with a short backoff, starts again after a NAK, and gives
 * up after timeout_ms (DHCP_TIMEOUT_MS when 0), however many packets arrive
 * meanwhile.  DHCP_RAPID_COMMIT asks for rapid commit (RFC 4039) and takes an ACK
 * with option 80 in answer to the DISCOVER as the lease; a server that does not allow
 * it answers with an OFFER, and the exchange goes on with four messages.  Packets it
 * cannot use are counted and told in one line at the end ("ignored N packets: ...").
 * Returns 0 with *out filled, -ETIMEDOUT when no server completed the exchange in
 * time, or another -errno when a socket call failed. */
#define DHCP_RAPID_COMMIT 1u
int dhcp_exchange(const struct dhcp_sockets *s, const struct dhcp_iface *ifc,
                  const struct dhcp_io *io, int timeout_ms, unsigned flags, struct dhcp_lease *out);

#endif
