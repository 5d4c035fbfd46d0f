/* pad: safetensors reader and atomic writer.
 *
 * The reader trusts nothing in the file: every header field is checked before
 * a byte of data is touched, so a malformed file yields one precise error
 * instead of a crash or a silent misread later. */
#define _FILE_OFFSET_BITS 64 /* 64-bit fseeko/ftello offsets on 32-bit hosts too */

#include "io/safetensors.h"

#include "io/atomic_file.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

/* Data are stored little-endian and copied as is. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pad's safetensors I/O assumes a little-endian host"
#endif

/* The Rust safetensors crate refuses headers over 100 MB; so do we. */
#define HEADER_LIMIT 100000000ull
/* Largest integer a JSON number (a double in cJSON) holds exactly. */
#define JSON_INT_MAX 9007199254740992.0

/* ------------------------------------------------------------------ helpers */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Finds a name that occurs twice.  Sets *dup to it (or NULL); returns -1 only
 * when out of memory. */
static int find_duplicate(const char **names, int n, const char **dup)
{
    *dup = NULL;
    if (n < 2) return 0;
    const char **sorted = malloc((size_t)n * sizeof *sorted);
    if (!sorted) return -1;
    memcpy(sorted, names, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_names);
    for (int i = 1; i < n && !*dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0) *dup = sorted[i];
    free(sorted);
    return 0;
}

static pad_status nomem(pad_error *err) { return pad_error_set(err, PAD_ERR_NOMEM, "out of memory"); }

/* numel x element size, or -1 on overflow. */
static int shape_bytes(const int64_t *shape, int ndim, pad_dtype dtype, uint64_t *out)
{
    uint64_t n = pad_dtype_size(dtype);
    for (int i = 0; i < ndim; i++) {
        uint64_t d = (uint64_t)shape[i];
        if (d != 0 && n > UINT64_MAX / d) return -1;
        n *= d;
    }
    *out = n;
    return 0;
}

static void format_shape(const int64_t *shape, int ndim, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (used < size) snprintf(buf + used, size - used, "]");
}

/* ------------------------------------------------------------------ reader */

/* safetensors dtypes that are valid in the format but have no pad_dtype. */
static int is_foreign_dtype(const char *name)
{
    static const char *const foreign[] = {"BOOL", "I8", "I16", "U16", "U32", "U64",
                                          "F8_E4M3", "F8_E5M2"};
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        if (strcmp(name, foreign[i]) == 0) return 1;
    return 0;
}

/* A non-negative integral JSON number that a double holds exactly. */
static int json_uint(const cJSON *item, uint64_t *out)
{
    if (!cJSON_IsNumber(item)) return -1;
    double v = item->valuedouble;
    if (!(v >= 0 && v <= JSON_INT_MAX) || v != floor(v)) return -1;
    *out = (uint64_t)v;
    return 0;
}

static pad_status parse_dtype(const cJSON *item, safetensors_entry *e, pad_error *err)
{
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    if (!dt) return pad_error_set(err, PAD_ERR_FORMAT, "missing \"dtype\"");
    if (!cJSON_IsString(dt)) return pad_error_set(err, PAD_ERR_FORMAT, "\"dtype\" is not a string");
    if (pad_dtype_from_name(dt->valuestring, &e->dtype) == 0) return PAD_OK;
    if (is_foreign_dtype(dt->valuestring))
        return pad_error_set(err, PAD_ERR_UNSUPPORTED,
                             "dtype %s is not supported (pad reads F32, F64, BF16, F16, I32, I64, U8)",
                             dt->valuestring);
    return pad_error_set(err, PAD_ERR_FORMAT, "unknown dtype '%s'", dt->valuestring);
}

static pad_status parse_shape(const cJSON *item, safetensors_entry *e, pad_error *err)
{
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    if (!shape) return pad_error_set(err, PAD_ERR_FORMAT, "missing \"shape\"");
    if (!cJSON_IsArray(shape)) return pad_error_set(err, PAD_ERR_FORMAT, "\"shape\" is not an array");
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > PAD_MAX_DIMS)
        return pad_error_set(err, PAD_ERR_UNSUPPORTED, "shape has %d dimensions, at most %d are supported",
                             ndim, PAD_MAX_DIMS);
    e->ndim = 0;
    for (const cJSON *d = shape->child; d; d = d->next) {
        uint64_t v;
        if (json_uint(d, &v) != 0)
            return pad_error_set(err, PAD_ERR_FORMAT,
                                 "shape dimension %d is not a non-negative integer", e->ndim);
        e->shape[e->ndim++] = (int64_t)v;
    }
    return PAD_OK;
}

