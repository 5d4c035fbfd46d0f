#include "data/teacher.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) (*s)++, (*len)--;
    while (*len && isspace((unsigned char)(*s)[*len - 1])) (*len)--;
}

/* Copies the digits of `s` into `buf` without thousands separators; 0 when a
 * comma is not between a digit and a group of exactly three digits. */
static int strip_separators(const char *s, size_t len, char *buf)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ',') {
            buf[n++] = s[i];
            continue;
        }
        int group = i > 0 && isdigit((unsigned char)s[i - 1]) && i + 3 < len;
        for (size_t k = 1; group && k <= 3; k++) group = isdigit((unsigned char)s[i + k]);
        if (!group || (i + 4 < len && isdigit((unsigned char)s[i + 4]))) return 0;
    }
    buf[n] = '\0';
    return 1;
}

/* Sign, digits, optional fraction, optional exponent: nothing else strtod
 * would also take (no "inf", "nan", hex). */
static int is_decimal(const char *s)
{
    if (*s == '+' || *s == '-') s++;
    int digits = 0;
    while (isdigit((unsigned char)*s)) s++, digits++;
    if (*s == '.') {
        s++;
        while (isdigit((unsigned char)*s)) s++, digits++;
    }
    if (!digits) return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') s++;
        if (!isdigit((unsigned char)*s)) return 0;
        while (isdigit((unsigned char)*s)) s++;
    }
    return *s == '\0';
}

pad_status teacher_parse_number(const char *s, size_t len, double *out, pad_error *err)
{
    trim(&s, &len);
    char buf[64];
    if (len == 0 || len >= sizeof buf || !strip_separators(s, len, buf) || !is_decimal(buf))
        return pad_error_set(err, PAD_ERR_FORMAT, "not a number: '%.*s'", (int)(len < 40 ? len : 40), s);
    *out = strtod(buf, NULL);
    return PAD_OK;
}

pad_status teacher_gold_from_text(const char *s, size_t len, teacher_gold *g, pad_error *err)
{
    trim(&s, &len);
    if (len == 0) return pad_error_set(err, PAD_ERR_FORMAT, "empty gold answer");
    if (len >= sizeof g->text)
        return pad_error_set(err, PAD_ERR_FORMAT, "gold answer longer than %zu bytes", sizeof g->text - 1);
    memcpy(g->text, s, len);
    g->text[len] = '\0';
    g->kind = teacher_parse_number(s, len, &g->number, NULL) ? TEACHER_GOLD_STRING : TEACHER_GOLD_NUMBER;
    if (g->kind == TEACHER_GOLD_STRING) g->number = 0;
    return PAD_OK;
}

pad_status teacher_gold_from_answer(const char *answer, teacher_gold *g, pad_error *err)
{
    const char *mark = NULL;
    for (const char *p = strstr(answer, "####"); p; p = strstr(p + 4, "####")) mark = p;
    if (!mark) return pad_error_set(err, PAD_ERR_FORMAT, "field 'answer' has no '#### N' line");
    mark += 4;
    size_t len = strcspn(mark, "\n");
    return teacher_gold_from_text(mark, len, g, err);
}

pad_status teacher_row_gold(const cJSON *row, teacher_gold *g, pad_error *err)
{
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(row, "num_answer");
    if (num && !cJSON_IsNull(num)) {
        if (cJSON_IsNumber(num)) {
            g->kind = TEACHER_GOLD_NUMBER;
            g->number = num->valuedouble;
            snprintf(g->text, sizeof g->text, "%.17g", num->valuedouble);
            return PAD_OK;
        }
        if (cJSON_IsString(num)) {
            pad_status st = teacher_gold_from_text(num->valuestring, strlen(num->valuestring), g, err);
            return st ? pad_error_json_path(err, "num_answer") : PAD_OK;
        }
        pad_error_set(err, PAD_ERR_FORMAT, "field 'num_answer' is neither a number nor a string");
        return pad_error_json_path(err, "num_answer");
    }
    const cJSON *answer = cJSON_GetObjectItemCaseSensitive(row, "answer");
    if (cJSON_IsString(answer)) {
        pad_status st = teacher_gold_from_answer(answer->valuestring, g, err);
        return st ? pad_error_json_path(err, "answer") : PAD_OK;
    }
    return pad_error_set(err, PAD_ERR_FORMAT, "missing field 'num_answer' or 'answer'");
}

/* ---- program extraction ---- */

typedef struct line_view {
    const char *s;
    size_t len;
    size_t indent; /* leading blanks */
} line_view;

static line_view next_line(const char **p, const char *end)
{
    line_view l = {*p, 0, 0};
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    l.len = (size_t)(stop - l.s);
    if (l.len && l.s[l.len - 1] == '\r') l.len--;
    while (l.indent < l.len && (l.s[l.indent] == ' ' || l.s[l.indent] == '\t')) l.indent++;
    return l;
}

