#include "train/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "io/fs.h"
#include "io/hf_checkpoint.h"
#include "train/batch_gpt2.h"
#include "train/checkpoint.h"
#include "train/optimizer.h"
#include "train/progress.h"
#include "train/signals.h"

void pad_train_options_default(pad_train_options *o)
{
    memset(o, 0, sizeof *o);
    pad_loader_config_default(&o->data);
    o->epochs = 1;
    o->grad_accum = 1;
    o->lr = 1e-3f;
    o->decay = PAD_DECAY_LINEAR;
    o->clip = 1.0f;
    o->weight_decay = 0.01f;
    o->dropout = 1;
    o->seed = 1337;
    o->log_every = 10;
    o->keep_checkpoints = 3;
    o->resume = 1;
    o->recipe_hash = "";
    o->overlap = 1;
}

/* ---- batches and accumulated gradients ---- */

/* Target tokens that carry a loss: what the model's mean is over. */
static double count_targets(const pad_model *m, const pad_batch *b)
{
    int T = m->config.arch == PAD_ARCH_T5 ? b->T_tgt : b->T_src;
    int first = m->config.arch == PAD_ARCH_T5 ? 0 : 1; /* GPT-2 shifts labels by one */
    double n = 0;
    for (int r = 0; r < b->B; r++)
        for (int t = first; t < T; t++) n += b->labels[(size_t)r * T + t] != PAD_IGNORE_INDEX;
    return n;
}

typedef struct accumulator {
    double tokens, loss_sum;
} accumulator;

/* The micro-batch whose backward pass hands each finished gradient range to
 * the reduction over the ranks (pad_model's grads_ready): the last of a step. */
typedef struct overlap_hook {
    pad_model *m;
    pad_dist *dist;
    double scale;  /* turns a finished range into this rank's token-weighted sum */
    int started;   /* ranges handed over */
} overlap_hook;

static pad_status grads_ready(void *ctx, size_t begin, size_t count, pad_error *err)
{
    overlap_hook *h = ctx;
    pad_backend *be = h->m->be;
    void *range = (char *)h->m->grad_buf + begin * pad_dtype_size(be->act_dtype);
    be->ops->scale(be, range, range, (float)h->scale, count);
    h->started++;
    return pad_dist_grads_start(h->dist, begin, count, err);
}

/* Backward ops accumulate d(this micro-batch's mean)/dθ unweighted, so the
 * running gradient is kept as a token-weighted mean: scaled up to this
 * micro-batch's weight before its backward pass, and back after.  With one
 * micro-batch no scaling happens at all.  A hooked micro-batch is not scaled
 * back: its hook makes each range the token-weighted sum instead (times n),
 * so that no rank needs the others' token counts before reducing. */
static pad_status accumulate(pad_model *m, accumulator *a, const pad_batch *b, overlap_hook *hook,
                             pad_error *err)
{
    double n = count_targets(m, b), loss;
    if (n == 0) return PAD_OK; /* nothing to learn from: its loss is NaN */
    pad_backend *be = m->be;
    size_t N = m->params.buffer_numel;
    pad_status st = pad_model_forward(m, b, &loss, err);
    if (st) return st;
    if (a->tokens > 0) be->ops->scale(be, m->grad_buf, m->grad_buf, (float)(a->tokens / n), N);
    if (hook) {
        hook->scale = n;
        m->grads_ready = grads_ready;
        m->grads_ready_ctx = hook;
    }
    st = pad_model_backward(m, err);
    m->grads_ready = NULL;
    m->grads_ready_ctx = NULL;
    if (st) return st;
    double total = a->tokens + n;
    if (a->tokens > 0 && !hook) be->ops->scale(be, m->grad_buf, m->grad_buf, (float)(n / total), N);
    a->tokens = total;
    a->loss_sum += loss * n;
    return be->ops->sync(be, err);
}

static double mean_loss(const accumulator *a) { return a->tokens > 0 ? a->loss_sum / a->tokens : NAN; }

pad_status pad_train_accumulate(pad_model *m, const pad_batch *micro, int n, double *loss,
                                pad_error *err)
{
    accumulator a = {0, 0};
    pad_model_zero_grad(m);
    for (int i = 0; i < n; i++) {
        pad_status st = accumulate(m, &a, &micro[i], NULL, err);
        if (st) return st;
    }
    *loss = mean_loss(&a);
    return PAD_OK;
}

