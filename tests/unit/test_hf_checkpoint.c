/* Hugging Face checkpoint directories: save/load round trips (F32, BF16),
 * sharded indexes, the names transformers accepts, and load errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "io/hf_checkpoint.h"
#include "io/hf_config.h"
#include "io/json_file.h"
#include "io/safetensors.h"

#define MAX_TENSORS 128

static pad_backend *be;
static int dir_counter;

static const char *fresh_dir(char *buf, size_t size)
{
    char name[32];
    snprintf(name, sizeof name, "ckpt%d", dir_counter++);
    snprintf(buf, size, "%s", check_tmp_path(name));
    return buf;
}

static pad_model_config tiny_t5(int tied, int gated)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_T5;
    t5_config_defaults(&c.t5);
    c.t5.vocab_size = 37;
    c.t5.d_model = 16;
    c.t5.d_kv = 4;
    c.t5.d_ff = 24;
    c.t5.num_layers = 2;
    c.t5.num_decoder_layers = 3;
    c.t5.num_heads = 4;
    c.t5.relative_attention_num_buckets = 8;
    c.t5.relative_attention_max_distance = 20;
    c.t5.tie_word_embeddings = tied;
    c.t5.gated_gelu = gated;
    return c;
}

static pad_model_config tiny_gpt2(void)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_GPT2;
    gpt2_config_defaults(&c.gpt2);
    c.gpt2.vocab_size = 41;
    c.gpt2.n_positions = 12;
    c.gpt2.n_embd = 16;
    c.gpt2.n_layer = 2;
    c.gpt2.n_head = 4;
    c.gpt2.n_inner = 40;
    c.gpt2.bos_token_id = c.gpt2.eos_token_id = 40;
    return c;
}

/* A model with random parameters; *host gets them (caller frees). */
static pad_model *random_model(const pad_model_config *cfg, uint64_t seed, float **host)
{
    pad_model *m = NULL;
    pad_error err;
    if (pad_model_create(&m, cfg, be, &err)) {
        fprintf(stderr, "pad_model_create: %s\n", err.message);
        exit(2);
    }
    *host = malloc(m->params.buffer_numel * sizeof **host);
    check_fill_uniform(*host, m->params.buffer_numel, seed, -1.0f, 1.0f);
    pad_model_set_params(m, *host, &err);
    return m;
}

/* Every parameter of `m` equals `want` (same table layout) bit for bit. */
static int params_equal(pad_model *m, const pad_param_table *t, const float *want)
{
    float *got = malloc(m->params.buffer_numel * sizeof *got);
    pad_model_get_params(m, got, NULL);
    int ok = m->params.count == t->count;
    for (int i = 0; ok && i < t->count; i++) {
        const pad_param *p = &t->items[i];
        const pad_param *q = pad_param_table_find(&m->params, p->name);
        ok = q && memcmp(got + q->offset, want + p->offset, (size_t)pad_param_numel(p) * 4) == 0;
        if (!ok) fprintf(stderr, "parameter %s differs\n", p->name);
    }
    free(got);
    return ok;
}

static void save_load_equal(const pad_model_config *cfg, uint64_t seed)
{
    float *host;
    pad_model *m = random_model(cfg, seed, &host);
    char dir[512];
    fresh_dir(dir, sizeof dir);
    pad_error err;
    CHECK(hf_checkpoint_save(m, dir, PAD_F32, &err) == PAD_OK);
    pad_model *back = NULL;
    CHECK_MSG(hf_checkpoint_load(dir, be, &back, &err) == PAD_OK, "%s", err.message);
    if (back) {
        CHECK(memcmp(&back->config, &m->config, sizeof m->config) == 0);
        CHECK(params_equal(back, &m->params, host));
    }
    pad_model_free(back);
    pad_model_free(m);
    free(host);
}

static void test_roundtrip_t5_tied(void) { save_load_equal((pad_model_config[]){tiny_t5(1, 0)}, 11); }
static void test_roundtrip_t5_untied(void) { save_load_equal((pad_model_config[]){tiny_t5(0, 1)}, 12); }
static void test_roundtrip_gpt2(void) { save_load_equal((pad_model_config[]){tiny_gpt2()}, 13); }

