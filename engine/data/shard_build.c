#include "data/shard_build.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "data/refine.h"
#include "data/teacher.h"
#include "io/fs.h"
#include "io/hdf5_shard.h"
#include "io/json_file.h"
#include "io/sha256.h"

void shard_build_options_default(shard_build_options *o)
{
    memset(o, 0, sizeof *o);
    o->kind = "distill";
    o->tokenizer_name = "";
    o->shard_tokens = 4 << 20;
    o->max_source_len = 512;
    o->max_target_len = 512;
    o->overlong = SHARD_DROP;
}

pad_status shard_open_tokenizer(const char *name, pad_tokenizer **out, pad_error *err)
{
    static const char *const specials[] = {"<pad>", "</s>", "<unk>"};
    if (!strcmp(name, "bytes")) return pad_tokenizer_bytes(specials, 3, out, err);
    return pad_tokenizer_load(name, out, err);
}

/* ---- digests ---- */

pad_status shard_file_digest(const char *path, char hex[65], int64_t *bytes, pad_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        pad_error_set(err, PAD_ERR_IO, "cannot open: %s", strerror(errno));
        return pad_error_file(err, path);
    }
    pad_sha256 h;
    pad_sha256_init(&h);
    static const size_t chunk = 1 << 16;
    unsigned char *buf = malloc(chunk);
    size_t n;
    *bytes = 0;
    while (buf && (n = fread(buf, 1, chunk, f)) > 0) {
        pad_sha256_update(&h, buf, n);
        *bytes += (int64_t)n;
    }
    int bad = !buf || ferror(f);
    free(buf);
    fclose(f);
    if (bad) {
        pad_error_set(err, PAD_ERR_IO, "cannot read");
        return pad_error_file(err, path);
    }
    uint8_t digest[32];
    pad_sha256_final(&h, digest);
    pad_sha256_hex(digest, hex);
    return PAD_OK;
}

/* ---- the manifest ---- */

static void add_counts(cJSON *o, const shard_counts *c)
{
    cJSON_AddNumberToObject(o, "rows", (double)c->rows);
    cJSON_AddNumberToObject(o, "examples", (double)c->examples);
    cJSON_AddNumberToObject(o, "truncated_source", (double)c->truncated_source);
    cJSON_AddNumberToObject(o, "truncated_target", (double)c->truncated_target);
    cJSON_AddNumberToObject(o, "dropped_overlong", (double)c->dropped_overlong);
    cJSON_AddNumberToObject(o, "dropped_no_program", (double)c->dropped_no_program);
    cJSON_AddNumberToObject(o, "source_tokens", (double)c->source_tokens);
    cJSON_AddNumberToObject(o, "target_tokens", (double)c->target_tokens);
}

pad_status shard_manifest_save(const char *dir, const shard_manifest *m, pad_error *err)
{
    cJSON *o = cJSON_CreateObject(), *tok = cJSON_CreateObject(), *counts = cJSON_CreateObject();
    cJSON *shards = cJSON_CreateArray();
    cJSON_AddStringToObject(o, "format", SHARD_MANIFEST_FORMAT);
    cJSON_AddNumberToObject(o, "version", HDF5_SHARD_VERSION);
    cJSON_AddStringToObject(o, "kind", m->kind);
    cJSON_AddStringToObject(tok, "path", m->tokenizer);
    cJSON_AddStringToObject(tok, "hash", m->tokenizer_hash);
    cJSON_AddNumberToObject(tok, "vocab_size", (double)m->vocab_size);
    cJSON_AddNumberToObject(tok, "pad_id", m->pad_id);
    cJSON_AddNumberToObject(tok, "eos_id", m->eos_id);
    cJSON_AddItemToObject(o, "tokenizer", tok);
    cJSON_AddNumberToObject(o, "max_source_len", (double)m->max_source_len);
    cJSON_AddNumberToObject(o, "max_target_len", (double)m->max_target_len);
    cJSON_AddStringToObject(o, "overlong", m->overlong);
    add_counts(counts, &m->counts);
    cJSON_AddItemToObject(o, "counts", counts);
    for (int i = 0; i < m->count; i++) {
        const shard_manifest_entry *e = &m->shards[i];
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "file", e->file);
        cJSON_AddNumberToObject(s, "examples", (double)e->examples);
        cJSON_AddNumberToObject(s, "source_tokens", (double)e->source_tokens);
        cJSON_AddNumberToObject(s, "target_tokens", (double)e->target_tokens);
        cJSON_AddNumberToObject(s, "bytes", (double)e->bytes);
        cJSON_AddStringToObject(s, "sha256", e->sha256);
        cJSON_AddItemToArray(shards, s);
    }
    cJSON_AddItemToObject(o, "shards", shards);
    char *path = pad_path_join(dir, SHARD_MANIFEST_FILE);
    pad_status st = path ? pad_json_save(path, o, err)
                         : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    free(path);
    cJSON_Delete(o);
    return st;
}

