/* pad: SHA-256 (FIPS 180-4), small and dependency-free, for content hashes
 * such as the tokenizer hash that shards record. */
#ifndef PAD_IO_SHA256_H
#define PAD_IO_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct pad_sha256 {
    uint32_t state[8];
    uint64_t total; /* bytes fed so far */
    uint8_t block[64];
    size_t used; /* bytes waiting in block */
} pad_sha256;

void pad_sha256_init(pad_sha256 *h);
void pad_sha256_update(pad_sha256 *h, const void *data, size_t len);
void pad_sha256_final(pad_sha256 *h, uint8_t digest[32]);
/* The digest as 64 lowercase hex digits and a NUL. */
void pad_sha256_hex(const uint8_t digest[32], char out[65]);

#endif