/* Tied T5 writes shared.weight and no lm_head; untied writes both. */
static void test_saved_names(void)
{
    for (int tied = 0; tied < 2; tied++) {
        pad_model_config cfg = tiny_t5(tied, 0);
        float *host;
        pad_model *m = random_model(&cfg, 20 + tied, &host);
        char dir[512], path[600];
        fresh_dir(dir, sizeof dir);
        pad_error err;
        CHECK(hf_checkpoint_save(m, dir, PAD_F32, &err) == PAD_OK);
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        safetensors_file f;
        CHECK(safetensors_open(&f, path, &err) == PAD_OK);
        CHECK(f.count == m->params.count);
        CHECK(safetensors_find(&f, "shared.weight") != NULL);
        CHECK((safetensors_find(&f, "lm_head.weight") != NULL) == !tied);
        CHECK(safetensors_find(&f, "encoder.embed_tokens.weight") == NULL);
        safetensors_close(&f);
        pad_model_free(m);
        free(host);
    }
}

static void test_bf16_export(void)
{
    pad_model_config cfg = tiny_gpt2();
    float *host;
    pad_model *m = random_model(&cfg, 31, &host);
    char dir[512];
    fresh_dir(dir, sizeof dir);
    pad_error err;
    CHECK(hf_checkpoint_save(m, dir, PAD_BF16, &err) == PAD_OK);
    size_t n = m->params.buffer_numel;
    float *rounded = malloc(n * sizeof *rounded);
    int changed = 0;
    for (size_t i = 0; i < n; i++) {
        rounded[i] = pad_bf16_to_f32(pad_f32_to_bf16(host[i]));
        changed += rounded[i] != host[i];
    }
    CHECK(changed > (int)(n / 2)); /* the rounding is real, so the test can fail */
    pad_model *back = NULL;
    CHECK(hf_checkpoint_load(dir, be, &back, &err) == PAD_OK);
    if (back) CHECK(params_equal(back, &m->params, rounded));
    CHECK(hf_checkpoint_save(m, dir, PAD_F16, &err) == PAD_ERR_INVALID);
    pad_model_free(back);
    pad_model_free(m);
    free(rounded);
    free(host);
}

/* --- hand-made files: the model's tensors, renamed, dropped or added to --- */

typedef struct tensor_set {
    int count;
    char names[MAX_TENSORS][PAD_PARAM_NAME_MAX];
    pad_tensor t[MAX_TENSORS];
} tensor_set;

static void set_from_model(tensor_set *s, const pad_model *m, float *host)
{
    s->count = 0;
    for (int i = 0; i < m->params.count; i++) {
        const pad_param *p = &m->params.items[i];
        strcpy(s->names[s->count], p->name);
        pad_tensor_init(&s->t[s->count], s->names[s->count], PAD_F32, p->ndim, p->shape,
                        host + p->offset);
        s->count++;
    }
}

static pad_tensor *set_get(tensor_set *s, const char *name)
{
    for (int i = 0; i < s->count; i++)
        if (strcmp(s->names[i], name) == 0) return &s->t[i];
    fprintf(stderr, "no tensor %s\n", name);
    exit(2);
}

static void set_rename(tensor_set *s, const char *from, const char *to)
{
    pad_tensor *t = set_get(s, from);
    strcpy((char *)t->name, to);
}

static void set_drop(tensor_set *s, const char *name)
{
    int i = (int)(set_get(s, name) - s->t);
    s->count--;
    for (; i < s->count; i++) {
        strcpy(s->names[i], s->names[i + 1]);
        s->t[i] = s->t[i + 1];
        s->t[i].name = s->names[i];
    }
}

static void set_add(tensor_set *s, const char *name, const pad_tensor *like)
{
    strcpy(s->names[s->count], name);
    s->t[s->count] = *like;
    s->t[s->count].name = s->names[s->count];
    s->count++;
}

static void write_dir(const char *dir, const pad_model_config *cfg, const tensor_set *s)
{
    char path[600];
    pad_error err;
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (safetensors_write(path, s->t, s->count, NULL, 0, &err) || hf_config_save(cfg, dir, &err)) {
        fprintf(stderr, "writing %s: %s\n", dir, err.message);
        exit(2);
    }
}

