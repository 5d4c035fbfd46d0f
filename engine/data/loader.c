#include "data/loader.h"

#include <inttypes.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/rng.h"
#include "data/shard_build.h"
#include "io/fs.h"
#include "io/hdf5_shard.h"

/* A batch: a run of the plan's `order`. */
typedef struct span {
    int64_t start, count;
} span;

/* One epoch's batches for this rank: global batch j*world + rank. */
typedef struct epoch_plan {
    int64_t epoch;              /* -1: none yet */
    int64_t *order;             /* examples, bucketed */
    span *batch;                /* global batches */
    int64_t batches;            /* global */
    int64_t rank_batches;
} epoch_plan;

/* A batch's storage; arrays grow to the largest batch seen. */
typedef struct slot {
    pad_loader_batch b;
    int64_t epoch_batches;
    size_t cap_src, cap_tgt, cap_rows;
} slot;

struct pad_loader {
    pad_loader_config cfg;
    shard_manifest manifest;
    hdf5_shard *shards;
    int64_t n;                  /* examples */
    const int32_t **src, **tgt; /* per example: its tokens in a shard */
    int32_t *src_len, *tgt_len;
    int64_t per_window;         /* examples per bucketing window */
    int64_t epoch0_batches;

    /* producer side */
    epoch_plan plan;
    int64_t next_epoch, next_index;

    /* the queue: `filled` slots from `head`; the consumer's current batch
     * stays counted until its next call, so the producer never touches it */
    slot *slots;
    int nslots, head, filled, holding;
    pthread_t thread;
    int thread_started, stop;
    pthread_mutex_t mu;
    pthread_cond_t can_fill, can_take;
    pad_status thread_status;
    pad_error thread_err;

    /* consumer side */
    pad_loader_position told;
    int64_t real_seen, padded_seen;
};

void pad_loader_config_default(pad_loader_config *c)
{
    memset(c, 0, sizeof *c);
    c->batch_size = 32;
    c->bucket_batches = 100;
    c->world = 1;
    c->prefetch = 4;
    c->verify_checksums = 1;
}

/* ---- opening: manifest, shards, validation ---- */

/* The manifest's byte size catches a truncated shard before HDF5 does (with
 * a plainer message); the SHA-256, when asked, any other change. */
static pad_status check_entry(const pad_loader *l, const shard_manifest_entry *e, const char *path,
                              pad_error *err)
{
    struct stat sb;
    if (stat(path, &sb)) {
        pad_error_set(err, PAD_ERR_IO, "shard listed in the manifest cannot be opened: %s",
                      strerror(errno));
        return pad_error_file(err, path);
    }
    if ((int64_t)sb.st_size != e->bytes) {
        pad_error_set(err, PAD_ERR_FORMAT,
                      "file is %" PRId64 " bytes but the manifest says %" PRId64 " (truncated?)",
                      (int64_t)sb.st_size, e->bytes);
        return pad_error_file(err, path);
    }
    if (!l->cfg.verify_checksums) return PAD_OK;
    char hex[65];
    int64_t bytes;
    pad_status st = shard_file_digest(path, hex, &bytes, err);
    if (!st && strcmp(hex, e->sha256)) {
        pad_error_set(err, PAD_ERR_FORMAT, "SHA-256 %s differs from the manifest's %s", hex,
                      e->sha256);
        st = pad_error_file(err, path);
    }
    return st;
}

