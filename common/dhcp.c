/* dhcp.c - DISCOVER, OFFER, REQUEST, ACK: builders, checks, and the exchange. */
#define _GNU_SOURCE
#include "dhcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "narrate.h"

/* The fixed BOOTP header (RFC 951, kept by RFC 2131) and the magic cookie.  Every
 * field is naturally aligned, so the struct has no padding; packets are copied in
 * and out with memcpy, never cast, since a receive buffer need not be aligned. */
struct bootp {
    uint8_t op; /* 1 BOOTREQUEST, 2 BOOTREPLY */
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
    BOOTREQUEST = 1,
    BOOTREPLY = 2,
    HTYPE_ETHER = 1,
    OPT_PAD = 0,
    OPT_SUBNET_MASK = 1,
    OPT_ROUTER = 3,
    OPT_DNS = 6,
    OPT_HOSTNAME = 12,
    OPT_REQUESTED_IP = 50,
    OPT_LEASE_TIME = 51,
    OPT_MSG_TYPE = 53,
    OPT_SERVER_ID = 54,
    OPT_PARAM_LIST = 55,
    OPT_MAX_SIZE = 57,
    OPT_CLIENT_ID = 61,
    OPT_RAPID_COMMIT = 80, /* RFC 4039: empty; "answer my DISCOVER with an ACK" */
    OPT_END = 255,
};

/* ---- builders ---------------------------------------------------------------- */

struct opt_writer {
    uint8_t *buf;
    size_t len, size;
    bool full;
};

static void opt_add(struct opt_writer *w, uint8_t code, size_t len, const void *data)
{
    if (w->full || len > 255 || w->len + 2 + len + 1 > w->size) { /* +1: room for END */
        w->full = true;
        return;
    }
    w->buf[w->len++] = code;
    w->buf[w->len++] = (uint8_t)len;
    memcpy(w->buf + w->len, data, len);
    w->len += len;
}

static int build(void *buf, size_t size, uint8_t type, uint32_t xid, const uint8_t mac[6],
                 uint16_t secs, const struct in_addr *requested, const struct in_addr *server,
                 const char *hostname, bool rapid)
{
    if (size < DHCP_MIN_LEN)
        return -ENOSPC;
    memset(buf, 0, size);

    struct bootp h = {
        .op = BOOTREQUEST,
        .htype = HTYPE_ETHER,
        .hlen = 6,
        .xid = htonl(xid),
        .secs = htons(secs),
        /* We have no address yet, so the server cannot unicast to us: the
         * broadcast flag asks it to broadcast its OFFER and ACK. */
        .flags = htons(DHCP_FLAG_BROADCAST),
        .cookie = htonl(DHCP_MAGIC_COOKIE),
    };
    memcpy(h.chaddr, mac, 6);
    memcpy(buf, &h, sizeof(h));

    struct opt_writer w = {.buf = buf, .len = DHCP_OPTIONS_OFF, .size = size};
    opt_add(&w, OPT_MSG_TYPE, 1, &type);
    /* Client identifier: hardware type then address, as dhclient sends it, so the
     * server's lease file names us by MAC. */
    uint8_t cid[7] = {HTYPE_ETHER};
    memcpy(cid + 1, mac, 6);
    opt_add(&w, OPT_CLIENT_ID, sizeof(cid), cid);
    if (requested)
        opt_add(&w, OPT_REQUESTED_IP, 4, &requested->s_addr);
    if (server)
        opt_add(&w, OPT_SERVER_ID, 4, &server->s_addr);
    static const uint8_t wanted[] = {OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE_TIME,
                                     OPT_SERVER_ID};
    opt_add(&w, OPT_PARAM_LIST, sizeof(wanted), wanted);
    uint16_t max = htons(DHCP_MSG_MAX);
    opt_add(&w, OPT_MAX_SIZE, 2, &max);
    if (hostname && *hostname)
        opt_add(&w, OPT_HOSTNAME, strlen(hostname), hostname);
    if (rapid)
        opt_add(&w, OPT_RAPID_COMMIT, 0, "");
    if (w.full)
        return -ENOSPC;
    w.buf[w.len++] = OPT_END;
    /* The rest up to DHCP_MIN_LEN is PAD (0), already zeroed. */
    return (int)(w.len < DHCP_MIN_LEN ? DHCP_MIN_LEN : w.len);
}

