/* labdraw.c - the picture of a lab, drawn on a grid of cells, then written out. */
#define _GNU_SOURCE
#include "labdraw.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A cell holds an ASCII character, or one of these glyphs (one column each). */
enum {
    G_H = 256, /* ─ */
    G_V,       /* │ */
    G_TL,      /* ┌ */
    G_TR,      /* ┐ */
    G_BL,      /* └ */
    G_BR,      /* ┘ */
    G_X,       /* ┼ */
    G_TEE,     /* ├ */
    G_CUT,     /* … */
    G_LAST,    /* └ before a bridge's last port */
};
static const char *const glyph_utf8[] = {"─", "│", "┌", "┐", "└", "┘", "┼", "├", "…", "└"};
static const char glyph_ascii[] = {'-', '|', '+', '+', '+', '+', '+', '|', '~', '`'};

#define MAX_ROWS                                                                                   \
    (LABDRAW_MAX_NS * (3 + LABDRAW_MAX_LINKS * LABDRAW_MAX_ADDRS + LABDRAW_MAX_DAEMONS))
#define LANE_W 3
#define NWIRES (LABDRAW_MAX_NS * LABDRAW_MAX_LINKS) /* a wire per link, at most */

/* One row inside a box: its text, and the link whose wire leaves it (-1: none). */
struct row {
    int cell[LABDRAW_COLS];
    int len;
    int wire; /* ns * LABDRAW_MAX_LINKS + link */
};

struct grid {
    int cell[MAX_ROWS][LABDRAW_COLS];
    int rows;
};

/* What one drawing works in. */
struct work {
    struct grid g;
    struct row rows[LABDRAW_MAX_NS][MAX_ROWS];
};

static int put_str(int *cells, int at, int max, const char *s)
{
    for (; *s && at < max; s++)
        cells[at++] = (unsigned char)*s;
    return at;
}

/* The peer of link a of namespace i, as (namespace, link) in *pj, *pb: both ends must
 * name each other by index, and agree on whether the other is in another namespace. */
static bool find_peer(const struct labdraw *d, int i, int a, int *pj, int *pb)
{
    const struct labdraw_link *la = &d->ns[i].link[a];
    if (la->peer <= 0)
        return false;
    for (int j = 0; j < d->n; j++) {
        if ((j != i) != la->peer_netns || d->ns[j].gone[0])
            continue;
        for (int b = 0; b < d->ns[j].n; b++) {
            const struct labdraw_link *lb = &d->ns[j].link[b];
            if (lb->index == la->peer && lb->peer == la->index &&
                lb->peer_netns == la->peer_netns && !(j == i && b == a)) {
                *pj = j;
                *pb = b;
                return true;
            }
        }
    }
    return false;
}

/* Is link b of ns a bridge port listed under its bridge (its master is in the box)? */
static bool under_bridge(const struct labdraw_ns *ns, int b)
{
    for (int k = 0; k < ns->n; k++)
        if (ns->link[b].master > 0 && ns->link[k].index == ns->link[b].master && k != b)
            return true;
    return false;
}

/* The rows of link a: name (with its prefix), addresses, state. */
static int link_rows(const struct labdraw *d, int i, int a, int prefix, int namew, struct row *rows,
                     int nrows)
{
    const struct labdraw_link *l = &d->ns[i].link[a];
    struct row *r = &rows[nrows];
    int j, b, at = 0;
    memset(r, 0, sizeof(*r));
    if (prefix) {
        r->cell[at++] = prefix;
        r->cell[at++] = G_H;
        r->cell[at++] = ' ';
    }
    at = put_str(r->cell, at, LABDRAW_COLS, l->name);
    bool paired = find_peer(d, i, a, &j, &b);
    if (l->peer > 0 && !paired) {
        char at_if[16];
        snprintf(at_if, sizeof(at_if), "@if%d", l->peer);
        at = put_str(r->cell, at, LABDRAW_COLS, at_if);
    }
    r->wire = paired ? i * LABDRAW_MAX_LINKS + a : -1;
    /* The addresses in a column of their own, one per row; "(down)" after the first. */
    int start = namew + 2, n = l->naddr > 1 ? l->naddr : 1;
    for (int k = 0; k < n; k++) {
        if (k > 0) {
            r = &rows[nrows + k];
            memset(r, 0, sizeof(*r));
            r->wire = -1;
            at = 0;
        }
        const char *down = k == 0 && !l->up ? " (down)" : "";
        if (k < l->naddr || *down)
            while (at < start)
                r->cell[at++] = ' ';
        if (k < l->naddr)
            at = put_str(r->cell, at, LABDRAW_COLS, l->addr[k]);
        else if (*down)
            down++; /* no address before it: no space either */
        r->len = put_str(r->cell, at, LABDRAW_COLS, down);
    }
    return n;
}

