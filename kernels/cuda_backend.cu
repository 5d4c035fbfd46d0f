/* pad: the CUDA backend object: device memory, one stream, the cuBLASLt
 * handle and workspace, sticky errors, and the op table.
 *
 * Every op is queued on the backend's own stream.  Copies to and from the
 * host wait for the stream, since callers free or read the host buffer as
 * soon as the call returns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_common.cuh"

/* NVIDIA suggests 32 MiB of cuBLASLt workspace on Hopper. */
#define CUDA_WORKSPACE_BYTES ((size_t)32 << 20)

static void record(cuda_state *s, const char *what, const char *why)
{
    if (s->failed != PAD_OK) return; /* the first failure is the informative one */
    s->failed = PAD_ERR_BACKEND;
    snprintf(s->message, sizeof s->message, "cuda: %s: %s", what, why);
}

void cuda_fail(pad_backend *be, const char *what, const char *why)
{
    record(cuda_st(be), what, why);
}

int cuda_check(pad_backend *be, cudaError_t e, const char *what)
{
    if (e == cudaSuccess) return 0;
    /* reset the runtime's last error, so a later launch check does not report
     * this one again (a sticky error stays and fails every later call) */
    cudaGetLastError();
    record(cuda_st(be), what, cudaGetErrorString(e));
    return 1;
}

int cuda_check_blas(pad_backend *be, cublasStatus_t s, const char *what)
{
    if (s == CUBLAS_STATUS_SUCCESS) return 0;
    record(cuda_st(be), what, cublasLtGetStatusString(s));
    return 1;
}

void *cuda_scratch(pad_backend *be, size_t bytes)
{
    void *p = NULL;
    cudaError_t e = cudaMallocAsync(&p, bytes ? bytes : 16, cuda_stream(be));
    if (cuda_check(be, e, "scratch allocation")) return NULL;
    return p;
}

void cuda_scratch_free(pad_backend *be, void *p)
{
    if (p) cuda_check(be, cudaFreeAsync(p, cuda_stream(be)), "scratch free");
}

static pad_status cuda_alloc(pad_backend *be, size_t bytes, void **out, pad_error *err)
{
    /* zero bytes still gets a real, freeable block, as on the CPU */
    cudaError_t e = cudaMalloc(out, bytes ? bytes : 256);
    if (e == cudaSuccess) return PAD_OK;
    cudaGetLastError();
    *out = NULL;
    return pad_error_set(err, e == cudaErrorMemoryAllocation ? PAD_ERR_NOMEM : PAD_ERR_BACKEND,
                         "cuda: allocating %zu bytes: %s", bytes, cudaGetErrorString(e));
}

static void cuda_free(pad_backend *be, void *ptr)
{
    if (ptr) cuda_check(be, cudaFree(ptr), "cudaFree");
}

static void cuda_zero(pad_backend *be, void *ptr, size_t bytes)
{
    if (bytes) cuda_check(be, cudaMemsetAsync(ptr, 0, bytes, cuda_stream(be)), "cudaMemsetAsync");
}

static void copy_and_wait(pad_backend *be, void *dst, const void *src, size_t bytes,
                          cudaMemcpyKind kind, const char *what)
{
    if (!bytes) return;
    if (cuda_check(be, cudaMemcpyAsync(dst, src, bytes, kind, cuda_stream(be)), what)) return;
    cuda_check(be, cudaStreamSynchronize(cuda_stream(be)), what);
}

static void cuda_upload(pad_backend *be, void *dst, const void *host_src, size_t bytes)
{
    copy_and_wait(be, dst, host_src, bytes, cudaMemcpyHostToDevice, "upload");
}

static void cuda_download(pad_backend *be, void *host_dst, const void *src, size_t bytes)
{
    copy_and_wait(be, host_dst, src, bytes, cudaMemcpyDeviceToHost, "download");
}

static pad_status cuda_sync(pad_backend *be, pad_error *err)
{
    cuda_state *s = cuda_st(be);
    cuda_check(be, cudaStreamSynchronize(s->stream), "cudaStreamSynchronize");
    if (s->failed == PAD_OK) return PAD_OK;
    pad_status code = s->failed;
    pad_error_set(err, code, "%s", s->message);
    s->failed = PAD_OK;
    s->message[0] = '\0';
    return code;
}

/* Releases whatever part of the state was set up (creation may stop midway). */
static void release_state(cuda_state *s)
{
    if (s->stream) cudaStreamSynchronize(s->stream);
    if (s->lt) cublasLtDestroy(s->lt);
    if (s->workspace) cudaFree(s->workspace);
    if (s->stream) cudaStreamDestroy(s->stream);
    free(s);
}

static void cuda_destroy(pad_backend *be)
{
    release_state(cuda_st(be));
    free(be);
}

