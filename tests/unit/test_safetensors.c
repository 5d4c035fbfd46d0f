/* safetensors: round trips of random tensors, and one precise error for each
 * way a file can be malformed. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/rng.h"
#include "io/safetensors.h"

/* check_tmp_path returns a static buffer: keep our own copies. */
static char *tmp_path(const char *name) { return strdup(check_tmp_path(name)); }

static int has(const char *haystack, const char *needle) { return strstr(haystack, needle) != NULL; }

/* Writes an 8-byte length, the header text, and `data` bytes of noise. */
static void write_file(const char *path, uint64_t header_len, const char *header, size_t data)
{
    FILE *fp = fopen(path, "wb");
    unsigned char prefix[8];
    for (int i = 0; i < 8; i++) prefix[i] = (unsigned char)(header_len >> (8 * i));
    fwrite(prefix, 1, 8, fp);
    fwrite(header, 1, strlen(header), fp);
    for (size_t i = 0; i < data; i++) fputc((int)(pad_rng_u32_at(5, 0, i) & 0xff), fp);
    fclose(fp);
}

static void write_json(const char *path, const char *header, size_t data)
{
    write_file(path, strlen(header), header, data);
}

/* Expects open to fail with `code`, a message containing `text`, the file
 * named, and the tensor `tensor` named (or none when NULL). */
static void expect_open_error(const char *path, pad_status code, const char *text, const char *tensor)
{
    safetensors_file f;
    pad_error err;
    pad_error_clear(&err);
    pad_status st = safetensors_open(&f, path, &err);
    CHECK_MSG(st == code, "%s: got %s: %s", text, pad_status_name(st), err.message);
    CHECK(err.code == code);
    CHECK_MSG(has(err.message, text), "'%s' not in '%s'", text, err.message);
    CHECK(strcmp(err.file, path) == 0);
    CHECK_MSG(strcmp(err.tensor, tensor ? tensor : "") == 0, "tensor '%s'", err.tensor);
    CHECK(f.fp == NULL && f.entries == NULL && f.meta == NULL && f.path == NULL);
    safetensors_close(&f); /* safe on the zeroed struct */
}

/* Random tensors of several dtypes and shapes, owning their data. */
typedef struct sample {
    pad_tensor t[8];
    void *data[8];
    int count;
} sample;

static void add_tensor(sample *s, const char *name, pad_dtype dtype, int ndim, const int64_t *shape, uint64_t seed)
{
    pad_tensor *t = &s->t[s->count];
    pad_tensor_init(t, name, dtype, ndim, shape, NULL);
    size_t n = (size_t)pad_tensor_numel(t);
    float *f = malloc((n ? n : 1) * sizeof *f);
    check_fill_uniform(f, n, seed, -3.0f, 3.0f);
    void *data = malloc(n ? pad_tensor_nbytes(t) : 1);
    if (dtype == PAD_I64)
        for (size_t i = 0; i < n; i++)
            ((int64_t *)data)[i] = (int64_t)((uint64_t)pad_rng_u32_at(seed, 1, 2 * i) << 32 | pad_rng_u32_at(seed, 1, 2 * i + 1));
    else
        pad_convert(data, dtype, f, PAD_F32, n);
    free(f);
    t->data = data;
    s->data[s->count++] = data;
}

static void sample_init(sample *s, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    add_tensor(s, "enc.w", PAD_F32, 2, (int64_t[]){3, 5}, seed + 1);
    add_tensor(s, "enc.b16", PAD_BF16, 1, (int64_t[]){7}, seed + 2);
    add_tensor(s, "dec.h", PAD_F16, 3, (int64_t[]){2, 2, 2}, seed + 3);
    add_tensor(s, "ids", PAD_I64, 1, (int64_t[]){4}, seed + 4);
    add_tensor(s, "scale", PAD_F32, 0, NULL, seed + 5);
    add_tensor(s, "empty", PAD_F32, 3, (int64_t[]){3, 0, 2}, seed + 6);
    add_tensor(s, "dbl", PAD_F64, 2, (int64_t[]){2, 3}, seed + 7);
}

