#include "core/rng.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void pad_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t)p1;
        c3 = (uint32_t)p0;
        c0 = n0;
        c2 = n2;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

uint32_t pad_rng_u32_at(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t block = index >> 2;
    uint32_t ctr[4] = {(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)stream, (uint32_t)(stream >> 32)};
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    uint32_t out[4];
    pad_philox4x32(ctr, key, out);
    return out[index & 3];
}

float pad_rng_uniform_at(uint64_t seed, uint64_t stream, uint64_t index)
{
    return (float)(pad_rng_u32_at(seed, stream, index) >> 8) * (1.0f / 16777216.0f);
}

void pad_rng_init(pad_rng *r, uint64_t seed, uint64_t stream)
{
    r->seed = seed;
    r->stream = stream;
    r->index = 0;
}

uint32_t pad_rng_next_u32(pad_rng *r) { return pad_rng_u32_at(r->seed, r->stream, r->index++); }

float pad_rng_next_uniform(pad_rng *r) { return (float)(pad_rng_next_u32(r) >> 8) * (1.0f / 16777216.0f); }

float pad_rng_next_normal(pad_rng *r)
{
    /* 1 - u keeps the log argument in (0, 1] */
    double u1 = 1.0 - (double)pad_rng_next_uniform(r);
    double u2 = (double)pad_rng_next_uniform(r);
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
}

uint32_t pad_rng_next_below(pad_rng *r, uint32_t n)
{
    uint32_t limit = UINT32_MAX - UINT32_MAX % n; /* reject the uneven tail */
    uint32_t x;
    do x = pad_rng_next_u32(r);
    while (x >= limit);
    return x % n;
}
