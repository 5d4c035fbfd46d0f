/* HDF5 shards: round trip of every column and attribute, and a clear error
 * naming the file and the dataset for each kind of damage. */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/rng.h"
#include "io/hdf5_shard.h"

#define VOCAB 1000
#define HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *const words[] = {"eggs", "ducks", "caf\xc3\xa9", "\xe2\x82\xac" "5", "",
                                    "def solution():\n    return 16 - 3 - 4\n", "#### 18"};

/* n random examples: lengths 0..40 (source never empty), ids over the
 * whole vocabulary, text from `words`. */
static void fill(hdf5_shard *s, int n, uint64_t seed)
{
    pad_rng r;
    pad_rng_init(&r, seed, 0);
    int32_t src[64], tgt[64];
    for (int i = 0; i < n; i++) {
        int ls = 1 + (int)pad_rng_next_below(&r, 40), lt = (int)pad_rng_next_below(&r, 41);
        for (int t = 0; t < ls; t++) src[t] = (int32_t)pad_rng_next_below(&r, VOCAB);
        for (int t = 0; t < lt; t++) tgt[t] = (int32_t)pad_rng_next_below(&r, VOCAB);
        hdf5_shard_example ex = {.source = src, .source_len = ls, .target = tgt, .target_len = lt};
        for (int c = 0; c < 4; c++) ex.text[c] = words[pad_rng_next_below(&r, 7)];
        pad_error err;
        CHECK(hdf5_shard_append(s, &ex, &err) == PAD_OK);
    }
}

static int ragged_equal(const hdf5_ragged *a, const hdf5_ragged *b, size_t elem)
{
    return a->rows == b->rows && a->count == b->count &&
           !memcmp(a->offsets, b->offsets, (size_t)(a->rows + 1) * sizeof(int64_t)) &&
           (a->count == 0 || !memcmp(a->data, b->data, (size_t)a->count * elem));
}

static const char *write_sample(const char *name, int n, uint64_t seed, hdf5_shard *s)
{
    const char *path = check_tmp_path(name);
    pad_error err;
    CHECK(hdf5_shard_init(s, "distill", VOCAB, HASH, 1, &err) == PAD_OK);
    fill(s, n, seed);
    CHECK(hdf5_shard_write(path, s, &err) == PAD_OK);
    return path;
}

static void test_roundtrip(void)
{
    hdf5_shard w, r;
    const char *path = write_sample("round.h5", 300, 7, &w);
    pad_error err;
    hdf5_shard_expect want = {"distill", HASH, VOCAB};
    CHECK(hdf5_shard_read(path, &want, 1, &r, &err) == PAD_OK);
    CHECK(hdf5_shard_rows(&r) == 300 && r.has_text);
    CHECK(!strcmp(r.kind, "distill") && !strcmp(r.tokenizer_hash, HASH) && r.vocab_size == VOCAB);
    for (int c = 0; c < HDF5_SHARD_COLUMNS; c++)
        CHECK_MSG(ragged_equal(&w.col[c], &r.col[c], c < HDF5_SHARD_TEXT_FIRST ? 4 : 1), "column %d", c);
    int64_t len;
    const char *q = hdf5_shard_text(&r, HDF5_SHARD_QUESTION, 5, &len);
    int64_t wl;
    const char *wq = hdf5_shard_text(&w, HDF5_SHARD_QUESTION, 5, &wl);
    CHECK(len == wl && !memcmp(q, wq, (size_t)len));
    hdf5_shard_free(&r);
    /* without text: only the token columns */
    CHECK(hdf5_shard_read(path, NULL, 0, &r, &err) == PAD_OK);
    CHECK(!r.has_text && r.col[HDF5_SHARD_QUESTION].data == NULL);
    CHECK(ragged_equal(&w.col[HDF5_SHARD_TARGET], &r.col[HDF5_SHARD_TARGET], 4));
    hdf5_shard_free(&r);
    hdf5_shard_free(&w);
}