/* The model's view of a loader batch (GPT-2's packed into `scratch`). */
static pad_status model_batch(pad_model *m, const pad_loader_batch *lb, int32_t gpt2_pad_id,
                              pad_gpt2_batch *scratch, pad_batch *out, pad_error *err)
{
    if (m->config.arch == PAD_ARCH_GPT2) {
        pad_status st = pad_gpt2_pack(lb, m->config.gpt2.n_positions, gpt2_pad_id, scratch, err);
        if (!st) *out = pad_gpt2_as_batch(scratch);
        return st;
    }
    pad_batch b = {.B = lb->B, .T_src = lb->T_src, .src_ids = lb->src_ids, .src_mask = lb->src_mask,
                   .T_tgt = lb->T_tgt, .tgt_mask = lb->tgt_mask, .labels = lb->labels};
    *out = b;
    return PAD_OK;
}

/* Loss and target-token sums over one pass of a shard set (this rank's
 * part of it, as data->rank and data->world say). */
static pad_status eval_sums(pad_model *m, const pad_loader_config *data, int32_t gpt2_pad_id,
                            double sums[2], pad_error *err)
{
    pad_loader_config c = *data;
    sums[0] = sums[1] = 0;
    c.resume = NULL; /* always the same pass, so resumed runs see the same numbers */
    c.prefetch = 0;
    pad_loader *l = NULL;
    pad_status st = pad_loader_open(&c, &l, err);
    if (st) return st;
    int training = m->training;
    m->training = 0;
    pad_gpt2_batch scratch = {0};
    double sum = 0, tokens = 0;
    for (int64_t i = 0, n = pad_loader_batches_per_epoch(l); !st && i < n; i++) {
        const pad_loader_batch *lb;
        pad_batch b;
        double part;
        st = pad_loader_next(l, &lb, err);
        if (!st) st = model_batch(m, lb, gpt2_pad_id, &scratch, &b, err);
        double count = st ? 0 : count_targets(m, &b);
        if (!st && count > 0) st = pad_model_forward(m, &b, &part, err);
        if (!st && count > 0) {
            sum += part * count;
            tokens += count;
        }
    }
    m->training = training;
    pad_gpt2_batch_free(&scratch);
    pad_loader_close(l);
    sums[0] = sum;
    sums[1] = tokens;
    return st;
}

pad_status pad_train_eval_loss(pad_model *m, const pad_loader_config *data, int32_t gpt2_pad_id,
                               double *loss, pad_error *err)
{
    double sums[2];
    pad_status st = eval_sums(m, data, gpt2_pad_id, sums, err);
    *loss = sums[1] > 0 ? sums[0] / sums[1] : NAN;
    return st;
}

/* ---- the run ---- */

typedef struct trainer {
    pad_model *m;
    const pad_train_options *o;
    pad_train_result *res;
    pad_adamw opt;
    pad_loader *loader;
    pad_metrics metrics;
    pad_gpt2_batch scratch;
    pad_checkpoint_state state;
    int64_t total;
    int rank, world, sharded;
    double t_start, t_report;
    int64_t step_start, tokens_report;
} trainer;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static pad_status check_options(const pad_train_options *o, pad_error *err)
{
    if (o->grad_accum < 1 || o->log_every < 1 || !(o->lr > 0) || o->warmup_steps < 0 ||
        o->total_steps < 0 || (o->total_steps == 0 && o->epochs < 1) || o->eval_every < 0 ||
        o->patience < 0 || o->checkpoint_every < 0 || o->keep_checkpoints < 0)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "training needs grad_accum, log_every >= 1, lr > 0, steps or epochs "
                             ">= 1, and no negative warmup, eval, patience or checkpoint counts");
    if (o->patience > 0 && (!o->eval_every || !o->val_dir))
        return pad_error_set(err, PAD_ERR_INVALID, "early stopping needs eval_every and a validation set");
    return PAD_OK;
}

static uint64_t rank_seed(uint64_t seed, int rank)
{
    return rank ? seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)rank) : seed;
}

/* Loads the newest complete checkpoint, if any; fills data.resume. */
static pad_status maybe_resume(trainer *t, pad_error *err)
{
    const pad_train_options *o = t->o;
    if (!o->resume || !o->run_dir) return PAD_OK;
    char *dir = NULL;
    pad_status st = pad_checkpoint_find_latest(o->run_dir, &dir, NULL, err);
    if (!st && dir) {
        st = pad_checkpoint_load_dist(dir, t->m, &t->opt, &t->state, o->recipe_hash, t->world, err);
        if (!st) {
            t->m->dropout_seed = rank_seed(t->state.dropout_seed, t->rank);
            t->m->dropout_step = t->state.dropout_step;
            t->res->resumed_from = t->state.step;
            snprintf(t->res->checkpoint, sizeof t->res->checkpoint, "%s", dir);
            pad_log_info("resuming from %s (step %lld)", dir, (long long)t->state.step);
        }
    }
    free(dir);
    return st;
}

