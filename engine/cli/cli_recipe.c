/* pad CLI: the recipe arguments that `validate` and `run` share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"

int cli_recipe_args(int argc, char **argv, const char *usage, const char *flag, int *flag_set,
                    cli_recipe_argv *out)
{
    memset(out, 0, sizeof *out);
    if (flag_set) *flag_set = 0;
    out->sets = calloc((size_t)argc, sizeof *out->sets);
    if (!out->sets) return cli_usage_error(usage, "out of memory");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) out->sets[out->nsets++] = argv[++i];
        else if (flag && strcmp(argv[i], flag) == 0) *flag_set = 1;
        else if (argv[i][0] != '-' && !out->path) out->path = argv[i];
        else {
            free(out->sets);
            return cli_usage_error(usage, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!out->path) {
        free(out->sets);
        return cli_usage_error(usage, "RECIPE is required");
    }
    return 0;
}

int cli_load_recipe(const cli_recipe_argv *a, recipe *r)
{
    recipe_issues issues;
    pad_error err;
    pad_error_clear(&err);
    pad_status st = recipe_load(a->path, a->sets, a->nsets, r, &issues, &err);
    free(a->sets);
    if (st == PAD_ERR_CONFIG && issues.count) {
        for (int i = 0; i < issues.count; i++) {
            const recipe_issue *it = &issues.items[i];
            fprintf(stderr, "pad: error: %s: %s%s%s\n", a->path, it->path, it->path[0] ? ": " : "",
                    it->message);
        }
        recipe_issues_free(&issues);
        return 1;
    }
    recipe_issues_free(&issues);
    return st ? cli_report_error(&err) : 0;
}
