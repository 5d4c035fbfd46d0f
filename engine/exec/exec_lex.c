#include "exec/exec_lex.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void syntax_vset(exec_syntax *s, const char *type, int unsupported, int line, const char *fmt, va_list ap)
{
    if (s->failed) return; /* the first problem is the one Python reports */
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    snprintf(s->type, sizeof s->type, "%s", type);
    s->line = line;
    s->failed = 1;
    s->unsupported = unsupported;
}

void exec_syntax_set(exec_syntax *s, const char *type, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    syntax_vset(s, type, 0, line, fmt, ap);
    va_end(ap);
}

void exec_syntax_unsupported(exec_syntax *s, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    syntax_vset(s, "", 1, line, fmt, ap);
    va_end(ap);
}

int exec_tok_is(const exec_token *t, exec_tok_kind kind, const char *text)
{
    if (t->kind != kind) return 0;
    if (!text) return 1;
    size_t n = strlen(text);
    return t->len == n && !memcmp(t->text, text, n);
}

typedef struct lexer {
    const char *src, *end, *p;
    int line;
    pad_arena *arena;
    exec_token *toks;
    size_t n, cap;
    int indents[128];
    int nindent;
    char parens[256];
    int paren_lines[256];
    int depth;
    exec_syntax *syn;
} lexer;

static exec_token *push(lexer *L, exec_tok_kind kind, const char *text, size_t len)
{
    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 256;
        exec_token *t = pad_arena_alloc(L->arena, cap * sizeof *t);
        if (!t) {
            exec_syntax_set(L->syn, "MemoryError", L->line, "out of memory");
            return NULL;
        }
        if (L->n) memcpy(t, L->toks, L->n * sizeof *t);
        L->toks = t;
        L->cap = cap;
    }
    exec_token *t = &L->toks[L->n++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->line = L->line;
    t->text = text;
    t->len = len;
    return t;
}

static int fail(lexer *L, const char *type, const char *msg)
{
    exec_syntax_set(L->syn, type, L->line, "%s", msg);
    return -1;
}

/* Measures the indentation at the start of a logical line; returns 1 when
 * the line is blank or a comment (no tokens). */
static int line_indent(lexer *L, int *col)
{
    int c = 0, tabs = 0, spaces = 0;
    while (L->p < L->end && (*L->p == ' ' || *L->p == '\t' || *L->p == '\f')) {
        if (*L->p == '\t') { c = (c / 8 + 1) * 8; tabs = 1; }
        else if (*L->p == ' ') { c++; spaces = 1; }
        L->p++;
    }
    *col = c;
    if (L->p >= L->end || *L->p == '#' || *L->p == '\n' || *L->p == '\r') return 1;
    if (tabs && spaces && L->nindent > 1) return fail(L, "TabError", "inconsistent use of tabs and spaces in indentation"), -1;
    return 0;
}

static int indent_tokens(lexer *L, int col)
{
    int top = L->indents[L->nindent - 1];
    if (col > top) {
        if (L->nindent == (int)(sizeof L->indents / sizeof L->indents[0]))
            return fail(L, "IndentationError", "too many levels of indentation");
        L->indents[L->nindent++] = col;
        return push(L, EXEC_T_INDENT, L->p, 0) ? 0 : -1;
    }
    while (col < L->indents[L->nindent - 1]) {
        L->nindent--;
        if (!push(L, EXEC_T_DEDENT, L->p, 0)) return -1;
    }
    if (col != L->indents[L->nindent - 1])
        return fail(L, "IndentationError", "unindent does not match any outer indentation level");
    return 0;
}

static int hexval(int c) { return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10; }

