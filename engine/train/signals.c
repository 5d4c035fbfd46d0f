#include "train/signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_signal;

/* Async-signal-safe: writes the flag, and at most resets the disposition. */
static void on_signal(int sig)
{
    if (stop_signal) signal(sig, SIG_DFL);
    stop_signal = sig;
}

static void set_handler(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void pad_signals_install(void) { set_handler(on_signal); }
void pad_signals_uninstall(void) { set_handler(SIG_DFL); }
int pad_signals_stop_requested(void) { return stop_signal; }
void pad_signals_request_stop(void) { stop_signal = SIGINT; }
void pad_signals_clear(void) { stop_signal = 0; }
