/* pad run: a recipe's stages, end to end. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/run_pipeline.h"
#include "dist/dist.h"

static const char usage[] =
    "usage: pad run RECIPE [--set PATH=VALUE ...]\n"
    "\n"
    "Validates RECIPE completely (as `pad validate`), then runs its stages in\n"
    "order: synth, verify, shard, distill, eval.  Each finished stage leaves a\n"
    "marker in OUTPUT_DIR/stages/, so running the same command again skips what\n"
    "is done and resumes an interrupted distill from its newest complete\n"
    "checkpoint.  Ctrl-C (or SIGTERM) finishes the current step, writes a\n"
    "checkpoint and exits with status 130.\n"
    "  --set PATH=VALUE  override a field (PATH like stages[3].lr; VALUE is JSON,\n"
    "                    or else a string)\n";

static void print_report(const run_summary *s)
{
    printf("\n== run %s ==\n", s->run_dir);
    if (s->teacher_rows >= 0)
        printf("teacher programs: %ld kept of %ld (report: %s/data/train.verify_report.json)\n",
               s->kept_rows, s->teacher_rows, s->run_dir);
    if (!isnan(s->final_loss))
        printf("final training loss %.4f, best validation loss %.4f\n", s->final_loss, s->best_val_loss);
    if (s->accuracy >= 0)
        printf("test accuracy %.1f%% (%ld questions), executable %.1f%%\n", 100 * s->accuracy,
               s->eval_count, 100 * s->executable);
    if (s->checkpoint[0]) printf("checkpoint: %s\n", s->checkpoint);
    printf("metrics: %s/distill/metrics.jsonl (plot: tools/plot %s/distill)\n", s->run_dir, s->run_dir);
}

int cmd_run(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    /* stage lines (stdout) and progress (stderr) stay in order in a log */
    setvbuf(stdout, NULL, _IOLBF, 0);
    cli_recipe_argv args;
    int status = cli_recipe_args(argc, argv, usage, NULL, NULL, &args);
    if (status) return status;
    recipe r;
    if ((status = cli_load_recipe(&args, &r))) return status;
    /* one rank speaks for a data-parallel job; the others only log errors */
    pad_dist_env env;
    pad_dist_env_read(&env);
    if (env.rank != 0 && !freopen("/dev/null", "w", stdout)) return 1;
    run_summary sum;
    pad_error err;
    pad_error_clear(&err);
    pad_status st = run_pipeline(&r, &sum, &err);
    recipe_free(&r);
    if (st) return cli_report_error(&err);
    print_report(&sum);
    if (sum.interrupted) {
        if (env.rank == 0) fprintf(stderr, "pad: interrupted; run the same command again to resume\n");
        return 130;
    }
    return 0;
}