/* Every rank starts from rank 0's parameters, whatever its own
 * initialization made: the others contribute zeros to a sum (exact). */
static pad_status share_params(trainer *t, pad_error *err)
{
    pad_model *m = t->m;
    pad_backend *be = m->be;
    if (t->rank) be->ops->zero(be, m->param_buf, m->params.buffer_numel * pad_dtype_size(be->act_dtype));
    pad_status st = pad_dist_allreduce_sum(t->o->dist, be, m->param_buf, m->params.buffer_numel, err);
    return st ? st : be->ops->sync(be, err);
}

static pad_status setup(trainer *t, pad_error *err)
{
    const pad_train_options *o = t->o;
    t->state.best_val_loss = INFINITY;
    snprintf(t->state.recipe_hash, sizeof t->state.recipe_hash, "%s", o->recipe_hash ? o->recipe_hash : "");
    t->rank = pad_dist_rank(o->dist);
    t->world = pad_dist_world(o->dist);
    t->sharded = o->zero && t->world > 1;
    /* ranks see other examples; their dropout masks should differ too */
    t->m->dropout_seed = rank_seed(o->seed, t->rank);
    t->m->dropout_step = 0;
    pad_status st = t->world > 1 ? share_params(t, err) : PAD_OK;
    if (!st) st = pad_adamw_init_shard(&t->opt, t->m, o->weight_decay, t->sharded ? t->rank : 0,
                                       t->sharded ? t->world : 1, err);
    if (!st) st = maybe_resume(t, err);
    pad_loader_config c = o->data;
    c.rank = t->rank;
    c.world = t->world;
    pad_loader_position pos = t->state.loader;
    if (t->res->resumed_from) c.resume = &pos;
    if (!st) st = pad_loader_open(&c, &t->loader, err);
    if (!st && o->run_dir && t->rank == 0)
        st = pad_metrics_open(&t->metrics, o->run_dir, t->res->resumed_from ? t->state.metrics_bytes : 0, err);
    st = pad_dist_agree(o->dist, st, "setting up training", err);
    if (st) return st;
    int64_t per_epoch = (pad_loader_batches_per_epoch(t->loader) + o->grad_accum - 1) / o->grad_accum;
    t->total = o->total_steps ? o->total_steps : (int64_t)o->epochs * per_epoch;
    if (t->total < 1) return pad_error_set(err, PAD_ERR_INVALID, "the training set makes no batch");
    return PAD_OK;
}

/* The token-weighted mean gradient over all ranks: each rank's mean scaled
 * by its share of the step's tokens, then summed (under ZeRO-1 only into
 * each rank's own slice).  The accumulator becomes the whole step's. */
static pad_status reduce_step(trainer *t, accumulator *a, int64_t *tokens, pad_train_report *r,
                              pad_error *err)
{
    pad_model *m = t->m;
    pad_backend *be = m->be;
    size_t N = m->params.buffer_numel;
    double v[3] = {a->tokens, a->loss_sum, (double)*tokens};
    pad_status st = pad_dist_reduce_scalars(t->o->dist, v, 3, PAD_DIST_SUM, err);
    if (st) return st;
    if (v[0] > 0 && a->tokens > 0) be->ops->scale(be, m->grad_buf, m->grad_buf, (float)(a->tokens / v[0]), N);
    double start = now_s();
    st = t->sharded ? pad_dist_reduce_scatter_sum(t->o->dist, be, m->grad_buf, N, err)
                    : pad_dist_allreduce_sum(t->o->dist, be, m->grad_buf, N, err);
    r->comm_wait_s = now_s() - start; /* nothing overlaps it */
    r->comm_bytes = (double)(N * pad_dtype_size(be->act_dtype));
    a->tokens = v[0];
    a->loss_sum = v[1];
    *tokens = (int64_t)v[2];
    return st;
}

/* The overlapped reduction's end: the ranges the backward pass started
 * hold token-weighted sums over the ranks once waited for, and become the
 * mean when divided by the step's tokens (a scalar reduction). */
