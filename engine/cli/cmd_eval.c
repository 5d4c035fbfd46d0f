/* pad eval: a checkpoint answers test questions with programs; score them. */
#include <math.h>
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
    "usage: pad eval CKPT DATA --tokenizer T [--out DIR] [--format F] [--limit N]\n"
    "                [--beams K] [--num-return N] [--length-penalty X] [--early-stopping]\n"
    "                [--sample [--temperature T] [--top-p P] [--seed S]]\n"
    "                [--stepwise [--step-mode drop|penalty] [--step-penalty X]\n"
    "                            [--number-penalty X]]\n"
    "                [--answer best|vote] [--batch N] [--max-new-tokens N]\n"
    "                [--max-source-len N] [--backend cpu|cuda|auto]\n"
    "                [--refine R [--refine-mode failed|all] [--refine-max-source-len N]]\n"
    "\n"
    "Generates programs for every question of DATA with the checkpoint CKPT (a pad\n"
    "or Hugging Face T5/GPT-2 directory), runs them with the built-in executor and\n"
    "compares the chosen program's answer with the gold (|diff| < 1e-4).\n"
    "  DATA              JSONL or a JSON array of questions, or an eval shard\n"
    "                    directory with text columns\n"
    "  --tokenizer       tokenizer.json, a directory holding one, or 'bytes'\n"
    "  --out             where predictions.jsonl and summary.json go (default: eval)\n"
    "  --format          auto (default), gsm8k (question; num_answer or answer\n"
    "                    '... #### N'), svamp (Body, Question, Answer), asdiv\n"
    "                    (Body, Question, Answer '9 (apples)'), multiarith\n"
    "                    (sQuestion, lSolutions); each also reads question and\n"
    "                    num_answer as the PaD authors prepared them\n"
    "  --limit           only the first N examples\n"
    "decoding (greedy unless told):\n"
    "  --beams           beam search of width K (Hugging Face's num_beams)\n"
    "  --num-return      programs kept per question (<= K; with --sample, draws)\n"
    "  --length-penalty  exponent of the length in a beam's score (default 1)\n"
    "  --early-stopping  stop a question at K finished beams (HF early_stopping)\n"
    "  --sample          sample instead: --temperature (default 1), --top-p\n"
    "                    (nucleus, default 1) and --seed (default 0)\n"
    "  --stepwise        run the program so far whenever a beam ends a line;\n"
    "                    --step-mode drop (default) removes a beam whose prefix\n"
    "                    fails, penalty adds --step-penalty (default -5, <= 0) to\n"
    "                    its log-probability; --number-penalty X (<= 0, default\n"
    "                    0: off) is added for each literal that repeats a\n"
    "                    question's number more often than the question states\n"
    "                    it, and at the end for each question number unused\n"
    "  --answer          best (default): the best returned program that runs;\n"
    "                    vote: the answer most returned programs agree on\n"
    "  --batch           questions decoded together (default 16)\n"
    "  --max-new-tokens  program length limit in tokens (default 256)\n"
    "  --max-source-len  question length limit in tokens, eos included (default 512)\n"
    "  --backend         cpu (default), cuda or auto\n"
    "refinement (docs/REFINE.md):\n"
    "  --refine          give a failing program (no value: an error or a limit)\n"
    "                    back to the model with the executor's feedback, in the\n"
    "                    refine template, up to R times while it still fails;\n"
    "                    decoded as above\n"
    "  --refine-mode     failed (default): only programs that fail; all: every\n"
    "                    program gets a first round\n"
    "  --refine-max-source-len  refine prompt limit in tokens, eos included\n"
    "                    (default: --max-source-len)\n"
    "Exit 1 on an error, 2 on a usage error.\n";

typedef struct eval_args {
    const char *ckpt, *data, *tokenizer, *out, *backend;
    eval_options o;
    int beams_set, sample, stepwise_set, sample_only, stepwise_only, refine_only;
} eval_args;

static int parse_count(const char *flag, const char *val, long lo, long *out)
{
    char *end;
    long n = strtol(val, &end, 10);
    if (!*val || *end || n < lo || n > 1000000000L)
        return cli_usage_error(usage, "%s wants an integer >= %ld, got '%s'", flag, lo, val);
    *out = n;
    return 0;
}

/* A finite number in [lo, hi], with lo excluded when lo_open. */
static int parse_real(const char *flag, const char *val, double lo, double hi, int lo_open, double *out)
{
    char *end;
    double x = strtod(val, &end);
    if (!*val || *end || !isfinite(x) || x < lo || (lo_open && x == lo) || x > hi)
        return cli_usage_error(usage, "%s wants a number in %c%g, %g], got '%s'", flag, lo_open ? '(' : '[',
                               lo, hi, val);
    *out = x;
    return 0;
}

