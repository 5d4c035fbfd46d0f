/* pad: batched greedy decoding.
 *
 * Decoding is split in two so that beam search can reuse the first half:
 *   decode_next_logits   the model's scores for the next token of B
 *                        sequences (any mix of lengths), one forward pass;
 *   greedy_generate      the loop: keeps the live rows, asks for their
 *                        logits, takes the argmax, stops rows at eos or the
 *                        token limit.
 * decode_next_logits runs the whole model over the whole sequence so far
 * (the reference the incremental decoder is tested against);
 * greedy_generate steps a pad_decoder (model/decoder.h), which caches keys
 * and values, so each token costs one position's work. */
#ifndef PAD_DECODE_GREEDY_H
#define PAD_DECODE_GREEDY_H

#include <stdint.h>

#include "core/error.h"
#include "model/model.h"

/* B sequences to score.  Row i is src[i] (src_len[i] ids) followed by the
 * gen_len[i] ids generated so far (gen[i], NULL when gen_len[i] is 0).
 * T5: src is the encoder input; the decoder reads decoder_start_token_id
 * then gen.  GPT-2: src is the prompt and gen continues it. */
typedef struct decode_rows {
    int B;
    const int32_t *const *src;
    const int *src_len;     /* >= 1 each */
    const int32_t *const *gen;
    const int *gen_len;
} decode_rows;

/* One forward pass (padding on the right, masked) leaving in `logits`
 * [B, vocab] (host floats) the scores of each row's next token.  The model
 * must be in evaluation mode (m->training 0). */
pad_status decode_next_logits(pad_model *m, const decode_rows *rows, float *logits,
                              pad_error *err);

typedef struct greedy_options {
    int max_new_tokens;     /* per row, eos included */
    int32_t eos_id;         /* stops a row; -1: the config's eos_token_id */
} greedy_options;

void greedy_options_default(greedy_options *o); /* 128 new tokens, eos from the config */

/* Greedy continuation of B prompts.  out: [B, max_new_tokens] ids, row i's
 * first out_len[i] valid (its eos last when it produced one); the rest is
 * left untouched.  Rows decode together but never see each other: a row's
 * tokens are the same alone or in any batch.  GPT-2 rows also stop at
 * n_positions.  Runs the model in evaluation mode and restores its flag. */
pad_status greedy_generate(pad_model *m, int B, const int32_t *const *prompts,
                           const int *prompt_len, const greedy_options *o, int32_t *out,
                           int *out_len, pad_error *err);

#endif