static void test_empty_and_append_errors(void)
{
    hdf5_shard w, r;
    const char *path = write_sample("empty.h5", 0, 1, &w);
    pad_error err;
    CHECK(hdf5_shard_read(path, NULL, 1, &r, &err) == PAD_OK);
    CHECK(hdf5_shard_rows(&r) == 0);
    hdf5_shard_free(&r);
    int32_t bad[2] = {3, VOCAB};
    hdf5_shard_example ex = {.source = bad, .source_len = 2, .target = bad, .target_len = 1};
    CHECK(hdf5_shard_append(&w, &ex, &err) == PAD_ERR_INVALID);
    CHECK(strstr(err.message, "outside") != NULL);
    CHECK(hdf5_shard_init(&r, "pretrain", VOCAB, HASH, 0, &err) == PAD_ERR_INVALID);
    hdf5_shard_free(&w);
}

/* Reads `path` expecting failure; the message and file must name the shard
 * and `what` (a dataset or attribute). */
static void expect_error(const char *path, const hdf5_shard_expect *want, const char *what)
{
    hdf5_shard r;
    pad_error err;
    pad_error_clear(&err);
    CHECK(hdf5_shard_read(path, want, 1, &r, &err) != PAD_OK);
    char line[2048];
    pad_error_format(&err, line, sizeof line);
    CHECK_MSG(strstr(line, path) && strstr(line, what), "'%s' lacks '%s'", line, what);
}

static void test_expectations(void)
{
    hdf5_shard w;
    const char *path = write_sample("expect.h5", 20, 2, &w);
    hdf5_shard_free(&w);
    hdf5_shard_expect wrong_hash = {NULL, "feed", 0}, wrong_kind = {"refine", NULL, 0},
                      wrong_vocab = {NULL, NULL, 32100};
    expect_error(path, &wrong_hash, "tokenizer_hash");
    expect_error(path, &wrong_kind, "kind");
    expect_error(path, &wrong_vocab, "vocab_size");
}

static void with_file(const char *path, void (*edit)(hid_t))
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f >= 0);
    edit(f);
    H5Fclose(f);
}

static void delete_target_offsets(hid_t f) { CHECK(H5Ldelete(f, "/target/offsets", H5P_DEFAULT) >= 0); }

static void scramble_offsets(hid_t f)
{
    hid_t ds = H5Dopen2(f, "/source/offsets", H5P_DEFAULT);
    hid_t space = H5Dget_space(ds);
    hsize_t at[1] = {7}, one[1] = {1};
    H5Sselect_hyperslab(space, H5S_SELECT_SET, at, NULL, one, NULL);
    hid_t mem = H5Screate_simple(1, one, NULL);
    int64_t v = 1; /* far below entry 6 */
    CHECK(H5Dwrite(ds, H5T_NATIVE_INT64, mem, space, H5P_DEFAULT, &v) >= 0);
    H5Sclose(mem);
    H5Sclose(space);
    H5Dclose(ds);
}

static void shrink_vocab(hid_t f)
{
    hid_t a = H5Aopen(f, "vocab_size", H5P_DEFAULT);
    int64_t v = 10;
    CHECK(H5Awrite(a, H5T_NATIVE_INT64, &v) >= 0);
    H5Aclose(a);
}

static void test_damage(void)
{
    hdf5_shard w;
    const char *p1 = write_sample("missing.h5", 50, 3, &w);
    hdf5_shard_free(&w);
    with_file(p1, delete_target_offsets);
    expect_error(p1, NULL, "/target/offsets");

    const char *p2 = write_sample("offsets.h5", 50, 4, &w);
    hdf5_shard_free(&w);
    with_file(p2, scramble_offsets);
    expect_error(p2, NULL, "/source/offsets");

    const char *p3 = write_sample("ids.h5", 50, 5, &w);
    hdf5_shard_free(&w);
    with_file(p3, shrink_vocab);
    expect_error(p3, NULL, "/source/tokens");

    const char *p4 = write_sample("truncated.h5", 2000, 6, &w);
    hdf5_shard_free(&w);
    FILE *f = fopen(p4, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    CHECK(truncate(p4, size / 2) == 0);
    expect_error(p4, NULL, "truncated");

    const char *p5 = check_tmp_path("not_hdf5.h5");
    f = fopen(p5, "wb");
    fputs("{\"not\": \"hdf5\"}", f);
    fclose(f);
    expect_error(p5, NULL, "HDF5");
}

int main(void)
{
    RUN(test_roundtrip);
    RUN(test_empty_and_append_errors);
    RUN(test_expectations);
    RUN(test_damage);
    return check_finish();
}
