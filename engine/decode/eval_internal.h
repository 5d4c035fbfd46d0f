/* pad eval, inside the room: what the decoding half (eval.c) hands the
 * reporting half (eval_report.c). */
#ifndef PAD_DECODE_EVAL_INTERNAL_H
#define PAD_DECODE_EVAL_INTERNAL_H

#include "decode/eval.h"

/* One returned program of a question. */
typedef struct eval_candidate {
    char *program;          /* malloc'd */
    double score;           /* the beam's ranking score */
} eval_candidate;

/* The programs of one question, best first, and the one taken. */
typedef struct eval_choice {
    eval_candidate *cand;
    int count;
    int chosen;
    int runnable;           /* candidates whose programs ran (when there was a choice) */
    int votes;              /* answer vote: candidates agreeing with the chosen answer */
} eval_choice;

void eval_choices_free(eval_choice *c, long n);

/* The shard builder's source encoding of `text` into e->src: specials, eos
 * last, truncated to max_len keeping eos. */
pad_status eval_encode_source(const pad_tokenizer *tok, const char *text, int max_len, eval_example *e,
                              pad_error *err);

/* What refinement adds to the outputs: per question its rounds, and the
 * report of the programs before them (r is the one after). */
typedef struct eval_refined {
    const refine_trace *traces;
    const eval_report *before;
} eval_refined;

/* Writes OUT_DIR/predictions.jsonl then OUT_DIR/summary.json; `refined`
 * NULL when there was no refinement. */
pad_status eval_write_outputs(const char *out_dir, const char *data, const eval_set *s,
                              const eval_choice *choices, const eval_report *r,
                              const eval_refined *refined, const eval_options *o, pad_error *err);

#endif
