/* err.h - how a stage reports failure and dies.
 *
 * Only a stage's main (or its child function, which is the child's main) may die;
 * helpers elsewhere in common/ return 0 or -errno and leave the decision to it.
 * Every message is one line: "<stage>: <operation as a shell command>: <strerror>",
 * then "(<hint>)" where a hint helps, e.g.
 *   01-pid-ns: mount -t proc proc /proc: Permission denied (run as root: sudo make run-01)
 */
#ifndef NSLAB_ERR_H
#define NSLAB_ERR_H

/* Exit statuses shared by every stage (see DESIGN.md, "Usage"). */
enum {
    EXIT_RUNTIME = 1, /* a system call failed */
    EXIT_USAGE = 2,   /* bad option or argument: nothing was done */
};

/* The stage's name as the user knows it ("01-pid-ns"); set once by main. */
extern const char *err_stage;

/* Prints "<stage>: <op>: strerror(err) (hint)" and exits with status.  err is a
 * positive errno value (or 0 for no strerror part); hint may be NULL. */
__attribute__((noreturn, format(printf, 4, 5))) void err_die(int status, int err, const char *hint,
                                                             const char *fmt, ...);

/* Prints "<stage>: <problem> (try '<prog> -h')" and exits with EXIT_USAGE. */
__attribute__((noreturn, format(printf, 1, 2))) void err_usage(const char *fmt, ...);

/* The same line as err_die without exiting: for a child that must return its status. */
__attribute__((format(printf, 3, 4))) void err_print(int err, const char *hint, const char *fmt,
                                                     ...);

/* The hint for EPERM on an operation that needs a privilege: "<needs>; run as root:
 * sudo make run-NN", e.g. needs = "CLONE_NEWPID needs CAP_SYS_ADMIN". */
const char *err_root_hint(const char *needs);

#endif
