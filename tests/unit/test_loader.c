/* The shard loader: coverage of every epoch, rank split, exact resume
 * (across an epoch boundary too), determinism, bucketing, budgets, damaged
 * shards, and shard building from JSONL with the byte tokenizer. */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/rng.h"
#include "data/loader.h"
#include "data/shard_build.h"
#include "io/fs.h"
#include "io/hdf5_shard.h"
#include "io/json_file.h"
#include "model/model.h"

#define VOCAB 500
#define PAD 0
#define EOS 2
#define HASH "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

/* Example e's tokens are a function of e, so any batch can be checked
 * against it: source e%97+3, ..., target ..., eos. */
static int32_t tok_at(int64_t e, int t, int which) { return (int32_t)(3 + (e * 7 + t * 13 + which) % (VOCAB - 3)); }

/* check_tmp_path's buffer is reused by every call: keep copies. */
static const char *tmp(const char *name)
{
    static char paths[16][512];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 512, "%s", check_tmp_path(name));
    return p;
}

/* Writes `n` examples in `nshards` shards plus a manifest into a new dir. */
static const char *make_set(const char *name, int n, int nshards, uint64_t seed)
{
    const char *dir = tmp(name);
    pad_error err;
    CHECK(pad_mkdir_p(dir, &err) == PAD_OK);
    shard_manifest m;
    memset(&m, 0, sizeof m);
    m.version = HDF5_SHARD_VERSION;
    strcpy(m.kind, "distill");
    strcpy(m.tokenizer, "synthetic");
    strcpy(m.tokenizer_hash, HASH);
    strcpy(m.overlong, "drop");
    m.vocab_size = VOCAB;
    m.pad_id = PAD;
    m.eos_id = EOS;
    m.max_source_len = m.max_target_len = 512;
    m.count = nshards;
    m.shards = calloc((size_t)nshards, sizeof *m.shards);
    pad_rng r;
    pad_rng_init(&r, seed, 0);
    int64_t e = 0;
    for (int k = 0; k < nshards; k++) {
        hdf5_shard s;
        CHECK(hdf5_shard_init(&s, "distill", VOCAB, HASH, 0, &err) == PAD_OK);
        int rows = n / nshards + (k < n % nshards);
        for (int i = 0; i < rows; i++, e++) {
            int32_t src[80], tgt[160];
            /* correlated, as in real data: longer questions, longer programs */
            int ls = 5 + (int)pad_rng_next_below(&r, 70);
            int lt = 2 * ls + (int)pad_rng_next_below(&r, 11);
            for (int t = 0; t < ls; t++) src[t] = tok_at(e, t, 0);
            for (int t = 0; t < lt - 1; t++) tgt[t] = tok_at(e, t, 1);
            src[ls - 1] = tgt[lt - 1] = EOS;
            hdf5_shard_example ex = {src, ls, tgt, lt, {0}};
            CHECK(hdf5_shard_append(&s, &ex, &err) == PAD_OK);
        }
        shard_manifest_entry *me = &m.shards[k];
        snprintf(me->file, sizeof me->file, "shard-%05d.h5", k);
        char *path = pad_path_join(dir, me->file);
        CHECK(hdf5_shard_write(path, &s, &err) == PAD_OK);
        CHECK(shard_file_digest(path, me->sha256, &me->bytes, &err) == PAD_OK);
        me->examples = rows;
        me->source_tokens = s.col[HDF5_SHARD_SOURCE].count;
        me->target_tokens = s.col[HDF5_SHARD_TARGET].count;
        m.counts.examples += rows;
        free(path);
        hdf5_shard_free(&s);
    }
    CHECK(shard_manifest_save(dir, &m, &err) == PAD_OK);
    shard_manifest_free(&m);
    return dir;
}

static pad_loader_config config(const char *dir)
{
    pad_loader_config c;
    pad_loader_config_default(&c);
    c.dir = dir;
    c.kind = "distill";
    c.tokenizer_hash = HASH;
    c.vocab_size = VOCAB;
    c.pad_id = PAD;
    c.seed = 1234;
    c.batch_size = 8;
    c.bucket_batches = 10;
    return c;
}

