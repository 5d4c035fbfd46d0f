#include "backend/backend.h"

#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#ifdef PAD_HAVE_CUDA
#include "backend/cuda.h"
#endif

pad_backend *pad_backend_create(const char *name, pad_error *err)
{
    if (strcmp(name, "cpu") == 0) return pad_cpu32_backend_create(err);
    if (strcmp(name, "cpu64") == 0) return pad_cpu64_backend_create(err);
#ifdef PAD_HAVE_CUDA
    if (strcmp(name, "cuda") == 0) return pad_cuda_backend_create(err);
    if (strcmp(name, "auto") == 0)
        return pad_cuda_device_count() > 0 ? pad_cuda_backend_create(err)
                                           : pad_cpu32_backend_create(err);
#else
    if (strcmp(name, "auto") == 0) return pad_cpu32_backend_create(err);
    if (strcmp(name, "cuda") == 0) {
        pad_error_set(err, PAD_ERR_UNSUPPORTED, "this pad was built without CUDA");
        return NULL;
    }
#endif
    pad_error_set(err, PAD_ERR_INVALID, "unknown backend '%s' (expected cpu, cuda or auto)", name);
    return NULL;
}

void pad_backend_destroy(pad_backend *be)
{
    if (be) be->ops->destroy(be);
}

/* Moves n values between host and backend memory through a host staging
 * buffer in the backend's dtype. */
static pad_status stage(pad_dtype dev_t, size_t n, void **buf, pad_error *err)
{
    *buf = malloc(n * pad_dtype_size(dev_t) + 1);
    return *buf ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory staging %zu values", n);
}

void pad_backend_read_stats(pad_backend *be, double *host, const void *stat, size_t n)
{
    if (be->stat_dtype == PAD_F64) {
        be->ops->download(be, host, stat, n * sizeof(double));
        return;
    }
    /* Convert in place: the narrow values land in the tail of `host`, and
     * widening element i only overwrites bytes of elements already read. */
    void *tail = (char *)host + n * (sizeof(double) - pad_dtype_size(be->stat_dtype));
    be->ops->download(be, tail, stat, n * pad_dtype_size(be->stat_dtype));
    pad_convert(host, PAD_F64, tail, be->stat_dtype, n);
}

pad_status pad_backend_upload_f32(pad_backend *be, void *dst, const float *host, size_t n,
                                  pad_error *err)
{
    if (be->act_dtype == PAD_F32) {
        be->ops->upload(be, dst, host, n * sizeof(float));
        return PAD_OK;
    }
    void *buf;
    pad_status st = stage(be->act_dtype, n, &buf, err);
    if (st) return st;
    pad_convert(buf, be->act_dtype, host, PAD_F32, n);
    be->ops->upload(be, dst, buf, n * pad_dtype_size(be->act_dtype));
    free(buf);
    return PAD_OK;
}

pad_status pad_backend_download_f32(pad_backend *be, float *host, const void *src, size_t n,
                                    pad_error *err)
{
    if (be->act_dtype == PAD_F32) {
        be->ops->download(be, host, src, n * sizeof(float));
        return PAD_OK;
    }
    void *buf;
    pad_status st = stage(be->act_dtype, n, &buf, err);
    if (st) return st;
    be->ops->download(be, buf, src, n * pad_dtype_size(be->act_dtype));
    pad_convert(host, PAD_F32, buf, be->act_dtype, n);
    free(buf);
    return PAD_OK;
}
