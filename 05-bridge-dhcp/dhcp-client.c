/* 05-bridge-dhcp/dhcp-client.c - the article's `dhclient br0`, written out: DISCOVER,
 * OFFER, REQUEST, ACK (RFC 2131; options from RFC 2132).
 *
 * The order of the lesson, top to bottom:
 *   1. the two messages a client builds, DISCOVER and REQUEST: a BOOTP header and
 *      options (dhcp_build);
 *   2. the sockets: a UDP socket that sends from 0.0.0.0:68 on the interface, and a
 *      packet socket (AF_PACKET) that reads the replies below the IP stack
 *      (dhcp_open);
 *   3. the exchange, as RFC 2131's states: INIT sends a DISCOVER; SELECTING takes the
 *      first sound OFFER and sends a REQUEST; REQUESTING takes the ACK (BOUND), or a
 *      NAK back to INIT; retransmissions, and the deadline (dhcp_exchange).
 * Each message sent or received is narrated beside its shell twin, `dhclient -1 -v`.
 * The interface's index and MAC come from the caller, looked up once (dhcp_iface).
 *
 * The checks on a reply (dhcp_parse_reply, dhcp_parse_ip_udp) stay in
 * common/dhcpreply.c: they are some 250 lines of defensive parsing of outside input,
 * one check per way a packet can be wrong, with a fuzz target and a unit test each,
 * and they would bury the four messages; here a reply is read, handed to them, and
 * used only if they say it is sound.  common/dhcpreply.h holds the wire format both
 * sides share.
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
#include <stdio.h>
#include <string.h>
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

int dhcp_build(void *buf, size_t size, const struct dhcp_msg *m)
{
    if (size < DHCP_MIN_LEN)
        return -ENOSPC;
    memset(buf, 0, size);

    struct bootp h = {
        .op = BOOTP_REQUEST,
        .htype = BOOTP_HTYPE_ETHER,
        .hlen = 6,
        .xid = htonl(m->xid),
        .secs = htons(m->secs),
        /* We have no address yet.  Without this flag a server unicasts its OFFER
         * and ACK to our MAC and to yiaddr, an address we do not hold yet (RFC 2131
         * section 4.1); dhclient on Linux takes that in through its packet socket.
         * We ask for a broadcast instead (the BROADCAST bit of RFC 2131 section
         * 2): ours reads with a packet socket too, but a broadcast reply also
         * reaches a client that reads through UDP, and is what the lesson shows. */
        .flags = htons(DHCP_FLAG_BROADCAST),
        .cookie = htonl(DHCP_MAGIC_COOKIE),
    };
    memcpy(h.chaddr, m->mac, 6);
    memcpy(buf, &h, sizeof(h));

    struct opt_writer w = {.buf = buf, .len = DHCP_OPTIONS_OFF, .size = size};
    opt_add(&w, DHCP_OPT_MSG_TYPE, 1, &m->type);
    /* Client identifier: hardware type then address, as dhclient sends it, so the
     * server's lease file names us by MAC. */
    uint8_t cid[7] = {BOOTP_HTYPE_ETHER};
    memcpy(cid + 1, m->mac, 6);
    opt_add(&w, DHCP_OPT_CLIENT_ID, sizeof(cid), cid);
    /* A REQUEST names the offer it takes, and the server that made it. */
    if (m->type == DHCPREQUEST) {
        opt_add(&w, DHCP_OPT_REQUESTED_IP, 4, &m->requested.s_addr);
        opt_add(&w, DHCP_OPT_SERVER_ID, 4, &m->server.s_addr);
    }
    /* What we want in the reply: what configuring the link takes. */
    static const uint8_t wanted[] = {DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS,
                                     DHCP_OPT_LEASE_TIME, DHCP_OPT_SERVER_ID};
    opt_add(&w, DHCP_OPT_PARAM_LIST, sizeof(wanted), wanted);
    uint16_t max = htons(DHCP_MSG_MAX);
    opt_add(&w, DHCP_OPT_MAX_SIZE, 2, &max);
    if (m->rapid_commit)
        opt_add(&w, DHCP_OPT_RAPID_COMMIT, 0, "");
    if (w.full)
        return -ENOSPC;
    w.buf[w.len++] = DHCP_OPT_END;
    /* The rest up to DHCP_MIN_LEN is PAD (0), already zeroed. */
    return (int)(w.len < DHCP_MIN_LEN ? DHCP_MIN_LEN : w.len);
}

