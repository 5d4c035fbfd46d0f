/* pad: GPT-2 training batches from sequence-to-sequence ones.
 *
 * A decoder-only model sees prompt and program as one sequence; only the
 * program's tokens (its eos included) carry a loss. */
#ifndef PAD_TRAIN_BATCH_GPT2_H
#define PAD_TRAIN_BATCH_GPT2_H

#include <stdint.h>

#include "core/error.h"
#include "data/loader.h"
#include "model/model.h"

typedef struct pad_gpt2_batch {
    int B, T, cap;
    int32_t *ids, *mask, *labels;   /* [B, T] */
} pad_gpt2_batch;

/* Row r = the source's tokens, then the target's, right-padded with pad_id;
 * labels = the token at program positions, PAD_IGNORE_INDEX on the prompt
 * and padding.  Rows longer than max_len (the model's n_positions) lose the
 * end of their program.  The buffers grow as needed. */
pad_status pad_gpt2_pack(const pad_loader_batch *in, int max_len, int32_t pad_id,
                         pad_gpt2_batch *out, pad_error *err);
void pad_gpt2_batch_free(pad_gpt2_batch *b);
/* The model's view of a packed batch. */
pad_batch pad_gpt2_as_batch(const pad_gpt2_batch *b);

#endif
