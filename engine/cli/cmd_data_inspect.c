/* pad data inspect: a shard directory's manifest, counts, length histograms
 * and a few examples (decoded when the recorded tokenizer loads). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "data/shard_build.h"
#include "io/fs.h"
#include "io/hdf5_shard.h"

static const char usage[] =
    "usage: pad data inspect DIR [--examples N]\n"
    "\n"
    "Shows the manifest of a shard directory (tokenizer, kind, counts, each shard's\n"
    "size and checksum), histograms of source and target lengths over every shard,\n"
    "and the first N examples (default 3) decoded with the tokenizer the manifest\n"
    "names, or as ids when it cannot be loaded.\n";

#define BINS 10

typedef struct lengths {
    int64_t *v;
    int64_t n, max, sum;
} lengths;

static int collect(lengths *L, const hdf5_shard *s, hdf5_shard_column c)
{
    int64_t rows = hdf5_shard_rows(s);
    int64_t *v = realloc(L->v, (size_t)(L->n + rows + 1) * sizeof *v);
    if (!v) return -1;
    L->v = v;
    for (int64_t i = 0; i < rows; i++) {
        int64_t len = s->col[c].offsets[i + 1] - s->col[c].offsets[i];
        L->v[L->n++] = len;
        L->sum += len;
        if (len > L->max) L->max = len;
    }
    return 0;
}

static void histogram(const char *title, const lengths *L)
{
    int64_t width = L->max / BINS + 1, count[BINS] = {0}, top = 1;
    for (int64_t i = 0; i < L->n; i++) count[L->v[i] / width]++;
    for (int b = 0; b < BINS; b++) top = count[b] > top ? count[b] : top;
    printf("%s lengths (tokens): mean %.1f, max %" PRId64 "\n", title,
           L->n ? (double)L->sum / (double)L->n : 0.0, L->max);
    for (int b = 0; b < BINS; b++) {
        printf("  %5" PRId64 "-%-5" PRId64 " %7" PRId64 " ", b * width, (b + 1) * width - 1, count[b]);
        for (int64_t k = 0; k < count[b] * 50 / top; k++) putchar('#');
        putchar('\n');
    }
}

static void print_tokens(const char *label, const pad_tokenizer *tok, const int32_t *ids, int64_t n)
{
    char *text = NULL;
    size_t len;
    pad_error err;
    if (tok && !pad_tokenizer_decode(tok, ids, (size_t)n, 0, &text, &len, &err)) {
        printf("  %s (%" PRId64 " tokens): %s\n", label, n, text);
        free(text);
        return;
    }
    printf("  %s (%" PRId64 " ids):", label, n);
    for (int64_t i = 0; i < n; i++) printf(" %d", ids[i]);
    putchar('\n');
}

static void print_examples(const hdf5_shard *s, const pad_tokenizer *tok, int64_t count)
{
    static const char *const names[] = {"question", "program", "answer", "id"};
    for (int64_t i = 0; i < count && i < hdf5_shard_rows(s); i++) {
        printf("example %" PRId64 ":\n", i);
        for (int c = HDF5_SHARD_TEXT_FIRST; s->has_text && c < HDF5_SHARD_COLUMNS; c++) {
            int64_t len;
            const char *t = hdf5_shard_text(s, c, i, &len);
            printf("  %s: %.*s\n", names[c - HDF5_SHARD_TEXT_FIRST], (int)len, t);
        }
        int64_t n;
        const int32_t *ids = hdf5_shard_tokens(s, HDF5_SHARD_SOURCE, i, &n);
        print_tokens("source", tok, ids, n);
        ids = hdf5_shard_tokens(s, HDF5_SHARD_TARGET, i, &n);
        print_tokens("target", tok, ids, n);
    }
}

static void print_manifest(const shard_manifest *m)
{
    const shard_counts *c = &m->counts;
    printf("kind: %s; format version %d\n", m->kind, m->version);
    printf("tokenizer: %s\n  hash %s; vocab %" PRId64 "; pad %d; eos %d\n", m->tokenizer,
           m->tokenizer_hash, m->vocab_size, m->pad_id, m->eos_id);
    printf("limits: source %" PRId64 ", target %" PRId64 " tokens; overlong: %s\n",
           m->max_source_len, m->max_target_len, m->overlong);
    printf("rows %" PRId64 "; examples %" PRId64 "; dropped: %" PRId64 " no program, %" PRId64
           " overlong; truncated: %" PRId64 " sources, %" PRId64 " targets\n",
           c->rows, c->examples, c->dropped_no_program, c->dropped_overlong, c->truncated_source,
           c->truncated_target);
    printf("shards (%d):\n", m->count);
    for (int k = 0; k < m->count; k++) {
        const shard_manifest_entry *e = &m->shards[k];
        printf("  %-16s %8" PRId64 " examples %10" PRId64 " + %10" PRId64 " tokens %12" PRId64
               " bytes  sha256 %.16s...\n",
               e->file, e->examples, e->source_tokens, e->target_tokens, e->bytes, e->sha256);
    }
}

static int inspect(const char *dir, int64_t examples)
{
    pad_error err;
    pad_error_clear(&err);
    shard_manifest m;
    if (shard_manifest_load(dir, &m, &err)) return cli_report_error(&err);
    print_manifest(&m);
    pad_tokenizer *tok = NULL;
    pad_error tok_err;
    if (shard_open_tokenizer(m.tokenizer, &tok, &tok_err)) {
        printf("(tokenizer not loaded, showing ids: %s)\n", tok_err.message);
        tok = NULL;
    }
    hdf5_shard_expect want = {m.kind, m.tokenizer_hash, m.vocab_size};
    lengths src = {0}, tgt = {0};
    int rc = 0;
    for (int k = 0; !rc && k < m.count; k++) {
        char *path = pad_path_join(dir, m.shards[k].file);
        hdf5_shard s;
        if (!path || hdf5_shard_read(path, &want, k == 0, &s, &err)) rc = cli_report_error(&err);
        else {
            if (collect(&src, &s, HDF5_SHARD_SOURCE) || collect(&tgt, &s, HDF5_SHARD_TARGET))
                rc = cli_report_error(&err);
            if (k == 0 && !rc) print_examples(&s, tok, examples);
            hdf5_shard_free(&s);
        }
        free(path);
    }
    if (!rc) {
        histogram("source", &src);
        histogram("target", &tgt);
    }
    free(src.v);
    free(tgt.v);
    pad_tokenizer_free(tok);
    shard_manifest_free(&m);
    return rc;
}

int cmd_data_inspect(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    const char *dir = NULL;
    int64_t examples = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--examples") && i + 1 < argc) {
            char *end;
            examples = strtoll(argv[++i], &end, 10);
            if (*end || examples < 0) return cli_usage_error(usage, "--examples takes a count");
        } else if (argv[i][0] == '-') return cli_usage_error(usage, "unknown option '%s'", argv[i]);
        else if (!dir) dir = argv[i];
        else return cli_usage_error(usage, "inspect takes one DIR");
    }
    if (!dir) return cli_usage_error(usage, "inspect takes one DIR");
    return inspect(dir, examples);
}
