/* procfs.h - what /proc tells about a process seen from outside its namespaces. */
#ifndef NSLAB_PROCFS_H
#define NSLAB_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

/* Parses the "NSpid:" line of a /proc/PID/status text: the process's PID in each PID
 * namespace it belongs to, outermost (the reader's) first, its own innermost last.
 * Stores up to max IDs in ids; returns how many the line holds, -ENOENT when there
 * is no NSpid line (kernels before 4.1), -EINVAL when the line is malformed. */
int procfs_parse_nspid(const char *status, pid_t *ids, size_t max);

/* Reads /proc/<pid>/status and parses its NSpid line, as above. */
int procfs_read_nspid(pid_t pid, pid_t *ids, size_t max);

#endif