static int parse_choice(const char *flag, const char *val, const char *const *names, int *out)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(val, names[i])) {
            *out = i;
            return 0;
        }
    return cli_usage_error(usage, "%s: unknown value '%s'", flag, val);
}

/* Flags without a value. */
static int parse_switch(const char *f, eval_args *a)
{
    if (!strcmp(f, "--early-stopping")) a->o.early_stopping = 1;
    else if (!strcmp(f, "--sample")) a->sample = 1;
    else if (!strcmp(f, "--stepwise")) a->o.stepwise = 1;
    else return 0;
    return 1;
}

static const char *const valued_flags[] = {
    "--tokenizer", "--out", "--backend", "--format", "--batch", "--max-new-tokens", "--max-source-len",
    "--limit", "--beams", "--num-return", "--length-penalty", "--temperature", "--top-p", "--seed",
    "--step-mode", "--step-penalty", "--number-penalty", "--answer", "--refine", "--refine-mode", "--refine-max-source-len", NULL,
};

static int takes_value(const char *f)
{
    for (int i = 0; valued_flags[i]; i++)
        if (!strcmp(f, valued_flags[i])) return 1;
    return 0;
}

/* One of valued_flags with its value; 0, or the usage error's exit status. */
static int parse_valued(const char *f, const char *val, eval_args *a)
{
    static const char *const formats[] = {"auto", "gsm8k", "svamp", "asdiv", "multiarith", NULL};
    static const char *const modes[] = {"drop", "penalty", NULL}, *const answers[] = {"best", "vote", NULL};
    static const char *const refine_modes[] = {"failed", "all", NULL};
    eval_options *o = &a->o;
    long n = 0;
    double x = 0;
    int c = 0, bad = 0;
    if (!strcmp(f, "--tokenizer")) a->tokenizer = val;
    else if (!strcmp(f, "--out")) a->out = val;
    else if (!strcmp(f, "--backend")) a->backend = val;
    else if (!strcmp(f, "--format")) {
        if (!(bad = parse_choice(f, val, formats, &c))) o->format = (eval_format)c;
    } else if (!strcmp(f, "--batch")) {
        if (!(bad = parse_count(f, val, 1, &n))) o->batch_size = (int)n;
    } else if (!strcmp(f, "--max-new-tokens")) {
        if (!(bad = parse_count(f, val, 1, &n))) o->max_new_tokens = (int)n;
    } else if (!strcmp(f, "--max-source-len")) {
        if (!(bad = parse_count(f, val, 2, &n))) o->max_source_len = (int)n;
    } else if (!strcmp(f, "--limit")) {
        if (!(bad = parse_count(f, val, 1, &n))) o->limit = n;
    } else if (!strcmp(f, "--beams")) {
        if (!(bad = parse_count(f, val, 1, &n))) o->beams = (int)n, a->beams_set = 1;
    } else if (!strcmp(f, "--num-return")) {
        if (!(bad = parse_count(f, val, 1, &n))) o->num_return = (int)n;
    } else if (!strcmp(f, "--length-penalty")) {
        if (!(bad = parse_real(f, val, -1e6, 1e6, 0, &x))) o->length_penalty = x;
    } else if (!strcmp(f, "--temperature")) {
        if (!(bad = parse_real(f, val, 0, 1e6, 1, &x))) o->temperature = x, a->sample_only = 1;
    } else if (!strcmp(f, "--top-p")) {
        if (!(bad = parse_real(f, val, 0, 1, 1, &x))) o->top_p = x, a->sample_only = 1;
    } else if (!strcmp(f, "--seed")) {
        if (!(bad = parse_count(f, val, 0, &n))) o->seed = (uint64_t)n, a->sample_only = 1;
    } else if (!strcmp(f, "--step-mode")) {
        if (!(bad = parse_choice(f, val, modes, &c))) o->step_mode = (eval_step_mode)c, a->stepwise_only = 1;
    } else if (!strcmp(f, "--step-penalty")) {
        if (!(bad = parse_real(f, val, -1e6, 0, 0, &x))) o->step_penalty = x, a->stepwise_only = 1;
    } else if (!strcmp(f, "--number-penalty")) {
        if (!(bad = parse_real(f, val, -1e6, 0, 0, &x))) o->number_penalty = x, a->stepwise_only = 1;
    } else if (!strcmp(f, "--answer")) {
        if (!(bad = parse_choice(f, val, answers, &c))) o->answer = (eval_answer)c;
    } else if (!strcmp(f, "--refine")) {
        if (!(bad = parse_count(f, val, 1, &n))) o->refine_rounds = (int)n;
    } else if (!strcmp(f, "--refine-mode")) {
        if (!(bad = parse_choice(f, val, refine_modes, &c))) o->refine_mode = (refine_mode)c, a->refine_only = 1;
    } else if (!strcmp(f, "--refine-max-source-len")) {
        if (!(bad = parse_count(f, val, 2, &n))) o->refine_max_source_len = (int)n, a->refine_only = 1;
    }
    return bad;
}