/* Field readers: an absent or mistyped field names its JSON path. */
static pad_status field_error(pad_error *err, const char *path, const char *what)
{
    pad_error_set(err, PAD_ERR_FORMAT, "missing or not %s", what);
    return pad_error_json_path(err, path);
}

static pad_status get_int(const cJSON *o, const char *key, const char *path, int64_t *out,
                          pad_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble != (double)(int64_t)v->valuedouble)
        return field_error(err, path, "a non-negative integer");
    *out = (int64_t)v->valuedouble;
    return PAD_OK;
}

static pad_status get_str(const cJSON *o, const char *key, const char *path, char *out,
                          size_t size, pad_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
        return field_error(err, path, "a string of the expected length");
    memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
    return PAD_OK;
}

static pad_status parse_entry(const cJSON *s, int i, shard_manifest_entry *e, pad_error *err)
{
    char p[6][64];
    const char *keys[6] = {"file", "examples", "source_tokens", "target_tokens", "bytes", "sha256"};
    for (int k = 0; k < 6; k++) snprintf(p[k], sizeof p[k], "shards[%d].%s", i, keys[k]);
    pad_status st = get_str(s, "file", p[0], e->file, sizeof e->file, err);
    if (!st && (strchr(e->file, '/') || !strcmp(e->file, "..")))
        st = field_error(err, p[0], "a plain file name");
    if (!st) st = get_int(s, "examples", p[1], &e->examples, err);
    if (!st) st = get_int(s, "source_tokens", p[2], &e->source_tokens, err);
    if (!st) st = get_int(s, "target_tokens", p[3], &e->target_tokens, err);
    if (!st) st = get_int(s, "bytes", p[4], &e->bytes, err);
    if (!st) st = get_str(s, "sha256", p[5], e->sha256, sizeof e->sha256, err);
    return st;
}

