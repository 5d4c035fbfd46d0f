/* pad: a set of 128-bit content hashes, for dropping repeated rows.
 *
 * Keys are hashes of the content rather than the content itself, so the set
 * stays small on long inputs; two different texts sharing a 128-bit hash is
 * vanishingly unlikely.  Each key remembers the tag (a line number, a row
 * index) it was first inserted with. */
#ifndef PAD_DATA_SEEN_SET_H
#define PAD_DATA_SEEN_SET_H

#include <stddef.h>
#include <stdint.h>

typedef struct seen_set {
    uint64_t *slots; /* (hash, hash, tag) triples; first hash 0 marks an empty slot */
    size_t cap, count;
} seen_set;

typedef struct seen_key {
    uint64_t h[2];
} seen_key;

/* The key of the texts a and b (b may be NULL): the two are hashed apart, so
 * ("ab", "c") and ("a", "bc") differ. */
seen_key seen_key_of(const char *a, const char *b);

/* Inserts key with `tag` when absent.  Returns the tag the key was first
 * inserted with (`tag` itself when new); -1 when out of memory. */
int64_t seen_set_insert(seen_set *s, seen_key key, int64_t tag);

void seen_set_free(seen_set *s);

#endif
