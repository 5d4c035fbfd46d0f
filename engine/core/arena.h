/* pad: arena allocation.
 *
 * An arena owns every block it hands out; they are released together by
 * pad_arena_free (or recycled by pad_arena_reset).  Use it for allocations
 * that share a lifetime: a parsed header, a batch's host staging, a table of
 * names.  Allocations are 16-byte aligned. */
#ifndef PAD_CORE_ARENA_H
#define PAD_CORE_ARENA_H

#include <stddef.h>

typedef struct pad_arena_block pad_arena_block;

typedef struct pad_arena {
    pad_arena_block *head;  /* newest block first */
    size_t block_size;      /* default size of new blocks */
    size_t bytes_used;      /* sum of live allocations, for reporting */
} pad_arena;

void pad_arena_init(pad_arena *a, size_t block_size);
/* NULL when out of memory. */
void *pad_arena_alloc(pad_arena *a, size_t bytes);
void *pad_arena_calloc(pad_arena *a, size_t count, size_t size);
char *pad_arena_strdup(pad_arena *a, const char *s);
char *pad_arena_strndup(pad_arena *a, const char *s, size_t n);
/* Forget all allocations but keep the first block for reuse. */
void pad_arena_reset(pad_arena *a);
void pad_arena_free(pad_arena *a);

#endif