static int starts_with(const line_view *l, const char *word)
{
    size_t n = strlen(word);
    return l->len - l->indent >= n && memcmp(l->s + l->indent, word, n) == 0;
}

static int is_solution_def(const line_view *l)
{
    if (!starts_with(l, "def ")) return 0;
    const char *p = l->s + l->indent + 4, *end = l->s + l->len;
    while (p < end && *p == ' ') p++;
    if (end - p < 8 || memcmp(p, "solution", 8) != 0) return 0;
    for (p += 8; p < end && *p == ' '; p++) {}
    return p < end && *p == '(';
}

/* Tracks triple-quoted strings across lines, so that a docstring's
 * unindented continuation stays inside its function. */
static char scan_triple_quotes(const line_view *l, char open)
{
    for (size_t i = 0; i + 2 < l->len; i++) {
        char c = l->s[i];
        if ((c == '"' || c == '\'') && l->s[i + 1] == c && l->s[i + 2] == c) {
            if (!open) open = c;
            else if (open == c) open = 0;
            else continue;
            i += 2;
        }
    }
    return open;
}

typedef struct out_buf {
    char *s;
    size_t len;
} out_buf;

/* Appends the line without the first `dedent` columns. */
static void emit(out_buf *o, const line_view *l, size_t dedent)
{
    size_t skip = dedent < l->indent ? dedent : l->indent;
    memcpy(o->s + o->len, l->s + skip, l->len - skip);
    o->len += l->len - skip;
    o->s[o->len++] = '\n';
}

pad_status teacher_extract_program(const char *text, size_t len, char **program, int *solutions,
                                   pad_error *err)
{
    *program = NULL;
    *solutions = 0;
    out_buf o = {malloc(len + 2), 0};
    if (!o.s) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory extracting a program");
    const char *p = text, *end = text + len;
    int in_block = 0;
    size_t base = 0; /* indentation of the open def */
    char quote = 0;  /* the open triple quote, if any */
    while (p < end) {
        line_view l = next_line(&p, end);
        if (in_block && quote) {
            emit(&o, &l, base);
            quote = scan_triple_quotes(&l, quote);
            continue;
        }
        if (starts_with(&l, "```")) {
            in_block = 0;
            continue;
        }
        if (l.indent == l.len) { /* blank: part of a body, never prose */
            if (in_block) emit(&o, &l, base);
            continue;
        }
        if (in_block && l.indent > base) {
            emit(&o, &l, base);
            quote = scan_triple_quotes(&l, 0);
            continue;
        }
        in_block = 0;
        if (starts_with(&l, "def ")) {
            in_block = 1;
            base = l.indent;
            *solutions += is_solution_def(&l);
            emit(&o, &l, base);
            quote = scan_triple_quotes(&l, 0);
        } else if (starts_with(&l, "import ") || starts_with(&l, "from ")) {
            emit(&o, &l, l.indent);
        }
    }
    if (*solutions != 1) {
        free(o.s);
        return PAD_OK;
    }
    while (o.len > 1 && o.s[o.len - 1] == '\n' && o.s[o.len - 2] == '\n') o.len--; /* trailing blanks */
    o.s[o.len] = '\0';
    *program = o.s;
    return PAD_OK;
}

int teacher_answer_matches(const exec_result *r, const teacher_gold *g)
{
    if (r->outcome != EXEC_OK) return 0;
    if (g->kind == TEACHER_GOLD_NUMBER)
        return r->is_number && isfinite(r->number) && fabs(r->number - g->number) < TEACHER_TOLERANCE;
    return r->value_str && strcmp(r->value_str, g->text) == 0;
}

/* The line after `start` (or NULL), and the first non-blank byte of a line. */
static char *line_after(char *start)
{
    char *nl = strchr(start, '\n');
    return nl ? nl + 1 : NULL;
}

static char *skip_blanks(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

static int opens_def(const char *line)
{
    const char *s = line;
    while (*s == ' ' || *s == '\t') s++;
    if (strncmp(s, "def ", 4) != 0) return 0;
    const char *end = strchr(s, '\n');
    if (!end) end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) end--;
    return end > s && end[-1] == ':';
}

/* When `line` starts a triple-quoted string, the byte after its closing
 * quotes' line; else NULL. */
static char *docstring_end(char *line)
{
    char *s = skip_blanks(line);
    if (*s == 'r' || *s == 'R') s++;
    if (strncmp(s, "\"\"\"", 3) != 0 && strncmp(s, "\'\'\'", 3) != 0) return NULL;
    char quote[4] = {s[0], s[0], s[0], '\0'};
    char *close = strstr(s + 3, quote);
    if (!close) return NULL;
    char *after = line_after(close);
    return after ? after : close + strlen(close);
}

void teacher_strip_docstrings(char *program)
{
    for (char *line = program; line && *line; line = line_after(line)) {
        if (!opens_def(line)) continue;
        char *body = line_after(line);
        char *end = body ? docstring_end(body) : NULL;
        if (end) memmove(body, end, strlen(end) + 1);
    }
}
