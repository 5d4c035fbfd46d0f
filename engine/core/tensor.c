#include "core/tensor.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *name;
    size_t size;
} dtype_info[PAD_DTYPE_COUNT] = {
    [PAD_F32] = {"F32", 4}, [PAD_F64] = {"F64", 8}, [PAD_BF16] = {"BF16", 2},
    [PAD_F16] = {"F16", 2}, [PAD_I32] = {"I32", 4}, [PAD_I64] = {"I64", 8},
    [PAD_U8] = {"U8", 1},
};

size_t pad_dtype_size(pad_dtype t) { return (unsigned)t < PAD_DTYPE_COUNT ? dtype_info[t].size : 0; }

const char *pad_dtype_name(pad_dtype t) { return (unsigned)t < PAD_DTYPE_COUNT ? dtype_info[t].name : "?"; }

int pad_dtype_from_name(const char *name, pad_dtype *out)
{
    for (int i = 0; i < PAD_DTYPE_COUNT; i++) {
        if (strcmp(name, dtype_info[i].name) == 0) {
            *out = (pad_dtype)i;
            return 0;
        }
    }
    return -1;
}

int64_t pad_tensor_numel(const pad_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= t->shape[i];
    return n;
}

size_t pad_tensor_nbytes(const pad_tensor *t) { return (size_t)pad_tensor_numel(t) * pad_dtype_size(t->dtype); }

void pad_tensor_init(pad_tensor *t, const char *name, pad_dtype dtype, int ndim, const int64_t *shape, void *data)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    t->dtype = dtype;
    t->device = PAD_DEVICE_CPU;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
    t->data = data;
}

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

float pad_bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }

uint16_t pad_f32_to_bf16(float f)
{
    uint32_t u = f32_bits(f);
    if (isnan(f)) return (uint16_t)((u >> 16) | 0x40); /* keep it a quiet NaN */
    u += 0x7FFF + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

float pad_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F;
    uint32_t mant = h & 0x3FF;
    if (exp == 0x1F) return bits_f32(sign | 0x7F800000u | (mant << 13));
    if (exp == 0) { /* zero or subnormal: value = mant * 2^-24 */
        float v = (float)mant * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    return bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t pad_f32_to_f16(float f)
{
    uint32_t u = f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    uint32_t absu = u & 0x7FFFFFFFu;
    if (absu >= 0x7F800000u) return sign | 0x7C00 | (absu > 0x7F800000u ? 0x200 : 0);
    if (absu >= 0x477FF000u) return sign | 0x7C00; /* rounds to >= 65520: infinity */
    if (absu < 0x38800000u) { /* below 2^-14: subnormal half, round to nearest even */
        float a = bits_f32(absu);
        float scaled = a * 16777216.0f; /* units of 2^-24; exact in float */
        return sign | (uint16_t)nearbyintf(scaled);
    }
    uint32_t mant = absu + 0xFFF + ((absu >> 13) & 1);
    return sign | (uint16_t)((mant - 0x38000000u) >> 13);
}

static double load_f64(const void *src, pad_dtype t, size_t i)
{
    switch (t) {
    case PAD_F32: return ((const float *)src)[i];
    case PAD_F64: return ((const double *)src)[i];
    case PAD_BF16: return pad_bf16_to_f32(((const uint16_t *)src)[i]);
    case PAD_F16: return pad_f16_to_f32(((const uint16_t *)src)[i]);
    default: return 0.0;
    }
}

static void store_f64(void *dst, pad_dtype t, size_t i, double v)
{
    switch (t) {
    case PAD_F32: ((float *)dst)[i] = (float)v; break;
    case PAD_F64: ((double *)dst)[i] = v; break;
    case PAD_BF16: ((uint16_t *)dst)[i] = pad_f32_to_bf16((float)v); break;
    case PAD_F16: ((uint16_t *)dst)[i] = pad_f32_to_f16((float)v); break;
    default: break;
    }
}

void pad_convert(void *dst, pad_dtype dst_t, const void *src, pad_dtype src_t, size_t n)
{
    if (dst_t == src_t) {
        memmove(dst, src, n * pad_dtype_size(src_t));
        return;
    }
    /* through double, which holds every source exactly; the 16-bit formats
     * are reached through float, as PyTorch's casts do */
    for (size_t i = 0; i < n; i++) {
        double v = load_f64(src, src_t, i);
        if (dst_t == PAD_BF16 || dst_t == PAD_F16) store_f64(dst, dst_t, i, (double)(float)v);
        else store_f64(dst, dst_t, i, v);
    }
}