static void test_sharded(void)
{
    pad_model_config cfg = tiny_t5(0, 0);
    float *host;
    pad_model *m = random_model(&cfg, 41, &host);
    tensor_set s;
    set_from_model(&s, m, host);
    char dir[512], path[600];
    fresh_dir(dir, sizeof dir);
    mkdir(dir, 0755);
    pad_error err;
    CHECK(hf_config_save(&cfg, dir, &err) == PAD_OK);
    int half = s.count / 2;
    const char *shard[2] = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
    snprintf(path, sizeof path, "%s/%s", dir, shard[0]);
    CHECK(safetensors_write(path, s.t, half, NULL, 0, &err) == PAD_OK);
    snprintf(path, sizeof path, "%s/%s", dir, shard[1]);
    CHECK(safetensors_write(path, s.t + half, s.count - half, NULL, 0, &err) == PAD_OK);
    cJSON *index = cJSON_CreateObject();
    cJSON *map = cJSON_AddObjectToObject(index, "weight_map");
    for (int i = s.count - 1; i >= 0; i--) cJSON_AddStringToObject(map, s.names[i], shard[i >= half]);
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    CHECK(pad_json_save(path, index, &err) == PAD_OK);

    pad_model *back = NULL;
    CHECK_MSG(hf_checkpoint_load(dir, be, &back, &err) == PAD_OK, "%s", err.message);
    if (back) CHECK(params_equal(back, &m->params, host));
    pad_model_free(back);

    /* the index must agree with the shards */
    cJSON_ReplaceItemInObject(map, s.names[0], cJSON_CreateString(shard[1]));
    CHECK(pad_json_save(path, index, &err) == PAD_OK);
    CHECK(hf_checkpoint_load(dir, be, &back, &err) == PAD_ERR_FORMAT);
    CHECK(strcmp(err.tensor, s.names[0]) == 0 && strstr(err.message, shard[1]));
    CHECK(strcmp(err.file, path) == 0);
    cJSON_ReplaceItemInObject(map, s.names[0], cJSON_CreateString("../escape.safetensors"));
    CHECK(pad_json_save(path, index, &err) == PAD_OK);
    CHECK(hf_checkpoint_load(dir, be, &back, &err) == PAD_ERR_FORMAT);
    CHECK(strstr(err.message, "shard file name") != NULL);
    cJSON_Delete(index);
    pad_model_free(m);
    free(host);
}

/* Names transformers itself writes or accepts load to the same parameters. */
static void test_aliases(void)
{
    pad_model_config t5 = tiny_t5(1, 0), gpt2 = tiny_gpt2();
    float *host_t5, *host_gpt2;
    pad_model *mt = random_model(&t5, 51, &host_t5), *mg = random_model(&gpt2, 52, &host_gpt2);
    tensor_set s;
    char dir[512];
    pad_error err;
    pad_model *back = NULL;

    set_from_model(&s, mt, host_t5);
    set_rename(&s, "shared.weight", "encoder.embed_tokens.weight");
    set_add(&s, "decoder.embed_tokens.weight", set_get(&s, "encoder.embed_tokens.weight"));
    set_add(&s, "lm_head.weight", set_get(&s, "encoder.embed_tokens.weight"));
    write_dir(fresh_dir(dir, sizeof dir), &t5, &s);
    CHECK_MSG(hf_checkpoint_load(dir, be, &back, &err) == PAD_OK, "%s", err.message);
    if (back) CHECK(params_equal(back, &mt->params, host_t5));
    pad_model_free(back);

    /* an untied config whose file has no lm_head loads tied, unscaled, as
     * transformers 5 loads it */
    pad_model_config untied = tiny_t5(0, 1);
    untied.t5.scale_decoder_outputs = 0;
    float *host_untied;
    pad_model *mu = random_model(&untied, 53, &host_untied);
    set_from_model(&s, mu, host_untied);
    set_drop(&s, "lm_head.weight");
    write_dir(fresh_dir(dir, sizeof dir), &untied, &s);
    CHECK_MSG(hf_checkpoint_load(dir, be, &back, &err) == PAD_OK, "%s", err.message);
    if (back) {
        CHECK(back->config.t5.tie_word_embeddings == 1 && back->config.t5.scale_decoder_outputs == 0);
        CHECK(pad_param_table_find(&back->params, "lm_head.weight") == NULL);
        const pad_param *shared = pad_param_table_find(&mu->params, "shared.weight");
        const pad_param *bshared = pad_param_table_find(&back->params, "shared.weight");
        float *got = malloc(back->params.buffer_numel * sizeof *got);
        pad_model_get_params(back, got, NULL);
        CHECK(memcmp(got + bshared->offset, host_untied + shared->offset,
                     (size_t)pad_param_numel(shared) * sizeof(float)) == 0);
        free(got);
    }
    pad_model_free(back);
    pad_model_free(mu);
    free(host_untied);

    set_from_model(&s, mg, host_gpt2);
    for (int i = 0; i < s.count; i++) {
        char bare[PAD_PARAM_NAME_MAX];
        strcpy(bare, s.names[i] + strlen("transformer."));
        strcpy(s.names[i], bare);
    }
    set_add(&s, "h.0.attn.bias", set_get(&s, "h.0.attn.c_attn.bias"));
    set_add(&s, "h.1.attn.masked_bias", set_get(&s, "h.1.ln_1.weight"));
    set_add(&s, "lm_head.weight", set_get(&s, "wte.weight"));
    write_dir(fresh_dir(dir, sizeof dir), &gpt2, &s);
    CHECK_MSG(hf_checkpoint_load(dir, be, &back, &err) == PAD_OK, "%s", err.message);
    if (back) CHECK(params_equal(back, &mg->params, host_gpt2));
    pad_model_free(back);

    pad_model_free(mt);
    pad_model_free(mg);
    free(host_t5);
    free(host_gpt2);
}