int dhcp_build_discover(void *buf, size_t size, uint32_t xid, const uint8_t mac[6], uint16_t secs,
                        const char *hostname)
{
    return build(buf, size, DHCPDISCOVER, xid, mac, secs, NULL, NULL, hostname, false);
}

int dhcp_build_discover_rapid(void *buf, size_t size, uint32_t xid, const uint8_t mac[6],
                              uint16_t secs, const char *hostname)
{
    return build(buf, size, DHCPDISCOVER, xid, mac, secs, NULL, NULL, hostname, true);
}

int dhcp_build_request(void *buf, size_t size, uint32_t xid, const uint8_t mac[6], uint16_t secs,
                       struct in_addr requested, struct in_addr server, const char *hostname)
{
    return build(buf, size, DHCPREQUEST, xid, mac, secs, &requested, &server, hostname, false);
}

/* ---- parsers ----------------------------------------------------------------- */

int dhcp_mask_to_prefix(struct in_addr mask)
{
    uint32_t m = ntohl(mask.s_addr);
    /* Contiguous ones from the top: the inverted mask plus one is a power of two. */
    uint32_t inv = ~m;
    if ((inv & (inv + 1)) != 0)
        return -EINVAL;
    return m ? __builtin_popcount(m) : 0;
}

const char *dhcp_type_name(int type)
{
    static const char *const names[] = {
        [DHCPDISCOVER] = "DHCPDISCOVER", [DHCPOFFER] = "DHCPOFFER",   [DHCPREQUEST] = "DHCPREQUEST",
        [DHCPDECLINE] = "DHCPDECLINE",   [DHCPACK] = "DHCPACK",       [DHCPNAK] = "DHCPNAK",
        [DHCPRELEASE] = "DHCPRELEASE",   [DHCPINFORM] = "DHCPINFORM",
    };
    if (type >= DHCPDISCOVER && type <= DHCPINFORM)
        return names[type];
    return "DHCP?";
}

#define REJECT(err, reason)                                                                        \
    do {                                                                                           \
        *why = (reason);                                                                           \
        return -(err);                                                                             \
    } while (0)

/* A unicast host address: not 0/8, loopback, multicast, reserved or broadcast. */
static bool is_unicast_host(uint32_t a)
{
    uint8_t first = (uint8_t)(a >> 24);
    return first != 0 && first != 127 && first < 224;
}

int dhcp_parse_reply(const void *buf, size_t len, uint32_t xid, const uint8_t mac[6],
                     struct dhcp_reply *out, const char **why)
{
    const char *unused;
    if (!why)
        why = &unused;
    *why = NULL;
    memset(out, 0, sizeof(*out));

    /* The header, in the order a packet can go wrong: too short to be DHCP, not a
     * server's reply, not Ethernet, not DHCP (BOOTP without the cookie). */
    if (len < DHCP_OPTIONS_OFF)
        REJECT(EBADMSG, "truncated: shorter than the 240-byte header and magic cookie");
    struct bootp h;
    memcpy(&h, buf, sizeof(h));
    if (h.op != BOOTREPLY)
        REJECT(EBADMSG, "not a BOOTREPLY (op is not 2)");
    if (h.htype != HTYPE_ETHER || h.hlen != 6)
        REJECT(EBADMSG, "hardware type or length is not Ethernet's");
    if (ntohl(h.cookie) != DHCP_MAGIC_COOKIE)
        REJECT(EBADMSG, "wrong magic cookie");

    /* Another client's exchange on the same LAN: not an error, not ours either. */
    if (ntohl(h.xid) != xid)
        REJECT(ENOMSG, "foreign xid: a reply to another exchange");
    if (memcmp(h.chaddr, mac, 6) != 0)
        REJECT(ENOMSG, "foreign client hardware address");

