/* pad: AdamW over a model's parameter buffer, and gradient-norm clipping.
 *
 * The optimizer owns its moment buffers (and, when the backend keeps
 * parameters in a narrower dtype than its statistics, an fp32 master copy of
 * the parameters, which the update is applied to). */
#ifndef PAD_TRAIN_OPTIMIZER_H
#define PAD_TRAIN_OPTIMIZER_H

#include "dist/dist.h"
#include "model/model.h"

typedef struct pad_adamw {
    pad_backend *be;       /* borrowed */
    size_t begin, n;       /* the elements of the model's parameter buffer it owns:
                            * all of them, or one rank's slice under ZeRO-1 */
    int shard, shards;     /* which slice of how many (0 of 1: not sharded) */
    void *m, *v;           /* stat dtype */
    void *master;          /* stat dtype, NULL when params already are */
    int step;              /* updates done */
    float beta1, beta2, eps, weight_decay;
} pad_adamw;

/* torch.optim.AdamW's defaults for betas and eps; weight decay as given. */
pad_status pad_adamw_init(pad_adamw *opt, pad_model *model, float weight_decay, pad_error *err);
/* ZeRO-1: state for slice `shard` of `shards` (dist/dist.h pad_dist_slice)
 * only; its step updates only the parameters in that slice. */
pad_status pad_adamw_init_shard(pad_adamw *opt, pad_model *model, float weight_decay, int shard,
                                int shards, pad_error *err);
void pad_adamw_free(pad_adamw *opt);
/* One update with learning rate lr.  Weight decay applies only to the
 * parameters the model marks (matrices), as is usual for transformers. */
pad_status pad_adamw_step(pad_adamw *opt, pad_model *model, float lr, pad_error *err);

/* As torch.nn.utils.clip_grad_norm_: returns the global L2 norm of all
 * gradients in *norm and scales them by max_norm / (norm + 1e-6) when that
 * is below 1.  max_norm <= 0 only measures. */
pad_status pad_clip_grad_norm(pad_model *model, float max_norm, double *norm, pad_error *err);
/* The same over the gradient elements [begin, begin + n) of every rank of
 * `dist` (each rank passing its own slice; NULL: this process alone): the
 * norm is global, and each rank scales only its slice. */
pad_status pad_clip_grad_norm_slices(pad_model *model, size_t begin, size_t n, pad_dist *dist,
                                     float max_norm, double *norm, pad_error *err);

#endif