static const pad_backend_ops cuda_ops = {
    .alloc = cuda_alloc,
    .free = cuda_free,
    .zero = cuda_zero,
    .upload = cuda_upload,
    .download = cuda_download,
    .sync = cuda_sync,
    .destroy = cuda_destroy,
    .embedding_fwd = cuda_embedding_fwd,
    .embedding_bwd = cuda_embedding_bwd,
    .rmsnorm_fwd = cuda_rmsnorm_fwd,
    .rmsnorm_bwd = cuda_rmsnorm_bwd,
    .layernorm_fwd = cuda_layernorm_fwd,
    .layernorm_bwd = cuda_layernorm_bwd,
    .matmul_fwd = cuda_matmul_fwd,
    .matmul_bwd = cuda_matmul_bwd,
    .attention_fwd = cuda_attention_fwd,
    .attention_bwd = cuda_attention_bwd,
    .position_bias_fwd = cuda_position_bias_fwd,
    .position_bias_bwd = cuda_position_bias_bwd,
    .relu_fwd = cuda_relu_fwd,
    .relu_bwd = cuda_relu_bwd,
    .gelu_fwd = cuda_gelu_fwd,
    .gelu_bwd = cuda_gelu_bwd,
    .gated_gelu_fwd = cuda_gated_gelu_fwd,
    .gated_gelu_bwd = cuda_gated_gelu_bwd,
    .add = cuda_add,
    .accumulate = cuda_accumulate,
    .scale = cuda_scale,
    .dropout_fwd = cuda_dropout_fwd,
    .dropout_bwd = cuda_dropout_bwd,
    .cross_entropy_fwd = cuda_cross_entropy_fwd,
    .cross_entropy_bwd = cuda_cross_entropy_bwd,
    .copy_rows = cuda_copy_rows,
    .sum = cuda_sum,
    .sum_squares = cuda_sum_squares,
    .adamw = cuda_adamw,
};

/* Device checks, stream, workspace, memory pool and cuBLASLt; on failure fills
 * err and returns its code (release_state undoes what was done). */
static pad_status setup_state(cuda_state *s, pad_error *err)
{
    cudaError_t e;
    const char *what;
    int major = 0;
    if ((e = cudaGetDevice(&s->device)) != cudaSuccess) { what = "cudaGetDevice"; goto fail; }
    what = "cudaDeviceGetAttribute";
    if ((e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, s->device)))
        goto fail;
    if ((e = cudaDeviceGetAttribute(&s->sm_count, cudaDevAttrMultiProcessorCount, s->device)))
        goto fail;
    if (major < 9)
        return pad_error_set(err, PAD_ERR_UNSUPPORTED,
                             "cuda: device %d has compute capability %d.x; pad's kernels are "
                             "built for sm_90 (Hopper) and newer", s->device, major);
    what = "cudaStreamCreate";
    if ((e = cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking))) goto fail;
    what = "cudaMalloc (cuBLASLt workspace)";
    if ((e = cudaMalloc(&s->workspace, CUDA_WORKSPACE_BYTES))) goto fail;
    s->workspace_bytes = CUDA_WORKSPACE_BYTES;
    {
        /* scratch memory comes from the stream-ordered pool; keep what it has
         * grown to instead of returning it to the driver at every sync */
        cudaMemPool_t pool;
        uint64_t keep = UINT64_MAX;
        what = "cudaDeviceGetDefaultMemPool";
        if ((e = cudaDeviceGetDefaultMemPool(&pool, s->device))) goto fail;
        if ((e = cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep))) goto fail;
    }
    {
        cublasStatus_t bs = cublasLtCreate(&s->lt);
        if (bs != CUBLAS_STATUS_SUCCESS) {
            s->lt = NULL;
            return pad_error_set(err, PAD_ERR_BACKEND, "cuda: cublasLtCreate: %s",
                                 cublasLtGetStatusString(bs));
        }
    }
    return PAD_OK;
fail:
    cudaGetLastError();
    return pad_error_set(err, e == cudaErrorMemoryAllocation ? PAD_ERR_NOMEM : PAD_ERR_BACKEND,
                         "cuda: %s: %s", what, cudaGetErrorString(e));
}

extern "C" pad_backend *pad_cuda_backend_create(pad_error *err)
{
    if (pad_cuda_device_count() == 0) {
        pad_error_set(err, PAD_ERR_UNSUPPORTED, "cuda: no CUDA device is visible");
        return NULL;
    }
    pad_backend *be = (pad_backend *)calloc(1, sizeof *be);
    cuda_state *s = (cuda_state *)calloc(1, sizeof *s);
    if (!be || !s) {
        free(be);
        free(s);
        pad_error_set(err, PAD_ERR_NOMEM, "cuda: out of memory creating the backend");
        return NULL;
    }
    if (setup_state(s, err) != PAD_OK) {
        release_state(s);
        free(be);
        return NULL;
    }
    be->name = "cuda";
    be->device = PAD_DEVICE_CUDA;
    be->act_dtype = PAD_BF16;
    be->stat_dtype = PAD_F32;
    be->ops = &cuda_ops;
    be->impl = s;
    return be;
}

extern "C" int pad_cuda_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError(); /* no driver or no device: not an error for "auto" */
        return 0;
    }
    return n;
}

extern "C" void *pad_cuda_backend_stream(pad_backend *be) { return (void *)cuda_st(be)->stream; }
