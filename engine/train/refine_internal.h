/* pad: the refine stage, inside the room: the rows of a round
 * (refine_rows.c) and the failures of the model (refine_failures.c). */
#ifndef PAD_TRAIN_REFINE_INTERNAL_H
#define PAD_TRAIN_REFINE_INTERNAL_H

#include "train/refine_stage.h"

#define REFINE_PATH_MAX 1100

/* Philox streams of the stage's seed (o->inject.seed); injection uses the row indices. */
#define REFINE_STREAM_MIX 0x6d6978ULL       /* which distillation rows go in as plain rows */
#define REFINE_STREAM_QUESTIONS 0x717573ULL /* + round: which questions are decoded */

/* DIR/round-N[/name]; name may be NULL. */
void refine_round_path(char out[REFINE_PATH_MAX], const refine_stage_options *o, int round, const char *name);

/* Writes round N's rows to DIR/round-N/data.jsonl (DIR/injected.jsonl, the
 * plain rows, the failures of earlier rounds) and builds DIR/round-N/shards
 * unless complete; counts go to `r`. */
pad_status refine_round_data(const refine_stage_options *o, int round, refine_round_report *r, pad_error *err);

/* DIR/validation: refine shards of the validation split, built once; `out`
 * gets the directory, or "" when there is no validation split. */
pad_status refine_validation_shards(const refine_stage_options *o, char out[REFINE_PATH_MAX], pad_error *err);

/* Greedy-decodes round_questions questions of o->questions with `m` and
 * writes each program that does not return its gold as a refine row (kind
 * "model", its feedback, the teacher program as target) to `path`,
 * atomically.  Counts go to r->decoded and r->failures. */
pad_status refine_collect_failures(const refine_stage_options *o, pad_model *m, int round, const char *path,
                                   refine_round_report *r, pad_error *err);

#endif
