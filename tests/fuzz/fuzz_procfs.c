/* fuzz_procfs.c - the parsers of procfs.h on any text a /proc file might hold.
 *
 * The kernel writes these files, but a parser must not trust any text: the same
 * input goes to procfs_idmap_has (as a uid_map or gid_map) and to procfs_parse_nspid
 * (as a /proc/PID/status).  Beyond not crashing, each keeps its header's promises:
 * the map's answer is 1, 0 or -EINVAL, and a garbled map is garbled whatever ID is
 * asked; the NSpid count is -ENOENT, -EINVAL or at least 1, does not depend on the
 * room given, and the IDs stored fit that room. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../../common/procfs.h"

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_procfs: %s:%d: broken promise: %s\n", __FILE__, __LINE__,        \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define ROOM 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    /* The IDs a stage asks about, and the edges of the 32-bit range. */
    static const unsigned long ids[] = {0, 1, 1000, 65534, 4294967294UL, 4294967295UL};
    int first = procfs_idmap_has(text, ids[0]);
    EXPECT(first == 0 || first == 1 || first == -EINVAL);
    for (size_t i = 1; i < sizeof(ids) / sizeof(ids[0]); i++) {
        int r = procfs_idmap_has(text, ids[i]);
        EXPECT(r == 0 || r == 1 || r == -EINVAL);
        EXPECT((r == -EINVAL) == (first == -EINVAL));
    }
    if (!*text)
        EXPECT(first == 0);

    /* Heap arrays of exactly their size: ASan catches an ID written past them. */
    pid_t *one = malloc(sizeof(*one)), *many = malloc(ROOM * sizeof(*many));
    if (one && many) {
        int n1 = procfs_parse_nspid(text, one, 1);
        int n = procfs_parse_nspid(text, many, ROOM);
        EXPECT(n == n1);
        EXPECT(n == -ENOENT || n == -EINVAL || n >= 1);
        if (n >= 1)
            EXPECT(one[0] == many[0] && many[0] >= 0);
    }
    free(one);
    free(many);
    free(text);
    return 0;
}
