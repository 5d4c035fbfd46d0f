/* pad: Philox4x32-10 on the device, bit for bit the generator of
 * engine/core/rng.c, so dropout masks match the CPU backend's exactly. */
#ifndef PAD_KERNELS_PHILOX_CUH
#define PAD_KERNELS_PHILOX_CUH

#include <stdint.h>

/* The index-th 32-bit value of (seed, stream): counter = (index / 4, stream),
 * key = seed, word index % 4, as pad_rng_u32_at. */
__device__ __forceinline__ uint32_t philox_u32_at(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t block = index >> 2;
    uint32_t c0 = (uint32_t)block, c1 = (uint32_t)(block >> 32);
    uint32_t c2 = (uint32_t)stream, c3 = (uint32_t)(stream >> 32);
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
#pragma unroll
    for (int round = 0; round < 10; round++) {
        uint32_t hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        uint32_t hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        uint32_t n0 = hi1 ^ c1 ^ k0;
        uint32_t n2 = hi0 ^ c3 ^ k1;
        c1 = lo1;
        c3 = lo0;
        c0 = n0;
        c2 = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    /* selects without a run-time-indexed array (which would go to local memory) */
    uint32_t w = index & 3;
    return w == 0 ? c0 : w == 1 ? c1 : w == 2 ? c2 : c3;
}

/* Uniform in [0, 1) with 24 random bits: the conversion and the scaling by a
 * power of two are exact, so the float equals pad_rng_uniform_at's. */
__device__ __forceinline__ float philox_uniform_at(uint64_t seed, uint64_t stream, uint64_t index)
{
    return (float)(philox_u32_at(seed, stream, index) >> 8) * (1.0f / 16777216.0f);
}

/* Inverted dropout's factor for element `index`: 0 when dropped, else
 * 1/(1-p) (p < 1), as the CPU backend computes it in float. */
__device__ __forceinline__ float dropout_factor_at(uint64_t seed, uint64_t stream, uint64_t index,
                                                   float p, float keep_scale)
{
    return philox_uniform_at(seed, stream, index) >= p ? keep_scale : 0.0f;
}

#endif