static void sample_free(sample *s)
{
    for (int i = 0; i < s->count; i++) free(s->data[i]);
}

static const safetensors_meta sample_meta[] = {{"step", "1200"}, {"recipe", "quickstart"}};

/* Opens `path` and checks every tensor of `s` comes back bit for bit. */
static void check_contents(const char *path, const sample *s)
{
    safetensors_file f;
    pad_error err;
    CHECK(safetensors_open(&f, path, &err) == PAD_OK);
    CHECK(f.count == s->count);
    uint64_t expect_begin = 0;
    for (int i = 0; i < s->count; i++) {
        const pad_tensor *t = &s->t[i];
        const safetensors_entry *e = safetensors_find(&f, t->name);
        CHECK_MSG(e != NULL, "%s missing", t->name);
        if (!e) continue;
        size_t n = pad_tensor_nbytes(t);
        CHECK(e->dtype == t->dtype && e->ndim == t->ndim);
        CHECK(memcmp(e->shape, t->shape, (size_t)t->ndim * sizeof t->shape[0]) == 0);
        CHECK(e->begin == expect_begin && e->end - e->begin == n); /* consecutive, in the given order */
        expect_begin = e->end;
        void *back = malloc(n + 1);
        CHECK(safetensors_read_raw(&f, e, back, &err) == PAD_OK);
        CHECK_MSG(memcmp(back, t->data, n) == 0, "%s bytes differ", t->name);
        free(back);
    }
    for (int i = 1; i < f.count; i++) CHECK(f.entries[i - 1].begin <= f.entries[i].begin);
    CHECK(safetensors_find(&f, "nope") == NULL);
    safetensors_close(&f);
}

static void test_round_trip(void)
{
    char *path = tmp_path("round.safetensors");
    sample s;
    sample_init(&s, 100);
    pad_error err;
    CHECK(safetensors_write(path, s.t, s.count, sample_meta, 2, &err) == PAD_OK);
    check_contents(path, &s);

    safetensors_file f;
    CHECK(safetensors_open(&f, path, &err) == PAD_OK);
    CHECK(safetensors_meta_get(&f, "format") && strcmp(safetensors_meta_get(&f, "format"), "pt") == 0);
    CHECK(safetensors_meta_get(&f, "step") && strcmp(safetensors_meta_get(&f, "step"), "1200") == 0);
    CHECK(safetensors_meta_get(&f, "recipe") && strcmp(safetensors_meta_get(&f, "recipe"), "quickstart") == 0);
    CHECK(safetensors_meta_get(&f, "missing") == NULL && f.meta_count == 3);
    CHECK((f.data_start - 8) % 8 == 0 && f.data_start % 8 == 0);

    /* the length prefix itself, read by hand */
    FILE *fp = fopen(path, "rb");
    unsigned char prefix[8];
    CHECK(fread(prefix, 1, 8, fp) == 8);
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--) len = len << 8 | prefix[i];
    CHECK(len % 8 == 0 && len + 8 == f.data_start);
    char first;
    CHECK(fread(&first, 1, 1, fp) == 1 && first == '{');
    fclose(fp);
    safetensors_close(&f);
    sample_free(&s);
    free(path);
}