/* Writes the model's tensors changed by `edit` and expects a load error. */
static void expect_load_error(pad_model *m, float *host, void (*edit)(tensor_set *),
                              const char *tensor, const char *msg1, const char *msg2)
{
    tensor_set s;
    set_from_model(&s, m, host);
    edit(&s);
    char dir[512];
    write_dir(fresh_dir(dir, sizeof dir), &m->config, &s);
    pad_error err;
    pad_error_clear(&err);
    pad_model *back = (pad_model *)1;
    CHECK(hf_checkpoint_load(dir, be, &back, &err) == PAD_ERR_FORMAT);
    CHECK(back == NULL);
    CHECK_MSG(strcmp(err.tensor, tensor) == 0, "tensor '%s'", err.tensor);
    CHECK_MSG(strstr(err.message, msg1) && strstr(err.message, msg2), "message '%s'", err.message);
    CHECK_MSG(strstr(err.file, dir) == err.file, "file '%s'", err.file);
}

static void drop_wo(tensor_set *s) { set_drop(s, "decoder.block.2.layer.2.DenseReluDense.wo.weight"); }
static void drop_shared(tensor_set *s) { set_drop(s, "shared.weight"); }
static void transpose_wi(tensor_set *s)
{
    pad_tensor *t = set_get(s, "encoder.block.1.layer.1.DenseReluDense.wi.weight");
    int64_t d = t->shape[0];
    t->shape[0] = t->shape[1];
    t->shape[1] = d;
}
static void add_extra(tensor_set *s) { set_add(s, "encoder.extra.weight", &s->t[0]); }
static void int_tensor(tensor_set *s) { set_get(s, "encoder.final_layer_norm.weight")->dtype = PAD_I32; }

static void test_load_errors(void)
{
    pad_model_config tied = tiny_t5(1, 0), untied = tiny_t5(0, 0);
    float *h1, *h2;
    pad_model *m1 = random_model(&tied, 61, &h1), *m2 = random_model(&untied, 62, &h2);
    const char *wo = "decoder.block.2.layer.2.DenseReluDense.wo.weight";
    const char *wi = "encoder.block.1.layer.1.DenseReluDense.wi.weight";
    expect_load_error(m1, h1, drop_wo, wo, "missing tensor", wo);
    expect_load_error(m2, h2, drop_shared, "shared.weight", "missing tensor", "shared.weight");
    expect_load_error(m1, h1, transpose_wi, wi, "[16, 24]", "[24, 16]");
    expect_load_error(m1, h1, add_extra, "encoder.extra.weight", "unexpected tensor", "t5");
    expect_load_error(m1, h1, int_tensor, "encoder.final_layer_norm.weight", "I32", "floating");

    char dir[512];
    pad_error err;
    pad_model *back = NULL;
    fresh_dir(dir, sizeof dir);
    CHECK(hf_checkpoint_load(dir, be, &back, &err) == PAD_ERR_IO);
    CHECK(strstr(err.file, "config.json") != NULL);
    mkdir(dir, 0755);
    CHECK(hf_config_save(&tied, dir, &err) == PAD_OK);
    CHECK(hf_checkpoint_load(dir, be, &back, &err) == PAD_ERR_IO);
    CHECK(strstr(err.message, "model.safetensors") != NULL && strcmp(err.file, dir) == 0);
    pad_model_free(m1);
    pad_model_free(m2);
    free(h1);
    free(h2);
}

int main(void)
{
    pad_error err;
    be = pad_backend_create("cpu", &err);
    if (!be) {
        fprintf(stderr, "cpu backend: %s\n", err.message);
        return 2;
    }
    RUN(test_roundtrip_t5_tied);
    RUN(test_roundtrip_t5_untied);
    RUN(test_roundtrip_gpt2);
    RUN(test_saved_names);
    RUN(test_bf16_export);
    RUN(test_sharded);
    RUN(test_aliases);
    RUN(test_load_errors);
    pad_backend_destroy(be);
    return check_finish();
}
