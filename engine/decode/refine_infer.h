/* pad: self-refinement at inference (docs/REFINE.md, "At inference").
 *
 * A question's program is run; when it fails (mode `failed`), or whatever
 * it did (mode `all`), the model is shown the refine prompt, the very
 * template its refine shards were built with (data/refine.h): the
 * question, the program and the executor's feedback on it
 * (refine_feedback).  The program it writes is run in turn, and refined
 * again while it still fails, up to `rounds` times.
 *
 * "Fails" means the program did not run to a value (an exception, a limit,
 * no solution()): the decision never looks at the gold, which is only used
 * to count what refinement repaired and broke.  A program that ran is shown
 * to the model (mode `all`) with the feedback training rows carry for a
 * value: "wrong answer: the program returned X".
 *
 * The answer kept is that of the latest program that ran to a value (the
 * original one included); when none ran, the last one written.  Hence in
 * mode `failed` a right answer is never touched, and only mode `all` can
 * break one.
 *
 * The decoding step is a callback, so the loop is the same for the model
 * (decode/eval.c) and for a test that scripts the programs. */
#ifndef PAD_DECODE_REFINE_INFER_H
#define PAD_DECODE_REFINE_INFER_H

#include "core/error.h"
#include "data/teacher.h"
#include "exec/exec.h"

typedef enum refine_mode { REFINE_MODE_FAILED = 0, REFINE_MODE_ALL, REFINE_MODE_COUNT } refine_mode;

const char *refine_mode_name(refine_mode m); /* "failed", "all" */
int refine_mode_parse(const char *name);     /* the mode, or -1 */

/* Writes one program per prompt: programs[i] malloc'd (never NULL on
 * success); adds the tokens it generated to *tokens. */
typedef struct refine_decoder {
    void *ctx;
    pad_status (*decode)(void *ctx, int n, const char *const *prompts, char **programs, long *tokens,
                         pad_error *err);
} refine_decoder;

typedef struct refine_infer_options {
    int rounds;             /* at most this many refinements per question; >= 1 */
    refine_mode mode;
    int batch_size;         /* prompts per decode call */
    exec_limits limits;
} refine_infer_options;

/* One refinement of a question. */
typedef struct refine_round {
    char feedback[320];     /* what the model was shown: the previous program's feedback */
    char *program;          /* what it wrote, malloc'd */
    exec_result result;     /* that program's run */
    int correct;            /* its answer matches the gold */
} refine_round;

typedef struct refine_trace {
    refine_round *rounds;
    int count;
    int final;              /* the program answering: 0 the original, k round k */
} refine_trace;

typedef struct refine_stats {
    long count;             /* questions */
    long refined;           /* questions given at least one round */
    long rounds;            /* rounds over all questions */
    long correct_before, correct_after;
    long repaired;          /* wrong before, right after */
    long broken;            /* right before, wrong after (mode all only) */
    long generated_tokens;
    double decode_seconds;
} refine_stats;

/* Refines n questions whose programs[i] ran as results[i] (right or not as
 * correct[i]).  traces[n] are filled (free with refine_traces_free), stats
 * zeroed and filled.  Fails when pad or the decoder fails. */
pad_status refine_infer_run(const refine_decoder *d, const refine_infer_options *o, long n,
                            const char *const *questions, const char *const *programs,
                            const exec_result *results, const int *correct, const teacher_gold *golds,
                            refine_trace *traces, refine_stats *stats, pad_error *err);

void refine_traces_free(refine_trace *t, long n);

#endif
