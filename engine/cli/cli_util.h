/* pad CLI: helpers shared by the subcommands (beyond commands.h). */
#ifndef PAD_CLI_UTIL_H
#define PAD_CLI_UTIL_H

#include "core/tensor.h"

#define CLI_EXIT_USAGE 2

/* "pad: error: MESSAGE", then `usage` on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads the checkpoint directory `src` on the cpu backend and saves it to
 * `dst` in `dtype`, printing a one-line summary headed by `verb`.  Returns
 * the exit status. */
int cli_convert_checkpoint(const char *verb, const char *src, const char *dst, pad_dtype dtype);

#endif
