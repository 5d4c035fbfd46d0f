/* pad run: a recipe's stages in order, each skipped when its completion
 * marker exists (RUN_DIR/stages/NN-TYPE.json, written atomically when the
 * stage ends), an interrupted distill resumed from its newest checkpoint.
 *
 * This is glue: every stage's work is a call into its room (data/ for
 * synth, verify and shard; train/ for distill; decode/ for eval). */
#ifndef PAD_CLI_RUN_PIPELINE_H
#define PAD_CLI_RUN_PIPELINE_H

#include "core/error.h"
#include "recipe/recipe.h"

typedef struct run_summary {
    long teacher_rows, kept_rows;        /* verify, training split; -1 when not run */
    double final_loss, best_val_loss;
    double accuracy, executable;         /* eval; negative when not run */
    long eval_count;
    int interrupted;                     /* distill stopped by a signal */
    char checkpoint[1024];
    char run_dir[1024];
} run_summary;

/* Runs every enabled stage of `r`; prints progress on stderr and a line per
 * stage on stdout. */
pad_status run_pipeline(const recipe *r, run_summary *sum, pad_error *err);

#endif
