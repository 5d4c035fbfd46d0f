#include "model/model.h"

#include <stdlib.h>
#include <string.h>

#include "model/family.h"

static const pad_model_family *family_of(pad_arch arch)
{
    return arch == PAD_ARCH_T5 ? &t5_family : &gpt2_family;
}

const char *pad_arch_name(pad_arch a) { return a == PAD_ARCH_T5 ? "t5" : "gpt2"; }

pad_status pad_model_create(pad_model **out, const pad_model_config *cfg, pad_backend *be,
                            pad_error *err)
{
    *out = NULL;
    pad_model *m = calloc(1, sizeof *m);
    if (!m) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for model");
    m->config = *cfg;
    m->be = be;
    pad_param_table_init(&m->params);
    pad_status st = family_of(cfg->arch)->build_params(cfg, &m->params, err);
    size_t bytes = m->params.buffer_numel * pad_dtype_size(be->act_dtype);
    if (!st) st = be->ops->alloc(be, bytes, &m->param_buf, err);
    if (!st) st = be->ops->alloc(be, bytes, &m->grad_buf, err);
    if (st) {
        pad_model_free(m);
        return st;
    }
    be->ops->zero(be, m->param_buf, bytes);
    be->ops->zero(be, m->grad_buf, bytes);
    *out = m;
    return PAD_OK;
}

void pad_model_free(pad_model *m)
{
    if (!m) return;
    family_of(m->config.arch)->free_state(m);
    if (m->param_buf) m->be->ops->free(m->be, m->param_buf);
    if (m->grad_buf) m->be->ops->free(m->be, m->grad_buf);
    pad_param_table_free(&m->params);
    free(m);
}

pad_status pad_model_init_random(pad_model *m, uint64_t seed, pad_error *err)
{
    size_t n = m->params.buffer_numel;
    float *host = calloc(n, sizeof *host);
    if (!host) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory initialising parameters");
    family_of(m->config.arch)->init_params(&m->config, &m->params, host, seed);
    pad_status st = pad_model_set_params(m, host, err);
    free(host);
    return st;
}

pad_status pad_model_forward(pad_model *m, const pad_batch *b, double *loss, pad_error *err)
{
    if (m->training) m->dropout_step++;
    return family_of(m->config.arch)->forward(m, b, loss, err);
}

pad_status pad_model_backward(pad_model *m, pad_error *err)
{
    return family_of(m->config.arch)->backward(m, err);
}

pad_status pad_model_grads_ready(pad_model *m, size_t begin, size_t end, pad_error *err)
{
    if (!m->grads_ready || end <= begin) return PAD_OK;
    return m->grads_ready(m->grads_ready_ctx, begin, end - begin, err);
}

void pad_model_zero_grad(pad_model *m)
{
    m->be->ops->zero(m->be, m->grad_buf, m->params.buffer_numel * pad_dtype_size(m->be->act_dtype));
}

pad_status pad_model_get_params(pad_model *m, float *host, pad_error *err)
{
    return pad_backend_download_f32(m->be, host, m->param_buf, m->params.buffer_numel, err);
}

pad_status pad_model_set_params(pad_model *m, const float *host, pad_error *err)
{
    return pad_backend_upload_f32(m->be, m->param_buf, host, m->params.buffer_numel, err);
}

pad_status pad_model_get_grads(pad_model *m, float *host, pad_error *err)
{
    return pad_backend_download_f32(m->be, host, m->grad_buf, m->params.buffer_numel, err);
}
