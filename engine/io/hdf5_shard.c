#include "io/hdf5_shard.h"

#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Column paths: a token column stores "tokens", a text column "bytes". */
static const char *const data_names[HDF5_SHARD_COLUMNS] = {
    "/source/tokens",        "/target/tokens",      "/text/question/bytes",
    "/text/program/bytes",   "/text/answer/bytes",  "/text/id/bytes"};
static const char *const offsets_names[HDF5_SHARD_COLUMNS] = {
    "/source/offsets",       "/target/offsets",     "/text/question/offsets",
    "/text/program/offsets", "/text/answer/offsets", "/text/id/offsets"};

#define CHUNK_ELEMS 65536 /* 256 KiB of tokens: big enough to compress well */

const char *hdf5_shard_data_name(hdf5_shard_column c) { return data_names[c]; }
const char *hdf5_shard_offsets_name(hdf5_shard_column c) { return offsets_names[c]; }

static int is_text(int c) { return c >= HDF5_SHARD_TEXT_FIRST; }
static size_t elem_size(int c) { return is_text(c) ? 1 : sizeof(int32_t); }
static int column_used(const hdf5_shard *s, int c) { return !is_text(c) || s->has_text; }

int hdf5_shard_kind_valid(const char *kind)
{
    return kind && (!strcmp(kind, "distill") || !strcmp(kind, "refine") || !strcmp(kind, "eval"));
}

/* HDF5 prints its error stack to stderr by default; library code must not.
 * Turning it off is process-wide, which is what every caller wants here. */
