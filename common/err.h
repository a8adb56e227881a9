/* err.h - how a stage reports failure.
 *
 * Every message is one line: "<stage>: <operation as a shell command>: <strerror>",
 * then "(<hint>)" where a hint helps, e.g.
 *   01-pid-ns: mount -t proc proc /proc: Permission denied (run as root: sudo make run-01)
 * Helpers elsewhere in common/ print nothing: they return 0 or -errno and leave the
 * message to the stage.  Stages 01-03 return from main (or from the child function,
 * the child's main) with the status err_fail() or err_bad_usage() gives, so a reader
 * sees every way out; err_die() and err_usage() exit on the spot, for the stages
 * that still use them.
 */
#ifndef NSLAB_ERR_H
#define NSLAB_ERR_H

/* Exit statuses shared by every stage, as each program's -h text lists them; a
 * stage that runs a command passes on its status otherwise (128+N for signal N). */
enum {
    EXIT_RUNTIME = 1, /* a system call failed */
    EXIT_USAGE = 2,   /* bad option or argument: nothing was done */
};

/* The stage's name as the user knows it ("01-pid-ns"); set once by main. */
extern const char *err_stage;

/* Prints "<stage>: <op>: strerror(err) (hint)".  err is a positive errno value (or 0
 * for no strerror part); hint may be NULL. */
__attribute__((format(printf, 3, 4))) void err_print(int err, const char *hint, const char *fmt,
                                                     ...);

/* err_print, then returns EXIT_RUNTIME: `return err_fail(errno, NULL, "hostname %s", name);` */
__attribute__((format(printf, 3, 4))) int err_fail(int err, const char *hint, const char *fmt, ...);

/* Prints "<stage>: <problem> (try '<prog> -h')" and returns EXIT_USAGE. */
__attribute__((format(printf, 1, 2))) int err_bad_usage(const char *fmt, ...);

/* The usage line for what getopt_long returned when it did not know an option ('?')
 * or missed its argument (':', with a leading ':' in the option string); reads
 * getopt's optind and optopt.  Returns EXIT_USAGE. */
int err_bad_option(int opt, char *const argv[]);

/* err_print, then exit(status). */
__attribute__((noreturn, format(printf, 4, 5))) void err_die(int status, int err, const char *hint,
                                                             const char *fmt, ...);

/* err_bad_usage, then exit(EXIT_USAGE). */
__attribute__((noreturn, format(printf, 1, 2))) void err_usage(const char *fmt, ...);

/* The hint for EPERM on an operation that needs a privilege: "<needs>; run as root:
 * sudo make run-NN", e.g. needs = "CLONE_NEWPID needs CAP_SYS_ADMIN". */
const char *err_root_hint(const char *needs);

#endif