/* Every row of box i, bridges followed by their ports. */
static int box_rows(const struct labdraw *d, int i, int namew, struct row *rows)
{
    const struct labdraw_ns *ns = &d->ns[i];
    int n = 0;
    if (ns->gone[0]) {
        memset(&rows[0], 0, sizeof(rows[0]));
        rows[0].wire = -1;
        rows[0].len = put_str(rows[0].cell, 0, LABDRAW_COLS, ns->gone);
        return 1;
    }
    for (int a = 0; a < ns->n; a++) {
        if (under_bridge(ns, a))
            continue;
        n += link_rows(d, i, a, 0, namew, rows, n);
        int last = -1;
        for (int b = 0; b < ns->n; b++)
            if (b != a && ns->link[b].master == ns->link[a].index && under_bridge(ns, b))
                last = b;
        for (int b = 0; b < ns->n; b++)
            if (b != a && ns->link[b].master == ns->link[a].index && under_bridge(ns, b))
                n += link_rows(d, i, b, b == last ? G_LAST : G_TEE, namew, rows, n);
    }
    for (int k = 0; k < ns->ndaemon; k++) {
        memset(&rows[n], 0, sizeof(rows[n]));
        rows[n].wire = -1;
        rows[n].len = put_str(rows[n].cell, 0, LABDRAW_COLS, ns->daemon[k]);
        n++;
    }
    return n;
}

/* The widest name column: a port's name is indented by 3. */
static int name_width(const struct labdraw *d)
{
    int w = 0;
    for (int i = 0; i < d->n; i++)
        for (int a = 0; a < d->ns[i].n; a++) {
            const struct labdraw_link *l = &d->ns[i].link[a];
            int j, b, n = (int)strlen(l->name) + (under_bridge(&d->ns[i], a) ? 3 : 0);
            if (l->peer > 0 && !find_peer(d, i, a, &j, &b))
                n += snprintf(NULL, 0, "@if%d", l->peer);
            if (n > w)
                w = n;
        }
    return w;
}

/* Box i's title row: ┌─ name (title) ───┐, cut to fit. */
static void title_row(const struct labdraw_ns *ns, int *cells, int boxw)
{
    char title[160];
    if (ns->title[0])
        snprintf(title, sizeof(title), "%s (%s)", ns->name, ns->title);
    else
        snprintf(title, sizeof(title), "%s", ns->name);
    cells[0] = G_TL;
    for (int c = 1; c < boxw - 1; c++)
        cells[c] = G_H;
    cells[boxw - 1] = G_TR;
    int room = boxw - 5; /* ┌─ and a space, then ─┐ */
    int len = (int)strlen(title);
    cells[2] = ' ';
    for (int k = 0; k < len && k < room; k++)
        cells[3 + k] = (unsigned char)title[k];
    if (len > room)
        cells[3 + room - 1] = G_CUT;
    cells[3 + (len < room ? len : room)] = ' ';
}

static void bottom_row(int *cells, int boxw)
{
    cells[0] = G_BL;
    for (int c = 1; c < boxw - 1; c++)
        cells[c] = G_H;
    cells[boxw - 1] = G_BR;
}

