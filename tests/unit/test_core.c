/* Core room: errors, arena, Philox, dtype conversions. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"

static void test_error_context(void)
{
    pad_error e;
    pad_error_clear(&e);
    CHECK(pad_error_set(&e, PAD_ERR_FORMAT, "bad %s %d", "value", 7) == PAD_ERR_FORMAT);
    pad_error_tensor(&e, "encoder.w");
    pad_error_file(&e, "/tmp/a.safetensors");
    pad_error_file(&e, "/outer/ignored"); /* innermost context wins */
    pad_error_line(&e, 12);
    char buf[256];
    pad_error_format(&e, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "/tmp/a.safetensors:12: tensor 'encoder.w': bad value 7") == 0, "%s", buf);

    pad_error_set(&e, PAD_ERR_CONFIG, "must be > 0");
    pad_error_json_path(&e, "stages[1].lr");
    pad_error_format(&e, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "stages[1].lr: must be > 0") == 0, "%s", buf);

    /* a tiny buffer truncates, never overflows */
    char small[8];
    pad_error_format(&e, small, sizeof small);
    CHECK(strlen(small) == 7);
    /* NULL error pointers are allowed everywhere */
    CHECK(pad_error_set(NULL, PAD_ERR_IO, "x") == PAD_ERR_IO);
    CHECK(pad_error_file(NULL, "f") == PAD_ERR_IO); /* the code travels without a struct */
    pad_error_set(NULL, PAD_ERR_FORMAT, "y");
    CHECK(pad_error_tensor(NULL, "t") == PAD_ERR_FORMAT && pad_error_line(NULL, 3) == PAD_ERR_FORMAT);
}

static void test_arena(void)
{
    pad_arena a;
    pad_arena_init(&a, 256);
    char *prev = NULL;
    int distinct = 1;
    for (int i = 0; i < 100; i++) { /* spans many blocks */
        char *p = pad_arena_alloc(&a, (size_t)(i % 37) + 1);
        CHECK(p && ((uintptr_t)p & 15) == 0);
        memset(p, i, (size_t)(i % 37) + 1);
        if (p == prev) distinct = 0;
        prev = p;
    }
    CHECK(distinct);
    char *big = pad_arena_alloc(&a, 10000); /* larger than a block */
    CHECK(big != NULL);
    memset(big, 1, 10000);
    char *s = pad_arena_strdup(&a, "relative_attention_bias");
    CHECK(strcmp(s, "relative_attention_bias") == 0);
    int *z = pad_arena_calloc(&a, 50, sizeof(int));
    int all_zero = 1;
    for (int i = 0; i < 50; i++) all_zero &= z[i] == 0;
    CHECK(all_zero);
    CHECK(pad_arena_calloc(&a, SIZE_MAX / 2, 4) == NULL); /* overflow refused */
    pad_arena_reset(&a);
    CHECK(a.bytes_used == 0 && a.head != NULL);
    CHECK(pad_arena_alloc(&a, 100) != NULL);
    pad_arena_free(&a);
    CHECK(a.head == NULL);
}

