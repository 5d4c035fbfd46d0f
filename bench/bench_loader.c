/* Loader throughput: tokens per second handed out with shuffling and length
 * bucketing on, on a synthetic set of CodeT5-small-like lengths (source ~60
 * tokens, target ~120).
 *   bench_loader [EXAMPLES [BATCH [EPOCHS]]]   (defaults 200000 64 2)
 * Prints the build-and-open time, then tokens/s for the synchronous loader
 * (everything on the calling thread: one core) and with the prefetch thread. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/rng.h"
#include "data/loader.h"
#include "data/shard_build.h"
#include "io/fs.h"
#include "io/hdf5_shard.h"

#define VOCAB 32100
#define SHARD_EXAMPLES 50000

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int die(const pad_error *err)
{
    fprintf(stderr, "bench_loader: %s\n", err->message);
    return 1;
}

/* Source 30..90 tokens, target twice that +-20 (longer questions, longer
 * programs), eos (2) last. */
static pad_status make_set(const char *dir, int64_t n, pad_error *err)
{
    shard_manifest m;
    memset(&m, 0, sizeof m);
    m.version = HDF5_SHARD_VERSION;
    strcpy(m.kind, "distill");
    strcpy(m.tokenizer, "synthetic");
    strcpy(m.overlong, "drop");
    memset(m.tokenizer_hash, 'a', 64);
    m.vocab_size = VOCAB;
    m.eos_id = 2;
    m.max_source_len = m.max_target_len = 512;
    m.count = (int)((n + SHARD_EXAMPLES - 1) / SHARD_EXAMPLES);
    m.shards = calloc((size_t)m.count, sizeof *m.shards);
    pad_rng r;
    pad_rng_init(&r, 42, 0);
    pad_status st = pad_mkdir_p(dir, err);
    for (int k = 0; !st && k < m.count; k++) {
        hdf5_shard s;
        st = hdf5_shard_init(&s, "distill", VOCAB, m.tokenizer_hash, 0, err);
        int32_t src[128], tgt[256];
        for (int64_t i = k * (int64_t)SHARD_EXAMPLES; !st && i < n && i < (k + 1) * (int64_t)SHARD_EXAMPLES; i++) {
            int ls = 30 + (int)pad_rng_next_below(&r, 61);
            int lt = 2 * ls - 20 + (int)pad_rng_next_below(&r, 41);
            for (int t = 0; t < ls; t++) src[t] = 3 + (int32_t)pad_rng_next_below(&r, VOCAB - 3);
            for (int t = 0; t < lt; t++) tgt[t] = 3 + (int32_t)pad_rng_next_below(&r, VOCAB - 3);
            src[ls - 1] = tgt[lt - 1] = 2;
            hdf5_shard_example ex = {src, ls, tgt, lt, {0}};
            st = hdf5_shard_append(&s, &ex, err);
        }
        shard_manifest_entry *e = &m.shards[k];
        snprintf(e->file, sizeof e->file, "shard-%05d.h5", k);
        char *path = pad_path_join(dir, e->file);
        if (!st) st = hdf5_shard_write(path, &s, err);
        if (!st) st = shard_file_digest(path, e->sha256, &e->bytes, err);
        e->examples = hdf5_shard_rows(&s);
        free(path);
        hdf5_shard_free(&s);
    }
    if (!st) st = shard_manifest_save(dir, &m, err);
    shard_manifest_free(&m);
    return st;
}

static int measure(pad_loader_config *c, int epochs, const char *label)
{
    pad_error err;
    pad_loader *l;
    double t0 = now();
    if (pad_loader_open(c, &l, &err)) return die(&err);
    double t1 = now();
    int64_t batches = epochs * pad_loader_batches_per_epoch(l), real = 0, padded = 0;
    for (int64_t i = 0; i < batches; i++) {
        const pad_loader_batch *b;
        if (pad_loader_next(l, &b, &err)) return die(&err);
        real += b->real_tokens;
        padded += b->padded_tokens;
    }
    double t2 = now();
    printf("%-28s open+validate %.2f s; %" PRId64 " batches, %.2f s: %.3g tokens/s "
           "(%.3g padded tokens/s, %.3g batches/s), padding %.1f%%\n",
           label, t1 - t0, batches, t2 - t1, (double)real / (t2 - t1),
           (double)padded / (t2 - t1), (double)batches / (t2 - t1),
           100.0 * pad_loader_padding_fraction(l));
    pad_loader_close(l);
    return 0;
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 200000;
    int batch = argc > 2 ? atoi(argv[2]) : 64, epochs = argc > 3 ? atoi(argv[3]) : 2;
    char dir[] = "/tmp/pad-bench-loader-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    pad_error err;
    double t0 = now();
    if (make_set(dir, n, &err)) return die(&err);
    printf("synthetic set: %" PRId64 " examples in %s, written in %.2f s\n", n, dir, now() - t0);
    pad_loader_config c;
    pad_loader_config_default(&c);
    c.dir = dir;
    c.seed = 7;
    c.batch_size = batch;
    c.bucket_batches = 100;
    c.prefetch = 0;
    int rc = measure(&c, epochs, "synchronous (one core):");
    c.prefetch = 8;
    if (!rc) rc = measure(&c, epochs, "prefetch thread:");
    c.prefetch = 0;
    c.bucket_batches = 0;
    if (!rc) rc = measure(&c, epochs, "synchronous, no bucketing:");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return rc || system(cmd);
}
