/* pad: the refine stage, PaD's self-refinement training in rounds.
 *
 * The distilled model learns to repair programs: its training rows are the
 * refine rows of data/inject.h (question + faulty program + feedback ->
 * correct program), plus a `mix` share of the distillation rows carried as
 * plain refine rows (data/refine.h: source = the question), so one refine
 * shard set holds both.  After every round but the last, the current model
 * greedy-decodes training questions; each program it gets wrong (a wrong
 * value or an error) becomes a refine row with its feedback and the teacher
 * program as target, added to every later round's data.
 *
 * Everything lives under one directory (RUN_DIR/refine):
 *   injected.jsonl            errors injected into the verified training rows
 *   validation/               refine shards of the validation split (its
 *                             injected rows and all of its plain rows)
 *   round-N/data.jsonl        the round's rows: injected, plain, and the
 *                             failures of rounds 1..N-1
 *   round-N/shards/           their refine shards
 *   round-N/checkpoints/ metrics.jsonl best/   the trainer's run directory
 *   round-N/failures.jsonl    after round N: the model's own failures
 *   round-N/round.json        the round's report, written last: complete
 *   final/                    the refined model, a Hugging Face directory
 * Round 1 trains the given model; round N+1 starts from round N's model (its
 * best when it validated, else its last checkpoint).  A complete round is
 * skipped, complete shards are kept, and training resumes from its
 * checkpoints, so an interrupted stage continues where it stopped. */
#ifndef PAD_TRAIN_REFINE_STAGE_H
#define PAD_TRAIN_REFINE_STAGE_H

#include <stdint.h>

#include "core/error.h"
#include "data/inject.h"
#include "data/shard_build.h"
#include "io/tokenizer.h"
#include "model/model.h"
#include "train/trainer.h"

#define REFINE_FINAL_DIR "final"
#define REFINE_MODEL_KIND "model" /* the `kind` of a failure row */

/* How long each round trains; the recipe's distill semantics, applied to
 * each round's own data size. */
typedef struct refine_schedule {
    int64_t epochs;
    int64_t max_steps;        /* > 0: steps per round, epochs ignored */
    int64_t warmup_steps;
    double warmup_ratio;      /* of the round's steps, when warmup_steps is 0 */
    int64_t eval_every;       /* 0: once per epoch */
    int64_t checkpoint_every; /* 0: at every validation */
} refine_schedule;

typedef struct refine_stage_options {
    const char *dir;             /* RUN_DIR/refine */
    const char *train_rows;      /* verified teacher JSONL, training split */
    const char *validation_rows; /* verified validation JSONL; NULL or "": none */
    const char *questions;       /* distillation training shards: what is decoded after a round */
    const pad_tokenizer *tok;
    int rounds;                  /* >= 1 */
    double mix;                  /* share of distillation rows added as plain rows, [0, 1] */
    long round_questions;        /* questions decoded per round; 0: all */
    inject_options inject;       /* its seed also draws the mix and the questions */
    shard_build_options shard;   /* refine sources' limits; kind is set here */
    int decode_batch;
    int max_new_tokens;
    pad_train_options train;     /* data.dir/kind, val_dir, run_dir and the step counts are set per round */
    refine_schedule schedule;
} refine_stage_options;

typedef struct refine_round_report {
    long injected_rows, plain_rows, failure_rows; /* the round's training rows */
    int64_t examples;            /* in its shards, after the length limits */
    int64_t steps;
    double last_loss, best_val_loss;
    long decoded, failures;      /* after the round (0 after the last one) */
    int done_earlier;            /* complete before this run: read from round.json */
} refine_round_report;

typedef struct refine_stage_report {
    inject_report inject;        /* the training split's injection */
    int rounds;
    refine_round_report *round;  /* malloc'd, `rounds` entries */
    double final_loss;
    int interrupted;             /* training stopped by a signal after a checkpoint */
    char model_dir[1024];        /* DIR/final, when not interrupted */
} refine_stage_report;

/* Runs every round.  `start` (borrowed) is round 1's model; it is trained in
 * place.  The report is filled (free it in every case). */
pad_status refine_stage_run(const refine_stage_options *o, pad_model *start, refine_stage_report *rep,
                            pad_error *err);
void refine_stage_report_free(refine_stage_report *rep);

#endif
