/* pad: the eval stage.
 *
 * Each test question goes through the model, decoded by batched beam search
 * (decode/beam.h: greedy is width 1, sampling its other special case), with
 * step-wise verification when asked; the chosen program runs in the
 * built-in executor and its answer is compared with the gold by the teacher
 * rule (|pred - gold| < 1e-4, exact for string golds).  The report counts
 * answers right and wrong, programs that raised (by Python error name) or
 * hit a limit, and throughput.
 *
 * Input: a JSONL file (one object a line) or a JSON file holding an array
 * of objects, in one of the usual math-word-problem forms (eval_format), or
 * a shard directory (manifest.json) whose text columns hold question,
 * answer and id; its stored source tokens are used as they are.  A question
 * from JSON is encoded as the shard builder encodes sources (the
 * tokenizer's specials, eos last, truncated keeping eos), so eval matches
 * training. */
#ifndef PAD_DECODE_EVAL_H
#define PAD_DECODE_EVAL_H

#include <stdint.h>

#include "core/error.h"
#include "data/teacher.h"
#include "decode/refine_infer.h"
#include "exec/exec.h"
#include "io/tokenizer.h"
#include "model/model.h"

#define EVAL_PREDICTIONS_FILE "predictions.jsonl"
#define EVAL_SUMMARY_FILE "summary.json"

/* The row forms eval reads.  Each accepts the PaD authors' prepared form
 * (`question` and `num_answer`) and the dataset's original field names:
 *   gsm8k       question; num_answer, or answer ending "#### N"; id
 *   svamp       Body + " " + Question; Answer; ID
 *   asdiv       Body + " " + Question; Answer ("9 (apples)": the number); ID
 *   multiarith  sQuestion; lSolutions[0]; iIndex
 * AUTO decides from the file's first row: sQuestion → multiarith; Body →
 * svamp (numeric Answer) or asdiv; question with num_answer and an
 * equation → multiarith (equation a list), asdiv (it holds '='), svamp;
 * otherwise gsm8k. */
typedef enum eval_format {
    EVAL_FORMAT_AUTO = 0,
    EVAL_FORMAT_GSM8K,
    EVAL_FORMAT_SVAMP,
    EVAL_FORMAT_ASDIV,
    EVAL_FORMAT_MULTIARITH,
    EVAL_FORMAT_COUNT
} eval_format;

const char *eval_format_name(eval_format f);   /* "auto", "gsm8k", ... */
int eval_format_parse(const char *name);       /* the format, or -1 */

typedef enum eval_decoding { EVAL_GREEDY = 0, EVAL_BEAM, EVAL_SAMPLE, EVAL_DECODING_COUNT } eval_decoding;
typedef enum eval_step_mode { EVAL_STEP_DROP = 0, EVAL_STEP_PENALTY, EVAL_STEP_MODE_COUNT } eval_step_mode;
typedef enum eval_answer { EVAL_ANSWER_BEST = 0, EVAL_ANSWER_VOTE, EVAL_ANSWER_COUNT } eval_answer;

const char *eval_decoding_name(eval_decoding d);  /* "greedy", "beam", "sample" */
const char *eval_step_mode_name(eval_step_mode m); /* "drop", "penalty" */
const char *eval_answer_name(eval_answer a);      /* "best", "vote" */

typedef struct eval_options {
    int batch_size;         /* questions decoded together */
    int max_new_tokens;
    long limit;             /* the first N examples; 0: all */
    int max_source_len;     /* JSON questions, eos included (the shard default) */
    eval_format format;
    exec_limits limits;
    /* decoding */
    eval_decoding decoding;
    int beams;              /* EVAL_BEAM: the width (>= 1); greedy and sampling use 1 */
    int num_return;         /* programs kept per question: <= beams (beam), any (sample), 1 (greedy) */
    double length_penalty;   /* Hugging Face's exponent of the length */
    int early_stopping;     /* Hugging Face's early_stopping */
    double temperature;      /* EVAL_SAMPLE: > 0 */
    double top_p;            /* EVAL_SAMPLE: (0, 1] */
    uint64_t seed;          /* EVAL_SAMPLE */
    int stepwise;           /* verify each finished line by running the program so far */
    eval_step_mode step_mode;
    double step_penalty;     /* EVAL_STEP_PENALTY: added (log domain) when a prefix fails; <= 0 */
    double number_penalty;   /* stepwise: per literal not grounded in the question (numbers.h); <= 0, 0 off */
    eval_answer answer;     /* how the program is chosen among the returned ones */
    /* refinement at inference (decode/refine_infer.h), decoded as above */
    int refine_rounds;      /* 0: none */
    refine_mode refine_mode;
    int refine_max_source_len; /* refine prompts, eos included; 0: max_source_len */
} eval_options;