static pad_status parse_offsets(const cJSON *item, safetensors_entry *e, uint64_t data_size,
                                pad_error *err)
{
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!off) return pad_error_set(err, PAD_ERR_FORMAT, "missing \"data_offsets\"");
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 || json_uint(off->child, &e->begin) != 0 ||
        json_uint(off->child->next, &e->end) != 0)
        return pad_error_set(err, PAD_ERR_FORMAT, "\"data_offsets\" is not a pair of non-negative integers");
    if (e->begin > e->end)
        return pad_error_set(err, PAD_ERR_FORMAT, "data_offsets [%llu, %llu] end before they begin",
                             (unsigned long long)e->begin, (unsigned long long)e->end);
    if (e->end > data_size)
        return pad_error_set(err, PAD_ERR_FORMAT,
                             "data_offsets [%llu, %llu] run past the data section (%llu bytes): truncated file?",
                             (unsigned long long)e->begin, (unsigned long long)e->end,
                             (unsigned long long)data_size);
    return PAD_OK;
}

static pad_status parse_entry(const cJSON *item, safetensors_entry *e, uint64_t data_size, pad_error *err)
{
    if (!cJSON_IsObject(item)) return pad_error_set(err, PAD_ERR_FORMAT, "entry is not an object");
    pad_status st = parse_dtype(item, e, err);
    if (st == PAD_OK) st = parse_shape(item, e, err);
    if (st == PAD_OK) st = parse_offsets(item, e, data_size, err);
    if (st != PAD_OK) return st;
    uint64_t need;
    char shape[200];
    format_shape(e->shape, e->ndim, shape, sizeof shape);
    if (shape_bytes(e->shape, e->ndim, e->dtype, &need) != 0)
        return pad_error_set(err, PAD_ERR_FORMAT, "shape %s is too large", shape);
    if (e->end - e->begin != need)
        return pad_error_set(err, PAD_ERR_FORMAT, "data_offsets [%llu, %llu] hold %llu bytes but shape %s of %s needs %llu",
                             (unsigned long long)e->begin, (unsigned long long)e->end,
                             (unsigned long long)(e->end - e->begin), shape, pad_dtype_name(e->dtype),
                             (unsigned long long)need);
    return PAD_OK;
}

static pad_status parse_meta(safetensors_file *f, const cJSON *obj, pad_error *err)
{
    if (!cJSON_IsObject(obj)) return pad_error_set(err, PAD_ERR_FORMAT, "\"__metadata__\" is not an object");
    int n = cJSON_GetArraySize(obj);
    f->meta = calloc(n ? (size_t)n : 1, sizeof *f->meta);
    if (!f->meta) return nomem(err);
    for (const cJSON *kv = obj->child; kv; kv = kv->next) {
        if (!cJSON_IsString(kv))
            return pad_error_set(err, PAD_ERR_FORMAT, "\"__metadata__\" value of '%s' is not a string", kv->string);
        safetensors_meta *m = &f->meta[f->meta_count++];
        m->key = strdup(kv->string);
        m->value = strdup(kv->valuestring);
        if (!m->key || !m->value) return nomem(err);
    }
    return PAD_OK;
}

static pad_status parse_entries(safetensors_file *f, const cJSON *root, pad_error *err)
{
    if (!cJSON_IsObject(root)) return pad_error_set(err, PAD_ERR_FORMAT, "header is not a JSON object");
    int total = cJSON_GetArraySize(root);
    f->entries = calloc(total ? (size_t)total : 1, sizeof *f->entries);
    if (!f->entries) return nomem(err);
    for (const cJSON *item = root->child; item; item = item->next) {
        if (strcmp(item->string, "__metadata__") == 0) {
            if (f->meta) return pad_error_set(err, PAD_ERR_FORMAT, "\"__metadata__\" appears twice");
            pad_status st = parse_meta(f, item, err);
            if (st != PAD_OK) return st;
            continue;
        }
        safetensors_entry *e = &f->entries[f->count++];
        e->name = strdup(item->string);
        if (!e->name) return nomem(err);
        pad_status st = parse_entry(item, e, f->data_size, err);
        if (st != PAD_OK) {
            pad_error_tensor(err, e->name);
            return st;
        }
    }
    return PAD_OK;
}

