/* exec_tool: runs programs through pad's executor for the differential tests
 * (tests/interop/test_exec_differential.py, test_exec_real_teacher.py).
 *
 *   exec_tool [--executor builtin|python] [--prefix] [--max-steps N] [--timeout S] [FILE]
 *
 * Reads JSONL {"id": ..., "code": "..."} from FILE (default stdin) and writes,
 * one line each, {"id", "outcome", "error_type", "error_message", "line",
 * "value_repr", "value_str"} (value_* null unless the outcome is "ok").  A
 * failure of pad itself (not of the program) is reported on stderr and the
 * tool exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "exec/exec.h"

static int fail(const char *what, const pad_error *err)
{
    char line[1200];
    if (err) pad_error_format(err, line, sizeof line);
    fprintf(stderr, "exec_tool: %s%s%s\n", what, err ? ": " : "", err ? line : "");
    return 1;
}

static cJSON *result_json(const cJSON *id, const exec_result *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
    cJSON_AddStringToObject(o, "outcome", exec_outcome_name(r->outcome));
    cJSON_AddStringToObject(o, "error_type", r->error_type);
    cJSON_AddStringToObject(o, "error_message", r->error_message);
    cJSON_AddNumberToObject(o, "line", r->line);
    if (r->value_repr) cJSON_AddStringToObject(o, "value_repr", r->value_repr);
    else cJSON_AddNullToObject(o, "value_repr");
    if (r->value_str) cJSON_AddStringToObject(o, "value_str", r->value_str);
    else cJSON_AddNullToObject(o, "value_str");
    return o;
}

/* One input line -> one output line.  Returns non-zero when pad itself failed. */
static int run_line(const char *text, exec_engine engine, int prefix, const exec_limits *lim)
{
    cJSON *in = cJSON_Parse(text);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(in, "code");
    if (!cJSON_IsString(code)) {
        cJSON_Delete(in);
        return fail("input line without a \"code\" string", NULL);
    }
    exec_result r;
    pad_error err;
    pad_error_clear(&err);
    const char *src = code->valuestring;
    pad_status st = prefix ? exec_run_prefix(src, strlen(src), lim, &r, &err)
                           : exec_run(engine, src, strlen(src), lim, &r, &err);
    if (st) {
        cJSON_Delete(in);
        return fail("executor failed", &err);
    }
    cJSON *o = result_json(cJSON_GetObjectItemCaseSensitive(in, "id"), &r);
    char *line = o ? cJSON_PrintUnformatted(o) : NULL;
    int rc = line ? 0 : fail("out of memory", NULL);
    if (line) printf("%s\n", line);
    free(line);
    cJSON_Delete(o);
    cJSON_Delete(in);
    exec_result_free(&r);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: exec_tool [--executor builtin|python] [--prefix] [--max-steps N] "
                    "[--timeout S] [FILE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    exec_limits lim;
    exec_limits_default(&lim);
    exec_engine engine = EXEC_BUILTIN;
    int prefix = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--executor") == 0 && i + 1 < argc) {
            const char *name = argv[++i];
            if (strcmp(name, "builtin") == 0) engine = EXEC_BUILTIN;
            else if (strcmp(name, "python") == 0) engine = EXEC_PYTHON;
            else return usage();
        } else if (strcmp(argv[i], "--prefix") == 0) {
            prefix = 1;
        } else if (strcmp(argv[i], "--max-steps") == 0 && i + 1 < argc) {
            lim.max_steps = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            lim.timeout_s = strtod(argv[++i], NULL);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage();
        } else {
            path = argv[i];
        }
    }
    FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "r") : stdin;
    if (!f) {
        perror(path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (!rc && (n = getline(&line, &cap, f)) > 0) {
        if (n == 1 && line[0] == '\n') continue;
        rc = run_line(line, engine, prefix, &lim);
        fflush(stdout);
    }
    free(line);
    if (f != stdin) fclose(f);
    return rc;
}