/* batch 16, 256 new tokens, all, 512, auto, executor defaults; greedy
 * (beams 1, 1 return, length penalty 1, no early stopping, T 1, p 1,
 * seed 0), stepwise off (drop, penalty -5, no number penalty), answer best; no refinement
 * (mode failed, prompts as long as max_source_len). */
void eval_options_default(eval_options *o);

/* PAD_ERR_INVALID naming the setting that is out of range or does not
 * combine with the others (beams with greedy, stepwise with sampling, ...). */
pad_status eval_options_check(const eval_options *o, pad_error *err);

/* ---- the examples ---- */

typedef struct eval_example {
    char *id, *question;
    teacher_gold gold;
    int32_t *src;           /* encoded question; NULL when read without a tokenizer */
    int src_len;
} eval_example;

typedef struct eval_set {
    eval_example *ex;
    long count, cap;
    eval_format format;     /* what the file was read as; AUTO for shards */
} eval_set;

/* Reads the examples of `data` (JSONL, JSON array or shard directory), at
 * most o->limit, in o->format.  `tok` encodes the questions; it may be NULL
 * for JSON input (src stays NULL) but not for shards (their tokenizer hash
 * is checked).  A bad row fails with the file, the line (JSONL) or the
 * item's index as a JSON path (arrays), and the missing field named. */
pad_status eval_set_load(const char *data, const pad_tokenizer *tok, const eval_options *o,
                         eval_set *s, pad_error *err);
void eval_set_free(eval_set *s);

/* ---- the report ---- */

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
    exec_result *results;   /* per example: the chosen program's run */
    int *is_correct;
    long generated_tokens;
    double decode_seconds, exec_seconds;
    long step_checks;       /* step-wise: candidates judged, executor runs, failures */
    long step_runs, step_failures;
    refine_stats refine;    /* refine_rounds > 0: the counts above are after refinement */
} eval_report;

void eval_report_free(eval_report *r);
double eval_accuracy(const eval_report *r);         /* correct / count, 0 when empty */
double eval_executable_rate(const eval_report *r);

/* Scores n generated programs against their golds: runs each with the
 * built-in executor and fills `r` (zeroed first; free with
 * eval_report_free).  Fails only when pad itself fails. */
pad_status eval_score(int n, const char *const *programs, const teacher_gold *golds,
                      const exec_limits *lim, eval_report *r, pad_error *err);

/* The whole stage: reads `data`, decodes with `m`, chooses one program per
 * question, scores, and writes OUT_DIR/predictions.jsonl (id, question,
 * program, answer, gold, outcome, error_type, error_message, correct; with
 * more than one returned program also `candidates` [{program, score}] best
 * first, `chosen` (the index taken), `runnable` and `votes`) and OUT_DIR/summary.json (accuracy,
 * executable rate, outcomes, classes, count, questions/s, tokens/s, the
 * decoding settings).  With refine_rounds, the program
 * and answer fields are the refined ones; a prediction also holds `before`
 * {program, answer, outcome, correct}, `refine_rounds` [{feedback, program,
 * answer, outcome, error_type, error_message, correct}] and `final_round`
 * (0: the original program answers), and the summary a `refine` object
 * (rounds, mode, accuracy and correct before and after, repaired, broken,
 * questions refined, rounds run, tokens, seconds).  Each file is written
 * atomically (OUT_DIR is created; the summary is written last).  `r`
 * holds the report for the caller to print. */
pad_status eval_run(pad_model *m, const pad_tokenizer *tok, const char *data, const char *out_dir,
                    const eval_options *o, eval_report *r, pad_error *err);

#endif
