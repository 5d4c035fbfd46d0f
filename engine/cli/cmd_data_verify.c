/* pad data verify: run teacher programs, keep the rows that return the gold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "data/verify.h"

static const char usage[] =
    "usage: pad data verify INPUT.jsonl --out KEPT.jsonl --report REPORT.json\n"
    "                       [--annotate ALL.jsonl] [--executor builtin|python] [--threads N]\n"
    "\n"
    "Extracts the program from every teacher row (question, code, and num_answer or\n"
    "GSM8K's answer '#### N'), runs its solution() and keeps the rows whose answer\n"
    "matches the gold (|value - gold| < 1e-4; exact for non-numeric gold).\n"
    "  --out        the kept rows, byte for byte, in input order\n"
    "  --report     counts per outcome, rates, throughput, lines that are not rows\n"
    "  --annotate   every row plus outcome, error_type, error_message, value\n"
    "  --executor   builtin (default, in-process) or python (a sandboxed python3 per program)\n"
    "  --threads    worker threads (default: every core)\n"
    "Malformed lines and rows missing a field are reported with their line numbers\n"
    "and skipped.  Exit 1 on an I/O error, 2 on a usage error.\n";

static void show_progress(void *ctx, long lines)
{
    (void)ctx;
    fprintf(stderr, "pad: verify: %ld lines\n", lines);
}

static void print_summary(const verify_stats *s, const char *kept_path)
{
    printf("%-20s %8s %7s\n", "outcome", "rows", "share");
    double rows = s->rows ? (double)s->rows : 1.0;
    for (int i = 0; i < s->class_count; i++)
        if (s->classes[i].count)
            printf("%-20s %8ld %6.1f%%\n", s->classes[i].name, s->classes[i].count,
                   100.0 * (double)s->classes[i].count / rows);
    printf("%-20s %8ld\n", "rows", s->rows);
    printf("executable %.1f%%, correct %.1f%%; kept %ld rows in %s\n", 100.0 * (double)s->executable / rows,
           100.0 * (double)s->kept / rows, s->kept, kept_path);
    printf("%.2f s on %d thread%s, %.0f programs/s\n", s->seconds, s->threads, s->threads == 1 ? "" : "s",
           s->exec_seconds > 0 ? (double)s->executed / s->exec_seconds : 0.0);
    for (long i = 0; i < s->problem_count && i < 10; i++)
        printf("line %ld: %s: %s\n", s->problems[i].line, s->problems[i].cls, s->problems[i].message);
    if (s->problem_count > 10) printf("... %ld more lines that are not rows (see the report)\n", s->problem_count - 10);
}

int cmd_data_verify(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    verify_options o;
    verify_options_default(&o);
    const char *input = NULL, *out = NULL, *report = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(a, "--out") == 0 || strcmp(a, "--report") == 0 || strcmp(a, "--annotate") == 0 ||
                    strcmp(a, "--executor") == 0 || strcmp(a, "--threads") == 0;
        if (takes && !val) return cli_usage_error(usage, "%s needs a value", a);
        if (strcmp(a, "--out") == 0) out = val;
        else if (strcmp(a, "--report") == 0) report = val;
        else if (strcmp(a, "--annotate") == 0) o.annotate_path = val;
        else if (strcmp(a, "--executor") == 0) {
            if (strcmp(val, "builtin") == 0) o.engine = EXEC_BUILTIN;
            else if (strcmp(val, "python") == 0) o.engine = EXEC_PYTHON;
            else return cli_usage_error(usage, "unknown executor '%s'", val);
        } else if (strcmp(a, "--threads") == 0) {
            char *end;
            long n = strtol(val, &end, 10);
            if (*end || n < 1 || n > 4096) return cli_usage_error(usage, "--threads wants a positive integer");
            o.threads = (int)n;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error(usage, "unknown option '%s'", a);
        } else if (input) {
            return cli_usage_error(usage, "verify takes one INPUT");
        } else {
            input = a;
        }
        i += takes;
    }
    if (!input || !out || !report) return cli_usage_error(usage, "INPUT, --out and --report are required");
    if (isatty(STDERR_FILENO)) o.progress = show_progress;
    pad_error err;
    pad_error_clear(&err);
    verify_stats s;
    pad_status st = verify_file(input, out, report, &o, &s, &err);
    if (!st) print_summary(&s, out);
    verify_stats_free(&s);
    return st ? cli_report_error(&err) : 0;
}