static void test_read_f32(void)
{
    char *path = tmp_path("f32.safetensors");
    sample s;
    sample_init(&s, 200);
    pad_error err;
    CHECK(safetensors_write(path, s.t, s.count, NULL, 0, &err) == PAD_OK);
    safetensors_file f;
    CHECK(safetensors_open(&f, path, &err) == PAD_OK);
    CHECK(f.meta_count == 1 && safetensors_meta_get(&f, "format") && strcmp(safetensors_meta_get(&f, "format"), "pt") == 0);
    float out[16];
    const uint16_t *bf = s.t[1].data, *h = s.t[2].data;
    const float *w = s.t[0].data;
    const double *d = s.t[6].data;
    int bad = 0;
    CHECK(safetensors_read_f32(&f, safetensors_find(&f, "enc.b16"), out, &err) == PAD_OK);
    for (int i = 0; i < 7; i++) bad += out[i] != pad_bf16_to_f32(bf[i]) || out[i] == 0;
    CHECK(safetensors_read_f32(&f, safetensors_find(&f, "dec.h"), out, &err) == PAD_OK);
    for (int i = 0; i < 8; i++) bad += out[i] != pad_f16_to_f32(h[i]) || out[i] == 0;
    CHECK(safetensors_read_f32(&f, safetensors_find(&f, "enc.w"), out, &err) == PAD_OK);
    for (int i = 0; i < 15; i++) bad += out[i] != w[i];
    CHECK(safetensors_read_f32(&f, safetensors_find(&f, "dbl"), out, &err) == PAD_OK);
    for (int i = 0; i < 6; i++) bad += out[i] != (float)d[i];
    CHECK(bad == 0);

    pad_error_clear(&err);
    CHECK(safetensors_read_f32(&f, safetensors_find(&f, "ids"), out, &err) == PAD_ERR_UNSUPPORTED);
    CHECK(has(err.message, "I64") && strcmp(err.tensor, "ids") == 0 && strcmp(err.file, path) == 0);
    safetensors_close(&f);
    sample_free(&s);
    free(path);
}

static void test_truncated(void)
{
    char *path = tmp_path("cut.safetensors");
    sample s;
    sample_init(&s, 300);
    /* larger than stdio's buffer, so the reader must go back to the file */
    add_tensor(&s, "big", PAD_F32, 2, (int64_t[]){128, 256}, 301);
    pad_error err;
    CHECK(safetensors_write(path, s.t, s.count, NULL, 0, &err) == PAD_OK);
    safetensors_file f;
    CHECK(safetensors_open(&f, path, &err) == PAD_OK);
    uint64_t data_start = f.data_start, header_len = f.data_start - 8;

    /* the file shrinks under an open reader: the read must notice */
    const safetensors_entry *last = &f.entries[f.count - 1];
    CHECK(truncate(path, (off_t)(data_start + last->begin + 3)) == 0);
    char *buf = malloc(last->end - last->begin);
    pad_error_clear(&err);
    CHECK(strcmp(last->name, "big") == 0);
    CHECK(safetensors_read_raw(&f, last, buf, &err) == PAD_ERR_FORMAT);
    free(buf);
    CHECK(has(err.message, "truncated") && strcmp(err.tensor, last->name) == 0 && strcmp(err.file, path) == 0);
    char *last_name = strdup(last->name);
    safetensors_close(&f);

    expect_open_error(path, PAD_ERR_FORMAT, "run past the data section", last_name);
    CHECK(truncate(path, (off_t)(8 + header_len / 2)) == 0);
    expect_open_error(path, PAD_ERR_FORMAT, "runs past the end of the file", NULL);
    CHECK(truncate(path, 5) == 0);
    expect_open_error(path, PAD_ERR_FORMAT, "shorter than the 8-byte header length", NULL);
    free(last_name);
    sample_free(&s);
    free(path);
}

static void test_malformed_header(void)
{
    char *path = tmp_path("bad.safetensors");
    write_file(path, 1000, "{\"a\":{}}", 16);
    expect_open_error(path, PAD_ERR_FORMAT, "header length 1000 runs past the end", NULL);
    write_file(path, 200000000ull, "{}", 16);
    expect_open_error(path, PAD_ERR_FORMAT, "over the limit", NULL);
    write_json(path, "{\"a\": {\"dtype\": \"F32\",  ", 16);
    expect_open_error(path, PAD_ERR_FORMAT, "not valid JSON", NULL);
    write_json(path, "{} trailing", 0);
    expect_open_error(path, PAD_ERR_FORMAT, "not valid JSON", NULL);
    write_json(path, "[1, 2, 3]", 0);
    expect_open_error(path, PAD_ERR_FORMAT, "not a JSON object", NULL);
    write_json(path, "{\"a.w\": 5}", 0);
    expect_open_error(path, PAD_ERR_FORMAT, "not an object", "a.w");
    write_json(path, "{\"__metadata__\": {\"step\": 3}}", 0);
    expect_open_error(path, PAD_ERR_FORMAT, "value of 'step' is not a string", NULL);
    free(path);
}