static void put_utf8(char *out, size_t *k, unsigned cp)
{
    if (cp < 0x80) out[(*k)++] = (char)cp;
    else if (cp < 0x800) {
        out[(*k)++] = (char)(0xC0 | cp >> 6);
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*k)++] = (char)(0xE0 | cp >> 12);
        out[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*k)++] = (char)(0xF0 | cp >> 18);
        out[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* Decodes the escapes of a string body [s, e) into the arena. */
static int decode_string(lexer *L, exec_token *t, const char *s, const char *e, int raw)
{
    char *out = pad_arena_alloc(L->arena, (size_t)(e - s) + 1);
    if (!out) return fail(L, "MemoryError", "out of memory");
    size_t k = 0;
    while (s < e) {
        if (*s != '\\' || raw) {
            out[k++] = *s++;
            continue;
        }
        char c = s[1];
        s += 2;
        int n = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
        if (n) {
            unsigned cp = 0;
            for (int i = 0; i < n; i++, s++) {
                if (s >= e || !isxdigit((unsigned char)*s)) {
                    exec_syntax_set(L->syn, "SyntaxError", t->line, "(unicode error) truncated \\%cXX escape", c);
                    return -1;
                }
                cp = cp * 16 + (unsigned)hexval((unsigned char)*s);
            }
            put_utf8(out, &k, cp);
            continue;
        }
        if (c >= '0' && c <= '7') {
            unsigned cp = (unsigned)(c - '0');
            for (int i = 0; i < 2 && s < e && *s >= '0' && *s <= '7'; i++) cp = cp * 8 + (unsigned)(*s++ - '0');
            put_utf8(out, &k, cp);
            continue;
        }
        switch (c) {
        case '\n': break;
        case 'n': out[k++] = '\n'; break;
        case 't': out[k++] = '\t'; break;
        case 'r': out[k++] = '\r'; break;
        case 'a': out[k++] = '\a'; break;
        case 'b': out[k++] = '\b'; break;
        case 'f': out[k++] = '\f'; break;
        case 'v': out[k++] = '\v'; break;
        case '\\': case '\'': case '"': out[k++] = c; break;
        case 'N':
            exec_syntax_unsupported(L->syn, t->line, "\\N{...} escapes are not supported");
            return -1;
        default: out[k++] = '\\'; out[k++] = c; break;
        }
    }
    out[k] = '\0';
    t->text = out;
    t->len = k;
    return 0;
}

static int lex_string(lexer *L, const char *start, char prefix, int raw)
{
    char q = *L->p;
    int triple = L->end - L->p >= 3 && L->p[1] == q && L->p[2] == q;
    int line0 = L->line;
    L->p += triple ? 3 : 1;
    const char *body = L->p;
    for (;;) {
        if (L->p >= L->end || (!triple && *L->p == '\n')) {
            char msg[120];
            snprintf(msg, sizeof msg, "unterminated %sstring literal (detected at line %d)", triple ? "triple-quoted " : "",
                     L->line);
            exec_syntax_set(L->syn, "SyntaxError", line0, "%s", msg);
            return -1;
        }
        if (*L->p == '\\' && L->p + 1 < L->end) {
            if (L->p[1] == '\n') L->line++;
            L->p += 2;
            continue;
        }
        if (*L->p == q && (!triple || (L->end - L->p >= 3 && L->p[1] == q && L->p[2] == q))) break;
        if (*L->p == '\n') L->line++;
        L->p++;
    }
    const char *body_end = L->p;
    L->p += triple ? 3 : 1;
    exec_token *t = push(L, EXEC_T_STRING, start, (size_t)(L->p - start));
    if (!t) return -1;
    t->line = line0;
    t->prefix = prefix;
    return decode_string(L, t, body, body_end, raw);
}

static int lex_number(lexer *L)
{
    const char *s = L->p;
    char buf[128];
    size_t k = 0;
    int is_float = 0, base = 10;
    if (s[0] == '0' && L->end - s > 1 && strchr("xXoObB", s[1])) {
        base = strchr("xX", s[1]) ? 16 : strchr("oO", s[1]) ? 8 : 2;
        s += 2;
    }
    const char *digits = s;
    for (; s < L->end; s++) {
        char c = *s;
        if (c == '_' && s + 1 < L->end && isalnum((unsigned char)s[1]) && s > digits && s[-1] != '_') continue;
        int ok = base == 16 ? isxdigit((unsigned char)c) : base == 8 ? (c >= '0' && c <= '7')
               : base == 2 ? (c == '0' || c == '1') : isdigit((unsigned char)c);
        if (!ok && base == 10 && c == '.' && !is_float) { is_float = 1; ok = 1; }
        else if (!ok && base == 10 && (c == 'e' || c == 'E')) {
            if (k < sizeof buf - 1) buf[k++] = c;
            s++;
            if (s < L->end && (*s == '+' || *s == '-')) buf[k++] = *s++;
            if (s >= L->end || !isdigit((unsigned char)*s)) return fail(L, "SyntaxError", "invalid decimal literal");
            is_float = 1;
            for (; s < L->end && (isdigit((unsigned char)*s) || (*s == '_' && s + 1 < L->end && isdigit((unsigned char)s[1]))); s++)
                if (*s != '_' && k < sizeof buf - 1) buf[k++] = *s;
            break;
        }
        if (!ok) break;
        if (k < sizeof buf - 1) buf[k++] = c;
    }
    buf[k] = '\0';
    if (s < L->end && (*s == 'j' || *s == 'J')) {
        exec_syntax_unsupported(L->syn, L->line, "complex numbers are not supported");
        return -1;
    }
    if (s < L->end && (isalnum((unsigned char)*s) || *s == '_')) {
        const char *names[] = {"invalid decimal literal", "invalid hexadecimal literal", "invalid octal literal",
                               "invalid binary literal"};
        return fail(L, "SyntaxError", names[base == 10 ? 0 : base == 16 ? 1 : base == 8 ? 2 : 3]);
    }
    if (k == 0) return fail(L, "SyntaxError", base == 16 ? "invalid hexadecimal literal" : base == 8 ? "invalid octal literal" : "invalid binary literal");
    if (base == 10 && !is_float && k > 1 && buf[0] == '0' && strspn(buf, "0") != k)
        return fail(L, "SyntaxError",
                    "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
    exec_token *t = push(L, is_float ? EXEC_T_FLOAT : EXEC_T_INT, L->p, (size_t)(s - L->p));
    if (!t) return -1;
    L->p = s;
    if (is_float) {
        t->f = strtod(buf, NULL);
        return 0;
    }
    errno = 0;
    unsigned long long v = strtoull(buf, NULL, base);
    if (errno == ERANGE || v > (unsigned long long)INT64_MAX) t->overflow = 1;
    t->i = (int64_t)v;
    return 0;
}

static const char *const OPS[] = {"**=", "//=", ">>=", "<<=", "...", "**", "//", "==", "!=", "<=", ">=", "+=", "-=",
                                  "*=", "/=", "%=", "&=", "|=", "^=", "->", "<<", ">>", ":=", "+", "-", "*", "/",
                                  "%", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "@", "&",
                                  "|", "^", "~"};

static int lex_op(lexer *L)
{
    char c = *L->p;
    if (c == '(' || c == '[' || c == '{') {
        if (L->depth == (int)sizeof L->parens) return fail(L, "SyntaxError", "too many nested parentheses");
        L->paren_lines[L->depth] = L->line;
        L->parens[L->depth++] = c;
    } else if (c == ')' || c == ']' || c == '}') {
        char want = c == ')' ? '(' : c == ']' ? '[' : '{';
        if (!L->depth) {
            exec_syntax_set(L->syn, "SyntaxError", L->line, "unmatched '%c'", c);
            return -1;
        }
        if (L->parens[L->depth - 1] != want) {
            char close = L->parens[L->depth - 1];
            exec_syntax_set(L->syn, "SyntaxError", L->line,
                            "closing parenthesis '%c' does not match opening parenthesis '%c'", c, close);
            return -1;
        }
        L->depth--;
    }
    for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
        size_t n = strlen(OPS[i]);
        if ((size_t)(L->end - L->p) >= n && !memcmp(L->p, OPS[i], n)) {
            if (!push(L, EXEC_T_OP, L->p, n)) return -1;
            L->p += n;
            return 0;
        }
    }
    /* Like CPython, a stray character is a syntax error only when the parser
     * reaches it: an unterminated string later in the file is reported first. */
    if (!push(L, EXEC_T_OP, L->p, 1)) return -1;
    L->p++;
    return 0;
}

static int lex_token(lexer *L)
{
    char c = *L->p;
    if (isalpha((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80) {
        const char *s = L->p;
        while (L->p < L->end && (isalnum((unsigned char)*L->p) || *L->p == '_' || (unsigned char)*L->p >= 0x80)) L->p++;
        size_t n = (size_t)(L->p - s);
        if (L->p < L->end && (*L->p == '\'' || *L->p == '"') && n <= 2) {
            char prefix = 0;
            int raw = 0, ok = 1;
            for (size_t i = 0; i < n; i++) {
                char p = (char)tolower((unsigned char)s[i]);
                if (p == 'r') raw = 1;
                else if (p == 'f' || p == 'b') prefix = p;
                else if (p != 'u') ok = 0;
            }
            if (ok) return lex_string(L, s, prefix, raw);
        }
        return push(L, EXEC_T_NAME, s, n) ? 0 : -1;
    }
    if (isdigit((unsigned char)c) || (c == '.' && L->p + 1 < L->end && isdigit((unsigned char)L->p[1])))
        return lex_number(L);
    if (c == '\'' || c == '"') return lex_string(L, L->p, 0, 0);
    return lex_op(L);
}

int exec_lex(const char *src, size_t len, pad_arena *arena, exec_token **toks, size_t *ntoks, exec_syntax *syn)
{
    lexer L = {.src = src, .end = src + len, .p = src, .line = 1, .arena = arena, .syn = syn};
    L.indents[0] = 0;
    L.nindent = 1;
    int at_line_start = 1;
    while (L.p < L.end) {
        if (at_line_start && L.depth == 0) {
            int col;
            int blank = line_indent(&L, &col);
            if (blank < 0) return -1;
            if (blank) {
                while (L.p < L.end && *L.p != '\n') L.p++;
                if (L.p < L.end) { L.p++; L.line++; }
                continue;
            }
            if (indent_tokens(&L, col)) return -1;
            at_line_start = 0;
        }
        char c = *L.p;
        if (c == ' ' || c == '\t' || c == '\f' || c == '\r') { L.p++; continue; }
        if (c == '#') { while (L.p < L.end && *L.p != '\n') L.p++; continue; }
        if (c == '\\' && L.p + 1 < L.end && (L.p[1] == '\n' || (L.p[1] == '\r' && L.p + 2 < L.end && L.p[2] == '\n'))) {
            L.p += L.p[1] == '\n' ? 2 : 3;
            L.line++;
            continue;
        }
        if (c == '\n') {
            if (L.depth == 0) {
                if (!push(&L, EXEC_T_NEWLINE, L.p, 0)) return -1;
                at_line_start = 1;
            }
            L.p++;
            L.line++;
            continue;
        }
        if (lex_token(&L)) return -1;
    }
    if (L.depth) {
        L.line = L.paren_lines[L.depth - 1];
        exec_syntax_set(syn, "SyntaxError", L.line, "'%c' was never closed", L.parens[L.depth - 1]);
        return -1;
    }
    if (len && src[len - 1] == '\n') L.line--; /* CPython puts the end on the last line */
    if (L.n && L.toks[L.n - 1].kind != EXEC_T_NEWLINE && L.toks[L.n - 1].kind != EXEC_T_DEDENT &&
        !push(&L, EXEC_T_NEWLINE, L.p, 0))
        return -1;
    while (L.nindent > 1) {
        L.nindent--;
        if (!push(&L, EXEC_T_DEDENT, L.p, 0)) return -1;
    }
    if (!push(&L, EXEC_T_END, L.p, 0)) return -1;
    *toks = L.toks;
    *ntoks = L.n;
    return 0;
}