static pad_loader *open_ok(const pad_loader_config *c)
{
    pad_loader *l = NULL;
    pad_error err;
    pad_error_clear(&err);
    pad_status st = pad_loader_open(c, &l, &err);
    CHECK_MSG(st == PAD_OK, "%s", err.message);
    return l;
}

/* Every row must hold its example's tokens, padded correctly. */
static int batch_valid(const pad_loader_batch *b)
{
    for (int i = 0; i < b->B; i++) {
        int64_t e = b->example[i];
        const int32_t *s = b->src_ids + (size_t)i * b->T_src, *sm = b->src_mask + (size_t)i * b->T_src;
        const int32_t *y = b->labels + (size_t)i * b->T_tgt, *ym = b->tgt_mask + (size_t)i * b->T_tgt;
        int ls = 0, lt = 0;
        while (ls < b->T_src && sm[ls]) ls++;
        while (lt < b->T_tgt && ym[lt]) lt++;
        if (s[ls - 1] != EOS || y[lt - 1] != EOS) return 0;
        for (int t = 0; t < ls - 1; t++) if (s[t] != tok_at(e, t, 0)) return 0;
        for (int t = 0; t < lt - 1; t++) if (y[t] != tok_at(e, t, 1)) return 0;
        for (int t = ls; t < b->T_src; t++) if (s[t] != PAD || sm[t]) return 0;
        for (int t = lt; t < b->T_tgt; t++) if (y[t] != PAD_LOADER_IGNORE || ym[t]) return 0;
    }
    return 1;
}

/* Reads one epoch of a rank; marks seen[e]++; returns the batch count. */
static int64_t read_epoch(pad_loader *l, int *seen, int64_t epoch)
{
    int64_t nb = 0;
    pad_error err;
    do {
        const pad_loader_batch *b;
        CHECK(pad_loader_next(l, &b, &err) == PAD_OK);
        CHECK(b->epoch == epoch && b->index == nb);
        CHECK(batch_valid(b));
        for (int i = 0; i < b->B; i++) seen[b->example[i]]++;
        nb++;
    } while (pad_loader_tell(l).epoch == epoch);
    return nb;
}

static void test_epochs_cover_everything(void)
{
    CHECK(PAD_LOADER_IGNORE == PAD_IGNORE_INDEX);
    const char *dir = make_set("cover", 1001, 3, 1);
    pad_loader_config c = config(dir);
    pad_loader *l = open_ok(&c);
    if (!l) return;
    CHECK(pad_loader_examples(l) == 1001);
    int *seen = calloc(1001, sizeof *seen);
    int64_t first[16];
    for (int epoch = 0; epoch < 2; epoch++) {
        memset(seen, 0, 1001 * sizeof *seen);
        CHECK(read_epoch(l, seen, epoch) == pad_loader_batches_per_epoch(l));
        int once = 1;
        for (int e = 0; e < 1001; e++) once &= seen[e] == 1;
        CHECK(once);
    }
    /* a new epoch draws a new order */
    pad_loader_close(l);
    l = open_ok(&c);
    const pad_loader_batch *b;
    pad_error err;
    pad_loader_next(l, &b, &err);
    memcpy(first, b->example, sizeof first[0] * 8);
    pad_loader_position at = {c.seed, 1, 0};
    c.resume = &at;
    pad_loader *l1 = open_ok(&c);
    pad_loader_next(l1, &b, &err);
    CHECK(memcmp(first, b->example, sizeof first[0] * 8) != 0);
    pad_loader_close(l1);
    pad_loader_close(l);
    free(seen);
}

static void test_two_ranks(void)
{
    const char *dir = make_set("ranks", 777, 2, 2);
    for (int budget = 0; budget < 2; budget++) {
        pad_loader_config c = config(dir);
        c.world = 2;
        if (budget) c.token_budget = 2000;
        int *seen = calloc(777, sizeof *seen);
        int64_t counts[2];
        for (int rank = 0; rank < 2; rank++) {
            c.rank = rank;
            pad_loader *l = open_ok(&c);
            if (!l) return;
            counts[rank] = read_epoch(l, seen, 0);
            pad_loader_close(l);
        }
        CHECK_MSG(counts[0] == counts[1], "%lld vs %lld", (long long)counts[0], (long long)counts[1]);
        int once = 1;
        for (int e = 0; e < 777; e++) once &= seen[e] == 1;
        CHECK_MSG(once, "budget %d", budget);
        free(seen);
    }
}

