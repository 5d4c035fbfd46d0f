/* pad: the training loop, backend-agnostic.
 *
 * Drives a model that the caller created (on any backend) through AdamW with
 * warmup and decay, gradient accumulation, clipping, periodic validation
 * loss with early stopping, checkpoints and exact resume.  It prints
 * nothing: progress goes to a callback (train/progress.h has the CLI's
 * printer) and, with a run directory, to RUN_DIR/metrics.jsonl.
 *
 * Data parallelism (o->dist with a world above one): every rank runs this
 * same loop on its share of each step's batches (the loader's rank split);
 * the token-weighted gradient mean over all ranks is what gets clipped and
 * applied, so N ranks with batch B take the steps one process takes with
 * batch B and grad_accum N.  With o->overlap, the last micro-batch's
 * backward pass starts reducing each layer's gradients as soon as they are
 * final (pad_model's grads_ready hook, pad_dist_grads_*), each rank's
 * scaled by its own token count; the sum is divided by the step's tokens
 * after the wait.  Rank 0 alone writes metrics (with the bytes reduced and
 * the seconds waited for them), reports progress and saves models;
 * checkpoints are written by all (train/checkpoint.h).
 *
 * Batches: T5 takes the loader's batch as is (source -> target ending in
 * eos); GPT-2 takes prompt and program concatenated, the loss on the program
 * only (train/batch_gpt2.h). */
#ifndef PAD_TRAIN_TRAINER_H
#define PAD_TRAIN_TRAINER_H

#include <stdint.h>

#include "core/error.h"
#include "data/loader.h"
#include "dist/dist.h"
#include "model/model.h"
#include "train/schedule.h"

/* What a progress callback sees: after a training step (is_eval 0) or after
 * a validation pass (is_eval 1, val_loss set). */
typedef struct pad_train_report {
    int64_t step, total;         /* 1-based step just done, of total */
    int is_eval;
    double loss;                 /* token-weighted mean over the step's micro-batches */
    double grad_norm;            /* before clipping */
    float lr;
    double tokens_per_s;         /* real (unpadded) tokens, since the last report */
    double eta_s;
    double val_loss, best_val_loss;
    int bad_evals;               /* evaluations without improvement */
    /* data parallelism (a world above one; else 0): the gradient bytes this
     * rank reduced, and the seconds it then waited for them, the
     * communication that the backward pass did not hide */
    double comm_bytes, comm_wait_s;
} pad_train_report;

typedef void (*pad_train_progress_fn)(void *ctx, const pad_train_report *r);

typedef struct pad_train_options {
    pad_loader_config data;      /* training set; data.resume is set by the trainer */
    const char *val_dir;         /* validation shards (same kind/tokenizer); NULL: none */
    int64_t total_steps;         /* optimizer steps; 0: epochs x steps per epoch */
    int epochs;
    int grad_accum;              /* micro-batches per optimizer step */
    float lr;
    int warmup_steps;
    pad_decay decay;
    float clip;                  /* max gradient norm; <= 0: none */
    float weight_decay;
    int dropout;                 /* 1: model->training during training steps */
    float label_smoothing;       /* training loss only; validation loss stays plain */
    uint64_t seed;               /* the dropout stream */
    int eval_every;              /* steps between validations, and the last step; 0: none */
    int patience;                /* stop after this many validations without a new best; 0: never */
    int checkpoint_every;        /* 0: only at the end (and on interrupt) */
    int keep_checkpoints;        /* keep the newest k complete ones; 0: all */
    int log_every;               /* steps between progress reports */
    const char *run_dir;         /* checkpoints/ and metrics.jsonl; NULL: neither */
    const char *recipe_hash;     /* recorded; a resume from another recipe is refused */
    int resume;                  /* continue from the newest complete checkpoint, if any */
    int save_best;               /* write RUN_DIR/best (a Hugging Face dir) on each new best */
    int32_t gpt2_pad_id;         /* GPT-2 padding token (its eos, as usual) */
    pad_train_progress_fn progress;
    void *progress_ctx;
    pad_dist *dist;              /* data-parallel ranks; NULL: this process alone.
                                  * Sets data.rank and data.world. */
    int zero;                    /* 1: ZeRO-1 (optimizer state sharded over the ranks) */
    int overlap;                 /* 1: reduce each layer's gradients while the backward pass
                                  * goes on; 0: the whole buffer after it */
} pad_train_options;

typedef struct pad_train_result {
    int64_t steps_done;
    int64_t resumed_from;        /* step of the checkpoint resumed, 0: fresh start */
    int interrupted;             /* stopped by SIGINT/SIGTERM after a checkpoint */
    int stopped_early;           /* patience ran out */
    double last_loss;
    double best_val_loss;        /* INFINITY without validation */
    int64_t best_step;
    char checkpoint[1024];       /* the last checkpoint written, "" when none */
} pad_train_result;

/* lr 1e-3, 1 epoch, grad_accum 1, warmup 0, linear decay, clip 1, weight
 * decay 0.01, dropout on, log_every 10, keep 3, resume on, eval off,
 * overlap on. */
void pad_train_options_default(pad_train_options *o);

pad_status pad_train(pad_model *m, const pad_train_options *o, pad_train_result *res,
                     pad_error *err);

/* One accumulated gradient: forward/backward over `n` micro-batches, leaving
 * in the model's grads d(mean loss over all their target tokens)/d(params),
 * the same as one batch holding them all (each micro-batch's gradient is
 * weighted by its share of the tokens).  *loss gets that mean loss.
 * Gradients are zeroed first. */
pad_status pad_train_accumulate(pad_model *m, const pad_batch *micro, int n, double *loss,
                                pad_error *err);

/* Mean loss over one pass of a shard set, dropout off, weighted by tokens. */
pad_status pad_train_eval_loss(pad_model *m, const pad_loader_config *data, int32_t gpt2_pad_id,
                               double *loss, pad_error *err);

#endif
