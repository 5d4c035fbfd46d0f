/* pad: counter-based random numbers (Philox4x32-10).
 *
 * A random value is a pure function of (seed, stream, index), so a kernel or
 * an OpenMP loop can draw element i's number directly: results never depend
 * on thread count, scheduling or which backend runs.  The same function is
 * written for CUDA in kernels/ and must agree bit for bit. */
#ifndef PAD_CORE_RNG_H
#define PAD_CORE_RNG_H

#include <stdint.h>

void pad_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* The index-th 32-bit value of a stream: counter = (index / 4, stream),
 * key = seed, word index % 4. */
uint32_t pad_rng_u32_at(uint64_t seed, uint64_t stream, uint64_t index);
/* Uniform in [0, 1) with 24 random bits, exactly representable as float. */
float pad_rng_uniform_at(uint64_t seed, uint64_t stream, uint64_t index);

/* A sequential stream for host code; its three fields are its whole state,
 * so saving them in a checkpoint and restoring them resumes exactly. */
typedef struct pad_rng {
    uint64_t seed;
    uint64_t stream;
    uint64_t index;
} pad_rng;

void pad_rng_init(pad_rng *r, uint64_t seed, uint64_t stream);
uint32_t pad_rng_next_u32(pad_rng *r);
float pad_rng_next_uniform(pad_rng *r);
/* Standard normal by Box-Muller (consumes two uniforms). */
float pad_rng_next_normal(pad_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint32_t pad_rng_next_below(pad_rng *r, uint32_t n);

#endif