static pad_status parse_manifest(const cJSON *o, shard_manifest *m, pad_error *err)
{
    char format[32];
    int64_t version = 0, vocab = 0, pad = 0, eos = 0;
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(o, "tokenizer");
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(o, "counts");
    const cJSON *shards = cJSON_GetObjectItemCaseSensitive(o, "shards");
    pad_status st = get_str(o, "format", "format", format, sizeof format, err);
    if (!st && strcmp(format, SHARD_MANIFEST_FORMAT))
        st = field_error(err, "format", "\"" SHARD_MANIFEST_FORMAT "\"");
    if (!st) st = get_int(o, "version", "version", &version, err);
    if (!st && version != HDF5_SHARD_VERSION) st = field_error(err, "version", "1");
    if (!st) st = get_str(o, "kind", "kind", m->kind, sizeof m->kind, err);
    if (!st && !hdf5_shard_kind_valid(m->kind)) st = field_error(err, "kind", "distill/refine/eval");
    if (!st && !cJSON_IsObject(tok)) st = field_error(err, "tokenizer", "an object");
    if (!st) st = get_str(tok, "path", "tokenizer.path", m->tokenizer, sizeof m->tokenizer, err);
    if (!st) st = get_str(tok, "hash", "tokenizer.hash", m->tokenizer_hash, sizeof m->tokenizer_hash, err);
    if (!st) st = get_int(tok, "vocab_size", "tokenizer.vocab_size", &vocab, err);
    /* -1 (no such token) is stored as is */
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(tok, "pad_id");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(tok, "eos_id");
    if (!st && (!cJSON_IsNumber(pv) || !cJSON_IsNumber(ev)))
        st = field_error(err, "tokenizer.pad_id", "a number (and eos_id)");
    if (!st) {
        pad = (int64_t)pv->valuedouble;
        eos = (int64_t)ev->valuedouble;
    }
    if (!st) st = get_int(o, "max_source_len", "max_source_len", &m->max_source_len, err);
    if (!st) st = get_int(o, "max_target_len", "max_target_len", &m->max_target_len, err);
    if (!st) st = get_str(o, "overlong", "overlong", m->overlong, sizeof m->overlong, err);
    if (!st && !cJSON_IsObject(counts)) st = field_error(err, "counts", "an object");
    shard_counts *c = &m->counts;
    int64_t *cf[] = {&c->rows, &c->examples, &c->truncated_source, &c->truncated_target,
                     &c->dropped_overlong, &c->dropped_no_program, &c->source_tokens,
                     &c->target_tokens};
    const char *ck[] = {"rows", "examples", "truncated_source", "truncated_target",
                        "dropped_overlong", "dropped_no_program", "source_tokens", "target_tokens"};
    for (int k = 0; !st && k < 8; k++) {
        char p[64];
        snprintf(p, sizeof p, "counts.%s", ck[k]);
        st = get_int(counts, ck[k], p, cf[k], err);
    }
    if (!st && !cJSON_IsArray(shards)) st = field_error(err, "shards", "an array");
    if (st) return st;
    m->version = (int)version;
    m->vocab_size = vocab;
    m->pad_id = (int32_t)pad;
    m->eos_id = (int32_t)eos;
    m->count = cJSON_GetArraySize(shards);
    m->shards = calloc((size_t)m->count + 1, sizeof *m->shards);
    if (!m->shards) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *s = shards->child; s && !st; s = s->next, i++)
        st = parse_entry(s, i, &m->shards[i], err);
    return st;
}

pad_status shard_manifest_load(const char *dir, shard_manifest *m, pad_error *err)
{
    memset(m, 0, sizeof *m);
    char *path = pad_path_join(dir, SHARD_MANIFEST_FILE);
    if (!path) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    cJSON *o = NULL;
    pad_status st = pad_json_load(path, &o, err);
    if (!st) st = parse_manifest(o, m, err);
    if (st) {
        pad_error_file(err, path);
        shard_manifest_free(m);
    }
    cJSON_Delete(o);
    free(path);
    return st;
}

void shard_manifest_free(shard_manifest *m)
{
    free(m->shards);
    m->shards = NULL;
    m->count = 0;
}

/* ---- building ---- */

typedef struct builder {
    const char *dir;
    const shard_build_options *o;
    const pad_tokenizer *tok;
    hdf5_shard cur;
    shard_manifest *m;
    int cap;
} builder;

/* Renames after an fsync, so a shard is whole under its final name. */
static pad_status seal(const char *tmp, const char *path, pad_error *err)
{
    int fd = open(tmp, O_RDONLY);
    int bad = fd < 0 || fsync(fd);
    if (fd >= 0) close(fd);
    if (bad || rename(tmp, path)) {
        pad_error_set(err, PAD_ERR_IO, "cannot sync or rename the shard: %s", strerror(errno));
        unlink(tmp);
        return pad_error_file(err, path);
    }
    return PAD_OK;
}