static int cmp_entries(const void *a, const void *b)
{
    const safetensors_entry *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Sorts by offset, then rejects overlaps and duplicate names. */
static pad_status check_layout(safetensors_file *f, pad_error *err)
{
    qsort(f->entries, (size_t)f->count, sizeof *f->entries, cmp_entries);
    for (int i = 1; i < f->count; i++) {
        const safetensors_entry *p = &f->entries[i - 1], *e = &f->entries[i];
        if (e->begin < p->end) {
            pad_error_set(err, PAD_ERR_FORMAT, "data_offsets [%llu, %llu] overlap those of tensor '%s' [%llu, %llu]",
                          (unsigned long long)e->begin, (unsigned long long)e->end, p->name,
                          (unsigned long long)p->begin, (unsigned long long)p->end);
            pad_error_tensor(err, e->name);
            return PAD_ERR_FORMAT;
        }
    }
    int n = f->count > f->meta_count ? f->count : f->meta_count;
    const char **names = malloc((n ? (size_t)n : 1) * sizeof *names);
    if (!names) return nomem(err);
    const char *dup = NULL, *dup_key = NULL;
    for (int i = 0; i < f->count; i++) names[i] = f->entries[i].name;
    int rc = find_duplicate(names, f->count, &dup);
    for (int i = 0; i < f->meta_count; i++) names[i] = f->meta[i].key;
    if (rc == 0) rc = find_duplicate(names, f->meta_count, &dup_key);
    pad_status st = PAD_OK;
    if (rc != 0) st = nomem(err);
    else if (dup) {
        st = pad_error_set(err, PAD_ERR_FORMAT, "tensor name appears twice");
        pad_error_tensor(err, dup);
    }
    else if (dup_key) st = pad_error_set(err, PAD_ERR_FORMAT, "\"__metadata__\" key '%s' appears twice", dup_key);
    free(names);
    return st;
}

static uint64_t load_u64_le(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* Opens the file, reads the length prefix and returns the header text
 * (NUL-terminated, owned by the caller) after checking it fits the file. */
static pad_status read_header(safetensors_file *f, char **out, uint64_t *len, pad_error *err)
{
    f->fp = fopen(f->path, "rb");
    if (!f->fp) return pad_error_set(err, PAD_ERR_IO, "cannot open: %s", strerror(errno));
    if (fseeko(f->fp, 0, SEEK_END) != 0) return pad_error_set(err, PAD_ERR_IO, "cannot seek: %s", strerror(errno));
    off_t size = ftello(f->fp);
    if (size < 0) return pad_error_set(err, PAD_ERR_IO, "cannot tell size: %s", strerror(errno));
    unsigned char prefix[8];
    if (size < 8) return pad_error_set(err, PAD_ERR_FORMAT, "file is %lld bytes, shorter than the 8-byte header length", (long long)size);
    rewind(f->fp);
    if (fread(prefix, 1, 8, f->fp) != 8) return pad_error_set(err, PAD_ERR_IO, "cannot read the header length");
    *len = load_u64_le(prefix);
    if (*len > HEADER_LIMIT)
        return pad_error_set(err, PAD_ERR_FORMAT, "header length %llu is over the limit of %llu bytes",
                             (unsigned long long)*len, HEADER_LIMIT);
    if (*len > (uint64_t)size - 8)
        return pad_error_set(err, PAD_ERR_FORMAT, "header length %llu runs past the end of the file (%lld bytes): truncated file?",
                             (unsigned long long)*len, (long long)size);
    f->data_start = 8 + *len;
    f->data_size = (uint64_t)size - f->data_start;
    *out = malloc((size_t)*len + 1);
    if (!*out) return nomem(err);
    if (fread(*out, 1, (size_t)*len, f->fp) != (size_t)*len) return pad_error_set(err, PAD_ERR_IO, "cannot read the header");
    (*out)[*len] = '\0';
    return PAD_OK;
}

static pad_status parse_header(const char *text, uint64_t len, cJSON **root, pad_error *err)
{
    /* cJSON would stop quietly at an embedded NUL and ignore the rest */
    if (memchr(text, '\0', (size_t)len)) return pad_error_set(err, PAD_ERR_FORMAT, "header contains a NUL byte");
    const char *end = NULL;
    /* the length counts the terminating NUL, which cJSON wants to see after
     * the value to know that nothing but whitespace follows */
    *root = cJSON_ParseWithLengthOpts(text, (size_t)len + 1, &end, 1);
    if (!*root)
        return pad_error_set(err, PAD_ERR_FORMAT, "header is not valid JSON (error near byte %lld)",
                             end ? (long long)(end - text) : -1ll);
    return PAD_OK;
}

pad_status safetensors_open(safetensors_file *f, const char *path, pad_error *err)
{
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    char *text = NULL;
    uint64_t len = 0;
    cJSON *root = NULL;
    pad_status st = f->path ? read_header(f, &text, &len, err) : nomem(err);
    if (st == PAD_OK) st = parse_header(text, len, &root, err);
    if (st == PAD_OK) st = parse_entries(f, root, err);
    if (st == PAD_OK) st = check_layout(f, err);
    cJSON_Delete(root);
    free(text);
    if (st != PAD_OK) {
        safetensors_close(f);
        pad_error_file(err, path);
    }
    return st;
}

void safetensors_close(safetensors_file *f)
{
    if (!f) return;
    if (f->fp) fclose(f->fp);
    for (int i = 0; i < f->count; i++) free(f->entries[i].name);
    for (int i = 0; i < f->meta_count; i++) {
        free(f->meta[i].key);
        free(f->meta[i].value);
    }
    free(f->entries);
    free(f->meta);
    free(f->path);
    memset(f, 0, sizeof *f);
}

const safetensors_entry *safetensors_find(const safetensors_file *f, const char *name)
{
    for (int i = 0; i < f->count; i++)
        if (strcmp(f->entries[i].name, name) == 0) return &f->entries[i];
    return NULL;
}

const char *safetensors_meta_get(const safetensors_file *f, const char *key)
{
    for (int i = 0; i < f->meta_count; i++)
        if (strcmp(f->meta[i].key, key) == 0) return f->meta[i].value;
    return NULL;
}

/* Attaches the tensor and the file to an error raised while reading. */
static pad_status at_entry(const safetensors_file *f, const safetensors_entry *e, pad_status st, pad_error *err)
{
    pad_error_tensor(err, e->name);
    pad_error_file(err, f->path);
    return st;
}

pad_status safetensors_read_raw(safetensors_file *f, const safetensors_entry *e, void *dst, pad_error *err)
{
    uint64_t n = e->end - e->begin;
    pad_status st = PAD_OK;
    if (!f->fp) st = pad_error_set(err, PAD_ERR_INVALID, "file is not open");
    else if (n > 0 && fseeko(f->fp, (off_t)(f->data_start + e->begin), SEEK_SET) != 0)
        st = pad_error_set(err, PAD_ERR_IO, "cannot seek to the data: %s", strerror(errno));
    else if (n > 0 && fread(dst, 1, (size_t)n, f->fp) != (size_t)n)
        st = ferror(f->fp) ? pad_error_set(err, PAD_ERR_IO, "cannot read the data: %s", strerror(errno))
                           : pad_error_set(err, PAD_ERR_FORMAT, "truncated file: the data [%llu, %llu) end early",
                                           (unsigned long long)e->begin, (unsigned long long)e->end);
    if (st != PAD_OK && f->fp) clearerr(f->fp);
    return st == PAD_OK ? st : at_entry(f, e, st, err);
}

pad_status safetensors_read_f32(safetensors_file *f, const safetensors_entry *e, float *dst, pad_error *err)
{
    if (e->dtype == PAD_F32) return safetensors_read_raw(f, e, dst, err);
    if (e->dtype != PAD_F64 && e->dtype != PAD_BF16 && e->dtype != PAD_F16)
        return at_entry(f, e, pad_error_set(err, PAD_ERR_UNSUPPORTED, "dtype %s cannot be read as F32",
                                            pad_dtype_name(e->dtype)), err);
    uint64_t n = e->end - e->begin;
    void *raw = malloc(n ? (size_t)n : 1);
    if (!raw) return at_entry(f, e, nomem(err), err);
    pad_status st = safetensors_read_raw(f, e, raw, err);
    if (st == PAD_OK) pad_convert(dst, PAD_F32, raw, e->dtype, (size_t)(n / pad_dtype_size(e->dtype)));
    free(raw);
    return st;
}

/* ------------------------------------------------------------------ writer */

static pad_status check_tensor(const pad_tensor *t, pad_error *err)
{
    if ((unsigned)t->dtype >= PAD_DTYPE_COUNT)
        return pad_error_set(err, PAD_ERR_INVALID, "dtype %d is not one safetensors can store", (int)t->dtype);
    if (t->device != PAD_DEVICE_CPU)
        return pad_error_set(err, PAD_ERR_INVALID, "data are not in host memory");
    if (t->ndim < 0 || t->ndim > PAD_MAX_DIMS)
        return pad_error_set(err, PAD_ERR_INVALID, "%d dimensions (0 to %d allowed)", t->ndim, PAD_MAX_DIMS);
    for (int i = 0; i < t->ndim; i++)
        if (t->shape[i] < 0) return pad_error_set(err, PAD_ERR_INVALID, "negative dimension %lld", (long long)t->shape[i]);
    uint64_t n;
    if (shape_bytes(t->shape, t->ndim, t->dtype, &n) != 0 || n > (uint64_t)JSON_INT_MAX)
        return pad_error_set(err, PAD_ERR_INVALID, "too large to store");
    if (n > 0 && !t->data) return pad_error_set(err, PAD_ERR_INVALID, "has no data");
    if (strcmp(t->name, "__metadata__") == 0) return pad_error_set(err, PAD_ERR_INVALID, "the name is reserved");
    return PAD_OK;
}

static pad_status check_write_args(const pad_tensor *tensors, int count, const safetensors_meta *meta,
                                   int meta_count, pad_error *err)
{
    if (count < 0 || meta_count < 0 || (count > 0 && !tensors) || (meta_count > 0 && !meta))
        return pad_error_set(err, PAD_ERR_INVALID, "bad tensor or metadata list");
    int n = count > meta_count ? count : meta_count;
    const char **names = malloc((n ? (size_t)n : 1) * sizeof *names);
    if (!names) return nomem(err);
    pad_status st = PAD_OK;
    for (int i = 0; i < count && st == PAD_OK; i++) {
        names[i] = tensors[i].name;
        if (!names[i]) st = pad_error_set(err, PAD_ERR_INVALID, "tensor %d has no name", i);
        else if ((st = check_tensor(&tensors[i], err)) != PAD_OK) pad_error_tensor(err, names[i]);
    }
    const char *dup = NULL;
    if (st == PAD_OK && find_duplicate(names, count, &dup) != 0) st = nomem(err);
    if (st == PAD_OK && dup) {
        st = pad_error_set(err, PAD_ERR_INVALID, "tensor name given twice");
        pad_error_tensor(err, dup);
    }
    for (int i = 0; i < meta_count && st == PAD_OK; i++) {
        names[i] = meta[i].key;
        if (!meta[i].key || !meta[i].value) st = pad_error_set(err, PAD_ERR_INVALID, "metadata pair %d is incomplete", i);
    }
    if (st == PAD_OK && find_duplicate(names, meta_count, &dup) != 0) st = nomem(err);
    if (st == PAD_OK && dup) st = pad_error_set(err, PAD_ERR_INVALID, "metadata key '%s' given twice", dup);
    free(names);
    return st;
}

static cJSON *tensor_json(const pad_tensor *t, uint64_t begin, uint64_t end)
{
    cJSON *obj = cJSON_CreateObject(), *shape = cJSON_CreateArray(), *off = cJSON_CreateArray();
    int ok = obj && shape && off;
    for (int i = 0; i < t->ndim && ok; i++)
        ok = cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->shape[i]));
    ok = ok && cJSON_AddItemToArray(off, cJSON_CreateNumber((double)begin)) &&
         cJSON_AddItemToArray(off, cJSON_CreateNumber((double)end));
    ok = ok && cJSON_AddStringToObject(obj, "dtype", pad_dtype_name(t->dtype));
    /* once added, shape and off belong to obj */
    if (ok && cJSON_AddItemToObject(obj, "shape", shape)) shape = NULL;
    else ok = 0;
    if (ok && cJSON_AddItemToObject(obj, "data_offsets", off)) off = NULL;
    else ok = 0;
    cJSON_Delete(shape);
    cJSON_Delete(off);
    if (ok) return obj;
    cJSON_Delete(obj);
    return NULL;
}