static pad_status load_shard(pad_loader *l, int k, pad_error *err)
{
    const shard_manifest_entry *e = &l->manifest.shards[k];
    char *path = pad_path_join(l->cfg.dir, e->file);
    if (!path) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    hdf5_shard_expect want = {.kind = l->cfg.kind ? l->cfg.kind : l->manifest.kind,
                              .tokenizer_hash = l->cfg.tokenizer_hash ? l->cfg.tokenizer_hash
                                                                      : l->manifest.tokenizer_hash,
                              .vocab_size = l->cfg.vocab_size ? l->cfg.vocab_size
                                                              : l->manifest.vocab_size};
    pad_status st = check_entry(l, e, path, err);
    if (!st) st = hdf5_shard_read(path, &want, 0, &l->shards[k], err);
    if (!st && hdf5_shard_rows(&l->shards[k]) != e->examples) {
        pad_error_set(err, PAD_ERR_FORMAT,
                      "dataset /source/offsets holds %" PRId64 " examples, the manifest %" PRId64,
                      hdf5_shard_rows(&l->shards[k]), e->examples);
        pad_error_file(err, path);
        st = err ? err->code : PAD_ERR_FORMAT;
    }
    free(path);
    return st;
}

static pad_status index_examples(pad_loader *l, pad_error *err)
{
    l->n = 0;
    for (int k = 0; k < l->manifest.count; k++) l->n += hdf5_shard_rows(&l->shards[k]);
    if (l->n == 0) {
        pad_error_set(err, PAD_ERR_FORMAT, "the shards hold no examples");
        return pad_error_file(err, l->cfg.dir);
    }
    size_t n = (size_t)l->n;
    l->src = malloc(n * sizeof *l->src);
    l->tgt = malloc(n * sizeof *l->tgt);
    l->src_len = malloc(n * sizeof *l->src_len);
    l->tgt_len = malloc(n * sizeof *l->tgt_len);
    if (!l->src || !l->tgt || !l->src_len || !l->tgt_len)
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory indexing %" PRId64 " examples", l->n);
    int64_t g = 0, total = 0;
    for (int k = 0; k < l->manifest.count; k++)
        for (int64_t i = 0; i < hdf5_shard_rows(&l->shards[k]); i++, g++) {
            int64_t ls, lt;
            l->src[g] = hdf5_shard_tokens(&l->shards[k], HDF5_SHARD_SOURCE, i, &ls);
            l->tgt[g] = hdf5_shard_tokens(&l->shards[k], HDF5_SHARD_TARGET, i, &lt);
            l->src_len[g] = (int32_t)ls;
            l->tgt_len[g] = (int32_t)lt;
            total += ls + lt;
        }
    /* a window of bucket_batches batches; a token budget's batch size is
     * estimated from the mean example length */
    int64_t per_batch = l->cfg.batch_size;
    if (l->cfg.token_budget > 0) {
        int64_t mean = total / l->n + 1;
        per_batch = l->cfg.token_budget / mean > 0 ? l->cfg.token_budget / mean : 1;
    }
    l->per_window = per_batch * (l->cfg.bucket_batches > 1 ? l->cfg.bucket_batches : 0);
    return PAD_OK;
}

static pad_status check_config(const pad_loader_config *c, pad_error *err)
{
    if (!c->dir) return pad_error_set(err, PAD_ERR_INVALID, "loader: no shard directory");
    if (c->world < 1 || c->rank < 0 || c->rank >= c->world)
        return pad_error_set(err, PAD_ERR_INVALID, "loader: rank %d of world %d", c->rank, c->world);
    if (c->token_budget <= 0 && c->batch_size < 1)
        return pad_error_set(err, PAD_ERR_INVALID, "loader: batch_size %d < 1 and no token budget",
                             c->batch_size);
    if (c->prefetch < 0 || c->prefetch > 1024)
        return pad_error_set(err, PAD_ERR_INVALID, "loader: prefetch %d out of [0, 1024]", c->prefetch);
    if (c->resume && (c->resume->seed != c->seed || c->resume->epoch < 0 || c->resume->batch < 0))
        return pad_error_set(err, PAD_ERR_INVALID,
                             "loader: resume position (seed %" PRIu64 ", epoch %" PRId64
                             ", batch %" PRId64 ") does not fit seed %" PRIu64,
                             c->resume->seed, c->resume->epoch, c->resume->batch, c->seed);
    return PAD_OK;
}

