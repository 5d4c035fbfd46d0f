#include "io/hf_checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/fs.h"
#include "io/hf_config.h"
#include "io/hf_weights.h"

#define GPT2_PREFIX "transformer."

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int hf_tensor_is_ignorable(const pad_model_config *cfg, const char *name)
{
    if (cfg->arch == PAD_ARCH_T5)
        return strcmp(name, "encoder.embed_tokens.weight") == 0 ||
               strcmp(name, "decoder.embed_tokens.weight") == 0 ||
               (cfg->t5.tie_word_embeddings && strcmp(name, "lm_head.weight") == 0);
    return strcmp(name, "lm_head.weight") == 0 || ends_with(name, ".attn.bias") ||
           ends_with(name, ".attn.masked_bias");
}

/* The file's entry for a parameter: its own name first, then the other
 * names transformers saves or accepts for it. */
static const safetensors_entry *find_param(const hf_weights *w, const pad_model_config *cfg,
                                           const char *name, int *file_index)
{
    const safetensors_entry *e = hf_weights_find(w, name, file_index);
    if (e) return e;
    if (cfg->arch == PAD_ARCH_T5 && strcmp(name, "shared.weight") == 0) {
        e = hf_weights_find(w, "encoder.embed_tokens.weight", file_index);
        return e ? e : hf_weights_find(w, "decoder.embed_tokens.weight", file_index);
    }
    if (cfg->arch == PAD_ARCH_GPT2 && strncmp(name, GPT2_PREFIX, strlen(GPT2_PREFIX)) == 0)
        return hf_weights_find(w, name + strlen(GPT2_PREFIX), file_index);
    return NULL;
}

static void format_shape(char *buf, size_t size, int ndim, const int64_t *shape)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "",
                                 (long long)shape[i]);
    if (used < size) snprintf(buf + used, size - used, "]");
}

static pad_status check_entry(const safetensors_entry *e, const pad_param *p, pad_error *err)
{
    if (e->dtype != PAD_F32 && e->dtype != PAD_BF16 && e->dtype != PAD_F16 && e->dtype != PAD_F64)
        return pad_error_set(err, PAD_ERR_FORMAT, "dtype %s is not a floating type",
                             pad_dtype_name(e->dtype));
    int same = e->ndim == p->ndim;
    for (int i = 0; same && i < p->ndim; i++) same = e->shape[i] == p->shape[i];
    if (same) return PAD_OK;
    char got[96], want[96];
    format_shape(got, sizeof got, e->ndim, e->shape);
    format_shape(want, sizeof want, p->ndim, p->shape);
    return pad_error_set(err, PAD_ERR_FORMAT, "shape %s in the file, but the model expects %s",
                         got, want);
}

/* Which entries of each file a parameter was read from. */
typedef struct used_marks {
    int count;
    unsigned char **marks; /* [file][entry] */
} used_marks;

static void used_free(used_marks *u)
{
    for (int i = 0; i < u->count; i++) free(u->marks[i]);
    free(u->marks);
}

static pad_status used_init(used_marks *u, const hf_weights *w, pad_error *err)
{
    u->count = 0;
    u->marks = calloc((size_t)w->count, sizeof *u->marks);
    if (!u->marks) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (; u->count < w->count; u->count++) {
        u->marks[u->count] = calloc((size_t)w->files[u->count].count + 1, 1);
        if (!u->marks[u->count]) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    }
    return PAD_OK;
}

static pad_status read_params(hf_weights *w, const pad_model *m, float *host, used_marks *used,
                              pad_error *err)
{
    for (int i = 0; i < m->params.count; i++) {
        const pad_param *p = &m->params.items[i];
        int fi = 0;
        const safetensors_entry *e = find_param(w, &m->config, p->name, &fi);
        pad_status st;
        if (!e) st = pad_error_set(err, PAD_ERR_FORMAT, "missing tensor %s", p->name);
        else st = check_entry(e, p, err);
        if (!st) st = safetensors_read_f32(&w->files[fi], e, host + p->offset, err);
        if (st) {
            pad_error_tensor(err, e ? e->name : p->name);
            return pad_error_file(err, e ? w->files[fi].path : w->source);
        }
        used->marks[fi][e - w->files[fi].entries] = 1;
    }
    return PAD_OK;
}