    /* Options: code, length, data; PAD has no length, END stops.  Every length is
     * checked against the end of the packet before a byte of data is read. */
    const uint8_t *p = buf;
    bool end = false, has_mask = false, has_lease = false, has_server = false;
    size_t i = DHCP_OPTIONS_OFF;
    while (i < len) {
        uint8_t code = p[i];
        if (code == OPT_PAD) {
            i++;
            continue;
        }
        if (code == OPT_END) {
            end = true;
            break;
        }
        if (i + 1 >= len || i + 2 + p[i + 1] > len)
            REJECT(EBADMSG, "an option runs past the end of the packet");
        uint8_t olen = p[i + 1];
        const uint8_t *d = p + i + 2;
        switch (code) {
        case OPT_MSG_TYPE:
            if (olen != 1)
                REJECT(EBADMSG, "message type option (53) is not 1 byte long");
            out->type = d[0];
            break;
        case OPT_SUBNET_MASK:
            if (olen != 4)
                REJECT(EBADMSG, "subnet mask option (1) is not 4 bytes long");
            memcpy(&out->mask.s_addr, d, 4);
            has_mask = true;
            break;
        case OPT_ROUTER:
            if (olen == 0 || olen % 4)
                REJECT(EBADMSG, "router option (3) is not a list of addresses");
            memcpy(&out->router.s_addr, d, 4);
            break;
        case OPT_DNS:
            if (olen == 0 || olen % 4)
                REJECT(EBADMSG, "DNS option (6) is not a list of addresses");
            for (int k = 0; k < olen / 4 && out->n_dns < DHCP_MAX_DNS; k++)
                memcpy(&out->dns[out->n_dns++].s_addr, d + 4 * k, 4);
            break;
        case OPT_LEASE_TIME:
            if (olen != 4)
                REJECT(EBADMSG, "lease time option (51) is not 4 bytes long");
            memcpy(&out->lease_time, d, 4);
            out->lease_time = ntohl(out->lease_time);
            has_lease = true;
            break;
        case OPT_SERVER_ID:
            if (olen != 4)
                REJECT(EBADMSG, "server identifier option (54) is not 4 bytes long");
            memcpy(&out->server.s_addr, d, 4);
            has_server = true;
            break;
        case OPT_RAPID_COMMIT:
            if (olen != 0)
                REJECT(EBADMSG, "rapid commit option (80) is not empty");
            out->rapid_commit = true;
            break;
        default: /* an option we did not ask for: skipped */
            break;
        }
        i += 2 + (size_t)olen;
    }
    if (!end)
        REJECT(EBADMSG, "options do not finish with the end option (255)");
    if (out->type == 0)
        REJECT(EBADMSG, "no message type (option 53)");
    if (out->type != DHCPOFFER && out->type != DHCPACK && out->type != DHCPNAK)
        REJECT(EBADMSG, "message type is not a server's (OFFER, ACK or NAK)");

    out->xid = ntohl(h.xid);
    out->yiaddr.s_addr = h.yiaddr;
    out->siaddr.s_addr = h.siaddr;
    if (!has_server)
        REJECT(EINVAL, "no server identifier (option 54)");
    if (!is_unicast_host(ntohl(out->server.s_addr)))
        REJECT(EINVAL, "server identifier is not a unicast address");
    if (out->type == DHCPNAK)
        return 0;