/* ---- the epoch plan: a pure function of (seed, epoch, rank, world) ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Fisher-Yates over n elements of `size` bytes (at most 16) with the stream
 * (seed, stream); 64-bit draws make the modulo bias negligible. */
static void shuffle(void *base, int64_t n, size_t size, uint64_t seed, uint64_t stream)
{
    pad_rng r;
    pad_rng_init(&r, seed, stream);
    char *a = base, tmp[16];
    for (int64_t i = n - 1; i > 0; i--) {
        uint64_t draw = (uint64_t)pad_rng_next_u32(&r) << 32 | pad_rng_next_u32(&r);
        int64_t j = (int64_t)(draw % (uint64_t)(i + 1));
        memcpy(tmp, a + (size_t)i * size, size);
        memcpy(a + (size_t)i * size, a + (size_t)j * size, size);
        memcpy(a + (size_t)j * size, tmp, size);
    }
}

/* Sorts each window by total length; the example index breaks ties, so the
 * order is deterministic.  Key: length above bit 40, index below. */
static void bucket(const pad_loader *l, int64_t *order, uint64_t *keys)
{
    int64_t w = l->per_window > 0 ? l->per_window : l->n;
    if (l->per_window <= 0) return;
    for (int64_t lo = 0; lo < l->n; lo += w) {
        int64_t hi = lo + w < l->n ? lo + w : l->n;
        for (int64_t i = lo; i < hi; i++)
            keys[i] = (uint64_t)(l->src_len[order[i]] + l->tgt_len[order[i]]) << 40 |
                      (uint64_t)order[i];
        qsort(keys + lo, (size_t)(hi - lo), sizeof *keys, cmp_u64);
        for (int64_t i = lo; i < hi; i++) order[i] = (int64_t)(keys[i] & ((1ull << 40) - 1));
    }
}

/* Cuts `order` into batches: fixed size, or greedily under the token
 * budget (an example over the budget alone makes a batch of one).  Windows
 * never share a batch. */
static int64_t cut(const pad_loader *l, epoch_plan *p)
{
    int64_t nb = 0, w = l->per_window > 0 ? l->per_window : l->n;
    for (int64_t lo = 0; lo < l->n; lo += w) {
        int64_t hi = lo + w < l->n ? lo + w : l->n;
        int64_t ms = 0, mt = 0;
        for (int64_t i = lo; i < hi; i++) {
            int64_t e = p->order[i], k = nb ? p->batch[nb - 1].count : 0;
            int64_t s = l->src_len[e] > ms ? l->src_len[e] : ms;
            int64_t t = l->tgt_len[e] > mt ? l->tgt_len[e] : mt;
            int fits = l->cfg.token_budget > 0 ? (k + 1) * (s + t) <= l->cfg.token_budget
                                               : k < l->cfg.batch_size;
            if (i == lo || !fits) {
                p->batch[nb++] = (span){i, 1};
                ms = l->src_len[e];
                mt = l->tgt_len[e];
            } else {
                p->batch[nb - 1].count++;
                ms = s;
                mt = t;
            }
        }
    }
    return nb;
}

/* Splits the largest batches (the first of equals) until the count divides
 * by world; batches of one cannot split, and those left over are dropped. */
static void balance(epoch_plan *p, int world)
{
    while (p->batches % world) {
        int64_t big = 0;
        for (int64_t j = 1; j < p->batches; j++)
            if (p->batch[j].count > p->batch[big].count) big = j;
        if (p->batch[big].count < 2) {
            p->batches -= p->batches % world;
            return;
        }
        int64_t half = p->batch[big].count / 2;
        p->batch[p->batches++] = (span){p->batch[big].start + half, p->batch[big].count - half};
        p->batch[big].count = half;
    }
}

