/* pad: step-wise verification for beam search, by running the program so
 * far.
 *
 * A scorer (beam_scorer in decode/beam.h) is how beam search asks "is this
 * candidate worth keeping?".  It is one callback and a context: the loop
 * calls it for a candidate whose newest token ends a line (options
 * line_end) or the program (eos, finished = 1), with the candidate's
 * generated tokens; the scorer answers drop, or a log-domain adjustment
 * added to the candidate's running score.  Candidates are ranked again
 * after scoring, so an adjustment moves a candidate among the beams, and a
 * dropped one is replaced by the next best.  Another scorer (a verifier
 * model, a similarity score) only has to fill a beam_scorer.
 *
 * This one decodes the tokens to text and runs it in the built-in
 * executor: prefix mode (exec_run_prefix) after a line, the whole program
 * (exec_run) at eos when check_finished is set.  A program that raises or
 * hits a limit fails; a prefix that merely stops inside an open bracket or
 * string (SyntaxError "never closed", "unterminated") is not a failure,
 * since the next lines may close it.  Verdicts are cached by text, so the
 * beams sharing a prefix run it once.  Optionally it also penalises
 * programs whose literals do not match the question's numbers (numbers.h). */
#ifndef PAD_DECODE_STEPWISE_H
#define PAD_DECODE_STEPWISE_H

#include <stdint.h>

#include "core/error.h"
#include "decode/beam.h"
#include "exec/exec.h"
#include "io/tokenizer.h"

typedef enum stepwise_mode {
    STEPWISE_DROP = 0,      /* a failing candidate is removed */
    STEPWISE_PENALTY        /* a failing candidate's score gets `penalty` added */
} stepwise_mode;

typedef struct stepwise_options {
    stepwise_mode mode;
    float penalty;          /* log domain, < 0 */
    int check_finished;     /* run programs ended by eos as a whole */
    exec_limits limits;
    /* number grounding (numbers.h), log domain, <= 0; 0: off.  Added once
     * per excess literal when its line ends, and once per unused question
     * number at eos.  Needs stepwise_set_questions. */
    float number_penalty;
} stepwise_options;

/* drop, -5, check finished, exec defaults, no number grounding */
void stepwise_options_default(stepwise_options *o);
/* "drop" or "penalty"; PAD_ERR_INVALID otherwise. */
pad_status stepwise_mode_parse(const char *s, stepwise_mode *out, pad_error *err);

typedef struct stepwise_stats {
    long calls;             /* candidates judged */
    long runs;              /* executor runs (calls less cache hits) */
    long failures;          /* judged candidates that failed */
} stepwise_stats;

typedef struct stepwise_scorer stepwise_scorer;

/* The tokenizer is borrowed and must outlive the scorer. */
pad_status stepwise_new(const pad_tokenizer *tok, const stepwise_options *o,
                        stepwise_scorer **out, pad_error *err);
void stepwise_free(stepwise_scorer *s);
/* The scorer to put in beam_options.scorer, valid while s lives. */
const beam_scorer *stepwise_beam_scorer(stepwise_scorer *s);
/* The question of each row of the next beam search, for number grounding
 * (copied; nothing is kept when number_penalty is 0); NULL or rows 0: no
 * grounding until the next call. */
pad_status stepwise_set_questions(stepwise_scorer *s, const char *const *questions, int rows,
                                  pad_error *err);
stepwise_stats stepwise_get_stats(const stepwise_scorer *s);

/* beam_options.line_end for a model of `vocab` ids: 1 where the token's
 * text contains '\n' (ids the tokenizer lacks: 0).  *out is malloc'd. */
pad_status stepwise_line_ends(const pad_tokenizer *tok, int vocab, uint8_t **out, pad_error *err);

#endif