    /* An OFFER or ACK: everything the caller will configure must make sense, so a
     * bad value is refused here and never half-applied to a link. */
    uint32_t yi = ntohl(h.yiaddr);
    if (yi == 0)
        REJECT(EINVAL, "yiaddr is 0.0.0.0: no address offered");
    if (yi == 0xffffffffu)
        REJECT(EINVAL, "yiaddr is the broadcast address 255.255.255.255");
    if (!is_unicast_host(yi))
        REJECT(EINVAL, "yiaddr is not a unicast host address");
    if (!has_mask)
        REJECT(EINVAL, "no subnet mask (option 1)");
    out->prefix = dhcp_mask_to_prefix(out->mask);
    if (out->prefix < 0)
        REJECT(EINVAL, "subnet mask is not contiguous ones then zeros");
    if (out->prefix == 0)
        REJECT(EINVAL, "subnet mask is 0.0.0.0");
    uint32_t m = ntohl(out->mask.s_addr);
    /* On a /31 or /32 every address is a host; on a larger subnet the all-zeros
     * and all-ones host parts name the network and its broadcast. */
    if (out->prefix <= 30 && ((yi & ~m) == 0 || (yi & ~m) == ~m))
        REJECT(EINVAL, "yiaddr is the subnet's network or broadcast address");
    if (!has_lease)
        REJECT(EINVAL, "no lease time (option 51)");
    if (out->lease_time == 0)
        REJECT(EINVAL, "lease time is 0 seconds");
    uint32_t gw = ntohl(out->router.s_addr);
    if (gw != 0 && ((gw & m) != (yi & m) || gw == yi))
        REJECT(EINVAL, "router is not another host on the offered subnet");
    return 0;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)(p[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int dhcp_parse_ip_udp(const void *pkt, size_t len, const uint8_t **payload, size_t *plen,
                      const char **why)
{
    const char *unused;
    if (!why)
        why = &unused;
    *why = NULL;
    const uint8_t *p = pkt;

    if (len < sizeof(struct iphdr))
        REJECT(EBADMSG, "truncated IP header");
    struct iphdr ip;
    memcpy(&ip, p, sizeof(ip));
    if (ip.version != 4)
        REJECT(EBADMSG, "not IPv4");
    size_t ihl = (size_t)ip.ihl * 4;
    if (ihl < sizeof(struct iphdr) || ihl > len)
        REJECT(EBADMSG, "IP header length is wrong");
    /* The sum over a correct header, its checksum included, is 0. */
    if (ip_checksum(p, ihl) != 0)
        REJECT(EBADMSG, "bad IP header checksum");
    /* A frame may carry Ethernet padding after the datagram: trust tot_len. */
    size_t tot = ntohs(ip.tot_len);
    if (tot < ihl || tot > len)
        REJECT(EBADMSG, "IP total length is wrong");
    if (ip.protocol != IPPROTO_UDP)
        REJECT(ENOMSG, "not UDP");
    if (ntohs(ip.frag_off) & 0x3fff) /* more fragments, or an offset */
        REJECT(ENOMSG, "an IP fragment");
    if (tot - ihl < sizeof(struct udphdr))
        REJECT(EBADMSG, "truncated UDP header");
    struct udphdr udp;
    memcpy(&udp, p + ihl, sizeof(udp));
    if (ntohs(udp.dest) != DHCP_CLIENT_PORT)
        REJECT(ENOMSG, "not to the DHCP client port 68");
    size_t ulen = ntohs(udp.len);
    if (ulen < sizeof(struct udphdr) || ulen > tot - ihl)
        REJECT(EBADMSG, "UDP length is wrong");
    /* The UDP checksum is not checked: on a veth the sender leaves it to offload,
     * so AF_PACKET may see it unfilled.  The DHCP checks that follow are strict. */
    *payload = p + ihl + sizeof(struct udphdr);
    *plen = ulen - sizeof(struct udphdr);
    return 0;
}

/* ---- the exchange ------------------------------------------------------------ */

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

static uint32_t new_xid(void)
{
    uint32_t x;
    /* getrandom() rather than rand(): two clients started in the same second (a
     * test suite's parallel runs) must not share an xid. */
    if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != (ssize_t)sizeof(x))
        x = (uint32_t)now_us() ^ (uint32_t)getpid() << 16;
    return x ? x : 1;
}

struct client {
    const char *ifname;
    int ifindex;
    uint8_t mac[6];
    char macstr[18];
    int udp; /* sends from 0.0.0.0:68 */
    int pkt; /* AF_PACKET: receives */
    uint32_t xid;
    long start_ms;
    int sent;
    /* what we are waiting for: DHCPOFFER (selecting) or DHCPACK (requesting) */
    int want;
    struct in_addr offered, server;
    bool rapid; /* ask for rapid commit (RFC 4039) in the DISCOVER */
};

static int open_sockets(struct client *c)
{
    int one = 1;

    /* A UDP socket for sending.  Bound to port 68 so that replies the IP stack does
     * accept meet a socket, not an ICMP port-unreachable; SO_BINDTODEVICE makes
     * 255.255.255.255 leave through our interface, although it has no address and
     * no route; SO_BROADCAST allows that destination at all. */
    c->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (c->udp < 0)
        return -errno;
    if (setsockopt(c->udp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(c->udp, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
        setsockopt(c->udp, SOL_SOCKET, SO_BINDTODEVICE, c->ifname, strlen(c->ifname) + 1) < 0)
        return -errno;
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT)};
    if (bind(c->udp, (struct sockaddr *)&me, sizeof(me)) < 0)
        return -errno;

    /* Replies are read below the IP stack, at the interface.  Through a UDP socket
     * a broadcast from the server can be dropped before it reaches us: with
     * rp_filter on (Ubuntu's default), a source we have no route back to, which is
     * every source while we have no address, is a "martian".  dhclient and udhcpc
     * read with a packet socket for the same reason.  SOCK_DGRAM: the kernel strips
     * the Ethernet header and hands us the IP packet.  Protocol 0 at socket() and
     * ETH_P_IP at bind(): a socket created with a protocol already listens on every
     * interface, and moving it to one costs the kernel an RCU grace period (about
     * 10 ms here), a third of a whole exchange's time. */
    c->pkt = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->pkt < 0)
        return -errno;
    struct sockaddr_ll ll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_IP),
        .sll_ifindex = c->ifindex,
    };
    if (bind(c->pkt, (struct sockaddr *)&ll, sizeof(ll)) < 0)
        return -errno;
    return 0;
}