/* ---- 2. the sockets ----------------------------------------------------------- */

int dhcp_open(const struct dhcp_iface *ifc, struct dhcp_sockets *s)
{
    int one = 1, r;

    s->udp = s->pkt = -1;
    if (!ifc->name || !*ifc->name || strlen(ifc->name) >= IFNAMSIZ || ifc->index <= 0)
        return -EINVAL;
    /* A UDP socket for sending.  Bound to port 68 so that replies the IP stack does
     * accept meet a socket, not an ICMP port-unreachable; SO_BINDTODEVICE makes
     * 255.255.255.255 leave through our interface, although it has no address and
     * no route; SO_BROADCAST allows that destination at all. */
    s->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s->udp < 0)
        return -errno;
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT)};
    if (setsockopt(s->udp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(s->udp, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
        setsockopt(s->udp, SOL_SOCKET, SO_BINDTODEVICE, ifc->name, strlen(ifc->name) + 1) < 0 ||
        bind(s->udp, (struct sockaddr *)&me, sizeof(me)) < 0)
        goto fail;

    /* Replies are read below the IP stack, at the interface.  Through a UDP socket
     * a broadcast from the server can be dropped before it reaches us: with
     * rp_filter on (Ubuntu's default), a source we have no route back to, which is
     * every source while we have no address, is a "martian".  dhclient and udhcpc
     * read with a packet socket for the same reason.  SOCK_DGRAM: the kernel strips
     * the Ethernet header and hands us the IP packet.  Protocol 0 at socket() and
     * ETH_P_IP at bind(): a socket created with a protocol already listens on every
     * interface, and moving it to one costs the kernel an RCU grace period (about
     * 10 ms here), a third of a whole exchange's time. */
    s->pkt = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->pkt < 0)
        goto fail;
    struct sockaddr_ll ll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_IP),
        .sll_ifindex = ifc->index,
    };
    if (bind(s->pkt, (struct sockaddr *)&ll, sizeof(ll)) < 0)
        goto fail;
    return 0;
fail:
    r = -errno;
    dhcp_close(s);
    return r;
}

/* Closing a packet socket may wait for an RCU grace period (synchronize_net() in
 * packet_release): up to tens of milliseconds on some kernels, more than a whole
 * exchange.  Stage 05 closes after the lease is applied, so the address never waits
 * for it; dhclient never pays it before its first lease: it keeps its socket open. */
void dhcp_close(struct dhcp_sockets *s)
{
    if (s->udp >= 0)
        close(s->udp);
    if (s->pkt >= 0)
        close(s->pkt);
    s->udp = s->pkt = -1;
}

/* The real world the exchange runs in (struct dhcp_io). */
static long real_now_us(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

static uint32_t real_new_xid(void *ctx)
{
    uint32_t x;
    /* getrandom() rather than rand(): two clients started in the same second (a
     * test suite's parallel runs) must not share an xid. */
    if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != (ssize_t)sizeof(x))
        x = (uint32_t)real_now_us(ctx) ^ (uint32_t)getpid() << 16;
    return x ? x : 1;
}

/* sendto() from 0.0.0.0:68: the server may not know us yet, so everyone on the link
 * hears it, as RFC 2131 section 4.1 asks of a client without an address. */
static int real_send(void *ctx, int fd, const void *buf, size_t len)
{
    struct sockaddr_in to = {
        .sin_family = AF_INET,
        .sin_port = htons(DHCP_SERVER_PORT),
        .sin_addr.s_addr = htonl(INADDR_BROADCAST),
    };
    (void)ctx;
    return sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -errno : 0;
}

/* poll() with the time left to the next retransmission or the deadline. */
static int real_wait(void *ctx, int fd, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    (void)ctx;
    int r = poll(&pfd, 1, timeout_ms);
    return r < 0 ? -errno : r;
}