/* Known-answer vectors published with Random123 (Salmon et al., SC'11). */
static void test_philox_known_answers(void)
{
    static const uint32_t cases[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    for (int c = 0; c < 3; c++) {
        uint32_t out[4];
        pad_philox4x32(cases[c], cases[c] + 4, out);
        CHECK_MSG(memcmp(out, cases[c] + 6, sizeof out) == 0, "case %d: %08x %08x %08x %08x", c,
                  out[0], out[1], out[2], out[3]);
    }
}

static void test_rng_streams(void)
{
    /* sequential draws equal direct indexing: state is (seed, stream, index) */
    pad_rng r;
    pad_rng_init(&r, 1234, 5);
    int same = 1;
    for (uint64_t i = 0; i < 64; i++) same &= pad_rng_next_u32(&r) == pad_rng_u32_at(1234, 5, i);
    CHECK(same);
    CHECK(pad_rng_u32_at(1234, 5, 0) != pad_rng_u32_at(1234, 6, 0));
    CHECK(pad_rng_u32_at(1234, 5, 0) != pad_rng_u32_at(1235, 5, 0));

    /* uniform in [0,1) with mean 1/2; normal with mean 0, variance 1 */
    double su = 0, sn = 0, sn2 = 0;
    int in_range = 1;
    const int n = 200000;
    pad_rng_init(&r, 99, 0);
    for (int i = 0; i < n; i++) {
        float u = pad_rng_next_uniform(&r);
        in_range &= u >= 0.0f && u < 1.0f;
        su += u;
    }
    for (int i = 0; i < n; i++) {
        double x = pad_rng_next_normal(&r);
        sn += x;
        sn2 += x * x;
    }
    CHECK(in_range);
    CHECK(fabs(su / n - 0.5) < 0.005);
    CHECK(fabs(sn / n) < 0.01);
    CHECK(fabs(sn2 / n - 1.0) < 0.02);

    int counts[7] = {0};
    for (int i = 0; i < 70000; i++) counts[pad_rng_next_below(&r, 7)]++;
    int balanced = 1;
    for (int k = 0; k < 7; k++) balanced &= counts[k] > 9500 && counts[k] < 10500;
    CHECK(balanced);
}

static void test_half_conversions(void)
{
    /* exact values and round-to-nearest-even cases */
    CHECK(pad_f32_to_bf16(1.0f) == 0x3F80);
    CHECK(pad_f32_to_bf16(-2.5f) == 0xC020);
    CHECK(pad_bf16_to_f32(0x3F80) == 1.0f);
    CHECK(pad_f32_to_bf16(1.00390625f) == 0x3F80);  /* halfway: ties to even (down) */
    CHECK(pad_f32_to_bf16(1.01171875f) == 0x3F82);  /* halfway: ties to even (up) */
    CHECK(pad_f32_to_f16(1.0f) == 0x3C00);
    CHECK(pad_f32_to_f16(65504.0f) == 0x7BFF);
    CHECK(pad_f32_to_f16(65520.0f) == 0x7C00);      /* overflows to infinity */
    CHECK(pad_f32_to_f16(5.9604645e-08f) == 0x0001); /* smallest subnormal */
    CHECK(pad_f16_to_f32(0x0001) == 5.9604645e-08f);
    CHECK(pad_f16_to_f32(0xC000) == -2.0f);
    CHECK(pad_f32_to_f16(1.0f + 1.0f / 2048) == 0x3C00); /* tie to even */
    CHECK(isnan(pad_bf16_to_f32(pad_f32_to_bf16(NAN))));
    CHECK(isnan(pad_f16_to_f32(pad_f32_to_f16(NAN))));

    /* every f16 bit pattern survives f16 -> f32 -> f16 */
    int all = 1;
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF)) continue; /* NaN payloads */
        all &= pad_f32_to_f16(pad_f16_to_f32((uint16_t)h)) == h;
    }
    CHECK(all);

    float src[5] = {0.1f, -3.75f, 1e-3f, 123.456f, -0.0f};
    uint16_t b[5];
    double d[5];
    pad_convert(b, PAD_BF16, src, PAD_F32, 5);
    pad_convert(d, PAD_F64, b, PAD_BF16, 5);
    int close = 1;
    for (int i = 0; i < 5; i++) close &= fabs(d[i] - src[i]) <= fabs(src[i]) / 128;
    CHECK(close);
    CHECK(pad_dtype_size(PAD_BF16) == 2 && pad_dtype_size(PAD_I64) == 8);
    pad_dtype t;
    CHECK(pad_dtype_from_name("BF16", &t) == 0 && t == PAD_BF16);
    CHECK(pad_dtype_from_name("Q4", &t) == -1);
}

int main(void)
{
    RUN(test_error_context);
    RUN(test_arena);
    RUN(test_philox_known_answers);
    RUN(test_rng_streams);
    RUN(test_half_conversions);
    return check_finish();
}