/* A copy of a batch, to compare sequences across loaders. */
typedef struct saved {
    int B, Ts, Tt;
    int64_t epoch, index, ex[64];
    uint64_t digest;
} saved;

static saved save(const pad_loader_batch *b)
{
    saved s;
    memset(&s, 0, sizeof s); /* padding too: batches are compared with memcmp */
    s.B = b->B;
    s.Ts = b->T_src;
    s.Tt = b->T_tgt;
    s.epoch = b->epoch;
    s.index = b->index;
    s.digest = 1469598103934665603ull;
    memcpy(s.ex, b->example, (size_t)(b->B < 64 ? b->B : 64) * sizeof s.ex[0]);
    const int32_t *arrs[4] = {b->src_ids, b->src_mask, b->labels, b->tgt_mask};
    size_t ns[4] = {(size_t)b->B * b->T_src, (size_t)b->B * b->T_src, (size_t)b->B * b->T_tgt,
                    (size_t)b->B * b->T_tgt};
    for (int a = 0; a < 4; a++)
        for (size_t i = 0; i < ns[a]; i++) s.digest = (s.digest ^ (uint32_t)arrs[a][i]) * 1099511628211ull;
    return s;
}

static void run(pad_loader *l, saved *out, int count)
{
    pad_error err;
    for (int i = 0; i < count; i++) {
        const pad_loader_batch *b;
        CHECK(pad_loader_next(l, &b, &err) == PAD_OK);
        out[i] = save(b);
    }
}

static void test_resume_exact(void)
{
    const char *dir = make_set("resume", 300, 2, 3);
    pad_loader_config c = config(dir);
    c.token_budget = 1500; /* varying batch counts: the hardest case */
    pad_loader *l = open_ok(&c);
    if (!l) return;
    int64_t per = pad_loader_batches_per_epoch(l);
    int total = (int)(3 * per);
    saved *ref = malloc((size_t)total * sizeof *ref);
    pad_loader_position *pos = malloc((size_t)total * sizeof *pos);
    pad_error err;
    for (int i = 0; i < total; i++) {
        pos[i] = pad_loader_tell(l);
        const pad_loader_batch *b;
        CHECK(pad_loader_next(l, &b, &err) == PAD_OK);
        ref[i] = save(b);
    }
    pad_loader_close(l);
    /* resume from the start, mid-epoch, just before and at the boundary */
    int points[] = {0, 5, (int)per - 1, (int)per, (int)per + 1, 2 * (int)per - 2};
    saved got[8];
    for (int p = 0; p < 6; p++) {
        for (int prefetch = 0; prefetch <= 3; prefetch += 3) {
            c.prefetch = prefetch;
            c.resume = &pos[points[p]];
            pad_loader *r = open_ok(&c);
            if (!r) return;
            CHECK(pad_loader_tell(r).epoch == pos[points[p]].epoch);
            run(r, got, 8);
            CHECK_MSG(!memcmp(got, ref + points[p], sizeof got), "resume at %d", points[p]);
            pad_loader_close(r);
        }
    }
    pad_loader_position bad = {c.seed + 1, 0, 0};
    c.resume = &bad;
    CHECK(pad_loader_open(&c, &l, &err) == PAD_ERR_INVALID);
    free(ref);
    free(pos);
}

static void test_deterministic_and_bucketing(void)
{
    const char *dir = make_set("determ", 640, 4, 4);
    pad_loader_config c = config(dir);
    saved a[30], b[30];
    pad_loader *l = open_ok(&c);
    run(l, a, 30);
    double bucketed = pad_loader_padding_fraction(l);
    pad_loader_close(l);
    c.prefetch = 0;
    l = open_ok(&c);
    run(l, b, 30);
    pad_loader_close(l);
    CHECK(!memcmp(a, b, sizeof a));
    c.bucket_batches = 0;
    l = open_ok(&c);
    run(l, b, 30);
    double plain = pad_loader_padding_fraction(l);
    pad_loader_close(l);
    CHECK_MSG(bucketed < plain * 0.5, "bucketed %.3f, plain %.3f", bucketed, plain);
    /* token budget respected (a single example may exceed it) */
    c.token_budget = 1200;
    l = open_ok(&c);
    pad_error err;
    int ok = 1;
    for (int i = 0; i < 100; i++) {
        const pad_loader_batch *bt;
        CHECK(pad_loader_next(l, &bt, &err) == PAD_OK);
        ok &= bt->B == 1 || bt->padded_tokens <= 1200;
        ok &= batch_valid(bt);
    }
    CHECK(ok);
    pad_loader_close(l);
}

