/* pad eval: a checkpoint answers test questions with programs; score them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "data/shard_build.h"
#include "decode/eval.h"
#include "io/hf_checkpoint.h"

static const char usage[] =
    "usage: pad eval CKPT DATA --tokenizer T [--out DIR] [--batch N] [--max-new-tokens N]\n"
    "                [--limit N] [--backend cpu|cuda|auto]\n"
    "\n"
    "Generates a program for every question of DATA with the checkpoint CKPT (a\n"
    "pad or Hugging Face T5/GPT-2 directory) by greedy decoding, runs each with the\n"
    "built-in executor and compares its answer with the gold (|diff| < 1e-4).\n"
    "  DATA              eval JSONL (question, num_answer or GSM8K answer, id) or a\n"
    "                    shard directory with text columns\n"
    "  --tokenizer       tokenizer.json, a directory holding one, or 'bytes'\n"
    "  --out             where predictions.jsonl and summary.json go (default: eval)\n"
    "  --batch           questions decoded together (default 16)\n"
    "  --max-new-tokens  program length limit in tokens (default 256)\n"
    "  --limit           only the first N examples\n"
    "  --backend         cpu (default), cuda or auto\n"
    "Exit 1 on an error, 2 on a usage error.\n";

static int parse_count(const char *flag, const char *val, long lo, long *out)
{
    char *end;
    long n = strtol(val, &end, 10);
    if (!*val || *end || n < lo || n > 1000000000L)
        return cli_usage_error(usage, "%s wants an integer >= %ld, got '%s'", flag, lo, val);
    *out = n;
    return 0;
}

typedef struct eval_args {
    const char *ckpt, *data, *tokenizer, *out, *backend;
    eval_options o;
} eval_args;

static int parse_args(int argc, char **argv, eval_args *a)
{
    eval_options_default(&a->o);
    a->out = "eval";
    a->backend = "cpu";
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = f[0] == '-' && f[1];
        if (takes && !val) return cli_usage_error(usage, "%s needs a value", f);
        long n = 0;
        int bad = 0;
        if (!strcmp(f, "--tokenizer")) a->tokenizer = val;
        else if (!strcmp(f, "--out")) a->out = val;
        else if (!strcmp(f, "--backend")) a->backend = val;
        else if (!strcmp(f, "--batch")) {
            if (!(bad = parse_count(f, val, 1, &n))) a->o.batch_size = (int)n;
        } else if (!strcmp(f, "--max-new-tokens")) {
            if (!(bad = parse_count(f, val, 1, &n))) a->o.max_new_tokens = (int)n;
        } else if (!strcmp(f, "--limit")) {
            if (!(bad = parse_count(f, val, 1, &n))) a->o.limit = n;
        } else if (takes) return cli_usage_error(usage, "unknown option '%s'", f);
        else if (!a->ckpt) a->ckpt = f;
        else if (!a->data) a->data = f;
        else return cli_usage_error(usage, "eval takes CKPT and DATA, not '%s'", f);
        if (bad) return bad;
        i += takes;
    }
    if (!a->ckpt || !a->data) return cli_usage_error(usage, "eval takes CKPT and DATA");
    if (!a->tokenizer) return cli_usage_error(usage, "--tokenizer is required");
    if (strcmp(a->backend, "cpu") && strcmp(a->backend, "cuda") && strcmp(a->backend, "auto"))
        return cli_usage_error(usage, "--backend: cpu, cuda or auto, not '%s'", a->backend);
    return 0;
}

static void print_report(const eval_report *r, const char *out)
{
    double n = r->count ? (double)r->count : 1.0;
    printf("%-20s %8s %7s\n", "class", "examples", "share");
    for (int i = 0; i < r->class_count; i++)
        printf("%-20s %8ld %6.1f%%\n", r->classes[i].name, r->classes[i].count,
               100.0 * (double)r->classes[i].count / n);
    printf("%-20s %8ld\n", "examples", r->count);
    printf("accuracy %.1f%% (%ld/%ld), executable %.1f%%\n", 100.0 * eval_accuracy(r), r->correct,
           r->count, 100.0 * eval_executable_rate(r));
    double s = r->decode_seconds > 0 ? r->decode_seconds : 1e-9;
    printf("decoding %.2f s: %.1f questions/s, %.0f tokens/s; results in %s\n", r->decode_seconds,
           (double)r->count / s, (double)r->generated_tokens / s, out);
}

int cmd_eval(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    eval_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    pad_error err;
    pad_error_clear(&err);
    pad_backend *be = pad_backend_create(a.backend, &err);
    if (!be) return cli_report_error(&err);
    pad_model *m = NULL;
    pad_tokenizer *tok = NULL;
    eval_report r;
    memset(&r, 0, sizeof r);
    pad_status st = hf_checkpoint_load(a.ckpt, be, &m, &err);
    if (!st) st = shard_open_tokenizer(a.tokenizer, &tok, &err);
    if (!st) st = eval_run(m, tok, a.data, a.out, &a.o, &r, &err);
    if (!st) print_report(&r, a.out);
    eval_report_free(&r);
    pad_tokenizer_free(tok);
    pad_model_free(m);
    pad_backend_destroy(be);
    return st ? cli_report_error(&err) : 0;
}
