/* Checkpoints: an exact round trip of model, optimizer and manifest; a
 * truncated or manifest-less newest checkpoint falls back to the previous
 * complete one; keep-last-k; a full disk or an unwritable directory leaves
 * the previous checkpoint intact; another recipe's checkpoint is refused. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"
#include "train/checkpoint.h"
#include "train/optimizer.h"
#include "train/trainer.h"
#include "train_fixture.h"

typedef struct fixture {
    pad_backend *be;
    pad_model *m;
    pad_adamw opt;
} fixture;

/* A model after two real updates, so moments and parameters are all live. */
static void fixture_init(fixture *f, uint64_t seed)
{
    pad_error err;
    pad_model_config cfg;
    fx_t5_config(&cfg);
    f->be = pad_backend_create("cpu", &err);
    f->m = fx_model(&cfg, f->be, seed);
    CHECK(pad_adamw_init(&f->opt, f->m, 0.01f, &err) == PAD_OK);
    int32_t src[2 * 5] = {3, 4, 5, 6, 1, 7, 8, 1, 0, 0}, mask[2 * 5] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    int32_t lab[2 * 4] = {9, 10, 11, 1, 12, 1, -100, -100};
    pad_batch b = {.B = 2, .T_src = 5, .src_ids = src, .src_mask = mask, .T_tgt = 4, .labels = lab};
    f->m->training = 1;
    f->m->dropout_seed = seed;
    for (int i = 0; i < 2; i++) {
        double loss;
        CHECK(pad_train_accumulate(f->m, &b, 1, &loss, &err) == PAD_OK);
        CHECK(pad_adamw_step(&f->opt, f->m, 1e-2f, &err) == PAD_OK);
    }
}

static void fixture_free(fixture *f)
{
    pad_adamw_free(&f->opt);
    pad_model_free(f->m);
    pad_backend_destroy(f->be);
}

static pad_checkpoint_state state_at(int64_t step)
{
    pad_checkpoint_state s;
    memset(&s, 0, sizeof s);
    s.step = step;
    s.loader = (pad_loader_position){0xfedcba9876543210ull, 3, 17 + step};
    s.dropout_seed = 0x8000000000000001ull;
    s.dropout_step = 123456789012345ull;
    s.best_val_loss = 1.0 / 3.0 + step;
    s.best_step = step - 1;
    s.bad_evals = 2;
    s.metrics_bytes = 4321;
    strcpy(s.recipe_hash, "hash-a");
    return s;
}

static char *step_path(const char *run, int64_t step, const char *file)
{
    char rel[128];
    snprintf(rel, sizeof rel, "checkpoints/step-%06lld%s%s", (long long)step, file ? "/" : "",
             file ? file : "");
    return pad_path_join(run, rel);
}

static int64_t latest_step(const char *run, int *skipped)
{
    char *dir = NULL;
    pad_error err;
    CHECK(pad_checkpoint_find_latest(run, &dir, skipped, &err) == PAD_OK);
    int64_t step = -1;
    if (dir) sscanf(strrchr(dir, '/'), "/step-%lld", (long long *)&step);
    free(dir);
    return step;
}

static void save_ok(fixture *f, const char *run, int64_t step, int keep)
{
    pad_error err;
    pad_checkpoint_state s = state_at(step);
    char *path = NULL;
    CHECK_MSG(pad_checkpoint_save(run, f->m, &f->opt, &s, keep, &path, &err) == PAD_OK, "%s",
              err.message);
    char *want = step_path(run, step, NULL);
    CHECK(path && !strcmp(path, want) && pad_checkpoint_is_complete(path));
    free(want);
    free(path);
}

static void download(pad_backend *be, const void *src, size_t n, float *dst)
{
    be->ops->download(be, dst, src, n * sizeof *dst);
}

static void test_round_trip(void)
{
    fixture a, b;
    fixture_init(&a, 1);
    fixture_init(&b, 2); /* different parameters and moments, overwritten below */
    const char *run = fx_tmp("roundtrip");
    save_ok(&a, run, 7, 0);
    pad_checkpoint_state s, want = state_at(7);
    pad_error err;
    char *dir = step_path(run, 7, NULL);
    CHECK(pad_checkpoint_load(dir, b.m, &b.opt, &s, "hash-a", &err) == PAD_OK);
    free(dir);
    CHECK(!memcmp(&s.loader, &want.loader, sizeof s.loader) && s.step == 7);
    CHECK(s.dropout_seed == want.dropout_seed && s.dropout_step == want.dropout_step);
    CHECK(s.best_val_loss == want.best_val_loss && s.best_step == 6 && s.bad_evals == 2);
    CHECK(s.metrics_bytes == 4321 && !strcmp(s.recipe_hash, "hash-a"));
    CHECK(b.opt.step == 2);
    size_t n = a.m->params.buffer_numel;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    CHECK(pad_model_get_params(a.m, x, &err) == PAD_OK && pad_model_get_params(b.m, y, &err) == PAD_OK);
    CHECK(!memcmp(x, y, n * sizeof *x));
    download(a.be, a.opt.m, n, x);
    download(b.be, b.opt.m, n, y);
    int nonzero = 0;
    for (size_t i = 0; i < n; i++) nonzero += x[i] != 0;
    CHECK(nonzero > (int)(n / 2) && !memcmp(x, y, n * sizeof *x));
    download(a.be, a.opt.v, n, x);
    download(b.be, b.opt.v, n, y);
    CHECK(!memcmp(x, y, n * sizeof *x));
    free(x);
    free(y);
    fixture_free(&a);
    fixture_free(&b);
}