/* The decoding the flags ask for, and the combinations that make no sense. */
static int settle_decoding(eval_args *a)
{
    eval_options *o = &a->o;
    if (a->sample && a->beams_set) return cli_usage_error(usage, "--sample and --beams do not combine");
    if (a->sample_only && !a->sample) return cli_usage_error(usage, "--temperature, --top-p and --seed need --sample");
    if (a->stepwise_only && !o->stepwise)
        return cli_usage_error(usage, "--step-mode, --step-penalty and --number-penalty need --stepwise");
    if (a->refine_only && !o->refine_rounds)
        return cli_usage_error(usage, "--refine-mode and --refine-max-source-len need --refine");
    if (o->stepwise && a->sample) return cli_usage_error(usage, "--stepwise needs greedy or beam decoding, not --sample");
    o->decoding = a->sample ? EVAL_SAMPLE : a->beams_set ? EVAL_BEAM : EVAL_GREEDY;
    if (o->decoding == EVAL_GREEDY && o->num_return > 1)
        return cli_usage_error(usage, "--num-return %d needs --beams or --sample", o->num_return);
    if (o->decoding == EVAL_BEAM && o->num_return > o->beams)
        return cli_usage_error(usage, "--num-return %d exceeds --beams %d", o->num_return, o->beams);
    pad_error err;
    if (eval_options_check(o, &err)) return cli_usage_error(usage, "%s", err.message);
    return 0;
}

static int parse_args(int argc, char **argv, eval_args *a)
{
    eval_options_default(&a->o);
    a->out = "eval";
    a->backend = "cpu";
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (f[0] != '-' || !f[1]) {
            if (!a->ckpt) a->ckpt = f;
            else if (!a->data) a->data = f;
            else return cli_usage_error(usage, "eval takes CKPT and DATA, not '%s'", f);
            continue;
        }
        if (parse_switch(f, a)) continue;
        if (!takes_value(f)) return cli_usage_error(usage, "unknown option '%s'", f);
        if (!val) return cli_usage_error(usage, "%s needs a value", f);
        int rc = parse_valued(f, val, a);
        if (rc) return rc;
        i++;
    }
    if (!a->ckpt || !a->data) return cli_usage_error(usage, "eval takes CKPT and DATA");
    if (!a->tokenizer) return cli_usage_error(usage, "--tokenizer is required");
    if (strcmp(a->backend, "cpu") && strcmp(a->backend, "cuda") && strcmp(a->backend, "auto"))
        return cli_usage_error(usage, "--backend: cpu, cuda or auto, not '%s'", a->backend);
    return settle_decoding(a);
}

static void print_report(const eval_report *r, const eval_options *o, const char *out)
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
    printf("decoding %s%s (%d beam%s, %d returned, answer %s): %.2f s, %.1f questions/s, %.0f tokens/s; "
           "results in %s\n",
           eval_decoding_name(o->decoding), o->stepwise ? " step-wise" : "", o->beams, o->beams == 1 ? "" : "s",
           o->num_return, eval_answer_name(o->answer), r->decode_seconds, (double)r->count / s,
           (double)r->generated_tokens / s, out);
    const refine_stats *x = &r->refine;
    if (o->refine_rounds > 0)
        printf("refine (%d round%s, mode %s): accuracy %.1f%% before, %.1f%% after; %ld repaired, %ld broken; "
               "%ld questions refined in %ld rounds, %.2f s\n",
               o->refine_rounds, o->refine_rounds == 1 ? "" : "s", refine_mode_name(o->refine_mode),
               100.0 * (double)x->correct_before / n, 100.0 * (double)x->correct_after / n, x->repaired, x->broken,
               x->refined, x->rounds, x->decode_seconds);
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
    if (!st) print_report(&r, &a.o, a.out);
    eval_report_free(&r);
    pad_tokenizer_free(tok);
    pad_model_free(m);
    pad_backend_destroy(be);
    return st ? cli_report_error(&err) : 0;
}