/* One tensor entry with the given fields, in a file with `data` bytes. */
static void expect_entry_error(const char *path, const char *entry, size_t data, pad_status code, const char *text)
{
    char header[512];
    snprintf(header, sizeof header, "{\"x.weight\": %s}", entry);
    write_json(path, header, data);
    expect_open_error(path, code, text, "x.weight");
}

static void test_malformed_entries(void)
{
    char *path = tmp_path("entry.safetensors");
    expect_entry_error(path, "{\"shape\": [2], \"data_offsets\": [0, 8]}", 8, PAD_ERR_FORMAT, "missing \"dtype\"");
    expect_entry_error(path, "{\"dtype\": \"F32\", \"data_offsets\": [0, 8]}", 8, PAD_ERR_FORMAT, "missing \"shape\"");
    expect_entry_error(path, "{\"dtype\": \"F32\", \"shape\": [2]}", 8, PAD_ERR_FORMAT, "missing \"data_offsets\"");
    expect_entry_error(path, "{\"dtype\": 7, \"shape\": [2], \"data_offsets\": [0, 8]}", 8, PAD_ERR_FORMAT,
                       "\"dtype\" is not a string");
    expect_entry_error(path, "{\"dtype\": \"F32\", \"shape\": 2, \"data_offsets\": [0, 8]}", 8, PAD_ERR_FORMAT,
                       "\"shape\" is not an array");
    expect_entry_error(path, "{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}", 8, PAD_ERR_FORMAT,
                       "not a pair");
    expect_entry_error(path, "{\"dtype\": \"F33\", \"shape\": [2], \"data_offsets\": [0, 8]}", 8, PAD_ERR_FORMAT,
                       "unknown dtype 'F33'");
    expect_entry_error(path, "{\"dtype\": \"BOOL\", \"shape\": [2], \"data_offsets\": [0, 2]}", 8,
                       PAD_ERR_UNSUPPORTED, "dtype BOOL is not supported");
    expect_entry_error(path, "{\"dtype\": \"F32\", \"shape\": [2, -1], \"data_offsets\": [0, 8]}", 8, PAD_ERR_FORMAT,
                       "dimension 1 is not a non-negative integer");
    expect_entry_error(path, "{\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}", 8, PAD_ERR_FORMAT,
                       "dimension 0 is not a non-negative integer");
    expect_entry_error(path, "{\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 12]}", 24, PAD_ERR_FORMAT,
                       "data_offsets [0, 12] hold 12 bytes but shape [2, 3] of F32 needs 24");
    expect_entry_error(path, "{\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [8, 32]}", 24, PAD_ERR_FORMAT,
                       "data_offsets [8, 32] run past the data section (24 bytes)");
    expect_entry_error(path, "{\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}", 24, PAD_ERR_FORMAT,
                       "end before they begin");
    free(path);
}

