/* pad data inject: verified rows -> refine rows with injected errors (the
 * work is data/inject.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "data/inject.h"

static const char usage[] =
    "usage: pad data inject VERIFIED.jsonl --out REFINE.jsonl [--seed N] [--per-program K]\n"
    "                       [--attempts N] [--kinds const=1,op=1,...] [--strip-docstrings]\n"
    "\n"
    "Injects errors into the verified programs, runs every faulty program with the\n"
    "built-in executor and writes one refine row per program that fails or returns a\n"
    "wrong answer (docs/REFINE.md): id, source_id, question, program (faulty),\n"
    "feedback, kind, detail, line, target (the correct program) and the gold fields.\n"
    "Faulty programs that still return the gold are discarded and counted.\n"
    "  --seed          same seed, same output (default 0)\n"
    "  --per-program   faulty programs wanted per source program (default 2)\n"
    "  --attempts      tries per source program (default 4 x per-program)\n"
    "  --kinds         relative weights of const, op, var, undef, drop, swap, syntax;\n"
    "                  kinds left out are never drawn (default: all 1)\n"
    "  --strip-docstrings  drop the docstring opening each function first (then the\n"
    "                  feedback's line numbers match the programs the model sees)\n"
    "Then: pad data shard REFINE.jsonl --kind refine ... makes refine shards.\n";

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static void print_report(const inject_report *r, const char *out)
{
    printf("%-8s %9s %9s %14s %8s %10s\n", "kind", "attempted", "injected", "still_correct", "no_site", "duplicate");
    for (int k = 0; k < INJECT_KIND_COUNT; k++) {
        const inject_kind_counts *c = &r->kinds[k];
        printf("%-8s %9ld %9ld %14ld %8ld %10ld\n", inject_kind_name((inject_kind)k), c->attempted, c->injected,
               c->still_correct, c->no_site, c->duplicate);
    }
    printf("rows: %ld; used: %ld; skipped (no program or not correct): %ld\n", r->rows, r->used, r->skipped);
    printf("wrote %ld refine rows to %s\n", r->written, out);
}

int cmd_data_inject(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    inject_options o;
    inject_options_default(&o);
    const char *input = NULL, *out = NULL;
    pad_error err;
    pad_error_clear(&err);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        int takes = !strcmp(a, "--out") || !strcmp(a, "--seed") || !strcmp(a, "--per-program") ||
                    !strcmp(a, "--attempts") || !strcmp(a, "--kinds");
        if (takes && !v) return cli_usage_error(usage, "%s needs a value", a);
        if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--seed")) {
            char *end;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end || *v == '-') return cli_usage_error(usage, "--seed wants a non-negative integer");
            o.seed = s;
        } else if (!strcmp(a, "--per-program")) {
            if (parse_int(v, 1, 1000, &n)) return cli_usage_error(usage, "--per-program wants 1..1000");
            o.per_program = (int)n;
        } else if (!strcmp(a, "--attempts")) {
            if (parse_int(v, 1, 100000, &n)) return cli_usage_error(usage, "--attempts wants 1..100000");
            o.max_attempts = (int)n;
        } else if (!strcmp(a, "--kinds")) {
            if (inject_parse_weights(v, &o, &err)) return cli_usage_error(usage, "--kinds: %s", err.message);
        } else if (!strcmp(a, "--strip-docstrings")) o.strip_docstrings = 1;
        else if (a[0] == '-' && a[1]) return cli_usage_error(usage, "unknown option '%s'", a);
        else if (input) return cli_usage_error(usage, "inject takes one INPUT");
        else input = a;
        i += takes;
    }
    if (!input || !out) return cli_usage_error(usage, "INPUT and --out are required");
    inject_report r;
    if (inject_file(input, out, &o, &r, &err)) return cli_report_error(&err);
    print_report(&r, out);
    return 0;
}