/* The loader's error must name the shard file and `what`. */
static void expect_open_error(const pad_loader_config *c, const char *file, const char *what)
{
    pad_loader *l = NULL;
    pad_error err;
    pad_error_clear(&err);
    CHECK(pad_loader_open(c, &l, &err) != PAD_OK && l == NULL);
    char line[2048];
    pad_error_format(&err, line, sizeof line);
    CHECK_MSG(strstr(line, file) && strstr(line, what), "'%s' lacks '%s', '%s'", line, file, what);
}

/* Re-seals the manifest after a deliberate edit, so that the shard's own
 * validation (not the checksum) must catch it. */
static void reseal(const char *dir)
{
    shard_manifest m;
    pad_error err;
    CHECK(shard_manifest_load(dir, &m, &err) == PAD_OK);
    for (int k = 0; k < m.count; k++) {
        char *p = pad_path_join(dir, m.shards[k].file);
        shard_file_digest(p, m.shards[k].sha256, &m.shards[k].bytes, &err);
        free(p);
    }
    CHECK(shard_manifest_save(dir, &m, &err) == PAD_OK);
    shard_manifest_free(&m);
}

static void edit(const char *dir, const char *file, int what)
{
    char *p = pad_path_join(dir, file);
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    if (what == 0) H5Ldelete(f, "/target/tokens", H5P_DEFAULT);
    if (what == 1) {
        hid_t ds = H5Dopen2(f, "/target/offsets", H5P_DEFAULT);
        int64_t *off = calloc(200, sizeof *off);
        H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, off);
        off[3] = off[4] + 1; /* decreasing */
        H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, off);
        free(off);
        H5Dclose(ds);
    }
    H5Fclose(f);
    free(p);
}

static void test_damaged_shards(void)
{
    pad_loader_config c;
    const char *d1 = make_set("bad_hash", 100, 2, 5);
    c = config(d1);
    c.tokenizer_hash = "0000";
    expect_open_error(&c, "shard-00000.h5", "tokenizer_hash");

    const char *d2 = make_set("bad_trunc", 200, 2, 6);
    char *p = pad_path_join(d2, "shard-00001.h5");
    CHECK(truncate(p, 3000) == 0);
    free(p);
    c = config(d2);
    expect_open_error(&c, "shard-00001.h5", "truncated");
    reseal(d2); /* now HDF5 itself must notice */
    expect_open_error(&c, "shard-00001.h5", "truncated");

    const char *d3 = make_set("bad_missing", 100, 2, 7);
    edit(d3, "shard-00001.h5", 0);
    c = config(d3);
    expect_open_error(&c, "shard-00001.h5", "SHA-256");
    reseal(d3);
    expect_open_error(&c, "shard-00001.h5", "/target/tokens");

    const char *d4 = make_set("bad_offsets", 100, 2, 8);
    edit(d4, "shard-00000.h5", 1);
    reseal(d4);
    c = config(d4);
    expect_open_error(&c, "shard-00000.h5", "/target/offsets");

    c = config(tmp("no_such_dir"));
    expect_open_error(&c, "manifest.json", "");
}

