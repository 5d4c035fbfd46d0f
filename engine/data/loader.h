/* pad: the training data loader.
 *
 * Opens a shard directory through its manifest.json, validates every shard
 * (format, kind, tokenizer hash, vocabulary, datasets, offsets, byte size,
 * optionally the SHA-256), keeps the token columns in memory and hands out
 * padded batches.
 *
 * An epoch's batches are a pure function of (seed, epoch, rank, world):
 *   1. a permutation of all examples (across and within shards), drawn from
 *      the counter-based stream (seed, epoch);
 *   2. length bucketing: windows of `bucket_batches` batches' worth of the
 *      shuffled examples are sorted by length and cut into batches (a fixed
 *      number of examples, or as many as fit a padded-token budget);
 *   3. the epoch's batches are shuffled and, when their count is not a
 *      multiple of `world`, the largest are split in two until it is;
 *   4. rank r takes batches r, r + world, ...: the ranks see disjoint
 *      examples that together cover the epoch, in equally many batches.
 * So a position (epoch, batch) plus the seed is all a checkpoint needs to
 * resume exactly.  A background thread fills a bounded queue of batches. */
#ifndef PAD_DATA_LOADER_H
#define PAD_DATA_LOADER_H

#include <stdint.h>

#include "core/error.h"

/* Labels at padding positions; equals PAD_IGNORE_INDEX of model/model.h (the
 * data room does not include model headers; test_loader checks they agree). */
#define PAD_LOADER_IGNORE (-100)

typedef struct pad_loader_position {
    uint64_t seed;
    int64_t epoch;
    int64_t batch;  /* index of the next batch within the epoch, for this rank */
} pad_loader_position;

typedef struct pad_loader_config {
    const char *dir;            /* holds manifest.json and the shards */
    /* What the shards must match (NULL / 0: not checked). */
    const char *kind;
    const char *tokenizer_hash;
    int64_t vocab_size;
    int32_t pad_id;             /* fills padded source/target ids */
    uint64_t seed;
    int batch_size;             /* examples per batch when token_budget is 0 */
    int64_t token_budget;       /* else: B * (max source + max target len) <= budget */
    int bucket_batches;         /* bucketing window in batches; <= 1: none */
    int rank, world;            /* world >= 1, 0 <= rank < world */
    int prefetch;               /* queued batches; 0: built on the caller's thread */
    int verify_checksums;       /* hash every shard against the manifest */
    const pad_loader_position *resume; /* NULL: epoch 0, batch 0 */
} pad_loader_config;

/* Sensible defaults: batch_size 32, bucket_batches 100, world 1, prefetch 4,
 * checksums on. */
void pad_loader_config_default(pad_loader_config *c);

/* One batch, row-major host arrays, valid until the next pad_loader_next or
 * pad_loader_close.  labels are the target tokens (eos last, as the shard
 * stores them) with PAD_LOADER_IGNORE at padding; decoder inputs are left to
 * the model (labels shifted right). */
typedef struct pad_loader_batch {
    int B, T_src, T_tgt;
    int32_t *src_ids, *src_mask;    /* [B, T_src] */
    int32_t *labels, *tgt_mask;     /* [B, T_tgt] */
    int64_t *example;               /* [B] global example index (manifest order) */
    int64_t real_tokens, padded_tokens; /* source + target, without / with padding */
    int64_t epoch, index;           /* this batch's position */
} pad_loader_batch;

typedef struct pad_loader pad_loader;

pad_status pad_loader_open(const pad_loader_config *cfg, pad_loader **out, pad_error *err);
/* Stops the prefetch thread and frees everything. */
void pad_loader_close(pad_loader *l);

/* The next batch of this rank (epochs follow one another forever). */
pad_status pad_loader_next(pad_loader *l, const pad_loader_batch **batch, pad_error *err);
/* Where the next pad_loader_next will resume: what a checkpoint saves. */
pad_loader_position pad_loader_tell(const pad_loader *l);

int64_t pad_loader_examples(const pad_loader *l);       /* in the whole set */
int64_t pad_loader_batches_per_epoch(const pad_loader *l); /* for this rank */
/* Token lengths of a global example (as stored, eos included). */
void pad_loader_lengths(const pad_loader *l, int64_t example, int64_t *src, int64_t *tgt);
/* Padding fraction of the batches handed out so far: 1 - real / padded. */
double pad_loader_padding_fraction(const pad_loader *l);

#endif