static int read_mac(struct client *c)
{
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->ifname);
    /* The address the server will know us by: ip link show IFNAME's link/ether. */
    if (ioctl(c->udp, SIOCGIFHWADDR, &ifr) < 0)
        return -errno;
    memcpy(c->mac, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

/* Sends the message for the current state: DISCOVER while selecting, REQUEST for the
 * chosen offer after.  again is true for a retransmission. */
static int send_msg(struct client *c, bool again)
{
    uint8_t buf[DHCP_MSG_MAX];
    long secs = (now_ms() - c->start_ms) / 1000;
    uint16_t s = (uint16_t)(secs > 0xffff ? 0xffff : secs);
    int n;
    char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

    if (c->want == DHCPOFFER) {
        n = c->rapid ? dhcp_build_discover_rapid(buf, sizeof(buf), c->xid, c->mac, s, NULL)
                     : dhcp_build_discover(buf, sizeof(buf), c->xid, c->mac, s, NULL);
        char shell[64];
        snprintf(shell, sizeof(shell), "dhclient -1 -v %s", c->ifname);
        narrate_op(again ? NULL : shell,
                   "%sDHCPDISCOVER xid 0x%08x from %s, broadcast, to 255.255.255.255:67%s",
                   again ? "no answer: again " : "", c->xid, c->macstr,
                   c->rapid ? ", rapid commit (option 80)" : "");
    } else {
        n = dhcp_build_request(buf, sizeof(buf), c->xid, c->mac, s, c->offered, c->server, NULL);
        inet_ntop(AF_INET, &c->offered, a, sizeof(a));
        inet_ntop(AF_INET, &c->server, b, sizeof(b));
        narrate_op(NULL, "%sDHCPREQUEST xid 0x%08x for %s from server %s, broadcast",
                   again ? "no answer: again " : "", c->xid, a, b);
    }
    if (n < 0)
        return n;
    struct sockaddr_in to = {
        .sin_family = AF_INET,
        .sin_port = htons(DHCP_SERVER_PORT),
        .sin_addr.s_addr = htonl(INADDR_BROADCAST),
    };
    /* sendto() from 0.0.0.0:68: the server may not know us yet, so everyone on the
     * link hears it, as RFC 2131 section 4.1 asks of a client without an address. */
    if (sendto(c->udp, buf, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
        return -errno;
    c->sent++;
    return 0;
}

static void note_reply(const struct dhcp_reply *r)
{
    char yi[INET_ADDRSTRLEN], srv[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &r->yiaddr, yi, sizeof(yi));
    inet_ntop(AF_INET, &r->server, srv, sizeof(srv));
    inet_ntop(AF_INET, &r->mask, mask, sizeof(mask));
    inet_ntop(AF_INET, &r->router, gw, sizeof(gw));
    if (r->type == DHCPNAK) {
        narrate_note("DHCPNAK xid 0x%08x from server %s: the offer is withdrawn", r->xid, srv);
        return;
    }
    narrate_note("%s xid 0x%08x from server %s: %s/%d (mask %s), router %s, lease %u s",
                 dhcp_type_name(r->type), r->xid, srv, yi, r->prefix, mask,
                 r->router.s_addr ? gw : "none", r->lease_time);
}

/* Handles one packet read from the interface.  Returns 1 when the ACK completed the
 * exchange, 0 to keep waiting, -errno when a send failed. */
static int handle(struct client *c, const uint8_t *pkt, size_t len, struct dhcp_lease *out)
{
    const uint8_t *payload;
    size_t plen;
    const char *why;
    struct dhcp_reply r;

    /* Not a UDP datagram to port 68: some other traffic on the link, quietly. */
    if (dhcp_parse_ip_udp(pkt, len, &payload, &plen, &why) < 0)
        return 0;
    if (dhcp_parse_reply(payload, plen, c->xid, c->mac, &r, &why) < 0) {
        narrate_note("ignored a packet to port 68: %s", why);
        return 0;
    }
    if (c->want == DHCPOFFER && c->rapid && r.type == DHCPACK && r.rapid_commit) {
        /* RFC 4039: the server committed the lease on our DISCOVER alone. */
        note_reply(&r);
        narrate_note("rapid commit: DHCPACK in answer to the DHCPDISCOVER, no OFFER nor "
                     "REQUEST (RFC 4039)");
        c->server = r.server;
        goto acked;
    }
    if (c->want == DHCPOFFER) {
        if (r.type != DHCPOFFER) {
            narrate_note("ignored a %s: waiting for an offer", dhcp_type_name(r.type));
            return 0;
        }
        note_reply(&r);
        /* The first valid offer wins, as with dhclient on a LAN of one server. */
        c->offered = r.yiaddr;
        c->server = r.server;
        c->want = DHCPACK;
        return send_msg(c, false);
    }
    if (r.server.s_addr != c->server.s_addr) {
        narrate_note("ignored a %s from a server we did not choose", dhcp_type_name(r.type));
        return 0;
    }
    if (r.type == DHCPOFFER) /* a retransmitted offer: our REQUEST is on its way */
        return 0;
    note_reply(&r);
    if (r.type == DHCPNAK) {
        /* RFC 2131 section 3.1.4: back to the start, with a new transaction. */
        c->xid = new_xid();
        c->want = DHCPOFFER;
        return send_msg(c, false);
    }
acked:
    *out = (struct dhcp_lease){
        .addr = r.yiaddr,
        .mask = r.mask,
        .prefix = r.prefix,
        .router = r.router,
        .server = r.server,
        .lease_time = r.lease_time,
        .n_dns = r.n_dns,
        .xid = r.xid,
        .attempts = c->sent,
    };
    memcpy(out->dns, r.dns, sizeof(out->dns));
    return 1;
}

static int run(struct client *c, int timeout_ms, struct dhcp_lease *out)
{
    int r;
    uint8_t pkt[2048];

    c->start_ms = now_ms();
    long start_us = now_us();
    long deadline = c->start_ms + timeout_ms;
    int backoff = DHCP_RETRY_FIRST_MS;
    c->want = DHCPOFFER;
    c->xid = new_xid();
    /* No random initial delay (RFC 2131 suggests 1 to 10 s to spread a power cut's
     * thousand clients): on a lab LAN we are alone, and a lease in milliseconds is
     * the point. */
    if ((r = send_msg(c, false)) < 0)
        return r;
    long retry_at = now_ms() + backoff;

    for (;;) {
        long now = now_ms();
        if (now >= deadline)
            return -ETIMEDOUT;
        if (now >= retry_at) {
            if ((r = send_msg(c, true)) < 0)
                return r;
            /* The backoff doubles, up to a cap; a new state starts it afresh. */
            backoff = backoff * 2 > DHCP_RETRY_MAX_MS ? DHCP_RETRY_MAX_MS : backoff * 2;
            retry_at = now + backoff;
            continue;
        }
        long wait = (retry_at < deadline ? retry_at : deadline) - now;
        struct pollfd pfd = {.fd = c->pkt, .events = POLLIN};
        /* poll() with the time left to the next retransmission or the deadline. */
        r = poll(&pfd, 1, (int)wait);
        if (r < 0 && errno != EINTR)
            return -errno;
        if (r <= 0)
            continue;
        for (;;) {
            struct sockaddr_ll from;
            socklen_t fl = sizeof(from);
            ssize_t n = recvfrom(c->pkt, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    break;
                return -errno;
            }
            /* A packet socket also sees what we send ourselves. */
            if (from.sll_pkttype == PACKET_OUTGOING)
                continue;
            int state = c->want;
            r = handle(c, pkt, (size_t)n, out);
            if (r < 0)
                return r;
            if (r == 1) {
                out->elapsed_us = now_us() - start_us;
                return 0;
            }
            if (c->want != state) { /* moved on (or back): a fresh backoff */
                backoff = DHCP_RETRY_FIRST_MS;
                retry_at = now_ms() + backoff;
            }
        }
    }
}

static void *close_fd(void *arg)
{
    close((int)(intptr_t)arg);
    return NULL;
}

/* Closing a packet socket waits for an RCU grace period (synchronize_net() in
 * packet_release), 5 to 30 ms here: ten times the whole exchange.  The lease is
 * ready by then, so a short-lived thread does the waiting instead of the caller.
 * dhclient never pays it before its first lease: it keeps its socket open. */
static void close_packet_socket(int fd)
{
    pthread_t t;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int r = pthread_create(&t, &attr, close_fd, (void *)(intptr_t)fd);
        pthread_attr_destroy(&attr);
        if (r == 0)
            return;
    }
    close(fd);
}

int dhcp_acquire_flags(const char *ifname, const uint8_t mac[6], int timeout_ms, unsigned flags,
                       struct dhcp_lease *out)
{
    struct client c = {
        .ifname = ifname, .udp = -1, .pkt = -1, .rapid = (flags & DHCP_RAPID_COMMIT) != 0};
    int r;

    if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ || !out || timeout_ms < 0)
        return -EINVAL;
    if (timeout_ms == 0)
        timeout_ms = DHCP_TIMEOUT_MS;
    c.ifindex = (int)if_nametoindex(ifname);
    if (c.ifindex == 0)
        return -errno;
    if ((r = open_sockets(&c)) < 0)
        goto out;
    if (mac)
        memcpy(c.mac, mac, 6);
    else if ((r = read_mac(&c)) < 0)
        goto out;
    snprintf(c.macstr, sizeof(c.macstr), "%02x:%02x:%02x:%02x:%02x:%02x", c.mac[0], c.mac[1],
             c.mac[2], c.mac[3], c.mac[4], c.mac[5]);
    r = run(&c, timeout_ms, out);
    if (r == -ETIMEDOUT)
        narrate_note("no DHCP server completed the exchange on %s within %d ms", ifname,
                     timeout_ms);
out:
    if (c.udp >= 0)
        close(c.udp);
    if (c.pkt >= 0)
        close_packet_socket(c.pkt);
    return r;
}

int dhcp_acquire(const char *ifname, const uint8_t mac[6], int timeout_ms, struct dhcp_lease *out)
{
    return dhcp_acquire_flags(ifname, mac, timeout_ms, 0, out);
}
