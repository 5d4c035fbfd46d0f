/* pad: batched beam search over many questions at once, with greedy
 * decoding and sampling as special cases of the same loop.
 *
 * The loop drives a pad_decoder (model/decoder.h): one step per token for
 * all live rows (questions x beams), the next tokens chosen on the host,
 * the rows reordered by parent index.  Beam search follows Hugging Face's
 * generate(num_beams=k): per question the 2k best continuations by summed
 * log-probability; those ending in eos (within the first k) become finished
 * hypotheses scored sum_logprobs / length^length_penalty (length counts the
 * generated tokens, eos included, as transformers 5 does); the others become
 * the next k beams.  A question is done when it has k finished hypotheses
 * and, with early_stopping, at once; without it, when no live beam can
 * beat the worst finished one (HF's heuristic: best live sum divided by the
 * current length^length_penalty); or at max_new_tokens, where the live
 * beams are finalised as they stand.
 *
 * Greedy: num_beams 1 and no sampling.  Sampling: num_beams 1, temperature
 * and top-p (nucleus) applied to the softmax, drawn from the counter-based
 * RNG (core/rng.h; stream: the question's index in the call) so a seed
 * gives the same programs on every backend.
 *
 * Step-wise verification: when a candidate's new token ends a line (the
 * caller's line_end table says which ids contain '\n'), the scorer is asked
 * about the program so far; it may drop the candidate or adjust its score
 * (log domain, added to the beam's running sum).  Scored candidates are
 * ranked again before the k beams are kept; with a scorer the loop looks
 * at the best 4k+8 continuations, not 2k, so dropped ones are replaced.
 * Eos candidates are scored too (finished 1).  Greedy and sampling with a
 * scorer take the best surviving token, or draw again without the
 * dropped one. */
#ifndef PAD_DECODE_BEAM_H
#define PAD_DECODE_BEAM_H

#include <stdint.h>

#include "core/error.h"
#include "model/model.h"

/* Judges a partial program.  `tokens` (len ids) is the generated text so
 * far of one candidate of question q, cut after a line end (or ended by
 * eos when finished is 1).  Sets *drop to 1 to remove the candidate, or
 * *adjust to a value added to its log-probability sum. */
typedef struct beam_scorer {
    void *ctx;
    pad_status (*score)(void *ctx, int q, const int32_t *tokens, int len, int finished,
                        int *drop, float *adjust, pad_error *err);
} beam_scorer;

typedef struct beam_options {
    int num_beams;          /* 1: greedy or sampling */
    int num_return;         /* hypotheses kept per question, 1..num_beams */
    int max_new_tokens;     /* eos included */
    float length_penalty;   /* exponent of the length in the score (HF: 1.0) */
    int early_stopping;     /* HF's early_stopping: 1 true, 0 false */
    int do_sample;          /* num_beams 1 only */
    float temperature;      /* > 0 */
    float top_p;            /* (0, 1]; 1 keeps the whole distribution */
    uint64_t seed;
    int32_t eos_id;         /* -1: the model config's */
    const uint8_t *line_end;/* [vocab] 1 where the token ends a line; NULL: none */
    const beam_scorer *scorer; /* NULL: plain beam search */
} beam_options;

void beam_options_default(beam_options *o); /* greedy, 1 return, 128 tokens, lp 1, es 0, T 1, p 1 */

/* One finished hypothesis. */
typedef struct beam_hyp {
    int32_t *tokens;        /* malloc'd; eos last when it produced one */
    int len;
    float score;            /* the ranking score (length-normalised, adjusted) */
    double logprob;         /* sum of the token log-probabilities, unadjusted */
    int finished;           /* 1: ended by eos; 0: cut at max_new_tokens */
} beam_hyp;

/* Per question, its hypotheses best first (count <= num_return). */
typedef struct beam_result {
    int B;
    int *count;
    beam_hyp **hyps;        /* hyps[q][0 .. count[q]-1] */
    long generated_tokens;  /* tokens fed to the model over all rows */
    int steps;
} beam_result;

void beam_result_free(beam_result *r);

/* Decodes B prompts (T5 sources or GPT-2 prompts) together.  The model runs
 * in evaluation mode (its flag is restored).  A question's result does not
 * depend on the others in the batch. */
pad_status beam_generate(pad_model *m, int B, const int32_t *const *prompts,
                         const int *prompt_len, const beam_options *o, beam_result *out,
                         pad_error *err);

#endif
