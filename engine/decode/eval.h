/* pad: the eval stage.
 *
 * Each test question goes through the model (greedy decoding for now), the
 * generated program runs in the built-in executor, and its answer is
 * compared with the gold by the teacher rule (|pred - gold| < 1e-4, exact
 * for string golds).  The report counts answers right and wrong, programs
 * that raised (by Python error name) or hit a limit, and throughput.
 *
 * Input: an eval JSONL (question, gold as `num_answer` or GSM8K's `answer`,
 * optional id), or a shard directory (manifest.json) whose text columns hold
 * question, answer and id; its stored source tokens are used as they are.
 * A question from JSONL is encoded as the shard builder encodes sources
 * (the tokenizer's specials, eos last, truncated keeping eos), so eval
 * matches training. */
#ifndef PAD_DECODE_EVAL_H
#define PAD_DECODE_EVAL_H

#include "core/error.h"
#include "data/teacher.h"
#include "exec/exec.h"
#include "io/tokenizer.h"
#include "model/model.h"

#define EVAL_PREDICTIONS_FILE "predictions.jsonl"
#define EVAL_SUMMARY_FILE "summary.json"

typedef struct eval_options {
    int batch_size;         /* questions decoded together */
    int max_new_tokens;
    long limit;             /* the first N examples; 0: all */
    int max_source_len;     /* JSONL questions, eos included (the shard default) */
    exec_limits limits;
} eval_options;

void eval_options_default(eval_options *o); /* 16, 256, all, 512, executor defaults */

/* One class of result: "correct", "wrong_answer", a Python error name
 * ("NameError"), or another outcome's name ("step_limit", "unsupported"). */
typedef struct eval_class {
    char name[48];
    long count;
} eval_class;

typedef struct eval_report {
    long count;
    long correct;
    long wrong;             /* ran, answer differs from the gold */
    long errors;            /* raised a Python exception */
    long unsupported;       /* outside the executor's subset */
    long limits;            /* step, memory, recursion, size, overflow, timeout */
    long no_program;        /* no solution() */
    long executable;        /* ran to a value */
    long outcomes[EXEC_OUTCOME_COUNT];
    eval_class *classes;    /* in order of first appearance */
    int class_count;
    exec_result *results;   /* per example */
    int *is_correct;
    long generated_tokens;
    double decode_seconds, exec_seconds;
} eval_report;

void eval_report_free(eval_report *r);
double eval_accuracy(const eval_report *r);         /* correct / count, 0 when empty */
double eval_executable_rate(const eval_report *r);

/* Scores n generated programs against their golds: runs each with the
 * built-in executor and fills `r` (zeroed first; free with
 * eval_report_free).  Fails only when pad itself fails. */
pad_status eval_score(int n, const char *const *programs, const teacher_gold *golds,
                      const exec_limits *lim, eval_report *r, pad_error *err);

/* The whole stage: reads `data` (a JSONL file or a shard directory), decodes
 * with `m`, scores, and writes OUT_DIR/predictions.jsonl (id, question,
 * program, answer, gold, outcome, error_type, error_message, correct) and
 * OUT_DIR/summary.json, each atomically (OUT_DIR is created).  `r` holds
 * the report for the caller to print. */
pad_status eval_run(pad_model *m, const pad_tokenizer *tok, const char *data, const char *out_dir,
                    const eval_options *o, eval_report *r, pad_error *err);

#endif
