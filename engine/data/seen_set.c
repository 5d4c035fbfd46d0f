#include "data/seen_set.h"

#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

seen_key seen_key_of(const char *a, const char *b)
{
    size_t na = strlen(a) + 1, nb = b ? strlen(b) + 1 : 0; /* the NULs separate the texts */
    seen_key k;
    k.h[0] = fnv1a(fnv1a(0xcbf29ce484222325ull, a, na), b ? b : "", nb) | 1; /* never 0 */
    k.h[1] = fnv1a(fnv1a(0x84222325cbf29ce4ull, b ? b : "", nb), a, na);
    return k;
}

static int64_t insert_raw(seen_set *s, seen_key k, int64_t tag)
{
    size_t i = (size_t)(k.h[0] ^ (k.h[1] >> 7)) & (s->cap - 1);
    for (;; i = (i + 1) & (s->cap - 1)) {
        uint64_t *slot = s->slots + 3 * i;
        if (!slot[0]) {
            slot[0] = k.h[0];
            slot[1] = k.h[1];
            slot[2] = (uint64_t)tag;
            s->count++;
            return tag;
        }
        if (slot[0] == k.h[0] && slot[1] == k.h[1]) return (int64_t)slot[2];
    }
}

int64_t seen_set_insert(seen_set *s, seen_key key, int64_t tag)
{
    if (2 * (s->count + 1) > s->cap) { /* at most half full */
        seen_set bigger = {NULL, s->cap ? 2 * s->cap : 1024, 0};
        if (!(bigger.slots = calloc(3 * bigger.cap, sizeof(uint64_t)))) return -1;
        for (size_t i = 0; i < s->cap; i++) {
            const uint64_t *slot = s->slots + 3 * i;
            if (slot[0]) insert_raw(&bigger, (seen_key){{slot[0], slot[1]}}, (int64_t)slot[2]);
        }
        free(s->slots);
        *s = bigger;
    }
    return insert_raw(s, key, tag);
}

void seen_set_free(seen_set *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}