static pad_status finish_overlap(trainer *t, accumulator *a, int64_t *tokens, overlap_hook *h,
                                 pad_train_report *r, pad_error *err)
{
    pad_model *m = t->m;
    pad_backend *be = m->be;
    size_t N = m->params.buffer_numel, es = pad_dtype_size(be->act_dtype);
    pad_status st = PAD_OK;
    if (!h->started) {
        /* the last micro-batch had no target, so accumulate installed no
         * hook: the buffer holds the mean over a->tokens, made a sum here */
        if (a->tokens > 0) be->ops->scale(be, m->grad_buf, m->grad_buf, (float)a->tokens, N);
        st = pad_dist_grads_start(t->o->dist, 0, N, err);
    }
    /* the scalars first: they wait for the slowest rank's backward pass,
     * so that the wait below times communication only, as reduce_step's */
    double v[3] = {a->tokens, a->loss_sum, (double)*tokens};
    if (!st) st = pad_dist_reduce_scalars(t->o->dist, v, 3, PAD_DIST_SUM, err);
    size_t bytes = 0;
    if (!st) st = pad_dist_grads_wait(t->o->dist, &r->comm_wait_s, &bytes, err);
    r->comm_bytes = (double)bytes;
    if (st) return st;
    /* only this rank's slice holds sums under ZeRO-1; opt's slice is that one */
    void *mine = (char *)m->grad_buf + t->opt.begin * es;
    if (v[0] > 0) be->ops->scale(be, mine, mine, (float)(1.0 / v[0]), t->opt.n);
    a->tokens = v[0];
    a->loss_sum = v[1];
    *tokens = (int64_t)v[2];
    return PAD_OK;
}

/* One optimizer step: grad_accum micro-batches, clipping, AdamW. */
static pad_status train_step(trainer *t, pad_train_report *r, pad_error *err)
{
    pad_model *m = t->m;
    accumulator a = {0, 0};
    int64_t tokens = 0;
    pad_model_zero_grad(m);
    m->training = t->o->dropout;
    m->label_smoothing = t->o->label_smoothing;
    /* earlier micro-batches only accumulate; the last one's backward pass
     * starts the reduction layer by layer */
    int overlap = t->world > 1 && t->o->overlap;
    overlap_hook hook = {.m = m, .dist = t->o->dist};
    pad_status st = overlap ? pad_dist_grads_begin(t->o->dist, m->be, m->grad_buf,
                                                   m->params.buffer_numel, t->sharded, err)
                            : PAD_OK;
    for (int i = 0; !st && i < t->o->grad_accum; i++) {
        const pad_loader_batch *lb;
        pad_batch b;
        int last = i == t->o->grad_accum - 1;
        st = pad_loader_next(t->loader, &lb, err);
        if (!st) tokens += lb->real_tokens;
        if (!st) st = model_batch(m, lb, t->o->gpt2_pad_id, &t->scratch, &b, err);
        if (!st) st = accumulate(m, &a, &b, overlap && last ? &hook : NULL, err);
    }
    m->training = 0;
    m->label_smoothing = 0;
    if (!st && overlap) st = finish_overlap(t, &a, &tokens, &hook, r, err);
    else if (!st && t->world > 1) st = reduce_step(t, &a, &tokens, r, err);
    t->tokens_report += tokens;
    r->loss = mean_loss(&a);
    r->lr = pad_lr_at(t->o->lr, (int)t->state.step, t->o->warmup_steps, (int)t->total, t->o->decay);
    /* unsharded, every rank holds the same averaged gradients and clips
     * them alike on its own; sharded, the norm is summed over the slices */
    if (!st) st = pad_clip_grad_norm_slices(m, t->opt.begin, t->opt.n, t->sharded ? t->o->dist : NULL,
                                            t->o->clip, &r->grad_norm, err);
    if (!st) st = pad_adamw_step(&t->opt, m, r->lr, err);
    if (!st && t->sharded) st = pad_dist_all_gather(t->o->dist, m->be, m->param_buf, m->params.buffer_numel, err);
    return st;
}

static pad_status report(trainer *t, pad_train_report *r, pad_error *err)
{
    r->step = t->state.step;
    r->total = t->total;
    r->best_val_loss = t->state.best_val_loss;
    r->bad_evals = t->state.bad_evals;
    if (!r->is_eval) {
        double now = now_s();
        r->tokens_per_s = now > t->t_report ? (double)t->tokens_report / (now - t->t_report) : 0;
        double per_step = (now - t->t_start) / (double)(r->step - t->step_start);
        r->eta_s = per_step * (double)(t->total - r->step);
        t->t_report = now;
        t->tokens_report = 0;
    }
    pad_status st = t->metrics.fp ? pad_metrics_append_report(&t->metrics, r, err) : PAD_OK;
    int due = r->is_eval || r->step % t->o->log_every == 0 || r->step == 1 || r->step == t->total;
    if (!st && due && t->o->progress && t->rank == 0) t->o->progress(t->o->progress_ctx, r);
    return st;
}

