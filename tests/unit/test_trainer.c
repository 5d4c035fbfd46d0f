/* The training loop: learning on a copy task (T5 and GPT-2), GPT-2 packing,
 * gradient accumulation equal to one big batch, early stopping, and a run
 * interrupted by SIGINT and resumed (twice, once from an older checkpoint)
 * whose losses equal an uninterrupted run's bit for bit. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "io/json_file.h"
#include "train/batch_gpt2.h"
#include "train/checkpoint.h"
#include "train/progress.h"
#include "train/signals.h"
#include "train/trainer.h"
#include "train_fixture.h"

#define MAX_STEPS 256

/* What a run's progress callback saw, indexed by step. */
typedef struct trace {
    double loss[MAX_STEPS + 1], val[MAX_STEPS + 1];
    int seen[MAX_STEPS + 1], evals;
    int raise_at;   /* raise(SIGINT) after this step; 0: never */
} trace;

static void record(void *ctx, const pad_train_report *r)
{
    trace *t = ctx;
    if (r->step > MAX_STEPS) return;
    if (r->is_eval) {
        t->val[r->step] = r->val_loss;
        t->evals++;
        return;
    }
    t->loss[r->step] = r->loss;
    t->seen[r->step] = 1;
    if (r->step == t->raise_at) raise(SIGINT);
}

static const char *train_set(void)
{
    static const char *dir;
    if (!dir) dir = fx_copy_set("train", 96, 7);
    return dir;
}

static const char *val_set(void)
{
    static const char *dir;
    if (!dir) dir = fx_copy_set("val", 24, 8);
    return dir;
}

static void options(pad_train_options *o, trace *t, int64_t steps, float lr)
{
    pad_train_options_default(o);
    fx_loader_config(&o->data, train_set(), 8);
    o->total_steps = steps;
    o->lr = lr;
    o->warmup_steps = 2;
    o->log_every = 1;
    o->seed = 5;
    o->progress = record;
    o->progress_ctx = t;
    o->gpt2_pad_id = FX_EOS;
}

static double mean(const double *x, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return s / n;
}

static void learns(const pad_model_config *cfg)
{
    pad_error err;
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_model *m = fx_model(cfg, be, 11);
    trace t = {0};
    pad_train_options o;
    options(&o, &t, 200, 1e-2f);
    pad_train_result res;
    CHECK(pad_train(m, &o, &res, &err) == PAD_OK);
    CHECK(res.steps_done == 200 && !res.interrupted && !res.stopped_early);
    double first = mean(&t.loss[1], 5), last = mean(&t.loss[196], 5);
    CHECK_MSG(last < 0.8 * first, "loss %.4f -> %.4f", first, last);
    CHECK(isfinite(res.last_loss) && res.last_loss == t.loss[200]);
    pad_model_free(m);
    pad_backend_destroy(be);
}

static void test_t5_learns(void)
{
    pad_model_config cfg;
    fx_t5_config(&cfg);
    learns(&cfg);
}

static void test_gpt2_learns(void)
{
    pad_model_config cfg;
    fx_gpt2_config(&cfg);
    learns(&cfg);
}

