/* pad: the beam search loop apart from the model, for beam.c and tests.
 *
 * The loop only needs "give me the next-token scores of these rows": a
 * beam_source.  beam.c wraps a pad_decoder in one; unit tests wrap a fake
 * deterministic scorer, so every rule of the search (candidates, finished
 * hypotheses, early stopping, sampling, scorers) is tested without a model.
 *
 * Rows follow the decoder's contract (model/decoder.h): num_beams
 * consecutive rows per live question, questions in order, and a question
 * leaves the batch (its rows are no longer asked for) once it is done. */
#ifndef PAD_DECODE_BEAM_INTERNAL_H
#define PAD_DECODE_BEAM_INTERNAL_H

#include <stdint.h>

#include "decode/beam.h"

typedef struct beam_source {
    void *ctx;
    /* As pad_decoder_step: first call parent == tokens == NULL and n_rows
     * all rows; later new row r continues old row parent[r] with tokens[r].
     * logits: [n_rows, vocab]. */
    pad_status (*step)(void *ctx, int n_rows, const int32_t *parent, const int32_t *tokens,
                       float *logits, pad_error *err);
} beam_source;

/* Runs the search for B questions over a vocabulary of `vocab` ids, at most
 * max_steps tokens each, eos `eos` (o->eos_id is ignored here), and fills
 * `out` (free with beam_result_free, also after a failure). */
pad_status beam_run(const beam_source *src, int B, int vocab, int32_t eos, int max_steps,
                    const beam_options *o, beam_result *out, pad_error *err);

/* ---- per-step helpers (beam_select.c) ---- */

/* One continuation: beam `beam` of its question extended by `token`.
 * sum is the float running sum HF ranks by (scorer adjustments included);
 * raw the plain log-probability sum in double. */
typedef struct beam_cand {
    float sum;
    double raw;
    int beam;
    int32_t token;
} beam_cand;

/* In place: x[0..n) = log_softmax(x), max-subtracted, sum in double. */
void beam_log_softmax(float *x, int n);

/* The `want` best continuations of `k` beams (lp [k, vocab] log-probs,
 * sums[b] their running sums; beams with sum -INFINITY are dead and give
 * none), best first, ties to the lower flat index.  Returns how many. */
int beam_top_candidates(const float *lp, int k, int vocab, const float *sums, const double *raws,
                        int want, beam_cand *out);

/* Scratch for sampling: one probability per token. */
typedef struct beam_prob {
    double p;
    int32_t id;
} beam_prob;

/* Draws one token from softmax(logits / temperature) cut to its top-p
 * nucleus (the fewest most likely tokens whose mass reaches top_p), with
 * the uniform number u in [0, 1).  `excluded` (NULL or [vocab] flags)
 * removes tokens first; returns -1 when none is left.  work: [vocab]. */
int32_t beam_sample_token(const float *logits, int vocab, float temperature, float top_p, float u,
                          const uint8_t *excluded, beam_prob *work);

/* HF's ranking score of a hypothesis of `len` generated tokens. */
float beam_length_score(float sum, int len, float length_penalty);

/* A question's finished hypotheses, best first, at most `cap`. */
typedef struct beam_finished {
    beam_hyp *hyps;
    int count, cap;
} beam_finished;

/* Offers a hypothesis (tokens copied); kept when there is room or it beats
 * the worst (which is then freed).  Equal scores keep the older one first. */
pad_status beam_finished_offer(beam_finished *f, const int32_t *tokens, int len, float score,
                               double logprob, int finished, pad_error *err);
void beam_finished_free(beam_finished *f);

#endif