/* Closing while the producer waits on a full queue, and right after open. */
static void test_shutdown(void)
{
    const char *dir = make_set("shutdown", 100, 1, 9);
    pad_loader_config c = config(dir);
    c.prefetch = 2;
    pad_loader *l = open_ok(&c);
    pad_loader_close(l);
    l = open_ok(&c);
    const pad_loader_batch *b;
    pad_error err;
    CHECK(pad_loader_next(l, &b, &err) == PAD_OK);
    usleep(20000);
    pad_loader_close(l);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_build_from_jsonl(void)
{
    const char *in = tmp("rows.jsonl"), *dir = tmp("built");
    write_text(in,
               "{\"question\": \"Eggs: 16 - 3 - 4, times 2?\", \"num_answer\": 18, \"id\": \"q1\", "
               "\"code\": \"Sure:\\n```python\\ndef solution():\\n    return (16 - 3 - 4) * 2\\n```\"}\n"
               "\n"
               "{\"question\": \"No program here\", \"num_answer\": 3, \"code\": \"I cannot.\"}\n"
               "{\"question\": \"Long one\", \"answer\": \"x\\n#### 1,600\", \"code\": "
               "\"def solution():\\n    x = 1600\\n    y = x\\n    z = y\\n    return z\\n\"}\n"
               "{\"question\": \"Short\", \"num_answer\": 2, \"code\": \"def solution():\\n    return 2\\n\"}\n");
    const char *specials[] = {"<pad>", "</s>", "<unk>"};
    pad_tokenizer *tok;
    pad_error err;
    CHECK(pad_tokenizer_bytes(specials, 3, &tok, &err) == PAD_OK);
    shard_build_options o;
    shard_build_options_default(&o);
    o.tokenizer_name = "bytes";
    o.max_target_len = 50;
    o.shard_tokens = 60; /* the first example fills a shard */
    shard_manifest m;
    pad_status st = shard_build(in, tok, dir, &o, &m, &err);
    CHECK_MSG(st == PAD_OK, "%s", err.message);
    if (st) return;
    CHECK(m.counts.rows == 4 && m.counts.examples == 2);
    CHECK(m.counts.dropped_no_program == 1 && m.counts.dropped_overlong == 1);
    CHECK_MSG(m.count == 2 && m.vocab_size == 259, "%d shards, vocab %lld", m.count, (long long)m.vocab_size);
    shard_manifest_free(&m);
    CHECK(shard_manifest_load(dir, &m, &err) == PAD_OK);
    char *p = pad_path_join(dir, m.shards[0].file);
    hdf5_shard s;
    CHECK(hdf5_shard_read(p, NULL, 1, &s, &err) == PAD_OK);
    int64_t n;
    const int32_t *tgt = hdf5_shard_tokens(&s, HDF5_SHARD_TARGET, 0, &n);
    const char *want = "def solution():\n    return (16 - 3 - 4) * 2\n";
    int32_t eos = pad_tokenizer_eos_id(tok);
    CHECK(n == (int64_t)strlen(want) + 1 && tgt[n - 1] == eos);
    int same = 1;
    for (int64_t i = 0; i + 1 < n; i++) same &= tgt[i] == (unsigned char)want[i];
    CHECK(same);
    int64_t len;
    const char *ans = hdf5_shard_text(&s, HDF5_SHARD_ANSWER, 0, &len);
    CHECK(len == 2 && !memcmp(ans, "18", 2));
    const char *id = hdf5_shard_text(&s, HDF5_SHARD_ID, 0, &len);
    CHECK(len == 2 && !memcmp(id, "q1", 2));
    hdf5_shard_free(&s);
    free(p);
    shard_manifest_free(&m);
    /* truncation instead: the long program is kept, eos last */
    o.overlong = SHARD_TRUNCATE;
    CHECK(shard_build(in, tok, dir, &o, &m, &err) == PAD_OK);
    CHECK(m.counts.examples == 3 && m.counts.truncated_target == 1 && m.counts.dropped_overlong == 0);
    shard_manifest_free(&m);
    /* a malformed line names file and line */
    write_text(in, "{\"question\": \"q\", \"num_answer\": 1, \"code\": \"def solution():\\n  return 1\"}\n{oops\n");
    CHECK(shard_build(in, tok, dir, &o, &m, &err) == PAD_ERR_FORMAT);
    CHECK_MSG(err.line == 2 && strstr(err.file, "rows.jsonl"), "line %ld file %s: %s", err.line, err.file, err.message);
    pad_tokenizer_free(tok);
}

int main(void)
{
    RUN(test_epochs_cover_everything);
    RUN(test_two_ranks);
    RUN(test_resume_exact);
    RUN(test_deterministic_and_bucketing);
    RUN(test_damaged_shards);
    RUN(test_shutdown);
    RUN(test_build_from_jsonl);
    return check_finish();
}
