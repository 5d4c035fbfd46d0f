/* pad: choosing a question's answer among its finished hypotheses.
 *
 *   best   the best-scored hypothesis whose program runs to a value; the
 *          best overall when none runs.
 *   vote   self-consistency: the hypotheses whose programs run vote with
 *          their answers (numbers equal within TEACHER_TOLERANCE, other
 *          values by str()); the answer with most votes wins, a tie going
 *          to the answer whose best hypothesis scores higher; the chosen
 *          hypothesis is that best one.  None runs: the best overall.
 *
 * Programs run in the built-in executor. */
#ifndef PAD_DECODE_ANSWER_H
#define PAD_DECODE_ANSWER_H

#include "core/error.h"
#include "exec/exec.h"

typedef enum answer_mode {
    ANSWER_BEST = 0,
    ANSWER_VOTE
} answer_mode;

/* "best" or "vote"; PAD_ERR_INVALID otherwise. */
pad_status answer_mode_parse(const char *s, answer_mode *out, pad_error *err);

typedef struct answer_choice {
    int index;              /* the chosen hypothesis, 0..n-1 */
    int ran;                /* 1: its program ran to a value */
    int runnable;           /* hypotheses whose programs ran (vote: all were run) */
    int votes;              /* vote: runnable hypotheses agreeing with the answer */
    exec_result result;     /* the chosen program's run; free with exec_result_free */
} answer_choice;

/* Chooses among n >= 1 programs; scores (NULL: the given order is best
 * first) rank them.  Fails only when pad itself fails. */
pad_status answer_choose(answer_mode mode, int n, const char *const *programs, const float *scores,
                         const exec_limits *lim, answer_choice *out, pad_error *err);

#endif
