/* Training room: schedules, gradient clipping, AdamW over a model's
 * parameter table, and the demo run's loss falling. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model/model.h"
#include "train/demo.h"
#include "train/optimizer.h"
#include "train/schedule.h"

static void test_schedule(void)
{
    CHECK(pad_lr_at(1.0f, 0, 10, 100, PAD_DECAY_LINEAR) == 0.0f);
    CHECK(fabsf(pad_lr_at(1.0f, 5, 10, 100, PAD_DECAY_LINEAR) - 0.5f) < 1e-7f);
    CHECK(pad_lr_at(1.0f, 10, 10, 100, PAD_DECAY_LINEAR) == 1.0f);
    CHECK(fabsf(pad_lr_at(1.0f, 55, 10, 100, PAD_DECAY_LINEAR) - 0.5f) < 1e-6f);
    CHECK(pad_lr_at(1.0f, 100, 10, 100, PAD_DECAY_LINEAR) == 0.0f);
    CHECK(fabsf(pad_lr_at(2.0f, 55, 10, 100, PAD_DECAY_COSINE) - 1.0f) < 1e-6f);
    CHECK(fabsf(pad_lr_at(2.0f, 100, 10, 100, PAD_DECAY_COSINE)) < 1e-6f);
    CHECK(pad_lr_at(2.0f, 70, 10, 100, PAD_DECAY_CONSTANT) == 2.0f);
}

static pad_model *tiny_t5(pad_backend *be)
{
    pad_model_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.arch = PAD_ARCH_T5;
    t5_config_defaults(&cfg.t5);
    cfg.t5.vocab_size = 11;
    cfg.t5.d_model = 8;
    cfg.t5.d_kv = 4;
    cfg.t5.num_heads = 2;
    cfg.t5.d_ff = 12;
    cfg.t5.num_layers = cfg.t5.num_decoder_layers = 1;
    cfg.t5.relative_attention_num_buckets = 8;
    cfg.t5.relative_attention_max_distance = 16;
    pad_model *m = NULL;
    pad_error err;
    if (pad_model_create(&m, &cfg, be, &err) || pad_model_init_random(m, 5, &err)) {
        fprintf(stderr, "model: %s\n", err.message);
        exit(1);
    }
    return m;
}

/* Random gradients in every view; the alignment gaps stay zero. */
static float *random_grads(pad_model *m, uint64_t seed, float lo, float hi)
{
    float *g = calloc(m->params.buffer_numel, sizeof *g);
    for (int i = 0; i < m->params.count; i++) {
        const pad_param *p = &m->params.items[i];
        check_fill_uniform(g + p->offset, (size_t)pad_param_numel(p), seed + (uint64_t)i, lo, hi);
    }
    pad_backend_upload_f32(m->be, m->grad_buf, g, m->params.buffer_numel, NULL);
    return g;
}

static void test_clip_grad_norm(void)
{
    pad_backend *be = pad_backend_create("cpu", NULL);
    pad_model *m = tiny_t5(be);
    size_t n = m->params.buffer_numel;
    float *g = random_grads(m, 11, -0.5f, 0.5f);
    double ref = 0;
    for (size_t i = 0; i < n; i++) ref += (double)g[i] * g[i];
    ref = sqrt(ref);

    double norm;
    CHECK(pad_clip_grad_norm(m, 0.0f, &norm, NULL) == PAD_OK); /* measure only */
    CHECK(check_rel_err(norm, ref, 1e-12) < 1e-6);
    CHECK(pad_clip_grad_norm(m, (float)(ref * 2), &norm, NULL) == PAD_OK); /* under the cap */
    float *after = malloc(n * sizeof *after);
    pad_model_get_grads(m, after, NULL);
    CHECK(memcmp(after, g, n * sizeof *g) == 0);

    CHECK(pad_clip_grad_norm(m, 1.0f, &norm, NULL) == PAD_OK);
    pad_model_get_grads(m, after, NULL);
    double coef = 1.0 / (ref + 1e-6), worst = 0, clipped = 0;
    for (size_t i = 0; i < n; i++) {
        worst = fmax(worst, fabs(after[i] - g[i] * coef));
        clipped += (double)after[i] * after[i];
    }
    CHECK(worst < 1e-7);
    CHECK(fabs(sqrt(clipped) - 1.0) < 1e-5);
    free(after);
    free(g);
    pad_model_free(m);
    pad_backend_destroy(be);
}

