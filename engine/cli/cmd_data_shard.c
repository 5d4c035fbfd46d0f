/* pad data shard: verified JSONL -> HDF5 shards (the work is data/shard_build.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "data/shard_build.h"

static const char usage[] =
    "usage: pad data shard VERIFIED.jsonl --tokenizer T --kind distill|refine|eval --out DIR\n"
    "                      [--shard-tokens N] [--max-source-len N] [--max-target-len N]\n"
    "                      [--overlong truncate|drop] [--strip-docstrings]\n"
    "\n"
    "Tokenizes verified teacher rows into HDF5 shards (docs/SHARDS.md): source = the\n"
    "question, target = the program extracted from `code`, both ending in eos; text\n"
    "columns keep question, program, gold answer and id.  T is a tokenizer.json file or\n"
    "directory, or `bytes` for the byte tokenizer.  Lengths count tokens, eos included\n"
    "(default 512 each); overlong examples are dropped (default) or truncated, and\n"
    "counted.  Shards hold about N source+target tokens each (default 4194304).\n"
    "--strip-docstrings drops the docstring opening each function of the programs.\n"
    "DIR/manifest.json, written last, lists the shards with sizes and SHA-256 sums.\n";

static int parse_count(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1) return -1;
    *out = v;
    return 0;
}

static void print_summary(const shard_manifest *m, const char *dir)
{
    const shard_counts *c = &m->counts;
    printf("shards: %d in %s (kind %s, vocab %" PRId64 ", tokenizer %s)\n", m->count, dir, m->kind,
           m->vocab_size, m->tokenizer_hash);
    printf("rows: %" PRId64 "; examples: %" PRId64 "; source tokens: %" PRId64
           "; target tokens: %" PRId64 "\n",
           c->rows, c->examples, c->source_tokens, c->target_tokens);
    printf("no program: %" PRId64 " dropped; overlong (%s): %" PRId64 " dropped, %" PRId64
           " sources and %" PRId64 " targets truncated\n",
           c->dropped_no_program, m->overlong, c->dropped_overlong, c->truncated_source,
           c->truncated_target);
}

int cmd_data_shard(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    shard_build_options o;
    shard_build_options_default(&o);
    const char *input = NULL, *tokenizer = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t *num = !strcmp(a, "--shard-tokens")     ? &o.shard_tokens
                       : !strcmp(a, "--max-source-len") ? &o.max_source_len
                       : !strcmp(a, "--max-target-len") ? &o.max_target_len
                                                        : NULL;
        if (!strcmp(a, "--strip-docstrings")) {
            o.strip_docstrings = 1;
            continue;
        }
        if (a[0] != '-') {
            if (input) return cli_usage_error(usage, "more than one input file");
            input = a;
            continue;
        }
        if (!v) return cli_usage_error(usage, "option '%s' needs a value", a);
        i++;
        if (num) {
            if (parse_count(v, num)) return cli_usage_error(usage, "%s takes a positive integer", a);
        } else if (!strcmp(a, "--tokenizer")) tokenizer = v;
        else if (!strcmp(a, "--kind")) o.kind = v;
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--overlong")) {
            if (strcmp(v, "truncate") && strcmp(v, "drop"))
                return cli_usage_error(usage, "--overlong is truncate or drop, not '%s'", v);
            o.overlong = strcmp(v, "drop") ? SHARD_TRUNCATE : SHARD_DROP;
        } else return cli_usage_error(usage, "unknown option '%s'", a);
    }
    if (!input || !tokenizer || !out)
        return cli_usage_error(usage, "shard needs VERIFIED.jsonl, --tokenizer and --out");
    if (strcmp(o.kind, "distill") && strcmp(o.kind, "refine") && strcmp(o.kind, "eval"))
        return cli_usage_error(usage, "--kind is distill, refine or eval, not '%s'", o.kind);
    /* recorded absolute, so inspect finds it from anywhere */
    char *abs = strcmp(tokenizer, "bytes") ? realpath(tokenizer, NULL) : NULL;
    o.tokenizer_name = abs ? abs : tokenizer;
    pad_error err;
    pad_error_clear(&err);
    pad_tokenizer *tok;
    if (shard_open_tokenizer(tokenizer, &tok, &err)) return cli_report_error(&err);
    shard_manifest m;
    pad_status st = shard_build(input, tok, out, &o, &m, &err);
    pad_tokenizer_free(tok);
    free(abs);
    if (st) return cli_report_error(&err);
    print_summary(&m, out);
    shard_manifest_free(&m);
    return 0;
}