static void test_layout_errors(void)
{
    char *path = tmp_path("layout.safetensors");
    write_json(path,
               "{\"b\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]},"
               " \"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 32);
    expect_open_error(path, PAD_ERR_FORMAT, "overlap those of tensor 'a' [0, 16]", "b");
    write_json(path,
               "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
               " \"a\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [8, 16]}}", 16);
    expect_open_error(path, PAD_ERR_FORMAT, "appears twice", "a");

    /* gaps are allowed, and entries come back in data order */
    write_json(path,
               "{\"__metadata__\": {\"k\": \"v\"},"
               " \"late\": {\"dtype\": \"U8\", \"shape\": [3], \"data_offsets\": [20, 23]},"
               " \"early\": {\"dtype\": \"I32\", \"shape\": [1, 2], \"data_offsets\": [4, 12]}}    ", 24);
    safetensors_file f;
    pad_error err;
    CHECK(safetensors_open(&f, path, &err) == PAD_OK);
    CHECK(f.count == 2 && strcmp(f.entries[0].name, "early") == 0 && strcmp(f.entries[1].name, "late") == 0);
    CHECK(f.data_size == 24 && strcmp(safetensors_meta_get(&f, "k"), "v") == 0);
    unsigned char bytes[3];
    CHECK(safetensors_read_raw(&f, safetensors_find(&f, "late"), bytes, &err) == PAD_OK);
    int same = 1;
    for (int i = 0; i < 3; i++) same &= bytes[i] == (pad_rng_u32_at(5, 0, 20 + (uint64_t)i) & 0xff);
    CHECK(same);
    safetensors_close(&f);
    free(path);
}

static int count_temporaries(void)
{
    char *dir = tmp_path("");
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp") != NULL;
    if (d) closedir(d);
    free(dir);
    return n;
}

static void test_write_failures(void)
{
    sample s;
    sample_init(&s, 400);
    pad_error err;
    char *missing = tmp_path("no/such/dir/x.safetensors");
    pad_error_clear(&err);
    CHECK(safetensors_write(missing, s.t, s.count, NULL, 0, &err) == PAD_ERR_IO);
    CHECK(strcmp(err.file, missing) == 0 && has(err.message, "cannot create"));

    /* a directory in the way: the temporary is written, the rename fails */
    char *blocked = tmp_path("blocked.safetensors");
    CHECK(mkdir(blocked, 0755) == 0);
    pad_error_clear(&err);
    CHECK(safetensors_write(blocked, s.t, s.count, NULL, 0, &err) == PAD_ERR_IO);
    CHECK(strcmp(err.file, blocked) == 0 && has(err.message, "rename"));
    CHECK(count_temporaries() == 0);
    rmdir(blocked);

    /* invalid input leaves an existing file untouched */
    char *path = tmp_path("keep.safetensors");
    CHECK(safetensors_write(path, s.t, 3, NULL, 0, &err) == PAD_OK);
    pad_tensor twice[2] = {s.t[0], s.t[3]};
    twice[1].name = s.t[0].name;
    pad_error_clear(&err);
    CHECK(safetensors_write(path, twice, 2, NULL, 0, &err) == PAD_ERR_INVALID);
    CHECK(has(err.message, "twice") && strcmp(err.tensor, "enc.w") == 0 && strcmp(err.file, path) == 0);
    pad_tensor bad = s.t[0];
    bad.dtype = PAD_DTYPE_COUNT;
    pad_error_clear(&err);
    CHECK(safetensors_write(path, &bad, 1, NULL, 0, &err) == PAD_ERR_INVALID);
    CHECK(strcmp(err.tensor, "enc.w") == 0);
    safetensors_meta dup_meta[2] = {{"k", "1"}, {"k", "2"}};
    pad_error_clear(&err);
    CHECK(safetensors_write(path, s.t, 1, dup_meta, 2, &err) == PAD_ERR_INVALID);
    sample first = s;
    first.count = 3;
    check_contents(path, &first);
    CHECK(count_temporaries() == 0);
    free(path);
    free(blocked);
    free(missing);
    sample_free(&s);
}

static void test_overwrite(void)
{
    char *path = tmp_path("over.safetensors");
    sample a, b;
    sample_init(&a, 500);
    sample_init(&b, 600);
    pad_error err;
    CHECK(safetensors_write(path, a.t, a.count, NULL, 0, &err) == PAD_OK);
    safetensors_file old;
    CHECK(safetensors_open(&old, path, &err) == PAD_OK); /* a reader holding the old file */
    b.count = 4;
    safetensors_meta m = {"step", "2"};
    CHECK(safetensors_write(path, b.t, b.count, &m, 1, &err) == PAD_OK);
    check_contents(path, &b);
    CHECK(count_temporaries() == 0);

    /* the rename left the old reader's file intact */
    float w[15];
    CHECK(safetensors_read_f32(&old, safetensors_find(&old, "enc.w"), w, &err) == PAD_OK);
    CHECK(memcmp(w, a.t[0].data, sizeof w) == 0);
    safetensors_close(&old);
    b.count = 7;
    sample_free(&a);
    sample_free(&b);
    free(path);
}

int main(void)
{
    RUN(test_round_trip);
    RUN(test_read_f32);
    RUN(test_truncated);
    RUN(test_malformed_header);
    RUN(test_malformed_entries);
    RUN(test_layout_errors);
    RUN(test_write_failures);
    RUN(test_overwrite);
    return check_finish();
}