/* The metadata object: {"format": "pt"} then the caller's pairs (a caller's
 * own "format" takes the place of "pt"). */
static cJSON *meta_json(const safetensors_meta *meta, int meta_count)
{
    cJSON *obj = cJSON_CreateObject();
    int ok = obj != NULL, has_format = 0;
    for (int i = 0; i < meta_count; i++) has_format |= strcmp(meta[i].key, "format") == 0;
    if (ok && !has_format) ok = cJSON_AddStringToObject(obj, "format", "pt") != NULL;
    for (int i = 0; i < meta_count && ok; i++) ok = cJSON_AddStringToObject(obj, meta[i].key, meta[i].value) != NULL;
    if (ok) return obj;
    cJSON_Delete(obj);
    return NULL;
}

/* The header text padded with spaces to a multiple of 8 bytes, so the data
 * start 8-byte aligned (as the Rust crate writes them). */
static pad_status build_header(const pad_tensor *tensors, int count, const safetensors_meta *meta,
                               int meta_count, char **out, size_t *len, pad_error *err)
{
    cJSON *root = cJSON_CreateObject(), *m = meta_json(meta, meta_count);
    int ok = root && m && cJSON_AddItemToObject(root, "__metadata__", m);
    if (!ok) cJSON_Delete(m);
    uint64_t offset = 0;
    for (int i = 0; i < count && ok; i++) {
        uint64_t n = pad_tensor_nbytes(&tensors[i]);
        cJSON *t = tensor_json(&tensors[i], offset, offset + n);
        ok = t && cJSON_AddItemToObject(root, tensors[i].name, t);
        if (!ok) cJSON_Delete(t);
        offset += n;
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text) return nomem(err);
    size_t n = strlen(text), padded = (n + 7) & ~(size_t)7;
    *out = malloc(padded + 1);
    if (!*out) {
        cJSON_free(text);
        return nomem(err);
    }
    memcpy(*out, text, n);
    memset(*out + n, ' ', padded - n);
    (*out)[padded] = '\0';
    *len = padded;
    cJSON_free(text);
    return PAD_OK;
}