static pad_status plan_epoch(const pad_loader *l, int64_t epoch, epoch_plan *p, pad_error *err)
{
    size_t n = (size_t)l->n;
    int world = l->cfg.world;
    if (!p->order) {
        p->order = malloc(n * sizeof *p->order);
        p->batch = malloc((n + (size_t)world) * sizeof *p->batch);
        if (!p->order || !p->batch)
            return pad_error_set(err, PAD_ERR_NOMEM, "out of memory planning an epoch");
    }
    uint64_t *keys = l->per_window > 0 ? malloc(n * sizeof *keys) : NULL;
    if (l->per_window > 0 && !keys)
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory planning an epoch");
    for (int64_t i = 0; i < l->n; i++) p->order[i] = i;
    /* streams 2e and 2e+1: examples and batch order of epoch e */
    shuffle(p->order, l->n, sizeof *p->order, l->cfg.seed, 2 * (uint64_t)epoch);
    bucket(l, p->order, keys);
    free(keys);
    p->batches = cut(l, p);
    shuffle(p->batch, p->batches, sizeof *p->batch, l->cfg.seed, 2 * (uint64_t)epoch + 1);
    balance(p, world);
    p->rank_batches = p->batches / world;
    p->epoch = epoch;
    if (p->rank_batches == 0)
        return pad_error_set(err, PAD_ERR_CONFIG,
                             "%" PRId64 " examples make no batch for each of %d ranks", l->n, world);
    return PAD_OK;
}

static void plan_free(epoch_plan *p)
{
    free(p->order);
    free(p->batch);
    memset(p, 0, sizeof *p);
}

/* ---- batches ---- */

static int ensure(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    void *q = realloc(*p, need * elem);
    if (!q) return -1;
    *p = q;
    *cap = need;
    return 0;
}

static pad_status slot_reserve(slot *s, size_t rows, size_t src, size_t tgt, pad_error *err)
{
    pad_loader_batch *b = &s->b;
    size_t cs = s->cap_src, ct = s->cap_tgt;
    int fail = ensure((void **)&b->src_ids, &s->cap_src, src, sizeof(int32_t)) ||
               ensure((void **)&b->src_mask, &cs, src, sizeof(int32_t)) ||
               ensure((void **)&b->labels, &s->cap_tgt, tgt, sizeof(int32_t)) ||
               ensure((void **)&b->tgt_mask, &ct, tgt, sizeof(int32_t)) ||
               ensure((void **)&b->example, &s->cap_rows, rows, sizeof(int64_t));
    return fail ? pad_error_set(err, PAD_ERR_NOMEM, "out of memory for a batch") : PAD_OK;
}

/* Right-pads one row: ids with `fill` (mask 0) past len. */
static void put_row(int32_t *ids, int32_t *mask, int T, const int32_t *tok, int len, int32_t fill)
{
    memcpy(ids, tok, (size_t)len * sizeof *ids);
    for (int t = 0; t < T; t++) mask[t] = t < len;
    for (int t = len; t < T; t++) ids[t] = fill;
}

static pad_status fill_batch(const pad_loader *l, const span *sp, slot *s, pad_error *err)
{
    int B = (int)sp->count, Ts = 1, Tt = 1; /* at least 1: an all-empty column stays a valid shape */
    const int64_t *ex = l->plan.order + sp->start;
    for (int i = 0; i < B; i++) {
        if (l->src_len[ex[i]] > Ts) Ts = l->src_len[ex[i]];
        if (l->tgt_len[ex[i]] > Tt) Tt = l->tgt_len[ex[i]];
    }
    pad_status st = slot_reserve(s, (size_t)B, (size_t)B * Ts, (size_t)B * Tt, err);
    if (st) return st;
    pad_loader_batch *b = &s->b;
    b->B = B;
    b->T_src = Ts;
    b->T_tgt = Tt;
    b->real_tokens = 0;
    for (int i = 0; i < B; i++) {
        int64_t e = ex[i];
        b->example[i] = e;
        put_row(b->src_ids + (size_t)i * Ts, b->src_mask + (size_t)i * Ts, Ts, l->src[e],
                l->src_len[e], l->cfg.pad_id);
        put_row(b->labels + (size_t)i * Tt, b->tgt_mask + (size_t)i * Tt, Tt, l->tgt[e],
                l->tgt_len[e], PAD_LOADER_IGNORE);
        b->real_tokens += l->src_len[e] + l->tgt_len[e];
    }
    b->padded_tokens = (int64_t)B * (Ts + Tt);
    return PAD_OK;
}

