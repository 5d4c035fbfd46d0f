/* pad_forward: one forward pass of a checkpoint, for tests/interop/hf_parity.py.
 *
 *   pad_forward CKPT_DIR INPUT.safetensors OUTPUT.safetensors
 *
 * INPUT holds I32 or I64 tensors [B, T]: input_ids and labels (required),
 * attention_mask and, for T5, decoder_input_ids (optional: labels shifted
 * right otherwise).  OUTPUT gets "logits" (F32 [B, T, vocab], T of the
 * decoder for T5) and "loss" (F64 [1], the mean cross-entropy). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/hf_checkpoint.h"
#include "io/safetensors.h"

typedef struct int_input {
    int32_t *data;
    int rows, cols;
} int_input;

/* Reads an optional [B, T] integer tensor as int32. */
static pad_status read_ids(safetensors_file *f, const char *name, int_input *out, pad_error *err)
{
    memset(out, 0, sizeof *out);
    const safetensors_entry *e = safetensors_find(f, name);
    if (!e) return PAD_OK;
    if (e->ndim != 2 || (e->dtype != PAD_I32 && e->dtype != PAD_I64)) {
        pad_error_set(err, PAD_ERR_FORMAT, "expected an I32 or I64 matrix");
        return pad_error_tensor(err, name);
    }
    size_t n = (size_t)(e->shape[0] * e->shape[1]);
    void *raw = malloc(n * pad_dtype_size(e->dtype) + 1);
    out->data = malloc(n * sizeof *out->data + 1);
    if (!raw || !out->data) {
        free(raw);
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    }
    pad_status st = safetensors_read_raw(f, e, raw, err);
    for (size_t i = 0; !st && i < n; i++)
        out->data[i] = e->dtype == PAD_I32 ? ((int32_t *)raw)[i] : (int32_t)((int64_t *)raw)[i];
    free(raw);
    out->rows = (int)e->shape[0];
    out->cols = (int)e->shape[1];
    return st;
}

enum { IN_IDS, IN_MASK, IN_LABELS, IN_DEC_IDS, IN_COUNT };
static const char *const input_names[IN_COUNT] = {"input_ids", "attention_mask", "labels",
                                                  "decoder_input_ids"};

static pad_status read_inputs(const char *path, int_input in[IN_COUNT], pad_error *err)
{
    safetensors_file f;
    pad_status st = safetensors_open(&f, path, err);
    for (int i = 0; !st && i < IN_COUNT; i++) st = read_ids(&f, input_names[i], &in[i], err);
    if (!st && (!in[IN_IDS].data || !in[IN_LABELS].data))
        st = pad_error_set(err, PAD_ERR_FORMAT, "input_ids and labels are required");
    if (!f.path) return st;
    safetensors_close(&f);
    return st ? pad_error_file(err, path) : PAD_OK;
}

static pad_batch make_batch(const pad_model *m, const int_input in[IN_COUNT])
{
    pad_batch b = {0};
    b.B = in[IN_IDS].rows;
    b.T_src = in[IN_IDS].cols;
    b.src_ids = in[IN_IDS].data;
    b.src_mask = in[IN_MASK].data;
    b.labels = in[IN_LABELS].data;
    if (m->config.arch == PAD_ARCH_T5) {
        b.T_tgt = in[IN_LABELS].cols;
        b.tgt_ids = in[IN_DEC_IDS].data;
    }
    return b;
}

static pad_status write_outputs(pad_model *m, const pad_batch *b, double loss, const char *path,
                                pad_error *err)
{
    int vocab = m->config.arch == PAD_ARCH_T5 ? m->config.t5.vocab_size : m->config.gpt2.vocab_size;
    size_t n = (size_t)m->logits_rows * (size_t)vocab;
    float *logits = malloc(n * sizeof *logits + 1);
    if (!logits) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_status st = pad_backend_download_f32(m->be, logits, m->logits, n, err);
    pad_tensor t[2];
    int64_t shape[3] = {b->B, m->logits_rows / b->B, vocab}, one = 1;
    pad_tensor_init(&t[0], "logits", PAD_F32, 3, shape, logits);
    pad_tensor_init(&t[1], "loss", PAD_F64, 1, &one, &loss);
    if (!st) st = safetensors_write(path, t, 2, NULL, 0, err);
    free(logits);
    return st;
}

static int fail(const pad_error *err)
{
    char line[1400];
    pad_error_format(err, line, sizeof line);
    fprintf(stderr, "pad_forward: %s\n", line);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pad_forward CKPT_DIR INPUT.safetensors OUTPUT.safetensors\n");
        return 2;
    }
    pad_error err;
    pad_error_clear(&err);
    int_input in[IN_COUNT] = {{0}};
    pad_model *m = NULL;
    pad_backend *be = pad_backend_create("cpu", &err);
    pad_status st = be ? PAD_OK : err.code;
    if (!st) st = read_inputs(argv[2], in, &err);
    if (!st) st = hf_checkpoint_load(argv[1], be, &m, &err);
    double loss = 0;
    pad_batch b;
    if (!st) {
        b = make_batch(m, in);
        st = pad_model_forward(m, &b, &loss, &err);
    }
    if (!st) st = be->ops->sync(be, &err);
    if (!st) st = write_outputs(m, &b, loss, argv[3], &err);
    pad_model_free(m);
    pad_backend_destroy(be);
    for (int i = 0; i < IN_COUNT; i++) free(in[i].data);
    return st ? fail(&err) : 0;
}
