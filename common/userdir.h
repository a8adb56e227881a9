/* userdir.h - the per-user directory where -U writes down each lab's keeper.
 *
 * Plumbing for -U of stages 04 and 05 (04-netns-veth/keeper.c, chapter 4's rootless
 * section, is the lesson).  $XDG_RUNTIME_DIR/nslab when that variable names a
 * directory (the login's private tmpfs, emptied at logout: a keeper ends when its
 * record goes), else /tmp/nslab-UID, as tmux keeps /tmp/tmux-UID.  /tmp is
 * everyone's: someone may have made the directory first, to read or swap our files,
 * so it is trusted only when ours alone, mode 0700 (common/ourdir.h).
 *
 * A keeper's record is <host>.keeper there: one line "PID START\n", its pid and start
 * time (common/proc.h), written whole (renamed into place).  The directory's flock
 * serializes the commands that look for, start or end this user's keepers.
 * Nothing is printed; 0 (or an fd) or -errno.
 */
#ifndef NSLAB_USERDIR_H
#define NSLAB_USERDIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The directory's name for this user into path (made 0700 if missing), and an
 * O_DIRECTORY fd on it.  -EPERM (why says what is wrong: owner, mode, a link) when it
 * is not ours alone; -errno when it cannot be made. */
int userdir_open(char *path, size_t size, char *why, size_t whysize);

/* The same directory, the same checks, but only when it is there: nothing is made.
 * For a command that only looks (is a lab of ours up with -U?).  -ENOENT when it is
 * not there. */
int userdir_lookup(char *path, size_t size, char *why, size_t whysize);

/* userdir_open, then its flock (LOCK_EX).  A command that ended the user's last lab
 * may have removed the directory while we waited (userdir_drop): then it is opened
 * anew.  The locked fd; userdir_unlock lets go (the fd stays open). */
int userdir_open_locked(char *path, size_t size, char *why, size_t whysize);
void userdir_unlock(int dirfd);

/* A record's text and back: userdir_parse_record takes exactly what
 * userdir_format_record writes ("PID START\n", pid 2 to PROC_PID_MAX, start not 0,
 * numbers as validate_u64 reads them), -EBADMSG for anything else. */
int userdir_format_record(pid_t pid, uint64_t start, char *buf, size_t size);
int userdir_parse_record(const char *text, size_t len, pid_t *pid, uint64_t *start);

/* Writes the record file (a new file renamed over the old: never half written). */
int userdir_save(int dirfd, const char *file, pid_t pid, uint64_t start);

/* Reads the record file and holds its process (command name comm) by a pidfd: the
 * pidfd when it is alive, with *pid and *start; -ENOENT when there is none, and then,
 * with tidy, a record whose process is gone (or a garbled one) is removed. */
int userdir_find(int dirfd, const char *file, const char *comm, int tidy, pid_t *pid,
                 uint64_t *start);

/* Under the lock: removes the record if it still names pid and start (not a newer
 * keeper's), then the directory path itself if that was the user's last record. */
void userdir_drop(int dirfd, const char *path, const char *file, const char *comm, pid_t pid,
                  uint64_t start);

/* A SANITIZE=1 build only: at exit, LeakSanitizer stops the process's threads from a
 * helper it clones.  After setns(CLONE_NEWPID) into a keeper's PID namespace that
 * helper is born where this process has no pid, and would wait for ever: a process
 * that joined a keeper calls this and skips the leak check (ASan and UBSan still
 * run).  The runtime asks __lsan_is_turned_off at exit; other builds never do. */
void userdir_joined_keeper(void);

#endif
