/* pad: training checkpoints with exact resume.
 *
 * RUN_DIR/checkpoints/step-000123/ holds
 *   config.json, generation_config.json, model.safetensors  (a Hugging Face
 *       directory, F32, so any checkpoint can be exported or evaluated as is)
 *   optimizer.safetensors  (adamw.m, adamw.v and adamw.master when the
 *       backend keeps one, in the backend's stat dtype, so they round-trip
 *       exactly; the update count in the metadata); with a sharded optimizer
 *       (ZeRO-1) one optimizer.rank-00003.safetensors per rank instead, each
 *       holding that rank's slice
 *   manifest.json  (written last: step, loader position, dropout stream,
 *       early-stopping state, recipe hash, world size, optimizer shards, and
 *       every file with its size).
 * In a data-parallel run rank 0 writes the model and the manifest, each rank
 * its optimizer shard, and the ranks agree after each part: a rank that
 * fails or dies leaves the .tmp directory unpublished.
 * Files are written atomically into step-000123.tmp/, which is renamed once
 * the manifest is in it: a checkpoint is complete when its manifest parses
 * and every file it lists has the recorded size.  Older checkpoints are
 * deleted only after the new one is complete. */
#ifndef PAD_TRAIN_CHECKPOINT_H
#define PAD_TRAIN_CHECKPOINT_H

#include <stdint.h>

#include "core/error.h"
#include "data/loader.h"
#include "dist/dist.h"
#include "model/model.h"
#include "train/optimizer.h"

#define PAD_CHECKPOINT_DIR "checkpoints"
#define PAD_CHECKPOINT_MANIFEST "manifest.json"
#define PAD_CHECKPOINT_OPTIMIZER "optimizer.safetensors"

/* Everything besides tensors that a resumed run needs to continue exactly. */
typedef struct pad_checkpoint_state {
    int64_t step;                 /* optimizer steps done */
    pad_loader_position loader;   /* the next training batch */
    uint64_t dropout_seed, dropout_step;
    double best_val_loss;         /* INFINITY before the first evaluation */
    int64_t best_step;
    int bad_evals;                /* evaluations since the best one */
    int64_t metrics_bytes;        /* metrics.jsonl size at this step */
    char recipe_hash[128];
    int world_size;               /* ranks that trained it (1 for older checkpoints) */
    int optimizer_shards;         /* 1, or world_size under ZeRO-1 */
} pad_checkpoint_state;

/* Writes RUN_DIR/checkpoints/step-N (N = s->step), then deletes all but the
 * newest `keep` complete checkpoints (keep <= 0: keeps all).  On failure the
 * error names the path that could not be written and earlier checkpoints are
 * untouched.  *path_out (may be NULL) gets the new directory, malloc'd. */
pad_status pad_checkpoint_save(const char *run_dir, pad_model *m, const pad_adamw *opt,
                               const pad_checkpoint_state *s, int keep, char **path_out,
                               pad_error *err);

/* The same from every rank of `dist` (NULL: one process), which must all
 * call it.  The manifest records the world size. */
pad_status pad_checkpoint_save_dist(const char *run_dir, pad_model *m, const pad_adamw *opt,
                                    const pad_checkpoint_state *s, int keep, pad_dist *dist,
                                    char **path_out, pad_error *err);

/* 1 when DIR is a complete checkpoint (manifest parses, files as listed). */
int pad_checkpoint_is_complete(const char *dir);

/* The newest complete checkpoint of RUN_DIR in *path_out (malloc'd), or
 * NULL when there is none; newer incomplete ones are skipped with a warning
 * and counted in *skipped (may be NULL). */
pad_status pad_checkpoint_find_latest(const char *run_dir, char **path_out, int *skipped,
                                      pad_error *err);

/* Loads a checkpoint into an existing model and optimizer of the same
 * shape.  A recipe hash other than `expect_hash` (when not NULL) is refused
 * before anything is changed. */
pad_status pad_checkpoint_load(const char *dir, pad_model *m, pad_adamw *opt,
                               pad_checkpoint_state *s, const char *expect_hash, pad_error *err);
/* The same on one rank of a world of `world` ranks: a checkpoint written by
 * another number of ranks, or with the optimizer sharded otherwise than
 * `opt`, is refused (before the recipe hash is compared) with the numbers to
 * use.  Each rank reads the model and its own optimizer file. */
pad_status pad_checkpoint_load_dist(const char *dir, pad_model *m, pad_adamw *opt,
                                    pad_checkpoint_state *s, const char *expect_hash, int world,
                                    pad_error *err);

#endif