static void test_gpt2_pack(void)
{
    /* row 0: prompt 5 6 eos, program 7 8 eos; row 1: prompt 9 eos, program 4 eos */
    int32_t src[] = {5, 6, 1, 9, 1, 0}, src_mask[] = {1, 1, 1, 1, 1, 0};
    int32_t lab[] = {7, 8, 1, 4, 1, -100}, tgt_mask[] = {1, 1, 1, 1, 1, 0};
    pad_loader_batch in = {.B = 2, .T_src = 3, .T_tgt = 3, .src_ids = src, .src_mask = src_mask,
                           .labels = lab, .tgt_mask = tgt_mask};
    pad_gpt2_batch b = {0};
    pad_error err;
    CHECK(pad_gpt2_pack(&in, 32, 1, &b, &err) == PAD_OK);
    int32_t ids[] = {5, 6, 1, 7, 8, 1, 9, 1, 4, 1, 1, 1};
    int32_t mask[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    int32_t want[] = {-100, -100, -100, 7, 8, 1, -100, -100, 4, 1, -100, -100};
    CHECK(b.B == 2 && b.T == 6);
    CHECK(!memcmp(b.ids, ids, sizeof ids) && !memcmp(b.mask, mask, sizeof mask));
    CHECK(!memcmp(b.labels, want, sizeof want));
    CHECK(pad_gpt2_pack(&in, 4, 1, &b, &err) == PAD_OK); /* the program's end is cut */
    int32_t cut[] = {-100, -100, -100, 7, -100, -100, 4, 1};
    CHECK(b.T == 4 && !memcmp(b.labels, cut, sizeof cut));
    pad_batch mb = pad_gpt2_as_batch(&b);
    CHECK(mb.B == 2 && mb.T_src == 4 && mb.labels == b.labels);
    pad_gpt2_batch_free(&b);
}

/* Random T5 rows of different lengths, right-padded to T. */
static void random_rows(int32_t *src, int32_t *mask, int32_t *lab, int B, int Ts, int Tt,
                        pad_rng *r)
{
    for (int b = 0; b < B; b++) {
        int ls = 2 + (int)pad_rng_next_below(r, (uint32_t)Ts - 1);
        int lt = 1 + (int)pad_rng_next_below(r, (uint32_t)Tt);
        for (int t = 0; t < Ts; t++) {
            src[b * Ts + t] = t < ls ? 2 + (int32_t)pad_rng_next_below(r, FX_VOCAB - 2) : FX_PAD;
            mask[b * Ts + t] = t < ls;
        }
        for (int t = 0; t < Tt; t++)
            lab[b * Tt + t] = t < lt ? 1 + (int32_t)pad_rng_next_below(r, FX_VOCAB - 1) : -100;
    }
}

static void test_accumulation_equals_big_batch(void)
{
    pad_error err;
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_model_config cfg;
    fx_t5_config(&cfg);
    pad_model *m = fx_model(&cfg, be, 3);
    enum { B1 = 3, B2 = 4, TS = 7, TT = 6 };
    int32_t src[(B1 + B2) * TS], mask[(B1 + B2) * TS], lab[(B1 + B2) * TT];
    pad_rng r;
    pad_rng_init(&r, 42, 0);
    random_rows(src, mask, lab, B1 + B2, TS, TT, &r);
    pad_batch big = {.B = B1 + B2, .T_src = TS, .src_ids = src, .src_mask = mask, .T_tgt = TT,
                     .labels = lab};
    pad_batch micro[2] = {big, big};
    micro[0].B = B1;
    micro[1].B = B2;
    micro[1].src_ids = src + B1 * TS;
    micro[1].src_mask = mask + B1 * TS;
    micro[1].labels = lab + B1 * TT;
    size_t n = m->params.buffer_numel;
    float *g_big = malloc(n * sizeof *g_big), *g_acc = malloc(n * sizeof *g_acc);
    double l_big, l_acc;
    m->training = 0;
    CHECK(pad_train_accumulate(m, &big, 1, &l_big, &err) == PAD_OK);
    CHECK(pad_model_get_grads(m, g_big, &err) == PAD_OK);
    CHECK(pad_train_accumulate(m, micro, 2, &l_acc, &err) == PAD_OK);
    CHECK(pad_model_get_grads(m, g_acc, &err) == PAD_OK);
    double diff = 0, norm = 0, single;
    for (size_t i = 0; i < n; i++) {
        diff += (g_big[i] - g_acc[i]) * (double)(g_big[i] - g_acc[i]);
        norm += g_big[i] * (double)g_big[i];
    }
    CHECK_MSG(norm > 0 && sqrt(diff / norm) < 1e-5, "relative gradient error %g", sqrt(diff / norm));
    CHECK(fabs(l_big - l_acc) < 1e-5 * l_big);
    /* a plain mean of the two micro-batch means would differ */
    CHECK(pad_train_accumulate(m, micro, 1, &single, &err) == PAD_OK);
    CHECK(fabs(single - l_big) > 1e-4);
    free(g_big);
    free(g_acc);
    pad_model_free(m);
    pad_backend_destroy(be);
}

static int count_lines_with(const char *path, const char *key, int *steps, int cap)
{
    char *text = NULL;
    size_t len;
    pad_error err;
    if (pad_read_file(path, &text, &len, &err)) return -1;
    int n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        CHECK_MSG(j != NULL, "metrics line does not parse: %s", line);
        const cJSON *step = cJSON_GetObjectItemCaseSensitive(j, "step");
        CHECK(cJSON_IsNumber(step));
        if (cJSON_GetObjectItemCaseSensitive(j, key) && n < cap && step) steps[n++] = step->valueint;
        cJSON_Delete(j);
    }
    free(text);
    return n;
}

static void test_early_stopping(void)
{
    pad_error err;
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_model_config cfg;
    fx_t5_config(&cfg);
    pad_model *m = fx_model(&cfg, be, 13);
    trace t = {0};
    pad_train_options o;
    options(&o, &t, 60, 0.3f); /* far too high: validation loss stops improving */
    o.val_dir = val_set();
    o.eval_every = 2;
    o.patience = 2;
    o.run_dir = fx_tmp("early");
    o.save_best = 1;
    pad_train_result res;
    CHECK(pad_train(m, &o, &res, &err) == PAD_OK);
    CHECK(res.stopped_early && res.steps_done < 60);
    CHECK_MSG(res.steps_done == res.best_step + 2 * 2, "stopped at %lld, best %lld",
              (long long)res.steps_done, (long long)res.best_step);
    CHECK(t.evals == res.steps_done / 2 && res.best_val_loss == t.val[res.best_step]);
    for (int s = 2; s <= res.steps_done; s += 2) CHECK(t.val[s] >= res.best_val_loss);
    char *best = pad_path_join(o.run_dir, "best/model.safetensors");
    CHECK(pad_path_kind_of(best) == PAD_PATH_FILE);
    free(best);
    /* the final checkpoint is the stopping step's, and resuming does nothing */
    char *latest = NULL;
    CHECK(pad_checkpoint_find_latest(o.run_dir, &latest, NULL, &err) == PAD_OK && latest);
    CHECK(latest && strstr(latest, "step-0000") != NULL && !strcmp(latest, res.checkpoint));
    free(latest);
    pad_train_result again;
    CHECK(pad_train(m, &o, &again, &err) == PAD_OK);
    CHECK(again.stopped_early && again.steps_done == res.steps_done &&
          again.resumed_from == res.steps_done);
    pad_model_free(m);
    pad_backend_destroy(be);
}

