/* pad exec: run one reasoning program and print what solution() returns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "exec/exec.h"

static const char usage[] =
    "usage: pad exec [--executor builtin|python] [--prefix] [--max-steps N] [--timeout S] FILE.py\n"
    "\n"
    "Runs FILE.py ('-' reads stdin) and calls its solution().\n"
    "  --executor builtin  the in-process interpreter for the reasoning subset (default)\n"
    "  --executor python   a sandboxed python3 child process (full Python, no writes,\n"
    "                      no processes, no network; needs python3 in PATH)\n"
    "  --prefix            run a program cut after a complete line and report its first\n"
    "                      error, without requiring a return (built-in only)\n"
    "  --max-steps N       built-in evaluation steps (default 1000000)\n"
    "  --timeout S         python: wall-clock seconds (default 5)\n"
    "\n"
    "On success prints str(solution()) on stdout and exits 0.  Otherwise exits 1 and\n"
    "prints one line on stderr: a Python exception as\n"
    "    ErrorName: message (line N)\n"
    "(N is the line in FILE.py; \" (line N)\" is left out when unknown), or a limit or\n"
    "refusal as its outcome name: step_limit, timeout, memory_limit, recursion_limit,\n"
    "size_limit, overflow, unsupported or no_program, then \": message\".\n"
    "Exit 2 on a usage error.\n";

/* The whole of `path` ('-' for stdin), NUL-terminated; NULL with err set. */
static char *read_source(const char *path, size_t *len, pad_error *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        pad_error_set(err, PAD_ERR_IO, "cannot open the program: %s", strerror(errno));
        pad_error_file(err, path);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1) break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int failed = ferror(f);
    if (!is_stdin) fclose(f);
    if (!buf) {
        pad_error_set(err, PAD_ERR_NOMEM, "out of memory reading the program");
        return NULL;
    }
    if (failed) {
        free(buf);
        pad_error_set(err, PAD_ERR_IO, "cannot read the program");
        pad_error_file(err, path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int report(const exec_result *r)
{
    if (r->outcome == EXEC_OK) {
        if (r->value_str) printf("%s\n", r->value_str);
        return 0;
    }
    if (r->outcome == EXEC_ERROR) {
        fprintf(stderr, "%s: %s", r->error_type[0] ? r->error_type : "Error", r->error_message);
        if (r->line > 0) fprintf(stderr, " (line %d)", r->line);
        fputc('\n', stderr);
    } else {
        fprintf(stderr, "%s: %s\n", exec_outcome_name(r->outcome),
                r->error_message[0] ? r->error_message : "the program was stopped");
    }
    return 1;
}

static int parse_number(const char *opt, const char *text, double *value)
{
    char *end;
    *value = strtod(text, &end);
    if (end == text || *end || !(*value > 0))
        return cli_usage_error(usage, "%s expects a positive number, got '%s'", opt, text);
    return 0;
}

int cmd_exec(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    exec_limits lim;
    exec_limits_default(&lim);
    exec_engine engine = EXEC_BUILTIN;
    int prefix = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        int has_value = i + 1 < argc;
        if (strcmp(a, "--executor") == 0 && has_value) {
            const char *name = argv[++i];
            if (strcmp(name, "builtin") == 0) engine = EXEC_BUILTIN;
            else if (strcmp(name, "python") == 0) engine = EXEC_PYTHON;
            else return cli_usage_error(usage, "--executor: expected builtin or python, got '%s'", name);
        } else if (strcmp(a, "--prefix") == 0) {
            prefix = 1;
        } else if (strcmp(a, "--max-steps") == 0 && has_value) {
            if (parse_number(a, argv[++i], &v)) return CLI_EXIT_USAGE;
            lim.max_steps = (uint64_t)v;
        } else if (strcmp(a, "--timeout") == 0 && has_value) {
            if (parse_number(a, argv[++i], &v)) return CLI_EXIT_USAGE;
            lim.timeout_s = v;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error(usage, "unknown option or missing value: '%s'", a);
        } else if (path) {
            return cli_usage_error(usage, "exec takes one FILE.py");
        } else {
            path = a;
        }
    }
    if (!path) return cli_usage_error(usage, "exec needs a FILE.py ('-' for stdin)");
    if (prefix && engine == EXEC_PYTHON)
        return cli_usage_error(usage, "--prefix works with the built-in executor only");

    pad_error err;
    pad_error_clear(&err);
    size_t len = 0;
    char *source = read_source(path, &len, &err);
    if (!source) return cli_report_error(&err);
    exec_result r;
    pad_status st = prefix ? exec_run_prefix(source, len, &lim, &r, &err)
                           : exec_run(engine, source, len, &lim, &r, &err);
    free(source);
    if (st) return cli_report_error(&err);
    int rc = report(&r);
    exec_result_free(&r);
    return rc;
}
