/* procfs.h - what /proc tells about a process seen from outside its namespaces: its
 * PIDs, and the IDs its user namespace maps. */
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

/* Reads a small file (of /proc, or a pid file) whole into buf, NUL-terminated: 0,
 * -errno, or -EFBIG when it fills buf's size - 1 bytes, so that it may go on (a file
 * read in part would be read as another). */
int procfs_read(const char *path, char *buf, size_t size);

/* Does the ID map text (a /proc/PID/uid_map or gid_map: lines "FIRST-INSIDE
 * FIRST-OUTSIDE COUNT") give id, an ID inside, a meaning?  1 yes, 0 no (an empty map
 * maps nothing), -EINVAL when a line is not three numbers. */
int procfs_idmap_has(const char *map, unsigned long id);

/* May a process whose /proc/PID directory is proc (e.g. "/proc/self") drop to uid
 * and gid, as a daemon does (setgroups, setgid, setuid)?  1 when uid_map maps uid,
 * gid_map maps gid and setgroups says "allow" (or is missing: a kernel before 3.19,
 * which always allows it); 0 when not; -errno when a map cannot be read, -EINVAL
 * when one is garbled. */
int procfs_can_drop_to(const char *proc, unsigned long uid, unsigned long gid);

#endif
