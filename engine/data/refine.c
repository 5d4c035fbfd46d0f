#include "data/refine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A value longer than this is cut: a runaway string or list would otherwise
 * crowd the program out of the model's source length. */
#define REFINE_VALUE_MAX 60

void refine_feedback(const exec_result *r, char *buf, size_t size)
{
    if (!size) return;
    if (r->outcome == EXEC_OK) {
        const char *v = r->value_str ? r->value_str : "None";
        size_t n = strlen(v);
        if (n > REFINE_VALUE_MAX)
            snprintf(buf, size, "wrong answer: the program returned %.*s...", REFINE_VALUE_MAX, v);
        else
            snprintf(buf, size, "wrong answer: the program returned %s", v);
        return;
    }
    const char *type = r->outcome == EXEC_ERROR && r->error_type[0] ? r->error_type
                                                                    : exec_outcome_name(r->outcome);
    int n = r->error_message[0] ? snprintf(buf, size, "%s: %s", type, r->error_message)
                                : snprintf(buf, size, "%s", type);
    if (r->line > 0 && n >= 0 && (size_t)n < size) snprintf(buf + n, size - (size_t)n, " (line %d)", r->line);
}

char *refine_source(const char *question, const char *program, const char *feedback)
{
    size_t plen = strlen(program);
    while (plen && program[plen - 1] == '\n') plen--;
    static const char fmt[] = "Question: %s\nProgram:\n%.*s\nFeedback: %s\nFix the program.";
    size_t size = sizeof fmt + strlen(question) + plen + strlen(feedback);
    char *s = malloc(size);
    if (s) snprintf(s, size, fmt, question, (int)plen, program, feedback);
    return s;
}

pad_status refine_source_from_row(const cJSON *row, char **out, pad_error *err)
{
    static const char *const keys[] = {"question", "program", "feedback"};
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(row, "kind");
    int plain = cJSON_IsString(kind) && !strcmp(kind->valuestring, REFINE_PLAIN_KIND);
    const char *v[3];
    for (int i = 0; i < (plain ? 1 : 3); i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(row, keys[i]);
        if (!cJSON_IsString(f))
            return pad_error_set(err, PAD_ERR_FORMAT, "refine row has no string field '%s'", keys[i]);
        v[i] = f->valuestring;
    }
    *out = plain ? strdup(v[0]) : refine_source(v[0], v[1], v[2]);
    return *out ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
}
