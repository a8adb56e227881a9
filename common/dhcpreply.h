/* dhcpreply.h - DHCP's wire format (RFC 2131, options from RFC 2132), and the checks on
 * what a server sends back.
 *
 * The client itself - DISCOVER built and sent, OFFER read, REQUEST, ACK - is stage
 * 05's lesson, written out in 05-bridge-dhcp/dhcp-client.c.  What stays here is what every
 * reader of DHCP packets needs and a student need not read first: the header and
 * option codes, and two strict parsers of outside input (a server's reply, and the
 * IP/UDP packet a packet socket hands over).  They touch no socket, so the unit tests
 * and the fuzz targets feed them every malformed packet a network could deliver.
 * Nothing here prints or exits: each function returns 0 or -errno, and the parsers
 * also hand back a one-line reason the caller can narrate.
 */
#ifndef NSLAB_DHCPREPLY_H
#define NSLAB_DHCPREPLY_H

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

/* The fixed BOOTP header (RFC 951, kept by RFC 2131) and the magic cookie.  Every
 * field is naturally aligned, so the struct has no padding; packets are copied in
 * and out with memcpy, never cast, since a receive buffer need not be aligned. */
struct bootp {
    uint8_t op; /* 1 BOOTP_REQUEST, 2 BOOTP_REPLY */
    uint8_t htype;
    uint8_t hlen;
    uint8_t hops;
    uint32_t xid;
    uint16_t secs;
    uint16_t flags;
    uint32_t ciaddr;
    uint32_t yiaddr;
    uint32_t siaddr;
    uint32_t giaddr;
    uint8_t chaddr[16];
    uint8_t sname[64];
    uint8_t file[128];
    uint32_t cookie;
};
_Static_assert(sizeof(struct bootp) == DHCP_OPTIONS_OFF, "BOOTP header must be 240 bytes");

enum {
    BOOTP_REQUEST = 1,
    BOOTP_REPLY = 2,
    BOOTP_HTYPE_ETHER = 1,
    DHCP_OPT_PAD = 0,
    DHCP_OPT_SUBNET_MASK = 1,
    DHCP_OPT_ROUTER = 3,
    DHCP_OPT_DNS = 6,
    DHCP_OPT_HOSTNAME = 12,
    DHCP_OPT_REQUESTED_IP = 50,
    DHCP_OPT_LEASE_TIME = 51,
    DHCP_OPT_MSG_TYPE = 53,
    DHCP_OPT_SERVER_ID = 54,
    DHCP_OPT_PARAM_LIST = 55,
    DHCP_OPT_MAX_SIZE = 57,
    DHCP_OPT_CLIENT_ID = 61,
    DHCP_OPT_RAPID_COMMIT = 80, /* RFC 4039: empty; "answer my DISCOVER with an ACK" */
    DHCP_OPT_END = 255,
};

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

/* A tally of the packets a client could not use, by reason (the parsers' static
 * strings, so compared as pointers): told once, at the end, not once a packet - a
 * flood would drown the narration. */
#define DHCP_IGNORED_REASONS 6
struct dhcp_ignored {
    long total;
    const char *why[DHCP_IGNORED_REASONS];
    long n[DHCP_IGNORED_REASONS];
    long other; /* reasons past the table's room */
};
void dhcp_ignored_add(struct dhcp_ignored *ig, const char *why);
/* "reason (n), reason (n)[, other reasons (n)]" into text. */
void dhcp_ignored_text(const struct dhcp_ignored *ig, char *text, size_t size);

/* "DHCPOFFER" for DHCPOFFER, "DHCP?" for an unknown type. */
const char *dhcp_type_name(int type);

#endif
