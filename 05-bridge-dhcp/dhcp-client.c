/* 05-bridge-dhcp/dhcp-client.c - the article's `dhclient br0`, written out: DISCOVER, OFFER,
 * REQUEST, ACK (RFC 2131; options from RFC 2132).
 *
 * The order of the lesson, top to bottom:
 *   1. the two messages a client builds, DISCOVER and REQUEST: a BOOTP header and
 *      options (dhcp_build_*);
 *   2. the sockets: a UDP socket that sends from 0.0.0.0:68 on the interface, and a
 *      packet socket (AF_PACKET) that reads the replies below the IP stack
 *      (dhcp_acquire_flags);
 *   3. the exchange: DISCOVER sent, OFFER read and checked, REQUEST sent, ACK read
 *      and checked; retransmissions, and the deadline (dhcp_exchange).
 * Each message sent or received is narrated beside its shell twin, `dhclient -1 -v`.
 *
 * The checks on a reply (dhcp_parse_reply, dhcp_parse_ip_udp) stay in common/dhcpreply.c:
 * they are some 250 lines of defensive parsing of outside input, one check per way a
 * packet can be wrong, with a fuzz target and a unit test each, and they would bury
 * the four messages; here a reply is read, handed to them, and used only if they say
 * it is sound.  common/dhcpreply.h holds the wire format both sides share.
 *
 * Read: RFC 2131 (sections 3.1 and 4.4: the client's states), RFC 2132 (options),
 *       RFC 4039 (rapid commit), packet(7), udp(7), socket(7) (SO_BINDTODEVICE).
 */
#define _GNU_SOURCE
#include "dhcp-client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../common/narrate.h"

/* ---- 1. the messages ---------------------------------------------------------- */

struct opt_writer {
    uint8_t *buf;
    size_t len, size;
    bool full;
};

/* One option: code, length, data. */
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
        .op = BOOTP_REQUEST,
        .htype = BOOTP_HTYPE_ETHER,
        .hlen = 6,
        .xid = htonl(xid),
        .secs = htons(secs),
        /* We have no address yet.  Without this flag a server unicasts its OFFER
         * and ACK to our MAC and to yiaddr, an address we do not hold yet (RFC 2131
         * section 4.1); dhclient on Linux takes that in through its packet socket.
         * We ask for a broadcast instead (the BROADCAST bit of RFC 2131 section
         * 2): ours reads with a packet socket too, but a broadcast reply also
         * reaches a client that reads through UDP, and is what the lesson shows. */
        .flags = htons(DHCP_FLAG_BROADCAST),
        .cookie = htonl(DHCP_MAGIC_COOKIE),
    };
    memcpy(h.chaddr, mac, 6);
    memcpy(buf, &h, sizeof(h));

    struct opt_writer w = {.buf = buf, .len = DHCP_OPTIONS_OFF, .size = size};
    opt_add(&w, DHCP_OPT_MSG_TYPE, 1, &type);
    /* Client identifier: hardware type then address, as dhclient sends it, so the
     * server's lease file names us by MAC. */
    uint8_t cid[7] = {BOOTP_HTYPE_ETHER};
    memcpy(cid + 1, mac, 6);
    opt_add(&w, DHCP_OPT_CLIENT_ID, sizeof(cid), cid);
    /* A REQUEST names the offer it takes, and the server that made it. */
    if (requested)
        opt_add(&w, DHCP_OPT_REQUESTED_IP, 4, &requested->s_addr);
    if (server)
        opt_add(&w, DHCP_OPT_SERVER_ID, 4, &server->s_addr);
    /* What we want in the reply: what configuring the link takes. */
    static const uint8_t wanted[] = {DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS,
                                     DHCP_OPT_LEASE_TIME, DHCP_OPT_SERVER_ID};
    opt_add(&w, DHCP_OPT_PARAM_LIST, sizeof(wanted), wanted);
    uint16_t max = htons(DHCP_MSG_MAX);
    opt_add(&w, DHCP_OPT_MAX_SIZE, 2, &max);
    if (hostname && *hostname)
        opt_add(&w, DHCP_OPT_HOSTNAME, strlen(hostname), hostname);
    if (rapid)
        opt_add(&w, DHCP_OPT_RAPID_COMMIT, 0, "");
    if (w.full)
        return -ENOSPC;
    w.buf[w.len++] = DHCP_OPT_END;
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

