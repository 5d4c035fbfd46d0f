#include "train/optimizer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t stat_bytes(const pad_adamw *opt) { return opt->n * pad_dtype_size(opt->be->stat_dtype); }

/* The master copy starts as the parameters, widened to the stat dtype. */
static pad_status init_master(pad_adamw *opt, pad_model *model, pad_error *err)
{
    pad_status st = opt->be->ops->alloc(opt->be, stat_bytes(opt), &opt->master, err);
    if (st) return st;
    float *host = malloc(model->params.buffer_numel * sizeof *host);
    void *wide = malloc(stat_bytes(opt));
    if (!host || !wide) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory for master weights");
    if (!st) st = pad_model_get_params(model, host, err);
    if (!st) {
        pad_convert(wide, opt->be->stat_dtype, host + opt->begin, PAD_F32, opt->n);
        opt->be->ops->upload(opt->be, opt->master, wide, stat_bytes(opt));
    }
    free(host);
    free(wide);
    return st;
}

pad_status pad_adamw_init(pad_adamw *opt, pad_model *model, float weight_decay, pad_error *err)
{
    return pad_adamw_init_shard(opt, model, weight_decay, 0, 1, err);
}

pad_status pad_adamw_init_shard(pad_adamw *opt, pad_model *model, float weight_decay, int shard,
                                int shards, pad_error *err)
{
    memset(opt, 0, sizeof *opt);
    opt->be = model->be;
    opt->shard = shard;
    opt->shards = shards;
    pad_dist_slice(model->params.buffer_numel, shard, shards, &opt->begin, &opt->n);
    opt->beta1 = 0.9f;
    opt->beta2 = 0.999f;
    opt->eps = 1e-8f;
    opt->weight_decay = weight_decay;
    pad_backend *be = opt->be;
    pad_status st = be->ops->alloc(be, stat_bytes(opt), &opt->m, err);
    if (!st) st = be->ops->alloc(be, stat_bytes(opt), &opt->v, err);
    if (!st && be->act_dtype != be->stat_dtype) st = init_master(opt, model, err);
    if (st) {
        pad_adamw_free(opt);
        return st;
    }
    be->ops->zero(be, opt->m, stat_bytes(opt));
    be->ops->zero(be, opt->v, stat_bytes(opt));
    return PAD_OK;
}

void pad_adamw_free(pad_adamw *opt)
{
    if (!opt->be) return;
    if (opt->m) opt->be->ops->free(opt->be, opt->m);
    if (opt->v) opt->be->ops->free(opt->be, opt->v);
    if (opt->master) opt->be->ops->free(opt->be, opt->master);
    memset(opt, 0, sizeof *opt);
}

pad_status pad_adamw_step(pad_adamw *opt, pad_model *model, float lr, pad_error *err)
{
    pad_backend *be = opt->be;
    size_t act = pad_dtype_size(be->act_dtype), stat = pad_dtype_size(be->stat_dtype);
    pad_adamw_hparams h = {lr, opt->beta1, opt->beta2, opt->eps, 0.0f, ++opt->step};
    size_t lo = opt->begin, hi = opt->begin + opt->n;
    for (int i = 0; i < model->params.count; i++) {
        const pad_param *p = &model->params.items[i];
        /* the part of this parameter inside the owned slice */
        size_t off = p->offset > lo ? p->offset : lo;
        size_t end = p->offset + (size_t)pad_param_numel(p);
        if (end > hi) end = hi;
        if (off >= end) continue;
        size_t s = off - lo; /* index into the state buffers */
        h.weight_decay = p->decay ? opt->weight_decay : 0.0f;
        be->ops->adamw(be, (char *)model->param_buf + off * act,
                       opt->master ? (char *)opt->master + s * stat : NULL,
                       (char *)model->grad_buf + off * act, (char *)opt->m + s * stat,
                       (char *)opt->v + s * stat, end - off, &h);
    }
    return be->ops->sync(be, err);
}

pad_status pad_clip_grad_norm(pad_model *model, float max_norm, double *norm, pad_error *err)
{
    /* the alignment gaps between views hold zeros, so one pass over the
     * whole buffer is the global norm */
    return pad_clip_grad_norm_slices(model, 0, model->params.buffer_numel, NULL, max_norm, norm, err);
}

pad_status pad_clip_grad_norm_slices(pad_model *model, size_t begin, size_t n, pad_dist *dist,
                                     float max_norm, double *norm, pad_error *err)
{
    pad_backend *be = model->be;
    void *sumsq;
    pad_status st = be->ops->alloc(be, pad_dtype_size(be->stat_dtype), &sumsq, err);
    if (st) return st;
    void *grads = (char *)model->grad_buf + begin * pad_dtype_size(be->act_dtype);
    be->ops->sum_squares(be, sumsq, grads, n);
    double total;
    pad_backend_read_stats(be, &total, sumsq, 1);
    be->ops->free(be, sumsq);
    st = pad_dist_reduce_scalars(dist, &total, 1, PAD_DIST_SUM, err);
    if (st) return st;
    *norm = sqrt(total);
    if (max_norm > 0 && *norm + 1e-6 > max_norm) {
        float coef = (float)(max_norm / (*norm + 1e-6));
        be->ops->scale(be, grads, grads, coef, n);
    }
    return be->ops->sync(be, err);
}