/* recvfrom() what is there; a packet socket also sees what we send ourselves. */
static ssize_t real_recv(void *ctx, int fd, void *buf, size_t size, bool *own)
{
    struct sockaddr_ll from = {0};
    socklen_t fl = sizeof(from);
    (void)ctx;
    ssize_t n = recvfrom(fd, buf, size, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
    *own = from.sll_pkttype == PACKET_OUTGOING;
    return n < 0 ? -errno : n;
}

const struct dhcp_io dhcp_real_io = {
    .now_us = real_now_us,
    .new_xid = real_new_xid,
    .send = real_send,
    .wait = real_wait,
    .recv = real_recv,
};

/* ---- 3. the exchange ---------------------------------------------------------- */

/* What we could not use, told once at the end (common/dhcpreply.h's tally). */
static void note_ignored(const struct dhcp_ignored *ig)
{
    char text[640];
    if (ig->total == 0)
        return;
    dhcp_ignored_text(ig, text, sizeof(text));
    narrate_note("ignored %ld packet%s: %s", ig->total, ig->total == 1 ? "" : "s", text);
}

struct client {
    const struct dhcp_iface *ifc;
    char macstr[18];
    const struct dhcp_sockets *s;
    const struct dhcp_io *io;
    bool rapid; /* ask for rapid commit (RFC 4039) in the DISCOVER */
    enum dhcp_state state;
    uint32_t xid;
    long start_us;
    int sent;
    struct in_addr offered, server; /* the offer taken in SELECTING */
    struct dhcp_ignored ignored;
};

static long now_ms(const struct client *c)
{
    return c->io->now_us(c->io->ctx) / 1000;
}

/* Sends the message of the current state: DISCOVER while selecting, REQUEST for the
 * chosen offer while requesting.  again is true for a retransmission. */
static int send_msg(struct client *c, bool again)
{
    uint8_t buf[DHCP_MSG_MAX];
    long secs = (now_ms(c) - c->start_us / 1000) / 1000;
    struct dhcp_msg m = {.xid = c->xid, .secs = (uint16_t)(secs > 0xffff ? 0xffff : secs)};
    char shell[64], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

    memcpy(m.mac, c->ifc->mac, 6);
    if (c->state == DHCP_SELECTING) {
        m.type = DHCPDISCOVER;
        m.rapid_commit = c->rapid;
        snprintf(shell, sizeof(shell), "dhclient -1 -v %s", c->ifc->name);
        narrate_op(again ? NULL : shell,
                   "%sDHCPDISCOVER xid 0x%08x from %s, broadcast, to 255.255.255.255:67%s",
                   again ? "no answer: again " : "", c->xid, c->macstr,
                   c->rapid ? ", rapid commit (option 80)" : "");
    } else {
        m.type = DHCPREQUEST;
        m.requested = c->offered;
        m.server = c->server;
        inet_ntop(AF_INET, &c->offered, a, sizeof(a));
        inet_ntop(AF_INET, &c->server, b, sizeof(b));
        narrate_op(NULL, "%sDHCPREQUEST xid 0x%08x for %s from server %s, broadcast",
                   again ? "no answer: again " : "", c->xid, a, b);
    }
    int n = dhcp_build(buf, sizeof(buf), &m);
    if (n < 0)
        return n;
    int r = c->io->send(c->io->ctx, c->s->udp, buf, (size_t)n);
    if (r == 0)
        c->sent++;
    return r;
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

/* INIT: a new transaction, and its DISCOVER.  No random initial delay (RFC 2131
 * suggests 1 to 10 s to spread a power cut's thousand clients): on a lab LAN we are
 * alone, and a lease in milliseconds is the point. */
static int init(struct client *c)
{
    c->xid = c->io->new_xid(c->io->ctx);
    c->state = DHCP_SELECTING;
    return send_msg(c, false);
}

/* BOUND: the lease the ACK commits. */
static int bound(struct client *c, const struct dhcp_reply *r, struct dhcp_lease *out)
{
    c->state = DHCP_BOUND;
    out->ack = *r;
    out->attempts = c->sent;
    return 0;
}

/* One sound reply to our xid, in the state we are in (RFC 2131 figure 5).  Returns 0,
 * or -errno when a send failed; c->state says where it left us. */
static int on_reply(struct client *c, const struct dhcp_reply *r, struct dhcp_lease *out)
{
    switch (c->state) {
    case DHCP_SELECTING:
        if (c->rapid && r->type == DHCPACK && r->rapid_commit) {
            /* RFC 4039: the server committed the lease on our DISCOVER alone. */
            note_reply(r);
            narrate_note("rapid commit: DHCPACK in answer to the DHCPDISCOVER, no OFFER nor "
                         "REQUEST (RFC 4039)");
            return bound(c, r, out);
        }
        if (r->type != DHCPOFFER) {
            dhcp_ignored_add(&c->ignored, "not an OFFER, while waiting for one");
            return 0;
        }
        note_reply(r);
        /* The first sound offer wins, as with dhclient on a LAN of one server. */
        c->offered = r->yiaddr;
        c->server = r->server;
        c->state = DHCP_REQUESTING;
        return send_msg(c, false);
    case DHCP_REQUESTING:
        if (r->server.s_addr != c->server.s_addr) {
            dhcp_ignored_add(&c->ignored, "from a server we did not choose");
            return 0;
        }
        if (r->type == DHCPOFFER) { /* a retransmitted offer: our REQUEST is on its way */
            dhcp_ignored_add(&c->ignored, "the OFFER again");
            return 0;
        }
        note_reply(r);
        /* RFC 2131 section 3.1.4: a NAK sends us back to INIT, a new transaction. */
        return r->type == DHCPNAK ? init(c) : bound(c, r, out);
    default:
        return 0;
    }
}

/* Reads what is there, but never past the next retransmission or the deadline: a LAN
 * flooded with packets that are not for us must not keep the client reading while
 * its time runs out.  Returns 0 or -errno; c->state says whether we are bound. */
static int read_replies(struct client *c, long until, struct dhcp_lease *out)
{
    uint8_t pkt[2048];
    enum dhcp_state before = c->state;

    for (long t = now_ms(c); t < until && c->state == before; t = now_ms(c)) {
        const uint8_t *payload;
        size_t plen;
        const char *why;
        struct dhcp_reply r;
        bool own = false;
        ssize_t n = c->io->recv(c->io->ctx, c->s->pkt, pkt, sizeof(pkt), &own);
        if (n == -EAGAIN || n == -EINTR)
            return 0;
        if (n < 0)
            return (int)n;
        if (own)
            continue;
        /* The packet socket hands over every IPv4 packet on the link: only a UDP
         * datagram to port 68 can be for us, and only a sound reply to our xid is. */
        if (dhcp_parse_ip_udp(pkt, (size_t)n, &payload, &plen, &why) < 0 ||
            dhcp_parse_reply(payload, plen, c->xid, c->ifc->mac, &r, &why) < 0) {
            dhcp_ignored_add(&c->ignored, why);
            continue;
        }
        int e = on_reply(c, &r, out);
        if (e < 0)
            return e;
    }
    return 0;
}

static int run(struct client *c, int timeout_ms, struct dhcp_lease *out)
{
    int backoff = DHCP_RETRY_FIRST_MS, r;

    c->start_us = c->io->now_us(c->io->ctx);
    long deadline = c->start_us / 1000 + timeout_ms;
    if ((r = init(c)) < 0)
        return r;
    long retry_at = now_ms(c) + backoff;

    while (c->state != DHCP_BOUND) {
        long now = now_ms(c);
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
        long until = retry_at < deadline ? retry_at : deadline;
        r = c->io->wait(c->io->ctx, c->s->pkt, (int)(until - now));
        if (r < 0 && r != -EINTR)
            return r;
        if (r <= 0)
            continue;
        enum dhcp_state before = c->state;
        if ((r = read_replies(c, until, out)) < 0)
            return r;
        if (c->state != before) { /* moved on (or back): a fresh backoff */
            backoff = DHCP_RETRY_FIRST_MS;
            retry_at = now_ms(c) + backoff;
        }
    }
    out->elapsed_us = c->io->now_us(c->io->ctx) - c->start_us;
    return 0;
}

int dhcp_exchange(const struct dhcp_sockets *s, const struct dhcp_iface *ifc,
                  const struct dhcp_io *io, int timeout_ms, unsigned flags, struct dhcp_lease *out)
{
    struct client c = {.ifc = ifc,
                       .s = s,
                       .io = io ? io : &dhcp_real_io,
                       .rapid = (flags & DHCP_RAPID_COMMIT) != 0,
                       .state = DHCP_INIT};
    if (timeout_ms < 0)
        return -EINVAL;
    if (timeout_ms == 0)
        timeout_ms = DHCP_TIMEOUT_MS;
    const uint8_t *m = ifc->mac;
    snprintf(c.macstr, sizeof(c.macstr), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
             m[4], m[5]);
    int r = run(&c, timeout_ms, out);
    note_ignored(&c.ignored);
    if (r == -ETIMEDOUT)
        narrate_note("no DHCP server completed the exchange on %s within %d ms", ifc->name,
                     timeout_ms);
    return r;
}