/* Runs up to `raise_at` (0: the end) into `t`, resuming whatever run_dir holds. */
static pad_train_result run_until(pad_train_options *o, const pad_model_config *cfg,
                                  trace *t, int raise_at, float *params)
{
    pad_error err;
    pad_error_clear(&err);
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_model *m = fx_model(cfg, be, 17);
    t->raise_at = raise_at;
    pad_train_result res;
    pad_signals_clear();
    CHECK_MSG(pad_train(m, o, &res, &err) == PAD_OK, "%s", err.message);
    pad_signals_clear();
    if (params) CHECK(pad_model_get_params(m, params, &err) == PAD_OK);
    pad_model_free(m);
    pad_backend_destroy(be);
    return res;
}

static void test_interrupt_and_resume_exact(void)
{
    pad_model_config cfg;
    fx_t5_config(&cfg); /* dropout on: the dropout stream must resume too */
    pad_backend *probe = pad_backend_create("cpu", NULL);
    pad_model *pm = fx_model(&cfg, probe, 17);
    size_t n = pm->params.buffer_numel;
    pad_model_free(pm);
    pad_backend_destroy(probe);
    float *pa = malloc(n * sizeof *pa), *pb = malloc(n * sizeof *pb);

    trace ta = {0}, tb = {0};
    pad_train_options o;
    options(&o, &ta, 10, 3e-3f);
    o.grad_accum = 2;
    o.val_dir = val_set();
    o.eval_every = 2;
    o.patience = 4;
    o.checkpoint_every = 3;
    o.keep_checkpoints = 0;
    o.recipe_hash = "recipe-1";
    o.run_dir = fx_tmp("uninterrupted");
    pad_train_result a = run_until(&o, &cfg, &ta, 0, pa);
    CHECK(a.steps_done == 10 && !a.interrupted);

    pad_signals_install();
    o.run_dir = fx_tmp("interrupted");
    o.progress_ctx = &tb;
    pad_train_result b = run_until(&o, &cfg, &tb, 5, NULL);
    CHECK(b.interrupted && b.steps_done == 5 && strstr(b.checkpoint, "step-000005"));
    b = run_until(&o, &cfg, &tb, 7, NULL);
    CHECK(b.interrupted && b.resumed_from == 5 && b.steps_done == 7);
    /* as if the run had crashed after step 7: back to the step-6 checkpoint */
    char *dir = pad_path_join(o.run_dir, "checkpoints/step-000007/manifest.json");
    CHECK(remove(dir) == 0);
    free(dir);
    b = run_until(&o, &cfg, &tb, 0, pb);
    pad_signals_uninstall();
    CHECK(b.resumed_from == 6 && b.steps_done == 10 && !b.interrupted);

    CHECK(!memcmp(ta.loss, tb.loss, sizeof ta.loss) && !memcmp(ta.seen, tb.seen, sizeof ta.seen));
    CHECK(!memcmp(ta.val, tb.val, sizeof ta.val));
    CHECK(!memcmp(pa, pb, n * sizeof *pa));
    CHECK(ta.seen[1] && ta.seen[10] && ta.loss[10] != ta.loss[9]);

    /* metrics: each step once, in order, although steps 7 ran twice */
    char *path = pad_path_join(o.run_dir, PAD_METRICS_FILE);
    int steps[64];
    int k = count_lines_with(path, "loss", steps, 64);
    CHECK(k == 10);
    for (int i = 0; i < k; i++) CHECK(steps[i] == i + 1);
    CHECK(count_lines_with(path, "val_loss", steps, 64) == 5);
    free(path);

    /* another recipe may not continue this run */
    o.recipe_hash = "recipe-2";
    pad_error err;
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_model *m = fx_model(&cfg, be, 17);
    pad_train_result c;
    CHECK(pad_train(m, &o, &c, &err) == PAD_ERR_CONFIG && strstr(err.message, "recipe"));
    pad_model_free(m);
    pad_backend_destroy(be);
    free(pa);
    free(pb);
}

int main(void)
{
    RUN(test_gpt2_pack);
    RUN(test_accumulation_equals_big_batch);
    RUN(test_t5_learns);
    RUN(test_gpt2_learns);
    RUN(test_early_stopping);
    RUN(test_interrupt_and_resume_exact);
    return check_finish();
}