static int render(const struct labdraw *d, bool utf8, char *out, size_t size, struct work *wk)
{
    int nrows[LABDRAW_MAX_NS], wire_row[NWIRES];
    int namew = name_width(d), content = 0;

    memset(&wk->g, 0, sizeof(wk->g));
    for (int w = 0; w < NWIRES; w++)
        wire_row[w] = -1;
    for (int i = 0; i < d->n && i < LABDRAW_MAX_NS; i++) {
        nrows[i] = box_rows(d, i, namew, wk->rows[i]);
        for (int k = 0; k < nrows[i]; k++) {
            if (wk->rows[i][k].len > content)
                content = wk->rows[i][k].len;
        }
        int t =
            (int)strlen(d->ns[i].name) + (d->ns[i].title[0] ? (int)strlen(d->ns[i].title) + 3 : 0);
        if (t + 3 > content)
            content = t + 3; /* the title, and a few ─ after it */
    }
    /* Where each wire's ends will be: a title row, the box's rows, a bottom row. */
    for (int i = 0, y = 0; i < d->n && i < LABDRAW_MAX_NS; i++, y += 2)
        for (int k = 0; k < nrows[i]; k++, y++)
            if (wk->rows[i][k].wire >= 0)
                wire_row[wk->rows[i][k].wire] = y + 1;
    /* Each pair takes a lane, in the order their upper ends come; a lane is used
     * again below the wire that last used it. */
    int lanes = 0, lane_of[NWIRES], free_after[NWIRES], peer_of[NWIRES];
    for (int w = 0; w < NWIRES; w++) {
        int j, b;
        lane_of[w] = peer_of[w] = free_after[w] = -1;
        if (wire_row[w] >= 0 && find_peer(d, w / LABDRAW_MAX_LINKS, w % LABDRAW_MAX_LINKS, &j, &b))
            peer_of[w] = j * LABDRAW_MAX_LINKS + b;
    }
    for (int y = 0; y < MAX_ROWS; y++)
        for (int w = 0; w < NWIRES; w++) {
            if (wire_row[w] != y || peer_of[w] < 0 || wire_row[peer_of[w]] <= y)
                continue;
            int lane = 0;
            while (lane < lanes && free_after[lane] >= y)
                lane++;
            if (lane == lanes)
                lanes++;
            free_after[lane] = wire_row[peer_of[w]];
            lane_of[w] = lane;
        }
    int boxw = content + 4; /* "│ " and " │" */
    if (boxw + LANE_W * lanes > LABDRAW_COLS)
        boxw = LABDRAW_COLS - LANE_W * lanes;
    if (boxw < 12)
        return -ENOSPC;

    /* The boxes, one under the other. */
    for (int i = 0; i < d->n && i < LABDRAW_MAX_NS; i++) {
        title_row(&d->ns[i], wk->g.cell[wk->g.rows++], boxw);
        for (int k = 0; k < nrows[i]; k++) {
            int *c = wk->g.cell[wk->g.rows++];
            const struct row *r = &wk->rows[i][k];
            for (int x = 0; x < LABDRAW_COLS; x++)
                c[x] = ' ';
            c[0] = G_V;
            c[boxw - 1] = G_V;
            int room = boxw - 4;
            for (int x = 0; x < r->len && x < room; x++)
                c[2 + x] = r->cell[x];
            if (r->len > room)
                c[2 + room - 1] = G_CUT;
            if (r->wire >= 0 && peer_of[r->wire] >= 0) {
                for (int x = 2 + (r->len < room ? r->len + 1 : room); x < boxw - 1; x++)
                    c[x] = G_H;
                c[boxw - 1] = G_X;
            }
        }
        bottom_row(wk->g.cell[wk->g.rows++], boxw);
    }
    for (int y = 0; y < wk->g.rows; y++)
        for (int x = 0; x < LABDRAW_COLS; x++)
            if (wk->g.cell[y][x] == 0)
                wk->g.cell[y][x] = ' ';

    /* The wires: out of each end's row to its lane, and down the lane between. */
    for (int w = 0; w < NWIRES; w++) {
        if (lane_of[w] < 0)
            continue;
        int top = wire_row[w], bot = wire_row[peer_of[w]];
        int x = boxw + LANE_W * lane_of[w] + LANE_W - 1;
        for (int end = 0; end < 2; end++) {
            int y = end ? bot : top;
            for (int xx = boxw; xx < x; xx++)
                wk->g.cell[y][xx] = wk->g.cell[y][xx] == G_V ? G_X : G_H;
            wk->g.cell[y][x] = end ? G_BR : G_TR;
        }
        for (int y = top + 1; y < bot; y++)
            wk->g.cell[y][x] = wk->g.cell[y][x] == G_H ? G_X : G_V;
    }

    /* Written out, trailing spaces dropped. */
    size_t len = 0;
    for (int y = 0; y < wk->g.rows; y++) {
        int end = LABDRAW_COLS;
        while (end > 0 && wk->g.cell[y][end - 1] == ' ')
            end--;
        for (int x = 0; x <= end; x++) {
            char ascii[2] = {'\n', '\0'};
            const char *s = ascii;
            if (x < end) {
                int v = wk->g.cell[y][x];
                if (v >= G_H)
                    s = utf8 ? glyph_utf8[v - G_H] : (ascii[0] = glyph_ascii[v - G_H], ascii);
                else
                    ascii[0] = (char)v;
            }
            size_t n = strlen(s);
            if (len + n + 1 > size)
                return -ENOSPC;
            memcpy(out + len, s, n);
            len += n;
        }
    }
    if (size == 0)
        return -ENOSPC;
    out[len] = '\0';
    return (int)len;
}

int labdraw_render(const struct labdraw *d, bool utf8, char *out, size_t size)
{
    /* The grid and the boxes' rows, too big for a small stack: on the heap, the
     * caller's own, so that two pictures can be drawn at once. */
    struct work *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    int r = render(d, utf8, out, size, w);
    free(w);
    return r;
}

bool labdraw_utf8(void)
{
    const char *was = setlocale(LC_CTYPE, NULL);
    char saved[128];
    snprintf(saved, sizeof(saved), "%s", was ? was : "C");
    bool utf8 = false;
    if (setlocale(LC_CTYPE, "")) {
        const char *cs = nl_langinfo(CODESET);
        utf8 = cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
    }
    setlocale(LC_CTYPE, saved);
    return utf8;
}