static pad_status check_unused(const hf_weights *w, const pad_model_config *cfg,
                               const used_marks *used, pad_error *err)
{
    for (int fi = 0; fi < w->count; fi++) {
        const safetensors_file *f = &w->files[fi];
        for (int i = 0; i < f->count; i++) {
            const char *name = f->entries[i].name;
            if (used->marks[fi][i] || hf_tensor_is_ignorable(cfg, name)) continue;
            pad_error_set(err, PAD_ERR_FORMAT, "unexpected tensor %s (not a parameter of this %s model)",
                          name, pad_arch_name(cfg->arch));
            pad_error_tensor(err, name);
            return pad_error_file(err, f->path);
        }
    }
    return PAD_OK;
}

/* transformers 5 ties a T5 head whenever the file has no lm_head.weight,
 * whatever tie_word_embeddings says; so does pad, to load the same model. */
static void tie_absent_t5_head(pad_model_config *cfg, const hf_weights *w)
{
    int fi;
    if (cfg->arch == PAD_ARCH_T5 && !cfg->t5.tie_word_embeddings &&
        !hf_weights_find(w, "lm_head.weight", &fi))
        cfg->t5.tie_word_embeddings = 1;
}

static pad_status load_weights(pad_model *m, hf_weights *w, pad_error *err)
{
    pad_status st = PAD_OK;
    used_marks used = {0, NULL};
    float *host = calloc(m->params.buffer_numel, sizeof *host);
    if (!host) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory for %zu parameters",
                                  m->params.buffer_numel);
    if (!st) st = used_init(&used, w, err);
    if (!st) st = read_params(w, m, host, &used, err);
    if (!st) st = check_unused(w, &m->config, &used, err);
    if (!st) st = pad_model_set_params(m, host, err);
    used_free(&used);
    free(host);
    return st;
}

pad_status hf_checkpoint_load(const char *dir, pad_backend *be, pad_model **out, pad_error *err)
{
    *out = NULL;
    char *config_path = pad_path_join(dir, HF_CONFIG_FILE);
    if (!config_path) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_model_config cfg;
    pad_status st = hf_config_load(config_path, &cfg, err);
    free(config_path);
    if (st) return st;
    hf_weights w;
    st = hf_weights_open(&w, dir, err);
    if (st) return st;
    tie_absent_t5_head(&cfg, &w);
    pad_model *m = NULL;
    st = pad_model_create(&m, &cfg, be, err);
    if (st) pad_error_file(err, dir);
    else st = load_weights(m, &w, err);
    hf_weights_close(&w);
    if (st) {
        pad_model_free(m);
        return st;
    }
    *out = m;
    return PAD_OK;
}

/* Tensors viewing `data` (the whole parameter buffer in `dtype`). */
static pad_tensor *param_tensors(const pad_param_table *t, pad_dtype dtype, void *data)
{
    pad_tensor *tensors = calloc((size_t)t->count + 1, sizeof *tensors);
    if (!tensors) return NULL;
    for (int i = 0; i < t->count; i++) {
        const pad_param *p = &t->items[i];
        pad_tensor_init(&tensors[i], p->name, dtype, p->ndim, p->shape,
                        (char *)data + p->offset * pad_dtype_size(dtype));
    }
    return tensors;
}

static pad_status write_weights(pad_model *m, const char *path, pad_dtype dtype, pad_error *err)
{
    size_t n = m->params.buffer_numel;
    float *host = malloc(n * sizeof *host);
    void *data = dtype == PAD_F32 ? host : malloc(n * pad_dtype_size(dtype));
    pad_tensor *tensors = NULL;
    pad_status st = PAD_OK;
    if (!host || !data) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory for %zu parameters", n);
    if (!st) st = pad_model_get_params(m, host, err);
    if (!st && data != host) pad_convert(data, dtype, host, PAD_F32, n);
    if (!st && !(tensors = param_tensors(&m->params, dtype, data)))
        st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    if (!st) st = safetensors_write(path, tensors, m->params.count, NULL, 0, err);
    free(tensors);
    if (data != host) free(data);
    free(host);
    return st ? pad_error_file(err, path) : PAD_OK;
}

pad_status hf_checkpoint_save(pad_model *m, const char *dir, pad_dtype dtype, pad_error *err)
{
    if (dtype != PAD_F32 && dtype != PAD_BF16)
        return pad_error_set(err, PAD_ERR_INVALID, "checkpoints are written in F32 or BF16, not %s",
                             pad_dtype_name(dtype));
    pad_status st = pad_mkdir_p(dir, err);
    if (st) return st;
    char *path = pad_path_join(dir, HF_WEIGHTS_FILE);
    if (!path) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    /* config.json last: a directory whose config exists has its weights */
    st = write_weights(m, path, dtype, err);
    free(path);
    if (!st) st = hf_config_save(&m->config, dir, err);
    return st;
}
