/* narrate.h - the running commentary every stage prints.
 *
 * One line per kernel operation, with the shell command that does the same, so a
 * student sees what happens and can repeat it by hand:
 *   [pid-ns] clone(CLONE_NEWPID|CLONE_NEWNS|SIGCHLD)        ~ unshare --pid --mount --fork
 * and a few notes that explain what the operation showed:
 *   [pid-ns] the child is PID 4242 on the host and PID 1 inside its namespace
 * Narration goes to stderr, so a command's own output on stdout stays clean for pipes.
 * -q turns it off; errors are never silenced (see err.h).
 */
#ifndef NSLAB_NARRATE_H
#define NSLAB_NARRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Column at which "~ shell equivalent" starts, so the two sides line up. */
#define NARRATE_SHELL_COL 52

/* Sets who speaks ("pid-ns", or "pid-ns child") and whether to speak at all. */
void narrate_init(const char *who, bool quiet);
void narrate_set_who(const char *who);
bool narrate_enabled(void);
/* Where narration goes (stderr by default); the unit tests point it at a buffer. */
void narrate_set_stream(FILE *stream);

/* "[who] <op>   ~ <shell>"; shell may be NULL when no command does the same. */
__attribute__((format(printf, 2, 3))) void narrate_op(const char *shell, const char *fmt, ...);
/* "[who] <note>" */
__attribute__((format(printf, 1, 2))) void narrate_note(const char *fmt, ...);

/* Formats one operation line into buf (no newline); returns its length or -ENOSPC.
 * Exposed for the unit tests: narrate_op prints exactly this. */
int narrate_format_op(char *buf, size_t size, const char *who, const char *op, const char *shell);

#endif