static pad_status save_best(trainer *t, pad_error *err)
{
    char *dir = pad_path_join(t->o->run_dir, "best");
    if (!dir) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_status st = hf_checkpoint_save(t->m, dir, PAD_F32, err);
    free(dir);
    return st;
}

static pad_status validate(trainer *t, pad_error *err)
{
    pad_loader_config c = t->o->data;
    c.dir = t->o->val_dir;
    c.rank = t->rank;
    c.world = t->world;
    pad_train_report r = {.is_eval = 1};
    double sums[2];
    pad_status st = eval_sums(t->m, &c, t->o->gpt2_pad_id, sums, err);
    if (!st) st = pad_dist_reduce_scalars(t->o->dist, sums, 2, PAD_DIST_SUM, err);
    if (st) return st;
    r.val_loss = sums[1] > 0 ? sums[0] / sums[1] : NAN;
    if (r.val_loss < t->state.best_val_loss) {
        t->state.best_val_loss = r.val_loss;
        t->state.best_step = t->state.step;
        t->state.bad_evals = 0;
        if (t->o->save_best && t->o->run_dir && t->rank == 0) st = save_best(t, err);
        st = pad_dist_agree(t->o->dist, st, "saving the best model", err);
    } else {
        t->state.bad_evals++;
    }
    return st ? st : report(t, &r, err);
}

static pad_status checkpoint(trainer *t, pad_error *err)
{
    t->state.loader = pad_loader_tell(t->loader);
    t->state.dropout_seed = t->m->dropout_seed;
    t->state.dropout_step = t->m->dropout_step;
    t->state.metrics_bytes = pad_metrics_bytes(&t->metrics);
    char *path = NULL;
    pad_status st = pad_checkpoint_save_dist(t->o->run_dir, t->m, &t->opt, &t->state,
                                             t->o->keep_checkpoints, t->o->dist, &path, err);
    if (!st) snprintf(t->res->checkpoint, sizeof t->res->checkpoint, "%s", path);
    free(path);
    return st;
}

static int patience_out(const trainer *t)
{
    return t->o->patience > 0 && t->state.bad_evals >= t->o->patience;
}

static pad_status run_loop(trainer *t, pad_error *err)
{
    const pad_train_options *o = t->o;
    t->t_start = t->t_report = now_s();
    t->step_start = t->state.step;
    pad_status st = PAD_OK;
    while (!st && t->state.step < t->total && !patience_out(t)) {
        pad_train_report r = {.is_eval = 0, .val_loss = NAN};
        st = train_step(t, &r, err);
        if (st) break;
        t->state.step++;
        t->res->last_loss = r.loss;
        st = report(t, &r, err);
        /* the last step validates too: otherwise the best model could never
         * be the final one when eval_every does not divide the step count */
        int eval_due = o->eval_every && o->val_dir &&
                       (t->state.step % o->eval_every == 0 || t->state.step == t->total);
        if (!st && eval_due) st = validate(t, err);
        /* a signal may reach some ranks only: they stop together */
        double stop_flag = pad_signals_stop_requested() != 0;
        if (!st) st = pad_dist_reduce_scalars(o->dist, &stop_flag, 1, PAD_DIST_MAX, err);
        int stop = stop_flag != 0;
        t->res->stopped_early = patience_out(t);
        int due = (o->checkpoint_every && t->state.step % o->checkpoint_every == 0) || stop ||
                  t->res->stopped_early || t->state.step == t->total;
        if (!st && due && o->run_dir) st = checkpoint(t, err);
        if (!st && stop) {
            t->res->interrupted = 1;
            break;
        }
    }
    return st;
}

pad_status pad_train(pad_model *m, const pad_train_options *o, pad_train_result *res,
                     pad_error *err)
{
    memset(res, 0, sizeof *res);
    pad_error local; /* failures must not read as success when err is NULL */
    if (!err) err = &local;
    pad_status st = check_options(o, err);
    if (st) return st;
    trainer t = {.m = m, .o = o, .res = res};
    st = setup(&t, err);
    if (!st) st = run_loop(&t, err);
    res->steps_done = t.state.step;
    res->best_val_loss = t.state.best_val_loss;
    res->best_step = t.state.best_step;
    res->stopped_early = !st && patience_out(&t);
    pad_metrics_close(&t.metrics);
    pad_gpt2_batch_free(&t.scratch);
    pad_loader_close(t.loader);
    pad_adamw_free(&t.opt);
    return st;
}