/* ---- 2. the sockets ----------------------------------------------------------- */

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
    int one = 1, udp = -1, pkt = -1, r;
    uint8_t hw[6];

    if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ || !out || timeout_ms < 0)
        return -EINVAL;
    int ifindex = (int)if_nametoindex(ifname);
    if (ifindex == 0)
        return -errno;

    /* A UDP socket for sending.  Bound to port 68 so that replies the IP stack does
     * accept meet a socket, not an ICMP port-unreachable; SO_BINDTODEVICE makes
     * 255.255.255.255 leave through our interface, although it has no address and
     * no route; SO_BROADCAST allows that destination at all. */
    udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (udp < 0)
        return -errno;
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT)};
    if (setsockopt(udp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(udp, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
        setsockopt(udp, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname) + 1) < 0 ||
        bind(udp, (struct sockaddr *)&me, sizeof(me)) < 0) {
        r = -errno;
        goto out;
    }

    /* Replies are read below the IP stack, at the interface.  Through a UDP socket
     * a broadcast from the server can be dropped before it reaches us: with
     * rp_filter on (Ubuntu's default), a source we have no route back to, which is
     * every source while we have no address, is a "martian".  dhclient and udhcpc
     * read with a packet socket for the same reason.  SOCK_DGRAM: the kernel strips
     * the Ethernet header and hands us the IP packet.  Protocol 0 at socket() and
     * ETH_P_IP at bind(): a socket created with a protocol already listens on every
     * interface, and moving it to one costs the kernel an RCU grace period (about
     * 10 ms here), a third of a whole exchange's time. */
    pkt = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (pkt < 0) {
        r = -errno;
        goto out;
    }
    struct sockaddr_ll ll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_IP),
        .sll_ifindex = ifindex,
    };
    if (bind(pkt, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
        r = -errno;
        goto out;
    }

    /* The address the server will know us by: ip link show IFNAME's link/ether. */
    if (mac) {
        memcpy(hw, mac, 6);
    } else {
        struct ifreq ifr = {0};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
        if (ioctl(udp, SIOCGIFHWADDR, &ifr) < 0) {
            r = -errno;
            goto out;
        }
        memcpy(hw, ifr.ifr_hwaddr.sa_data, 6);
    }
    r = dhcp_exchange(udp, pkt, ifname, hw, timeout_ms, flags, out);
out:
    if (udp >= 0)
        close(udp);
    if (pkt >= 0)
        close_packet_socket(pkt);
    return r;
}

int dhcp_acquire(const char *ifname, const uint8_t mac[6], int timeout_ms, struct dhcp_lease *out)
{
    return dhcp_acquire_flags(ifname, mac, timeout_ms, 0, out);
}

/* ---- 3. the exchange ---------------------------------------------------------- */

static long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

static long now_ms(void)
{
    return now_us() / 1000;
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

/* What we ignored, by reason (the parsers' static strings, so compared as pointers):
 * told once, at the end, not once a packet - a flood would drown the narration. */
#define IGNORED_REASONS 6
struct ignored {
    long total;
    const char *why[IGNORED_REASONS];
    long n[IGNORED_REASONS];
    long other; /* reasons past the table's room */
};

static void ignore(struct ignored *ig, const char *why)
{
    ig->total++;
    for (int i = 0; i < IGNORED_REASONS; i++)
        if (!ig->why[i] || ig->why[i] == why) {
            ig->why[i] = why;
            ig->n[i]++;
            return;
        }
    ig->other++;
}

static void note_ignored(const struct ignored *ig)
{
    char text[640];
    int len = 0;
    if (ig->total == 0)
        return;
    for (int i = 0; i < IGNORED_REASONS && ig->why[i]; i++)
        len += snprintf(text + len, sizeof(text) - (size_t)len, "%s%s (%ld)", i ? ", " : "",
                        ig->why[i], ig->n[i]);
    if (ig->other)
        snprintf(text + len, sizeof(text) - (size_t)len, ", other reasons (%ld)", ig->other);
    narrate_note("ignored %ld packet%s: %s", ig->total, ig->total == 1 ? "" : "s", text);
}

struct client {
    const char *ifname;
    uint8_t mac[6];
    char macstr[18];
    int udp; /* sends from 0.0.0.0:68 */
    int pkt; /* receives */
    uint32_t xid;
    long start_ms;
    int sent;
    /* what we are waiting for: DHCPOFFER (selecting) or DHCPACK (requesting) */
    int want;
    struct in_addr offered, server;
    bool rapid; /* ask for rapid commit (RFC 4039) in the DISCOVER */
    struct ignored ignored;
};

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

    /* The packet socket hands over every IPv4 packet on the link: only a UDP
     * datagram to port 68 can be for us, and only a sound reply to our xid is. */
    if (dhcp_parse_ip_udp(pkt, len, &payload, &plen, &why) < 0 ||
        dhcp_parse_reply(payload, plen, c->xid, c->mac, &r, &why) < 0) {
        ignore(&c->ignored, why);
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
            ignore(&c->ignored, "not an OFFER, while waiting for one");
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
        ignore(&c->ignored, "from a server we did not choose");
        return 0;
    }
    if (r.type == DHCPOFFER) { /* a retransmitted offer: our REQUEST is on its way */
        ignore(&c->ignored, "the OFFER again");
        return 0;
    }
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
        /* Read what is there, but never past the next retransmission or the
         * deadline: a LAN flooded with packets that are not for us must not keep
         * the client reading while its time runs out. */
        for (long t = now; t < retry_at && t < deadline; t = now_ms()) {
            struct sockaddr_ll from = {0};
            socklen_t fl = sizeof(from);
            ssize_t n =
                recvfrom(c->pkt, pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
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

int dhcp_exchange(int send_fd, int recv_fd, const char *ifname, const uint8_t mac[6],
                  int timeout_ms, unsigned flags, struct dhcp_lease *out)
{
    struct client c = {.ifname = ifname,
                       .udp = send_fd,
                       .pkt = recv_fd,
                       .rapid = (flags & DHCP_RAPID_COMMIT) != 0};
    if (timeout_ms == 0)
        timeout_ms = DHCP_TIMEOUT_MS;
    memcpy(c.mac, mac, 6);
    snprintf(c.macstr, sizeof(c.macstr), "%02x:%02x:%02x:%02x:%02x:%02x", c.mac[0], c.mac[1],
             c.mac[2], c.mac[3], c.mac[4], c.mac[5]);
    int r = run(&c, timeout_ms, out);
    note_ignored(&c.ignored);
    if (r == -ETIMEDOUT)
        narrate_note("no DHCP server completed the exchange on %s within %d ms", ifname,
                     timeout_ms);
    return r;
}
