/* pad: a stop request from SIGINT or SIGTERM.
 *
 * The CLI (or a stage runner) installs the handler; the handler only sets a
 * flag, and library loops poll it between steps, so a signal never interrupts
 * a half-written checkpoint or a half-done update. */
#ifndef PAD_TRAIN_SIGNALS_H
#define PAD_TRAIN_SIGNALS_H

/* Routes SIGINT and SIGTERM to the flag.  A second signal while a stop is
 * already pending restores the default action, so a stuck run can still be
 * killed with a second Ctrl-C. */
void pad_signals_install(void);
/* Puts back the default actions. */
void pad_signals_uninstall(void);

/* The signal number that asked to stop, or 0. */
int pad_signals_stop_requested(void);
/* Asks to stop as a signal would (for tests and embedding code). */
void pad_signals_request_stop(void);
void pad_signals_clear(void);

#endif