static void quiet_hdf5(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static pad_status shard_error(pad_error *err, const char *path, pad_status code, const char *fmt,
                              const char *dataset, const char *detail)
{
    pad_error_set(err, code, fmt, dataset, detail);
    return pad_error_file(err, path);
}

/* ---- in memory ---- */

pad_status hdf5_shard_init(hdf5_shard *s, const char *kind, int64_t vocab_size,
                           const char *tokenizer_hash, int has_text, pad_error *err)
{
    memset(s, 0, sizeof *s);
    if (!hdf5_shard_kind_valid(kind))
        return pad_error_set(err, PAD_ERR_INVALID, "shard kind '%s' is not distill, refine or eval",
                             kind ? kind : "(null)");
    if (vocab_size < 1 || vocab_size > INT32_MAX)
        return pad_error_set(err, PAD_ERR_INVALID, "vocab_size %" PRId64 " out of range", vocab_size);
    snprintf(s->kind, sizeof s->kind, "%s", kind);
    snprintf(s->tokenizer_hash, sizeof s->tokenizer_hash, "%s", tokenizer_hash ? tokenizer_hash : "");
    s->vocab_size = vocab_size;
    s->has_text = has_text;
    return PAD_OK;
}

void hdf5_shard_free(hdf5_shard *s)
{
    for (int c = 0; c < HDF5_SHARD_COLUMNS; c++) {
        free(s->col[c].data);
        free(s->col[c].offsets);
    }
    memset(s->col, 0, sizeof s->col);
}

void hdf5_shard_clear(hdf5_shard *s)
{
    for (int c = 0; c < HDF5_SHARD_COLUMNS; c++) s->col[c].rows = s->col[c].count = 0;
}

static int grow(void **p, int64_t *cap, int64_t need, size_t elem)
{
    if (need <= *cap) return 0;
    int64_t n = *cap ? *cap : 256;
    while (n < need) n *= 2;
    void *q = realloc(*p, (size_t)n * elem);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}

static int ragged_push(hdf5_ragged *r, const void *row, int64_t len, size_t elem)
{
    if (grow((void **)&r->offsets, &r->cap_rows, r->rows + 2, sizeof(int64_t)) ||
        grow(&r->data, &r->cap_count, r->count + len + 1, elem))
        return -1;
    if (r->rows == 0) r->offsets[0] = 0;
    if (len) memcpy((char *)r->data + (size_t)r->count * elem, row, (size_t)len * elem);
    r->count += len;
    r->offsets[++r->rows] = r->count;
    return 0;
}

static pad_status check_ids(const int32_t *ids, int64_t n, int64_t vocab, const char *what,
                            pad_error *err)
{
    for (int64_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= vocab)
            return pad_error_set(err, PAD_ERR_INVALID,
                                 "%s: token %" PRId32 " at index %" PRId64
                                 " outside [0, vocab_size=%" PRId64 ")",
                                 what, ids[i], i, vocab);
    return PAD_OK;
}

pad_status hdf5_shard_append(hdf5_shard *s, const hdf5_shard_example *ex, pad_error *err)
{
    if (check_ids(ex->source, ex->source_len, s->vocab_size, "source", err) ||
        check_ids(ex->target, ex->target_len, s->vocab_size, "target", err))
        return err ? err->code : PAD_ERR_INVALID;
    int fail = ragged_push(&s->col[HDF5_SHARD_SOURCE], ex->source, ex->source_len, sizeof(int32_t)) ||
               ragged_push(&s->col[HDF5_SHARD_TARGET], ex->target, ex->target_len, sizeof(int32_t));
    for (int c = HDF5_SHARD_TEXT_FIRST; !fail && s->has_text && c < HDF5_SHARD_COLUMNS; c++) {
        const char *t = ex->text[c - HDF5_SHARD_TEXT_FIRST];
        fail = ragged_push(&s->col[c], t ? t : "", t ? (int64_t)strlen(t) : 0, 1);
    }
    return fail ? pad_error_set(err, PAD_ERR_NOMEM, "out of memory appending a shard row") : PAD_OK;
}

/* ---- writing ---- */

static int write_string_attr(hid_t file, const char *name, const char *value)
{
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hid_t attr = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    int bad = attr < 0 || H5Awrite(attr, type, &value) < 0;
    if (attr >= 0) H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
    return bad;
}

static int write_int_attr(hid_t file, const char *name, int64_t value)
{
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(file, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    int bad = attr < 0 || H5Awrite(attr, H5T_NATIVE_INT64, &value) < 0;
    if (attr >= 0) H5Aclose(attr);
    H5Sclose(space);
    return bad;
}

/* One 1-D dataset, chunked with shuffle + deflate (contiguous when empty:
 * HDF5 needs a non-zero chunk). */
static int write_array(hid_t file, const char *name, hid_t file_type, hid_t mem_type,
                       const void *data, int64_t n)
{
    hsize_t dims[1] = {(hsize_t)n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    if (n > 0) {
        hsize_t chunk[1] = {(hsize_t)(n < CHUNK_ELEMS ? n : CHUNK_ELEMS)};
        H5Pset_chunk(dcpl, 1, chunk);
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, 4);
    }
    hid_t ds = H5Dcreate2(file, name, file_type, space, lcpl, dcpl, H5P_DEFAULT);
    int bad = ds < 0 || (n > 0 && H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0);
    if (ds >= 0) H5Dclose(ds);
    H5Pclose(dcpl);
    H5Pclose(lcpl);
    H5Sclose(space);
    return bad;
}

static const char *write_columns(hid_t file, const hdf5_shard *s)
{
    for (int c = 0; c < HDF5_SHARD_COLUMNS; c++) {
        if (!column_used(s, c)) continue;
        const hdf5_ragged *r = &s->col[c];
        int64_t zero = 0;
        const int64_t *off = r->rows ? r->offsets : &zero;
        if (write_array(file, data_names[c], is_text(c) ? H5T_STD_U8LE : H5T_STD_I32LE,
                        is_text(c) ? H5T_NATIVE_UCHAR : H5T_NATIVE_INT32, r->data, r->count))
            return data_names[c];
        if (write_array(file, offsets_names[c], H5T_STD_I64LE, H5T_NATIVE_INT64, off, r->rows + 1))
            return offsets_names[c];
    }
    return NULL;
}

pad_status hdf5_shard_write(const char *path, const hdf5_shard *s, pad_error *err)
{
    quiet_hdf5();
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) {
        pad_error_set(err, PAD_ERR_IO, "cannot create HDF5 file");
        return pad_error_file(err, path);
    }
    const char *failed = NULL;
    if (write_string_attr(file, "format", HDF5_SHARD_FORMAT) ||
        write_int_attr(file, "version", HDF5_SHARD_VERSION) ||
        write_string_attr(file, "kind", s->kind) ||
        write_int_attr(file, "vocab_size", s->vocab_size) ||
        write_string_attr(file, "tokenizer_hash", s->tokenizer_hash))
        failed = "root attributes";
    if (!failed) failed = write_columns(file, s);
    int close_bad = H5Fclose(file) < 0;
    if (failed) return shard_error(err, path, PAD_ERR_IO, "cannot write %s%s", failed, "");
    if (close_bad) return shard_error(err, path, PAD_ERR_IO, "cannot flush %s%s", "the file", "");
    return PAD_OK;
}

/* ---- reading ---- */

/* Reads a string attribute, fixed-length or variable-length (h5py writes
 * the latter for Python str), into buf.  Returns 0 on success. */
static int read_string_attr(hid_t file, const char *name, char *buf, size_t size)
{
    if (H5Aexists(file, name) <= 0) return -1;
    hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    int bad = H5Tget_class(type) != H5T_STRING;
    if (!bad && H5Tis_variable_str(type) > 0) {
        char *value = NULL;
        hid_t mem = H5Tcopy(H5T_C_S1);
        H5Tset_size(mem, H5T_VARIABLE);
        H5Tset_cset(mem, H5Tget_cset(type));
        bad = H5Aread(attr, mem, &value) < 0 || !value;
        if (!bad) snprintf(buf, size, "%s", value);
        H5free_memory(value);
        H5Tclose(mem);
    } else if (!bad) {
        size_t n = H5Tget_size(type);
        char *tmp = calloc(n + 1, 1);
        hid_t mem = H5Tcopy(type);
        bad = !tmp || H5Aread(attr, mem, tmp) < 0;
        if (!bad) snprintf(buf, size, "%s", tmp);
        free(tmp);
        H5Tclose(mem);
    }
    H5Tclose(type);
    H5Aclose(attr);
    return bad ? -1 : 0;
}

static int read_int_attr(hid_t file, const char *name, int64_t *value)
{
    if (H5Aexists(file, name) <= 0) return -1;
    hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
    hid_t type = H5Aget_type(attr);
    int bad = H5Tget_class(type) != H5T_INTEGER || H5Aread(attr, H5T_NATIVE_INT64, value) < 0;
    H5Tclose(type);
    H5Aclose(attr);
    return bad ? -1 : 0;
}

static pad_status read_meta(hid_t file, const char *path, const hdf5_shard_expect *want,
                            hdf5_shard *s, pad_error *err)
{
    char format[32] = "";
    int64_t version = 0;
    if (read_string_attr(file, "format", format, sizeof format) || strcmp(format, HDF5_SHARD_FORMAT))
        return shard_error(err, path, PAD_ERR_FORMAT,
                           "root attribute format is '%s', expected '%s' (not a pad shard)", format,
                           HDF5_SHARD_FORMAT);
    if (read_int_attr(file, "version", &version) || version != HDF5_SHARD_VERSION) {
        pad_error_set(err, PAD_ERR_FORMAT, "root attribute version is %" PRId64 ", expected %d",
                      version, HDF5_SHARD_VERSION);
        return pad_error_file(err, path);
    }
    if (read_string_attr(file, "kind", s->kind, sizeof s->kind) || !hdf5_shard_kind_valid(s->kind))
        return shard_error(err, path, PAD_ERR_FORMAT, "root attribute %s '%s' is missing or invalid",
                           "kind", s->kind);
    if (read_int_attr(file, "vocab_size", &s->vocab_size) || s->vocab_size < 1)
        return shard_error(err, path, PAD_ERR_FORMAT, "root attribute %s is missing or invalid%s",
                           "vocab_size", "");
    if (read_string_attr(file, "tokenizer_hash", s->tokenizer_hash, sizeof s->tokenizer_hash))
        return shard_error(err, path, PAD_ERR_FORMAT, "root attribute %s is missing%s",
                           "tokenizer_hash", "");
    if (!want) return PAD_OK;
    if (want->kind && strcmp(want->kind, s->kind))
        return shard_error(err, path, PAD_ERR_CONFIG, "root attribute kind is '%s', expected '%s'",
                           s->kind, want->kind);
    if (want->tokenizer_hash && strcmp(want->tokenizer_hash, s->tokenizer_hash))
        return shard_error(err, path, PAD_ERR_CONFIG,
                           "root attribute tokenizer_hash is '%s' but the tokenizer's hash is '%s' "
                           "(the shard was built with another tokenizer)",
                           s->tokenizer_hash, want->tokenizer_hash);
    if (want->vocab_size && want->vocab_size != s->vocab_size) {
        pad_error_set(err, PAD_ERR_CONFIG,
                      "root attribute vocab_size is %" PRId64 ", expected %" PRId64, s->vocab_size,
                      want->vocab_size);
        return pad_error_file(err, path);
    }
    return PAD_OK;
}

/* Reads a whole 1-D integer dataset, converted to mem_type, into a new
 * buffer; *n gets its length. */
static pad_status read_array(hid_t file, const char *path, const char *name, hid_t mem_type,
                             size_t elem, void **out, int64_t *n, pad_error *err)
{
    *out = NULL;
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0) return shard_error(err, path, PAD_ERR_FORMAT, "dataset %s is missing%s", name, "");
    hid_t space = H5Dget_space(ds), type = H5Dget_type(ds);
    hsize_t dims[1] = {0};
    pad_status st = PAD_OK;
    if (H5Tget_class(type) != H5T_INTEGER)
        st = shard_error(err, path, PAD_ERR_FORMAT, "dataset %s is not an integer array%s", name, "");
    else if (H5Sget_simple_extent_ndims(space) != 1)
        st = shard_error(err, path, PAD_ERR_FORMAT, "dataset %s is not 1-dimensional%s", name, "");
    else {
        H5Sget_simple_extent_dims(space, dims, NULL);
        *n = (int64_t)dims[0];
        *out = malloc(dims[0] ? dims[0] * elem : 1);
        if (!*out) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory reading %s", name);
        else if (dims[0] && H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
            st = shard_error(err, path, PAD_ERR_FORMAT,
                             "dataset %s cannot be read%s (truncated or corrupted file?)", name, "");
    }
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(ds);
    if (st) {
        free(*out);
        *out = NULL;
    }
    return st;
}

static pad_status offsets_error(pad_error *err, const char *path, int c, const char *what,
                                int64_t i, int64_t value)
{
    pad_error_set(err, PAD_ERR_FORMAT, "dataset %s: %s (entry %" PRId64 " = %" PRId64 ")",
                  offsets_names[c], what, i, value);
    return pad_error_file(err, path);
}

/* Offsets must start at 0, never decrease, and end at the data's length;
 * there must be one more than the shard has rows. */
static pad_status check_offsets(const hdf5_ragged *r, int c, int64_t n_off, int64_t rows,
                                const char *path, pad_error *err)
{
    if (n_off != rows + 1) {
        pad_error_set(err, PAD_ERR_FORMAT,
                      "dataset %s has %" PRId64 " entries, expected %" PRId64 " (as %s)",
                      offsets_names[c], n_off, rows + 1, offsets_names[HDF5_SHARD_SOURCE]);
        return pad_error_file(err, path);
    }
    if (r->offsets[0] != 0) return offsets_error(err, path, c, "must start at 0", 0, r->offsets[0]);
    for (int64_t i = 1; i <= rows; i++)
        if (r->offsets[i] < r->offsets[i - 1])
            return offsets_error(err, path, c, "offsets decrease", i, r->offsets[i]);
    if (r->offsets[rows] != r->count) {
        pad_error_set(err, PAD_ERR_FORMAT,
                      "dataset %s ends at %" PRId64 " but %s has %" PRId64 " elements",
                      offsets_names[c], r->offsets[rows], data_names[c], r->count);
        return pad_error_file(err, path);
    }
    return PAD_OK;
}

static pad_status read_column(hid_t file, const char *path, hdf5_shard *s, int c, pad_error *err)
{
    hdf5_ragged *r = &s->col[c];
    int64_t n_off = 0;
    pad_status st = read_array(file, path, offsets_names[c], H5T_NATIVE_INT64, sizeof(int64_t),
                               (void **)&r->offsets, &n_off, err);
    if (!st) st = read_array(file, path, data_names[c], is_text(c) ? H5T_NATIVE_UCHAR : H5T_NATIVE_INT32,
                             elem_size(c), &r->data, &r->count, err);
    if (st) return st;
    if (n_off < 1)
        return shard_error(err, path, PAD_ERR_FORMAT, "dataset %s is empty (needs n+1 entries)%s",
                           offsets_names[c], "");
    int64_t rows = c == HDF5_SHARD_SOURCE ? n_off - 1 : hdf5_shard_rows(s);
    r->rows = r->cap_rows = rows;
    r->cap_count = r->count;
    st = check_offsets(r, c, n_off, rows, path, err);
    if (st || is_text(c)) return st;
    char what[64];
    snprintf(what, sizeof what, "dataset %s", data_names[c]);
    st = check_ids(r->data, r->count, s->vocab_size, what, err);
    return st ? pad_error_file(err, path) : PAD_OK;
}

pad_status hdf5_shard_read(const char *path, const hdf5_shard_expect *expect, int with_text,
                           hdf5_shard *out, pad_error *err)
{
    memset(out, 0, sizeof *out);
    quiet_hdf5();
    if (H5Fis_hdf5(path) <= 0) {
        pad_error_set(err, PAD_ERR_FORMAT, "not a readable HDF5 file (missing, truncated or corrupted)");
        return pad_error_file(err, path);
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        pad_error_set(err, PAD_ERR_FORMAT, "cannot open as HDF5 (truncated or corrupted file?)");
        return pad_error_file(err, path);
    }
    pad_status st = read_meta(file, path, expect, out, err);
    out->has_text = with_text && H5Lexists(file, "text", H5P_DEFAULT) > 0;
    for (int c = 0; !st && c < HDF5_SHARD_COLUMNS; c++)
        if (column_used(out, c)) st = read_column(file, path, out, c, err);
    H5Fclose(file);
    if (st) hdf5_shard_free(out);
    return st;
}
