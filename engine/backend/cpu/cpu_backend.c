/* pad: the CPU backend object: host memory and the op table.
 *
 * Compiled twice like every file here; each build defines only its own
 * constructor (pad_cpu32_backend_create or pad_cpu64_backend_create). */
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/cpu_internal.h"

/* Cache-line alignment keeps vector loads aligned and rows from sharing lines. */
#define CPU_ALIGN 64

static pad_status cpu_alloc(pad_backend *be, size_t bytes, void **out, pad_error *err)
{
    /* aligned_alloc wants a multiple of the alignment; zero bytes still gets
     * a real, freeable block. */
    size_t rounded = (bytes + CPU_ALIGN - 1) / CPU_ALIGN * CPU_ALIGN;
    if (rounded == 0) rounded = CPU_ALIGN;
    *out = aligned_alloc(CPU_ALIGN, rounded);
    if (!*out)
        return pad_error_set(err, PAD_ERR_NOMEM, "cpu: out of memory allocating %zu bytes",
                             bytes);
    return PAD_OK;
}

static void cpu_free(pad_backend *be, void *ptr) { free(ptr); }

static void cpu_zero(pad_backend *be, void *ptr, size_t bytes)
{
    if (bytes) memset(ptr, 0, bytes);
}

static void cpu_copy(pad_backend *be, void *dst, const void *src, size_t bytes)
{
    if (bytes) memcpy(dst, src, bytes);
}

/* CPU ops run synchronously and cannot fail after allocation. */
static pad_status cpu_sync(pad_backend *be, pad_error *err) { return PAD_OK; }

static void cpu_destroy(pad_backend *be) { free(be); }

static const pad_backend_ops cpu_ops = {
    .alloc = cpu_alloc,
    .free = cpu_free,
    .zero = cpu_zero,
    .upload = cpu_copy,
    .download = cpu_copy,
    .sync = cpu_sync,
    .destroy = cpu_destroy,
    .embedding_fwd = CPU_FN(embedding_fwd),
    .embedding_bwd = CPU_FN(embedding_bwd),
    .rmsnorm_fwd = CPU_FN(rmsnorm_fwd),
    .rmsnorm_bwd = CPU_FN(rmsnorm_bwd),
    .layernorm_fwd = CPU_FN(layernorm_fwd),
    .layernorm_bwd = CPU_FN(layernorm_bwd),
    .matmul_fwd = CPU_FN(matmul_fwd),
    .matmul_bwd = CPU_FN(matmul_bwd),
    .attention_fwd = CPU_FN(attention_fwd),
    .attention_bwd = CPU_FN(attention_bwd),
    .position_bias_fwd = CPU_FN(position_bias_fwd),
    .position_bias_bwd = CPU_FN(position_bias_bwd),
    .relu_fwd = CPU_FN(relu_fwd),
    .relu_bwd = CPU_FN(relu_bwd),
    .gelu_fwd = CPU_FN(gelu_fwd),
    .gelu_bwd = CPU_FN(gelu_bwd),
    .gated_gelu_fwd = CPU_FN(gated_gelu_fwd),
    .gated_gelu_bwd = CPU_FN(gated_gelu_bwd),
    .add = CPU_FN(add),
    .accumulate = CPU_FN(accumulate),
    .scale = CPU_FN(scale),
    .dropout_fwd = CPU_FN(dropout_fwd),
    .dropout_bwd = CPU_FN(dropout_bwd),
    .cross_entropy_fwd = CPU_FN(cross_entropy_fwd),
    .cross_entropy_bwd = CPU_FN(cross_entropy_bwd),
    .copy_rows = CPU_FN(copy_rows),
    .sum = CPU_FN(sum),
    .sum_squares = CPU_FN(sum_squares),
    .adamw = CPU_FN(adamw),
};

pad_backend *CPU_FN(backend_create)(pad_error *err)
{
    pad_backend *be = calloc(1, sizeof *be);
    if (!be) {
        pad_error_set(err, PAD_ERR_NOMEM, "cpu: out of memory creating the backend");
        return NULL;
    }
    be->name = PAD_CPU_F64 ? "cpu64" : "cpu";
    be->device = PAD_DEVICE_CPU;
    be->act_dtype = REAL_DTYPE;
    be->stat_dtype = REAL_DTYPE;
    be->ops = &cpu_ops;
    be->impl = NULL;
    CPU_FN(blas_single_threaded)();
    return be;
}