static pad_status flush_shard(builder *b, pad_error *err)
{
    if (hdf5_shard_rows(&b->cur) == 0) return PAD_OK;
    shard_manifest *m = b->m;
    if (m->count == b->cap) {
        int cap = b->cap ? 2 * b->cap : 16;
        shard_manifest_entry *s = realloc(m->shards, (size_t)cap * sizeof *s);
        if (!s) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        m->shards = s;
        b->cap = cap;
    }
    shard_manifest_entry *e = &m->shards[m->count];
    memset(e, 0, sizeof *e);
    snprintf(e->file, sizeof e->file, "shard-%05d.h5", m->count);
    char tmp_name[160];
    snprintf(tmp_name, sizeof tmp_name, "%s.tmp", e->file);
    char *path = pad_path_join(b->dir, e->file), *tmp = pad_path_join(b->dir, tmp_name);
    pad_status st = path && tmp ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    if (!st) st = hdf5_shard_write(tmp, &b->cur, err);
    if (!st) st = seal(tmp, path, err);
    if (!st) st = shard_file_digest(path, e->sha256, &e->bytes, err);
    free(path);
    free(tmp);
    if (st) return st;
    e->examples = hdf5_shard_rows(&b->cur);
    e->source_tokens = b->cur.col[HDF5_SHARD_SOURCE].count;
    e->target_tokens = b->cur.col[HDF5_SHARD_TARGET].count;
    m->count++;
    hdf5_shard_clear(&b->cur);
    return PAD_OK;
}

/* Encodes with the tokenizer's specials, ending in eos (appended when the
 * post-processor adds none), then applies the length limit: truncation keeps
 * eos last; under the drop policy *drop is set instead. */
static pad_status encode(const builder *b, const char *text, int64_t max_len, int32_t **ids,
                         size_t *n, int64_t *truncated, int *drop, pad_error *err)
{
    pad_status st = pad_tokenizer_encode(b->tok, text, strlen(text), 1, ids, n, err);
    if (st) return st;
    int32_t eos = pad_tokenizer_eos_id(b->tok);
    if (eos >= 0 && (*n == 0 || (*ids)[*n - 1] != eos)) {
        int32_t *p = realloc(*ids, (*n + 1) * sizeof *p);
        if (!p) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        *ids = p;
        p[(*n)++] = eos;
    }
    if ((int64_t)*n <= max_len) return PAD_OK;
    if (b->o->overlong == SHARD_DROP) {
        *drop = 1;
        return PAD_OK;
    }
    (*truncated)++;
    *n = (size_t)max_len;
    if (eos >= 0 && max_len > 0) (*ids)[max_len - 1] = eos;
    return PAD_OK;
}