/* The producer's step: the batch at (next_epoch, next_index), then advance. */
static pad_status produce(pad_loader *l, slot *s, pad_error *err)
{
    if (l->next_index >= l->plan.rank_batches && l->plan.epoch == l->next_epoch) {
        l->next_epoch++;
        l->next_index = 0;
    }
    if (l->plan.epoch != l->next_epoch) {
        pad_status st = plan_epoch(l, l->next_epoch, &l->plan, err);
        if (st) return st;
    }
    const span *sp = &l->plan.batch[l->next_index * l->cfg.world + l->cfg.rank];
    pad_status st = fill_batch(l, sp, s, err);
    if (st) return st;
    s->b.epoch = l->next_epoch;
    s->b.index = l->next_index++;
    s->epoch_batches = l->plan.rank_batches;
    return PAD_OK;
}

static void *prefetch_main(void *arg)
{
    pad_loader *l = arg;
    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        if (l->filled == l->nslots) {
            pthread_cond_wait(&l->can_fill, &l->mu);
            continue;
        }
        /* the consumer only reads [head, head + filled): this slot is ours */
        int idx = (l->head + l->filled) % l->nslots;
        pthread_mutex_unlock(&l->mu);
        pad_error e;
        pad_error_clear(&e);
        pad_status st = produce(l, &l->slots[idx], &e);
        pthread_mutex_lock(&l->mu);
        if (st) {
            l->thread_status = st;
            l->thread_err = e;
            pthread_cond_broadcast(&l->can_take);
            break;
        }
        l->filled++;
        pthread_cond_signal(&l->can_take);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

static pad_status take_prefetched(pad_loader *l, slot **out, pad_error *err)
{
    pthread_mutex_lock(&l->mu);
    if (l->holding) {
        l->head = (l->head + 1) % l->nslots;
        l->filled--;
        l->holding = 0;
        pthread_cond_signal(&l->can_fill);
    }
    while (l->filled == 0 && !l->thread_status) pthread_cond_wait(&l->can_take, &l->mu);
    pad_status st = PAD_OK;
    if (l->filled == 0) {
        st = l->thread_status;
        if (err) *err = l->thread_err;
    } else {
        l->holding = 1;
        *out = &l->slots[l->head];
    }
    pthread_mutex_unlock(&l->mu);
    return st;
}

pad_status pad_loader_next(pad_loader *l, const pad_loader_batch **batch, pad_error *err)
{
    slot *s = &l->slots[0];
    pad_status st = l->cfg.prefetch > 0 ? take_prefetched(l, &s, err) : produce(l, s, err);
    if (st) return st;
    l->real_seen += s->b.real_tokens;
    l->padded_seen += s->b.padded_tokens;
    l->told.epoch = s->b.epoch;
    l->told.batch = s->b.index + 1;
    if (l->told.batch == s->epoch_batches) {
        l->told.epoch++;
        l->told.batch = 0;
    }
    *batch = &s->b;
    return PAD_OK;
}

pad_loader_position pad_loader_tell(const pad_loader *l) { return l->told; }
int64_t pad_loader_examples(const pad_loader *l) { return l->n; }
int64_t pad_loader_batches_per_epoch(const pad_loader *l) { return l->epoch0_batches; }

void pad_loader_lengths(const pad_loader *l, int64_t example, int64_t *src, int64_t *tgt)
{
    *src = l->src_len[example];
    *tgt = l->tgt_len[example];
}

double pad_loader_padding_fraction(const pad_loader *l)
{
    return l->padded_seen ? 1.0 - (double)l->real_seen / (double)l->padded_seen : 0.0;
}

/* ---- open and close ---- */

/* Plans the starting epoch (and epoch 0 for the per-epoch count) and
 * checks the resume position against it. */
static pad_status start_position(pad_loader *l, const pad_loader_position *resume,
                                 pad_error *err)
{
    pad_loader_position at = {l->cfg.seed, 0, 0};
    if (resume) at = *resume;
    pad_status st = plan_epoch(l, 0, &l->plan, err);
    if (st) return st;
    l->epoch0_batches = l->plan.rank_batches;
    if (at.epoch != 0 && (st = plan_epoch(l, at.epoch, &l->plan, err))) return st;
    if (at.batch > l->plan.rank_batches)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "loader: resume batch %" PRId64 " past epoch %" PRId64
                             "'s %" PRId64 " batches",
                             at.batch, at.epoch, l->plan.rank_batches);
    l->next_epoch = at.epoch;
    l->next_index = at.batch;
    if (at.batch == l->plan.rank_batches) {
        at.epoch++;
        at.batch = 0;
    }
    l->told = at;
    return PAD_OK;
}

