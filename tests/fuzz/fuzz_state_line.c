/* fuzz_state_line.c - lab_parse_obj() on any line a state file in /run/nslab holds.
 *
 * `down` trusts the state file to say what to remove, and it may have been cut short
 * by a killed `up` or edited by hand.  A line either is refused (-EBADMSG) or gives an
 * object with terminated names that lab_format_obj() writes back into a line which
 * parses to the very same object: what `up` wrote is what `down` reads. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/lab.h"

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_state_line: %s:%d: broken promise: %s\n", __FILE__, __LINE__,    \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';

    struct lab_obj o;
    int r = lab_parse_obj(line, &o);
    free(line);
    EXPECT(r == 0 || r == -EBADMSG);
    if (r < 0)
        return 0;
    EXPECT(o.kind == LAB_NETNS || o.kind == LAB_LINK || o.kind == LAB_PROC || o.kind == LAB_DIR);
    EXPECT(memchr(o.name, '\0', sizeof(o.name)) && o.name[0] != '\0');
    EXPECT(memchr(o.netns, '\0', sizeof(o.netns)));

    /* Written back into a buffer of exactly the length it needs, and read again. */
    char big[512];
    int n = lab_format_obj(&o, big, sizeof(big));
    EXPECT(n > 0 && (size_t)n < sizeof(big));
    char *again = malloc((size_t)n + 1);
    EXPECT(again);
    EXPECT(lab_format_obj(&o, again, (size_t)n) == -ENOSPC);
    EXPECT(lab_format_obj(&o, again, (size_t)n + 1) == n);
    EXPECT(!strcmp(again, big));
    struct lab_obj p;
    EXPECT(lab_parse_obj(again, &p) == 0);
    free(again);
    EXPECT(p.kind == o.kind && !strcmp(p.name, o.name) && !strcmp(p.netns, o.netns) &&
           p.id == o.id && p.id2 == o.id2);
    return 0;
}
