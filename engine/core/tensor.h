/* pad: tensor descriptors and dtypes.
 *
 * A descriptor names memory it does not own: the owner is whoever allocated
 * `data` (a model's parameter buffer, an arena, a backend allocation). */
#ifndef PAD_CORE_TENSOR_H
#define PAD_CORE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#define PAD_MAX_DIMS 8

typedef enum pad_dtype {
    PAD_F32 = 0,
    PAD_F64,
    PAD_BF16,
    PAD_F16,
    PAD_I32,
    PAD_I64,
    PAD_U8,
    PAD_DTYPE_COUNT
} pad_dtype;

typedef enum pad_device {
    PAD_DEVICE_CPU = 0,
    PAD_DEVICE_CUDA
} pad_device;

typedef struct pad_tensor {
    const char *name;   /* may be NULL */
    pad_dtype dtype;
    pad_device device;
    int ndim;
    int64_t shape[PAD_MAX_DIMS];
    void *data;         /* contiguous, row-major */
} pad_tensor;

size_t pad_dtype_size(pad_dtype t);
/* "F32", "BF16", ... as safetensors spells them. */
const char *pad_dtype_name(pad_dtype t);
/* Returns 0 and sets *out when `name` is a known safetensors dtype, else -1. */
int pad_dtype_from_name(const char *name, pad_dtype *out);

int64_t pad_tensor_numel(const pad_tensor *t);
size_t pad_tensor_nbytes(const pad_tensor *t);
/* Sets name, dtype, device CPU, shape and data in one call. */
void pad_tensor_init(pad_tensor *t, const char *name, pad_dtype dtype, int ndim,
                     const int64_t *shape, void *data);

/* Scalar conversions between floating storage formats.  bf16 and f16 round to
 * nearest even, as PyTorch does. */
float pad_bf16_to_f32(uint16_t h);
uint16_t pad_f32_to_bf16(float f);
float pad_f16_to_f32(uint16_t h);
uint16_t pad_f32_to_f16(float f);

/* Convert n floating values between F32, F64, BF16 and F16 (host memory). */
void pad_convert(void *dst, pad_dtype dst_t, const void *src, pad_dtype src_t, size_t n);

#endif
