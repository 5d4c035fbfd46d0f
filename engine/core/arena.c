#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16

struct pad_arena_block {
    pad_arena_block *next;
    size_t size;
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

static size_t align_up(size_t n) { return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1); }

void pad_arena_init(pad_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->bytes_used = 0;
}

void *pad_arena_alloc(pad_arena *a, size_t bytes)
{
    size_t need = align_up(bytes ? bytes : 1);
    if (need < bytes) return NULL; /* overflow */
    pad_arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t size = need > a->block_size ? need : a->block_size;
        if (size > SIZE_MAX - sizeof *b) return NULL;
        b = malloc(sizeof *b + size);
        if (!b) return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->bytes_used += need;
    return p;
}

void *pad_arena_calloc(pad_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = pad_arena_alloc(a, count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

char *pad_arena_strndup(pad_arena *a, const char *s, size_t n)
{
    char *p = pad_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pad_arena_strdup(pad_arena *a, const char *s) { return pad_arena_strndup(a, s, strlen(s)); }

void pad_arena_reset(pad_arena *a)
{
    if (!a->head) return;
    pad_arena_block *keep = a->head;
    while (keep->next) { /* keep the oldest block, which is the default size */
        pad_arena_block *next = keep->next;
        free(keep);
        keep = next;
    }
    keep->used = 0;
    a->head = keep;
    a->bytes_used = 0;
}

void pad_arena_free(pad_arena *a)
{
    pad_arena_block *b = a->head;
    while (b) {
        pad_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->bytes_used = 0;
}