static const char *string_field(const cJSON *row, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* One row: text columns, tokens, limits; appended unless dropped. */
static pad_status add_row(builder *b, const cJSON *row, long line, pad_error *err)
{
    shard_counts *c = &b->m->counts;
    /* refine rows (data/inject.h): the target is `target`, the source the refine template */
    int refine = !strcmp(b->o->kind, "refine");
    const char *code_key = refine ? "target" : "code";
    const char *question = string_field(row, "question"), *code = string_field(row, code_key);
    if (!question) return pad_error_set(err, PAD_ERR_FORMAT, "row has no string field 'question'");
    if (!code && strcmp(b->o->kind, "eval"))
        return pad_error_set(err, PAD_ERR_FORMAT, "row has no string field '%s'", code_key);
    teacher_gold gold;
    pad_status st = teacher_row_gold(row, &gold, err);
    if (st) return st;
    char *program = NULL, *source = NULL, id[64];
    int solutions = 0;
    if (refine && (st = refine_source_from_row(row, &source, err))) return st;
    if (code && (st = teacher_extract_program(code, strlen(code), &program, &solutions, err))) {
        free(source);
        return st;
    }
    if (code && !program) {
        c->dropped_no_program++;
        free(source);
        return PAD_OK;
    }
    if (program && b->o->strip_docstrings) teacher_strip_docstrings(program);
    const cJSON *idv = cJSON_GetObjectItemCaseSensitive(row, "id");
    if (cJSON_IsString(idv)) snprintf(id, sizeof id, "%s", idv->valuestring);
    else if (cJSON_IsNumber(idv)) snprintf(id, sizeof id, "%.17g", idv->valuedouble);
    else snprintf(id, sizeof id, "line-%ld", line);
    int32_t *src = NULL, *tgt = NULL;
    size_t ns = 0, nt = 0;
    int drop = 0;
    st = encode(b, source ? source : question, b->o->max_source_len, &src, &ns, &c->truncated_source, &drop, err);
    if (!st && program)
        st = encode(b, program, b->o->max_target_len, &tgt, &nt, &c->truncated_target, &drop, err);
    if (!st && drop) c->dropped_overlong++;
    if (!st && !drop) {
        hdf5_shard_example ex = {.source = src, .source_len = (int64_t)ns, .target = tgt,
                                 .target_len = (int64_t)nt,
                                 .text = {question, program ? program : "", gold.text, id}};
        st = hdf5_shard_append(&b->cur, &ex, err);
        c->examples += !st;
        c->source_tokens += (int64_t)ns;
        c->target_tokens += (int64_t)nt;
    }
    free(src);
    free(tgt);
    free(program);
    free(source);
    int64_t held = b->cur.col[HDF5_SHARD_SOURCE].count + b->cur.col[HDF5_SHARD_TARGET].count;
    if (!st && held >= b->o->shard_tokens) st = flush_shard(b, err);
    return st;
}

static pad_status read_rows(builder *b, FILE *f, pad_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long number = 0;
    pad_status st = PAD_OK;
    while (!st && (len = getline(&line, &cap, f)) >= 0) {
        number++;
        if (strspn(line, " \t\r\n") == (size_t)len) continue;
        b->m->counts.rows++;
        cJSON *row = NULL;
        st = pad_json_parse(line, (size_t)len, &row, err);
        if (!st && !cJSON_IsObject(row)) st = pad_error_set(err, PAD_ERR_FORMAT, "row is not an object");
        if (!st) st = add_row(b, row, number, err);
        /* a parse error's line is within the row: the file's line replaces it */
        if (st && err) err->line = number;
        cJSON_Delete(row);
    }
    free(line);
    return st;
}

static void manifest_header(shard_manifest *m, const pad_tokenizer *tok, const shard_build_options *o)
{
    memset(m, 0, sizeof *m);
    m->version = HDF5_SHARD_VERSION;
    snprintf(m->kind, sizeof m->kind, "%s", o->kind);
    snprintf(m->tokenizer, sizeof m->tokenizer, "%s", o->tokenizer_name ? o->tokenizer_name : "");
    pad_tokenizer_hash(tok, m->tokenizer_hash);
    m->vocab_size = pad_tokenizer_vocab_size(tok);
    m->pad_id = pad_tokenizer_pad_id(tok);
    m->eos_id = pad_tokenizer_eos_id(tok);
    m->max_source_len = o->max_source_len;
    m->max_target_len = o->max_target_len;
    snprintf(m->overlong, sizeof m->overlong, "%s", o->overlong == SHARD_DROP ? "drop" : "truncate");
}

pad_status shard_build(const char *input, const pad_tokenizer *tok, const char *out_dir,
                       const shard_build_options *o, shard_manifest *m, pad_error *err)
{
    manifest_header(m, tok, o);
    if (o->max_source_len < 1 || o->max_target_len < 1 || o->shard_tokens < 1)
        return pad_error_set(err, PAD_ERR_INVALID, "lengths and shard size must be >= 1");
    builder b = {.dir = out_dir, .o = o, .tok = tok, .m = m};
    pad_status st = hdf5_shard_init(&b.cur, o->kind, m->vocab_size, m->tokenizer_hash, 1, err);
    if (!st) st = pad_mkdir_p(out_dir, err);
    char *manifest = st ? NULL : pad_path_join(out_dir, SHARD_MANIFEST_FILE);
    /* an old manifest would vouch for shards this run overwrites */
    if (manifest && unlink(manifest) && errno != ENOENT) {
        pad_error_set(err, PAD_ERR_IO, "cannot remove the old manifest: %s", strerror(errno));
        st = pad_error_file(err, manifest);
    }
    free(manifest);
    FILE *f = st ? NULL : fopen(input, "r");
    if (!st && !f) {
        pad_error_set(err, PAD_ERR_IO, "cannot open: %s", strerror(errno));
        st = pad_error_file(err, input);
    }
    if (f) {
        st = read_rows(&b, f, err);
        if (st) pad_error_file(err, input);
        fclose(f);
    }
    if (!st) st = flush_shard(&b, err);
    if (!st) st = shard_manifest_save(out_dir, m, err);
    hdf5_shard_free(&b.cur);
    if (st) shard_manifest_free(m);
    return st;
}
