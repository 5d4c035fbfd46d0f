/* st_tool: drives pad's safetensors code for tests/interop/test_safetensors_interop.py.
 *
 *   st_tool dump FILE              prints the metadata and every tensor pad reads
 *   st_tool write OUT [--no-bf16]  writes a fixed set of tensors, then prints
 *                                  the values it wrote, in the same format
 *
 * Output, one item a line:  "meta KEY VALUE",  "tensor NAME DTYPE DIMS"
 * (DIMS comma-separated, "-" for a scalar) followed by "values V V ...":
 * floats as %.9g (%.17g for F64, both exact), integers in full. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "io/safetensors.h"

static void print_value(const void *data, pad_dtype dtype, size_t i)
{
    switch (dtype) {
    case PAD_F32: printf(" %.9g", (double)((const float *)data)[i]); break;
    case PAD_F64: printf(" %.17g", ((const double *)data)[i]); break;
    case PAD_BF16: printf(" %.9g", (double)pad_bf16_to_f32(((const uint16_t *)data)[i])); break;
    case PAD_F16: printf(" %.9g", (double)pad_f16_to_f32(((const uint16_t *)data)[i])); break;
    case PAD_I32: printf(" %" PRId32, ((const int32_t *)data)[i]); break;
    case PAD_I64: printf(" %" PRId64, ((const int64_t *)data)[i]); break;
    case PAD_U8: printf(" %u", (unsigned)((const uint8_t *)data)[i]); break;
    default: break;
    }
}

static void print_tensor(const char *name, pad_dtype dtype, int ndim, const int64_t *shape, const void *data)
{
    printf("tensor %s %s ", name, pad_dtype_name(dtype));
    if (ndim == 0) printf("-");
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        printf(i ? ",%" PRId64 : "%" PRId64, shape[i]);
        n *= (size_t)shape[i];
    }
    printf("\nvalues");
    for (size_t i = 0; i < n; i++) print_value(data, dtype, i);
    printf("\n");
}

static int fail(const pad_error *err)
{
    char line[1200];
    pad_error_format(err, line, sizeof line);
    fprintf(stderr, "st_tool: %s\n", line);
    return 1;
}

static int dump(const char *path)
{
    safetensors_file f;
    pad_error err;
    if (safetensors_open(&f, path, &err) != PAD_OK) return fail(&err);
    for (int i = 0; i < f.meta_count; i++) printf("meta %s %s\n", f.meta[i].key, f.meta[i].value);
    for (int i = 0; i < f.count; i++) {
        const safetensors_entry *e = &f.entries[i];
        void *data = malloc(e->end - e->begin + 1);
        if (!data || safetensors_read_raw(&f, e, data, &err) != PAD_OK) {
            free(data);
            safetensors_close(&f);
            return fail(&err);
        }
        print_tensor(e->name, e->dtype, e->ndim, e->shape, data);
        free(data);
    }
    safetensors_close(&f);
    return 0;
}

/* Deterministic values from pad's RNG, so a failure reproduces. */
static int write_sample(const char *path, int with_bf16)
{
    pad_rng rng;
    pad_rng_init(&rng, 2024, 0);
    float w[12], s[1];
    uint16_t bf[5], h[6];
    int64_t ids[6];
    for (int i = 0; i < 12; i++) w[i] = pad_rng_next_normal(&rng);
    for (int i = 0; i < 5; i++) bf[i] = pad_f32_to_bf16(10 * pad_rng_next_normal(&rng));
    for (int i = 0; i < 6; i++) h[i] = pad_f32_to_f16(100 * pad_rng_next_normal(&rng));
    for (int i = 0; i < 6; i++) ids[i] = (int64_t)((uint64_t)pad_rng_next_u32(&rng) << 32 | pad_rng_next_u32(&rng));
    s[0] = pad_rng_next_normal(&rng);

    pad_tensor t[5];
    int n = 0;
    pad_tensor_init(&t[n++], "w.f32", PAD_F32, 2, (int64_t[]){4, 3}, w);
    if (with_bf16) pad_tensor_init(&t[n++], "w.bf16", PAD_BF16, 1, (int64_t[]){5}, bf);
    pad_tensor_init(&t[n++], "w.f16", PAD_F16, 2, (int64_t[]){2, 3}, h);
    pad_tensor_init(&t[n++], "w.i64", PAD_I64, 1, (int64_t[]){6}, ids);
    pad_tensor_init(&t[n++], "w.scalar", PAD_F32, 0, NULL, s);
    safetensors_meta meta = {"source", "st_tool"};
    pad_error err;
    if (safetensors_write(path, t, n, &meta, 1, &err) != PAD_OK) return fail(&err);
    for (int i = 0; i < n; i++) print_tensor(t[i].name, t[i].dtype, t[i].ndim, t[i].shape, t[i].data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "dump") == 0) return dump(argv[2]);
    if (argc >= 3 && argc <= 4 && strcmp(argv[1], "write") == 0)
        return write_sample(argv[2], !(argc == 4 && strcmp(argv[3], "--no-bf16") == 0));
    fprintf(stderr, "usage: st_tool dump FILE | st_tool write OUT [--no-bf16]\n");
    return 2;
}
