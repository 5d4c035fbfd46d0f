/* pad: incremental decoding with KV caches, for both model families.
 *
 * A decoder holds `rows` sequences being extended one token per step.  Rows
 * come in groups of `beams` consecutive rows per live source (question):
 * rows g*beams .. g*beams+beams-1 belong to the g-th live source.
 *
 *   T5:    the encoder runs once per source at begin(), and every decoder
 *          layer's cross-attention keys and values are projected from its
 *          output once per source; the source's beams share them (the
 *          cross-attention runs with the beams as that source's queries).
 *   GPT-2: the prompts run once at begin() (prefill, left-aligned by
 *          padding so that every row steps in lockstep); their keys and
 *          values are copied to each of the source's rows.
 *
 * Each step feeds one token per row and returns the scores of the next.
 * Self-attention keys and values are cached per row and grow by one
 * position per step.  Between steps the caller may reorder rows: new row r
 * continues the history of old row parent[r] (beam search keeps good beams,
 * drops others, duplicates some; greedy drops finished rows).  Reordering is
 * a gather by index on the backend (copy_rows), limited to the positions
 * filled so far, and skipped when parent is the identity.
 *
 * Evaluation mode only: no dropout, nothing kept for a backward pass.  The
 * cached logits equal those of a full forward pass over the same tokens
 * (tests/unit/test_decoder.c checks every step, both families). */
#ifndef PAD_MODEL_DECODER_H
#define PAD_MODEL_DECODER_H

#include <stdint.h>

#include "core/error.h"
#include "model/model.h"

typedef struct pad_decoder pad_decoder;

/* Starts decoding B sources (src[i], src_len[i] >= 1 ids: the T5 encoder
 * input or the GPT-2 prompt) with `beams` rows each, for at most
 * max_new_tokens steps.  GPT-2: src_len[i] + max_new_tokens may exceed
 * n_positions; step() then fails once a row would pass it, so callers bound
 * max_new_tokens by pad_decoder_max_steps().  The model is borrowed and must
 * not change while the decoder lives. */
pad_status pad_decoder_begin(pad_model *m, int B, const int32_t *const *src, const int *src_len,
                             int beams, int max_new_tokens, pad_decoder **out, pad_error *err);
void pad_decoder_free(pad_decoder *d);

int pad_decoder_rows(const pad_decoder *d);      /* live rows now */
int pad_decoder_beams(const pad_decoder *d);
int pad_decoder_vocab(const pad_decoder *d);
/* step() calls so far (0 after begin); each gives the scores of one new
 * token, so at most max_new_tokens of them. */
int pad_decoder_steps(const pad_decoder *d);
/* How many step() calls can still be made (max_new_tokens; for GPT-2 also
 * n_positions: call k >= 1 feeds position src_len + k - 1 of every live
 * row, so the longest live prompt decides). */
int pad_decoder_max_steps(const pad_decoder *d);
/* The source (0..B-1, as given to begin) of live row r. */
int pad_decoder_source_of(const pad_decoder *d, int r);

/* First call (steps == 0): parent and tokens must be NULL and n_rows equal
 * to B*beams; T5 feeds decoder_start_token_id to every row, GPT-2 returns
 * the scores after the prompt.  Later calls: n_rows (a multiple of beams,
 * at most the live rows) new rows, row r continuing old row parent[r]
 * (NULL: the identity, n_rows == live rows) and taking tokens[r].  The
 * parents of one group of beams must all belong to the same source, and
 * groups stay in source order.  logits: [n_rows, vocab] host floats. */
pad_status pad_decoder_step(pad_decoder *d, int n_rows, const int32_t *parent,
                            const int32_t *tokens, float *logits, pad_error *err);

#endif
