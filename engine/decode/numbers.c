/* pad: number grounding (see numbers.h). */
#include "decode/numbers.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longer literals are not quantities of a word problem; they still count
 * as one number, parsed from their first digits. */
#define LITERAL_MAX 63

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_word(char c) { return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80; }

static pad_status push(numbers *x, double v, pad_error *err)
{
    if (x->n == x->cap) {
        int cap = x->cap ? 2 * x->cap : 16;
        double *more = realloc(x->v, (size_t)cap * sizeof *more);
        if (!more) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory collecting numbers");
        x->v = more, x->cap = cap;
    }
    x->v[x->n++] = v;
    return PAD_OK;
}

void numbers_free(numbers *x)
{
    free(x->v);
    memset(x, 0, sizeof *x);
}

/* Appends s[0..n) to buf (room for LITERAL_MAX), leaving out `skip`. */
static void keep(char *buf, size_t *len, const char *s, size_t n, char skip)
{
    for (size_t i = 0; i < n && *len < LITERAL_MAX; i++)
        if (s[i] != skip) buf[(*len)++] = s[i];
}

/* ---- question text ---- */

/* The number at s[i] (a digit): its value, and where it ends. */
static size_t question_number(const char *s, size_t i, double *v)
{
    char buf[LITERAL_MAX + 1];
    size_t len = 0, j = i;
    while (is_digit(s[j])) j++;
    /* "1,250": a comma followed by exactly three digits groups thousands */
    while (s[j] == ',' && is_digit(s[j + 1]) && is_digit(s[j + 2]) && is_digit(s[j + 3]) &&
           !is_digit(s[j + 4]))
        j += 4;
    if (s[j] == '.' && is_digit(s[j + 1])) {
        j++;
        while (is_digit(s[j])) j++;
    }
    keep(buf, &len, s + i, j - i, ',');
    buf[len] = '\0';
    *v = strtod(buf, NULL);
    return j;
}

pad_status numbers_in_question(const char *text, numbers *out, pad_error *err)
{
    for (size_t i = 0; text[i];) {
        if (!is_digit(text[i])) {
            i++;
            continue;
        }
        double v;
        i = question_number(text, i, &v);
        pad_status st = push(out, v, err);
        if (st) return st;
    }
    return PAD_OK;
}

/* ---- program text ---- */

/* Where the string literal opening at s[i] ends (a quote; triple quotes
 * span lines; an unterminated one runs to the end of its line, or of the
 * text when triple). */
static size_t skip_string(const char *s, size_t len, size_t i)
{
    char q = s[i];
    int triple = i + 2 < len && s[i + 1] == q && s[i + 2] == q;
    i += triple ? 3 : 1;
    while (i < len) {
        if (s[i] == '\\') {
            i += 2;
            continue;
        }
        if (!triple && s[i] == '\n') return i;
        if (s[i] == q && (!triple || (i + 2 < len && s[i + 1] == q && s[i + 2] == q)))
            return i + (triple ? 3 : 1);
        i++;
    }
    return len;
}

/* The literal at s[i] (a digit, or '.' before one): its value, and where it
 * ends.  Underscores between digits are Python's separators. */
static size_t program_literal(const char *s, size_t len, size_t i, double *v)
{
    size_t j = i;
    while (j < len && (is_word(s[j]) || s[j] == '.' ||
                       ((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E'))))
        j++;
    char buf[LITERAL_MAX + 1];
    size_t n = 0;
    keep(buf, &n, s + i, j - i, '_');
    buf[n] = '\0';
    *v = strtod(buf, NULL);
    return j;
}

pad_status numbers_in_program(const char *text, size_t len, numbers *out, pad_error *err)
{
    size_t i = 0;
    while (i < len) {
        char c = text[i];
        if (c == '#') {
            while (i < len && text[i] != '\n') i++;
        } else if (c == '"' || c == '\'') {
            i = skip_string(text, len, i);
        } else if (is_digit(c) || (c == '.' && i + 1 < len && is_digit(text[i + 1]))) {
            double v;
            i = program_literal(text, len, i, &v);
            pad_status st = push(out, v, err);
            if (st) return st;
        } else if (is_word(c)) {
            while (i < len && is_word(text[i])) i++; /* x2 is a name, not a 2 */
        } else {
            i++;
        }
    }
    return PAD_OK;
}

/* ---- the counts ---- */

static int same(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(a)); }

static int count_of(const numbers *x, double v)
{
    int c = 0;
    for (int i = 0; i < x->n; i++) c += same(x->v[i], v);
    return c;
}

void numbers_grounding(const numbers *question, const numbers *program, int *excess, int *unused)
{
    *excess = 0, *unused = 0;
    for (int i = 0; i < question->n; i++) {
        int first = 1;
        for (int j = 0; j < i && first; j++) first = !same(question->v[j], question->v[i]);
        if (!first) continue; /* each distinct value once */
        int said = count_of(question, question->v[i]), used = count_of(program, question->v[i]);
        if (used > said) *excess += used - said;
        if (used < said) *unused += said - used;
    }
}