/* AdamW against torch.optim.AdamW's update, written out in double, with
 * weight decay on the matrices only. */
static void test_adamw_steps(void)
{
    pad_backend *be = pad_backend_create("cpu", NULL);
    pad_model *m = tiny_t5(be);
    size_t n = m->params.buffer_numel;
    double *p = malloc(n * sizeof *p), *mom = calloc(n, sizeof *mom), *vel = calloc(n, sizeof *vel);
    float *host = malloc(n * sizeof *host);
    pad_model_get_params(m, host, NULL);
    for (size_t i = 0; i < n; i++) p[i] = host[i];

    pad_adamw opt;
    CHECK(pad_adamw_init(&opt, m, 0.1f, NULL) == PAD_OK);
    const float lrs[3] = {1e-2f, 5e-3f, 2e-3f};
    for (int t = 1; t <= 3; t++) {
        float *g = random_grads(m, 100 + (uint64_t)t, -1.0f, 1.0f);
        CHECK(pad_adamw_step(&opt, m, lrs[t - 1], NULL) == PAD_OK);
        for (int k = 0; k < m->params.count; k++) {
            const pad_param *pp = &m->params.items[k];
            double wd = pp->decay ? 0.1 : 0.0, lr = lrs[t - 1];
            for (size_t i = pp->offset; i < pp->offset + (size_t)pad_param_numel(pp); i++) {
                p[i] *= 1.0 - lr * wd;
                mom[i] = 0.9 * mom[i] + 0.1 * g[i];
                vel[i] = 0.999 * vel[i] + 0.001 * (double)g[i] * g[i];
                double mhat = mom[i] / (1 - pow(0.9, t)), vhat = vel[i] / (1 - pow(0.999, t));
                p[i] -= lr * mhat / (sqrt(vhat) + 1e-8);
            }
        }
        free(g);
    }
    pad_model_get_params(m, host, NULL);
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(host[i] - p[i]));
    CHECK_MSG(worst < 1e-5, "worst %g", worst);
    /* decay reached the matrices and spared the norms: a norm weight starts
     * at 1 and moves only by the Adam steps (|step| <= lr) */
    const pad_param *norm = pad_param_table_find(&m->params, "encoder.final_layer_norm.weight");
    CHECK(norm && !norm->decay);
    pad_adamw_free(&opt);
    free(p);
    free(mom);
    free(vel);
    free(host);
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void test_demo_loss_falls(void)
{
    pad_demo_options o;
    pad_demo_defaults(&o);
    o.backend = "cpu";
    o.steps = 200;
    o.batch = 16;
    pad_demo_result res;
    pad_error err;
    pad_demo_callbacks cb = {0};
    CHECK(pad_demo_run(&o, &cb, &res, &err) == PAD_OK);
    CHECK(res.parameters > 100000);
    CHECK_MSG(res.last_loss < 0.6 * res.first_loss, "%g -> %g", res.first_loss, res.last_loss);
    CHECK(res.eval_loss < 0.6 * res.first_loss);
    CHECK_MSG(res.eval_token_acc > 0.2, "%g", res.eval_token_acc); /* chance is 1/22 */

    o.steps = 0;
    CHECK(pad_demo_run(&o, &cb, &res, &err) == PAD_ERR_INVALID);
    o.steps = 5;
    o.backend = "tpu";
    CHECK(pad_demo_run(&o, &cb, &res, &err) == PAD_ERR_INVALID);
}

int main(void)
{
    RUN(test_schedule);
    RUN(test_clip_grad_norm);
    RUN(test_adamw_steps);
    RUN(test_demo_loss_falls);
    return check_finish();
}
