#include "train/demo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "model/model.h"
#include "train/optimizer.h"
#include "train/schedule.h"

/* Token ids: 0 pad (also the decoder start), 1 end of sequence, the rest are
 * symbols to reverse. */
#define DEMO_VOCAB 24
#define DEMO_FIRST_SYMBOL 2

typedef struct demo_batch {
    int B, Ts, Tt;
    int32_t *src, *src_mask, *labels;
} demo_batch;

static void demo_config(pad_model_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->arch = PAD_ARCH_T5;
    t5_config *c = &cfg->t5;
    t5_config_defaults(c);
    c->vocab_size = DEMO_VOCAB;
    c->d_model = 64;
    c->d_kv = 16;
    c->num_heads = 4;
    c->d_ff = 128;
    c->num_layers = 2;
    c->num_decoder_layers = 2;
    c->relative_attention_num_buckets = 16;
    c->relative_attention_max_distance = 32;
    c->dropout_rate = 0.05f;
}

static pad_status batch_alloc(demo_batch *b, int B, int max_len, pad_error *err)
{
    b->B = B;
    b->Ts = max_len;
    b->Tt = max_len + 1; /* the reversed symbols, then end of sequence */
    b->src = calloc((size_t)B * b->Ts, sizeof(int32_t));
    b->src_mask = calloc((size_t)B * b->Ts, sizeof(int32_t));
    b->labels = calloc((size_t)B * b->Tt, sizeof(int32_t));
    if (b->src && b->src_mask && b->labels) return PAD_OK;
    return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for the demo batch");
}

static void batch_free(demo_batch *b)
{
    free(b->src);
    free(b->src_mask);
    free(b->labels);
}

/* Random lengths in [max_len/2, max_len], right-padded. */
static void batch_fill(demo_batch *b, pad_rng *rng)
{
    for (int r = 0; r < b->B; r++) {
        int len = b->Ts / 2 + (int)pad_rng_next_below(rng, (uint32_t)(b->Ts - b->Ts / 2 + 1));
        int32_t *src = b->src + r * b->Ts, *mask = b->src_mask + r * b->Ts;
        int32_t *lab = b->labels + r * b->Tt;
        for (int t = 0; t < b->Ts; t++) {
            int real = t < len;
            src[t] = real ? DEMO_FIRST_SYMBOL +
                                (int32_t)pad_rng_next_below(rng, DEMO_VOCAB - DEMO_FIRST_SYMBOL)
                          : 0;
            mask[t] = real;
        }
        for (int t = 0; t < b->Tt; t++)
            lab[t] = t < len ? src[len - 1 - t] : t == len ? 1 : PAD_IGNORE_INDEX;
    }
}

static pad_batch as_model_batch(const demo_batch *b)
{
    pad_batch mb = {.B = b->B, .T_src = b->Ts, .src_ids = b->src, .src_mask = b->src_mask,
                    .T_tgt = b->Tt, .labels = b->labels};
    return mb;
}

/* Teacher-forced accuracy: argmax of each counted position's logits. */
static pad_status token_accuracy(pad_model *m, const demo_batch *b, double *acc, pad_error *err)
{
    size_t rows = (size_t)m->logits_rows, V = DEMO_VOCAB;
    float *logits = malloc(rows * V * sizeof *logits);
    if (!logits) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for logits");
    pad_status st = pad_backend_download_f32(m->be, logits, m->logits, rows * V, err);
    long hit = 0, count = 0;
    for (size_t r = 0; !st && r < rows; r++) {
        if (b->labels[r] == PAD_IGNORE_INDEX) continue;
        size_t best = 0;
        for (size_t v = 1; v < V; v++)
            if (logits[r * V + v] > logits[r * V + best]) best = v;
        hit += (int32_t)best == b->labels[r];
        count++;
    }
    free(logits);
    *acc = count ? (double)hit / (double)count : 0.0;
    return st;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void pad_demo_defaults(pad_demo_options *o)
{
    o->backend = "auto";
    o->steps = 600;
    o->batch = 32;
    o->max_len = 8;
    o->lr = 3e-3f;
    o->log_every = 25;
    o->seed = 1337;
}

static pad_status train_steps(const pad_demo_options *o, pad_model *m, pad_adamw *opt,
                              demo_batch *b, const pad_demo_callbacks *cb,
                              pad_demo_result *res, pad_error *err)
{
    pad_rng data_rng;
    pad_rng_init(&data_rng, o->seed, 1);
    int warmup = o->steps / 10;
    double t0 = now_ms();
    for (int step = 0; step < o->steps; step++) {
        batch_fill(b, &data_rng);
        pad_batch mb = as_model_batch(b);
        double loss, norm;
        pad_model_zero_grad(m);
        pad_status st = pad_model_forward(m, &mb, &loss, err);
        if (!st) st = pad_model_backward(m, err);
        if (!st) st = pad_clip_grad_norm(m, 1.0f, &norm, err);
        float lr = pad_lr_at(o->lr, step, warmup, o->steps, PAD_DECAY_LINEAR);
        if (!st) st = pad_adamw_step(opt, m, lr, err);
        if (st) return st;
        if (step == 0) res->first_loss = loss;
        res->last_loss = loss;
        int done = step + 1;
        if (cb->progress && (done % o->log_every == 0 || done == o->steps || done == 1)) {
            double t1 = now_ms();
            int span = done % o->log_every ? done % o->log_every : o->log_every;
            pad_demo_report r = {done, o->steps, loss, norm, lr, (t1 - t0) / (done == 1 ? 1 : span)};
            cb->progress(cb->ctx, &r);
            t0 = t1;
        }
    }
    return PAD_OK;
}

pad_status pad_demo_run(const pad_demo_options *o, const pad_demo_callbacks *cb,
                        pad_demo_result *res, pad_error *err)
{
    if (o->steps < 1 || o->batch < 1 || o->max_len < 2 || o->log_every < 1 || !(o->lr > 0))
        return pad_error_set(err, PAD_ERR_INVALID,
                             "demo needs steps, batch, log-every >= 1, max-len >= 2 and lr > 0");
    memset(res, 0, sizeof *res);
    pad_model_config cfg;
    demo_config(&cfg);
    pad_backend *be = pad_backend_create(o->backend, err);
    if (!be) return err ? err->code : PAD_ERR_BACKEND;
    pad_model *m = NULL;
    pad_adamw opt = {0};
    demo_batch b = {0};
    pad_status st = pad_model_create(&m, &cfg, be, err);
    if (!st) st = pad_model_init_random(m, o->seed, err);
    if (!st) st = pad_adamw_init(&opt, m, 0.01f, err);
    if (!st) st = batch_alloc(&b, o->batch, o->max_len, err);
    if (!st) {
        res->parameters = pad_param_table_count(&m->params);
        if (cb->started) cb->started(cb->ctx, res->parameters, be->name);
        m->training = 1;
        m->dropout_seed = o->seed;
        st = train_steps(o, m, &opt, &b, cb, res, err);
    }
    if (!st) { /* held-out sequences come from a stream training never used */
        pad_rng eval_rng;
        pad_rng_init(&eval_rng, o->seed, 2);
        batch_fill(&b, &eval_rng);
        pad_batch mb = as_model_batch(&b);
        m->training = 0;
        st = pad_model_forward(m, &mb, &res->eval_loss, err);
        if (!st) st = token_accuracy(m, &b, &res->eval_token_acc, err);
    }
    batch_free(&b);
    pad_adamw_free(&opt);
    pad_model_free(m);
    pad_backend_destroy(be);
    return st;
}