static void test_incomplete_falls_back(void)
{
    fixture f;
    fixture_init(&f, 3);
    const char *run = fx_tmp("fallback");
    CHECK(latest_step(run, NULL) == -1); /* nothing yet */
    save_ok(&f, run, 1, 0);
    save_ok(&f, run, 2, 0);
    save_ok(&f, run, 3, 0);
    int skipped = -1;
    CHECK(latest_step(run, &skipped) == 3 && skipped == 0);
    /* a torn write of the newest model file */
    char *model = step_path(run, 3, "model.safetensors");
    CHECK(truncate(model, 100) == 0);
    free(model);
    CHECK(latest_step(run, &skipped) == 2 && skipped == 1);
    /* no manifest: incomplete too */
    char *manifest = step_path(run, 2, PAD_CHECKPOINT_MANIFEST), *dir2 = step_path(run, 2, NULL);
    CHECK(remove(manifest) == 0);
    CHECK(!pad_checkpoint_is_complete(dir2));
    CHECK(latest_step(run, &skipped) == 1 && skipped == 2);
    /* loading an incomplete checkpoint directly is an error naming it */
    pad_checkpoint_state s;
    pad_error err;
    CHECK(pad_checkpoint_load(dir2, f.m, &f.opt, &s, NULL, &err) == PAD_ERR_IO);
    CHECK(strstr(err.file, "step-000002") != NULL);
    free(manifest);
    free(dir2);
    fixture_free(&f);
}

static void test_keep_last_k(void)
{
    fixture f;
    fixture_init(&f, 4);
    const char *run = fx_tmp("keep");
    for (int step = 1; step <= 5; step++) save_ok(&f, run, step, 2);
    for (int step = 1; step <= 5; step++) {
        char *dir = step_path(run, step, NULL);
        CHECK((pad_path_kind_of(dir) == PAD_PATH_DIR) == (step >= 4));
        free(dir);
    }
    fixture_free(&f);
}

static void test_unwritable_keeps_previous(void)
{
    fixture f;
    fixture_init(&f, 5);
    const char *run = fx_tmp("full");
    save_ok(&f, run, 1, 1);
    /* a full disk: writes past a few hundred bytes fail */
    struct rlimit old, small = {512, 512};
    getrlimit(RLIMIT_FSIZE, &old);
    small.rlim_max = old.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &small);
    pad_checkpoint_state s = state_at(2);
    pad_error err;
    pad_error_clear(&err);
    pad_status st = pad_checkpoint_save(run, f.m, &f.opt, &s, 1, NULL, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    CHECK(st == PAD_ERR_IO && strstr(err.file, "step-000002") != NULL);
    char *tmp = step_path(run, 2, NULL), *tmp_dir = NULL;
    CHECK(pad_path_kind_of(tmp) == PAD_PATH_NONE);
    tmp_dir = malloc(strlen(tmp) + 8);
    sprintf(tmp_dir, "%s.tmp", tmp);
    CHECK(pad_path_kind_of(tmp_dir) == PAD_PATH_NONE); /* cleaned up */
    CHECK(latest_step(run, NULL) == 1);
    free(tmp);
    free(tmp_dir);
    /* a run directory whose checkpoints/ is a file */
    const char *bad = fx_tmp("badrun");
    CHECK(pad_mkdir_p(bad, &err) == PAD_OK);
    char *ck = pad_path_join(bad, PAD_CHECKPOINT_DIR);
    FILE *fp = fopen(ck, "w");
    CHECK(fp != NULL);
    if (fp) fclose(fp);
    pad_error_clear(&err);
    CHECK(pad_checkpoint_save(bad, f.m, &f.opt, &s, 1, NULL, &err) == PAD_ERR_IO);
    CHECK_MSG(strstr(err.file, "checkpoints") != NULL, "error names '%s'", err.file);
    free(ck);
    fixture_free(&f);
}

static void test_recipe_hash_refused(void)
{
    fixture a, b;
    fixture_init(&a, 6);
    fixture_init(&b, 7);
    const char *run = fx_tmp("hash");
    save_ok(&a, run, 4, 0);
    size_t n = b.m->params.buffer_numel;
    float *before = malloc(n * sizeof *before), *after = malloc(n * sizeof *after);
    pad_error err;
    CHECK(pad_model_get_params(b.m, before, &err) == PAD_OK);
    pad_checkpoint_state s;
    char *dir = step_path(run, 4, NULL);
    pad_error_clear(&err);
    CHECK(pad_checkpoint_load(dir, b.m, &b.opt, &s, "hash-b", &err) == PAD_ERR_CONFIG);
    CHECK(strstr(err.message, "hash-a") && strstr(err.message, "hash-b") && strstr(err.file, "step-000004"));
    CHECK(pad_model_get_params(b.m, after, &err) == PAD_OK && !memcmp(before, after, n * sizeof *after));
    CHECK(b.opt.step == 2);
    free(dir);
    free(before);
    free(after);
    fixture_free(&a);
    fixture_free(&b);
}

int main(void)
{
    RUN(test_round_trip);
    RUN(test_incomplete_falls_back);
    RUN(test_keep_last_k);
    RUN(test_unwritable_keeps_previous);
    RUN(test_recipe_hash_refused);
    return check_finish();
}
