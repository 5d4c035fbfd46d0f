/* pad CLI: helpers shared by the subcommands (beyond commands.h). */
#ifndef PAD_CLI_UTIL_H
#define PAD_CLI_UTIL_H

#include "core/tensor.h"
#include "recipe/recipe.h"

#define CLI_EXIT_USAGE 2

/* "pad: error: MESSAGE", then `usage` on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads the checkpoint directory `src` on the cpu backend and saves it to
 * `dst` in `dtype`, printing a one-line summary headed by `verb`.  Returns
 * the exit status. */
int cli_convert_checkpoint(const char *verb, const char *src, const char *dst, pad_dtype dtype);

/* RECIPE and its --set overrides (plus one optional boolean `flag`). */
typedef struct cli_recipe_argv {
    const char *path;
    const char **sets; /* malloc'd; cli_load_recipe frees it */
    int nsets;
} cli_recipe_argv;

/* Returns 0, or the exit status after printing a usage error. */
int cli_recipe_args(int argc, char **argv, const char *usage, const char *flag, int *flag_set,
                    cli_recipe_argv *out);
/* Loads and validates; prints every problem ("pad: error: RECIPE: PATH:
 * message") and returns 1, or 0 with `r` to free. */
int cli_load_recipe(const cli_recipe_argv *a, recipe *r);

#endif