static int write_contents(FILE *fp, const char *header, size_t len, const pad_tensor *tensors, int count)
{
    unsigned char prefix[8];
    for (int i = 0; i < 8; i++) prefix[i] = (unsigned char)((uint64_t)len >> (8 * i));
    if (fwrite(prefix, 1, 8, fp) != 8 || fwrite(header, 1, len, fp) != len) return -1;
    for (int i = 0; i < count; i++) {
        size_t n = pad_tensor_nbytes(&tensors[i]);
        if (n > 0 && fwrite(tensors[i].data, 1, n, fp) != n) return -1;
    }
    return 0;
}

static pad_status write_atomic(const char *path, const char *header, size_t len, const pad_tensor *tensors,
                               int count, pad_error *err)
{
    pad_atomic_file f;
    pad_status st = pad_atomic_open(&f, path, err);
    if (st) return st;
    return pad_atomic_commit(&f, write_contents(f.fp, header, len, tensors, count) != 0, err);
}

pad_status safetensors_write(const char *path, const pad_tensor *tensors, int count,
                             const safetensors_meta *meta, int meta_count, pad_error *err)
{
    char *header = NULL;
    size_t len = 0;
    pad_status st = check_write_args(tensors, count, meta, meta_count, err);
    if (st == PAD_OK) st = build_header(tensors, count, meta, meta_count, &header, &len, err);
    if (st == PAD_OK) st = write_atomic(path, header, len, tensors, count, err);
    free(header);
    if (st != PAD_OK) pad_error_file(err, path);
    return st;
}