static pad_status start_prefetch(pad_loader *l, pad_error *err)
{
    l->nslots = l->cfg.prefetch + 1;
    l->slots = calloc((size_t)l->nslots, sizeof *l->slots);
    if (!l->slots) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for the batch queue");
    if (l->cfg.prefetch == 0) return PAD_OK;
    if (pthread_create(&l->thread, NULL, prefetch_main, l))
        return pad_error_set(err, PAD_ERR_IO, "loader: cannot start the prefetch thread");
    l->thread_started = 1;
    return PAD_OK;
}

pad_status pad_loader_open(const pad_loader_config *cfg, pad_loader **out, pad_error *err)
{
    *out = NULL;
    pad_status st = check_config(cfg, err);
    if (st) return st;
    pad_loader *l = calloc(1, sizeof *l);
    if (!l) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    l->cfg = *cfg;
    l->cfg.resume = NULL; /* borrowed: used here only */
    l->plan.epoch = -1;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->can_fill, NULL);
    pthread_cond_init(&l->can_take, NULL);
    st = shard_manifest_load(cfg->dir, &l->manifest, err);
    if (!st && !(l->shards = calloc((size_t)l->manifest.count + 1, sizeof *l->shards)))
        st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int k = 0; !st && k < l->manifest.count; k++) st = load_shard(l, k, err);
    if (!st) st = index_examples(l, err);
    if (!st) st = start_position(l, cfg->resume, err);
    if (!st) st = start_prefetch(l, err);
    if (st) {
        pad_loader_close(l);
        return st;
    }
    *out = l;
    return PAD_OK;
}

void pad_loader_close(pad_loader *l)
{
    if (!l) return;
    if (l->thread_started) {
        pthread_mutex_lock(&l->mu);
        l->stop = 1;
        pthread_cond_broadcast(&l->can_fill);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
    }
    for (int i = 0; l->slots && i < l->nslots; i++) {
        pad_loader_batch *b = &l->slots[i].b;
        free(b->src_ids);
        free(b->src_mask);
        free(b->labels);
        free(b->tgt_mask);
        free(b->example);
    }
    free(l->slots);
    plan_free(&l->plan);
    for (int k = 0; l->shards && k < l->manifest.count; k++) hdf5_shard_free(&l->shards[k]);
    free(l->shards);
    free(l->src);
    free(l->tgt);
    free(l->src_len);
    free(l->tgt_len);
    shard_manifest_free(&l->manifest);
    pthread_cond_destroy(&l->can_fill);
    pthread_cond_destroy(&l->can_take);
    pthread_mutex_destroy(&l->mu);
    free(l);
}
