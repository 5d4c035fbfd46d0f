/* Error injection: every kind on real programs (the synthetic teacher's and
 * hand-written ones with loops, branches, comprehensions and comments) edits
 * exactly what it should, and the faulty program fails or changes the
 * answer; still-correct edits are discarded; seeds reproduce; kind weights
 * are respected. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data/inject.h"
#include "data/inject_internal.h"
#include "data/synth.h"
#include "data/teacher.h"
#include "exec/exec_builtins.h"

#define MAXP 40

static char *programs[MAXP];
static teacher_gold golds[MAXP];
static int nprograms, nsynth;

static const char *const HAND[] = {
    "def solution():\n"
    "    prices = [3, 5, 8]\n"
    "    total = 0\n"
    "    for p in prices:\n"
    "        if p > 4:\n"
    "            total += p * 2\n"
    "        else:\n"
    "            total -= 1\n"
    "    bonus = total if total > 10 else 0  # a conditional expression\n"
    "    doubled = sum([q * 2 for q in prices])\n"
    "    return total + bonus + doubled\n",
    "import math\n"
    "\n"
    "def solution():\n"
    "    \"\"\"A docstring that mentions 12 apples.\"\"\"\n"
    "    apples = 12\n"
    "    # a comment line between statements: 99\n"
    "    eaten = round(apples / 4, ndigits=0)\n"
    "    left = (apples -\n"
    "            eaten)\n"
    "    area = math.pi * 0.5 ** 2\n"
    "    result = left * 3 - -1 + area // 1\n"
    "    return result\n",
};

static double run_value(const char *program, exec_result *r)
{
    exec_limits lim;
    exec_limits_default(&lim);
    CHECK(exec_run(EXEC_BUILTIN, program, strlen(program), &lim, r, NULL) == PAD_OK);
    return r->outcome == EXEC_OK && r->is_number ? r->number : NAN;
}

/* Correct synthetic programs plus the hand-written ones, with their gold. */
static void load_programs(void)
{
    for (uint64_t i = 0; nsynth < 30 && i < 200; i++) {
        synth_row row;
        if (synth_make_row(11, i, 0, &row, NULL)) continue;
        char *prog = NULL;
        int n = 0;
        if (row.fault == SYNTH_FAULT_NONE &&
            !teacher_extract_program(row.code, strlen(row.code), &prog, &n, NULL) && prog) {
            golds[nprograms] = (teacher_gold){.kind = TEACHER_GOLD_NUMBER, .number = row.answer};
            programs[nprograms++] = prog;
            nsynth++;
        } else {
            free(prog);
        }
        synth_row_free(&row);
    }
    for (size_t h = 0; h < sizeof HAND / sizeof HAND[0]; h++) {
        exec_result r;
        double v = run_value(HAND[h], &r);
        exec_result_free(&r);
        golds[nprograms] = (teacher_gold){.kind = TEACHER_GOLD_NUMBER, .number = v};
        programs[nprograms++] = strdup(HAND[h]);
    }
    CHECK(nsynth == 30);
}

/* Tokens of two programs: 1 when they have the same count and differ in
 * exactly one token, whose index lands in *at. */
typedef struct lexed {
    pad_arena arena;
    exec_token *t;
    size_t n;
} lexed;

static int lex(lexed *l, const char *src)
{
    exec_syntax syn;
    pad_arena_init(&l->arena, 1 << 14);
    return exec_lex(src, strlen(src), &l->arena, &l->t, &l->n, &syn);
}

static int tok_eq(const exec_token *a, const exec_token *b)
{
    return a->kind == b->kind && a->len == b->len && !memcmp(a->text, b->text, a->len);
}

static int one_token_differs(const lexed *a, const lexed *b, size_t *at)
{
    if (a->n != b->n) return 0;
    int diffs = 0;
    for (size_t i = 0; i < a->n; i++)
        if (!tok_eq(&a->t[i], &b->t[i])) {
            diffs++;
            *at = i;
        }
    return diffs == 1;
}

static int parses(const char *src, exec_syntax *syn)
{
    pad_arena a;
    pad_arena_init(&a, 1 << 14);
    exec_program prog;
    int rc = exec_parse(src, strlen(src), 0, &a, &prog, syn);
    pad_arena_free(&a);
    return rc == 0;
}

/* Applies `kind` to every program under a few seeds; calls `check` on each
 * edit found.  Returns how many were found. */
typedef void (*edit_check)(int p, const inject_edit *e);

static int for_each_edit(inject_kind kind, int seeds, edit_check check)
{
    int found_total = 0;
    for (int p = 0; p < nprograms; p++)
        for (int s = 0; s < seeds; s++) {
            pad_rng rng;
            pad_rng_init(&rng, 1000 + (uint64_t)s, (uint64_t)p);
            inject_edit e;
            int found = 0;
            CHECK(inject_apply(programs[p], kind, &rng, &e, &found, NULL) == PAD_OK);
            if (!found) continue;
            found_total++;
            CHECK(strcmp(e.program, programs[p]) != 0);
            check(p, &e);
            inject_edit_free(&e);
        }
    return found_total;
}

/* The faulty program raises, or returns something other than the gold. */
static int changes_answer(int p, const char *faulty)
{
    exec_result r;
    run_value(faulty, &r);
    int same = teacher_answer_matches(&r, &golds[p]);
    exec_result_free(&r);
    return !same;
}

static int changed, edits;

static void note_change(int p, const inject_edit *e)
{
    edits++;
    changed += changes_answer(p, e->program);
}

/* ---- const ---- */

static void check_const(int p, const inject_edit *e)
{
    lexed a, b;
    size_t at = 0;
    CHECK(lex(&a, programs[p]) == 0 && lex(&b, e->program) == 0);
    CHECK_MSG(one_token_differs(&a, &b, &at), "%s", e->detail);
    const exec_token *x = &a.t[at], *y = &b.t[at];
    CHECK(x->kind == EXEC_T_INT || x->kind == EXEC_T_FLOAT);
    CHECK(y->kind == EXEC_T_INT || y->kind == EXEC_T_FLOAT);
    double vx = x->kind == EXEC_T_INT ? (double)x->i : x->f, vy = y->kind == EXEC_T_INT ? (double)y->i : y->f;
    CHECK_MSG(vx != vy, "%s", e->detail);
    CHECK((size_t)(x->text - programs[p]) == e->offset && x->line == e->line);
    note_change(p, e);
    pad_arena_free(&a.arena);
    pad_arena_free(&b.arena);
}

static void test_const(void)
{
    changed = edits = 0;
    CHECK(for_each_edit(INJECT_CONST, 4, check_const) == 4 * nprograms);
    CHECK_MSG(changed >= edits * 9 / 10, "%d of %d", changed, edits);
}

/* ---- op ---- */

static int binop_code(const exec_token *t)
{
    static const char *const ops[] = {"+", "-", "*", "/", "//", "%"};
    static const int codes[] = {EXEC_OP_ADD, EXEC_OP_SUB, EXEC_OP_MUL, EXEC_OP_DIV, EXEC_OP_FLOORDIV, EXEC_OP_MOD};
    for (int k = 0; k < 6; k++) {
        size_t n = strlen(ops[k]);
        if (t->len >= n && t->len <= n + 1 && !memcmp(t->text, ops[k], n) && (t->len == n || t->text[n] == '='))
            return codes[k];
    }
    return -1;
}

/* A BINOP (or augmented assignment) with operator `code` on `line`. */
static int has_op_node(const exec_node *n, int code, int line)
{
    if (!n) return 0;
    if ((n->kind == EXEC_N_BINOP || n->kind == EXEC_S_AUG) && n->op == code && n->line == line) return 1;
    for (int i = 0; i < n->n; i++)
        if (has_op_node(n->kids[i], code, line)) return 1;
    return 0;
}

static void check_op(int p, const inject_edit *e)
{
    lexed a, b;
    size_t at = 0;
    CHECK(lex(&a, programs[p]) == 0 && lex(&b, e->program) == 0);
    CHECK_MSG(one_token_differs(&a, &b, &at), "%s", e->detail);
    int from = binop_code(&a.t[at]), to = binop_code(&b.t[at]);
    CHECK(from >= 0 && to >= 0 && from != to);
    CHECK((size_t)(a.t[at].text - programs[p]) == e->offset);
    /* the new operator is a node of the faulty program's tree, at the edit */
    pad_arena arena;
    pad_arena_init(&arena, 1 << 14);
    exec_program prog;
    exec_syntax syn;
    CHECK(exec_parse(e->program, strlen(e->program), 0, &arena, &prog, &syn) == 0);
    CHECK_MSG(has_op_node(prog.body, to, e->line), "%s on line %d", e->detail, e->line);
    pad_arena_free(&arena);
    note_change(p, e);
    pad_arena_free(&a.arena);
    pad_arena_free(&b.arena);
}

static void test_op(void)
{
    changed = edits = 0;
    CHECK(for_each_edit(INJECT_OP, 4, check_op) == 4 * nprograms);
    CHECK_MSG(changed >= edits * 8 / 10, "%d of %d", changed, edits);
}

/* ---- var, undef ---- */

/* Whether NAME `t` is assigned ("t =" or "t +=") on a line before `line`. */
static int assigned_before(const lexed *l, const exec_token *t, int line)
{
    for (size_t i = 0; i + 1 < l->n && l->t[i].line < line; i++)
        if (tok_eq(&l->t[i], t) && l->t[i + 1].kind == EXEC_T_OP && l->t[i + 1].len >= 1 &&
            l->t[i + 1].text[l->t[i + 1].len - 1] == '=' && !(l->t[i + 1].len == 2 && l->t[i + 1].text[0] == '='))
            return 1;
    return 0;
}

static int name_anywhere(const lexed *l, const exec_token *t)
{
    for (size_t i = 0; i < l->n; i++)
        if (tok_eq(&l->t[i], t)) return 1;
    return 0;
}

static void check_var(int p, const inject_edit *e)
{
    lexed a, b;
    size_t at = 0;
    CHECK(lex(&a, programs[p]) == 0 && lex(&b, e->program) == 0);
    CHECK_MSG(one_token_differs(&a, &b, &at), "%s", e->detail);
    CHECK(a.t[at].kind == EXEC_T_NAME && b.t[at].kind == EXEC_T_NAME);
    CHECK_MSG(assigned_before(&a, &b.t[at], a.t[at].line), "%s", e->detail);
    /* the replaced name was a read: the token after it is no assignment */
    CHECK(!(a.t[at + 1].kind == EXEC_T_OP && a.t[at + 1].len == 1 && a.t[at + 1].text[0] == '='));
    exec_syntax syn;
    CHECK(parses(e->program, &syn));
    note_change(p, e);
    pad_arena_free(&a.arena);
    pad_arena_free(&b.arena);
}

static void test_var(void)
{
    changed = edits = 0;
    CHECK(for_each_edit(INJECT_VAR, 4, check_var) >= 4 * nsynth);
    CHECK_MSG(changed >= edits * 8 / 10, "%d of %d", changed, edits);
}

static void check_undef(int p, const inject_edit *e)
{
    lexed a, b;
    size_t at = 0;
    CHECK(lex(&a, programs[p]) == 0 && lex(&b, e->program) == 0);
    CHECK_MSG(one_token_differs(&a, &b, &at), "%s", e->detail);
    CHECK(b.t[at].kind == EXEC_T_NAME && !name_anywhere(&a, &b.t[at]));
    char name[80];
    snprintf(name, sizeof name, "%.*s", (int)b.t[at].len, b.t[at].text);
    CHECK(exec_builtin_lookup(name) < 0);
    if (p < nsynth) { /* straight-line programs: every line runs */
        exec_result r;
        run_value(e->program, &r);
        char want[128];
        snprintf(want, sizeof want, "name '%s' is not defined", name);
        CHECK_MSG(r.outcome == EXEC_ERROR && !strcmp(r.error_type, "NameError") && !strcmp(r.error_message, want) &&
                      r.line == e->line,
                  "%s: %s %s line %d", e->detail, r.error_type, r.error_message, r.line);
        exec_result_free(&r);
    }
    note_change(p, e);
    pad_arena_free(&a.arena);
    pad_arena_free(&b.arena);
}

static void test_undef(void)
{
    changed = edits = 0;
    CHECK(for_each_edit(INJECT_UNDEF, 4, check_undef) == 4 * nprograms);
    CHECK(changed == edits);
}

/* ---- drop, swap ---- */

/* Splits into lines, blank ones kept (pointers into a copy); returns the count. */
static int split_lines(const char *src, char **copy, char **lines, int cap)
{
    *copy = strdup(src);
    int n = 0;
    for (char *s = *copy; *s && n < cap;) {
        lines[n++] = s;
        char *nl = strchr(s, '\n');
        if (!nl) break;
        *nl = '\0';
        s = nl + 1;
    }
    return n;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void check_drop(int p, const inject_edit *e)
{
    char *ca, *cb, *la[64], *lb[64];
    int na = split_lines(programs[p], &ca, la, 64), nb = split_lines(e->program, &cb, lb, 64);
    CHECK(nb < na);
    /* the faulty lines are the original's without one contiguous run */
    int lo = 0;
    while (lo < nb && !strcmp(la[lo], lb[lo])) lo++;
    int dropped = na - nb;
    for (int i = lo; i < nb; i++) CHECK(!strcmp(la[i + dropped], lb[i]));
    CHECK(lo + 1 == e->line);
    for (int i = lo; i < lo + dropped; i++) CHECK(!strstr(la[i], "return"));
    exec_syntax syn;
    CHECK(parses(e->program, &syn));
    note_change(p, e);
    free(ca);
    free(cb);
}

static void test_drop(void)
{
    changed = edits = 0;
    CHECK(for_each_edit(INJECT_DROP, 4, check_drop) == 4 * nprograms);
    CHECK_MSG(changed >= edits * 8 / 10, "%d of %d", changed, edits);
}

static void check_swap(int p, const inject_edit *e)
{
    char *ca, *cb, *la[64], *lb[64];
    int na = split_lines(programs[p], &ca, la, 64), nb = split_lines(e->program, &cb, lb, 64);
    CHECK(na == nb);
    int i = 0;
    while (i < na && !strcmp(la[i], lb[i])) i++;
    CHECK(i + 1 < na && i + 1 == e->line);
    if (p >= nsynth) { /* statements of several lines: the same lines, in another order */
        qsort(la, (size_t)na, sizeof *la, cmp_str);
        qsort(lb, (size_t)nb, sizeof *lb, cmp_str);
        for (int k = 0; k < na; k++) CHECK(!strcmp(la[k], lb[k]));
    } else if (i + 1 < na) {
        /* single-line statements here: lines i and i+1 traded places */
        CHECK(!strcmp(la[i], lb[i + 1]) && !strcmp(la[i + 1], lb[i]));
        for (int k = i + 2; k < na; k++) CHECK(!strcmp(la[k], lb[k]));
        /* the second reads what the first assigns */
        char var[80];
        CHECK(sscanf(la[i], " %79[A-Za-z0-9_]", var) == 1);
        const char *use = strstr(strchr(la[i + 1], '=') ? strchr(la[i + 1], '=') : la[i + 1], var);
        CHECK_MSG(use != NULL, "%s / %s", la[i], la[i + 1]);
    }
    note_change(p, e);
    free(ca);
    free(cb);
}

static void test_swap(void)
{
    changed = edits = 0;
    CHECK(for_each_edit(INJECT_SWAP, 4, check_swap) >= 4 * nsynth);
    CHECK(changed == edits);
}

/* ---- syntax ---- */

static void check_syntax(int p, const inject_edit *e)
{
    exec_syntax syn;
    CHECK(parses(programs[p], &syn));
    CHECK_MSG(!parses(e->program, &syn) && !syn.unsupported &&
                  (!strcmp(syn.type, "SyntaxError") || !strcmp(syn.type, "IndentationError")),
              "%s: %s", e->detail, syn.type);
    CHECK(strlen(e->program) + 1 == strlen(programs[p]) || strlen(e->program) == strlen(programs[p]) + 2);
    note_change(p, e);
}

static void test_syntax(void)
{
    changed = edits = 0;
    CHECK(for_each_edit(INJECT_SYNTAX, 6, check_syntax) == 6 * nprograms);
    CHECK(changed == edits);
}

/* ---- the analysis matches every name of the hand-written programs ---- */

static void test_names_aligned(void)
{
    for (size_t h = 0; h < sizeof HAND / sizeof HAND[0]; h++) {
        inj_program p;
        CHECK(inj_analyse(&p, HAND[h], strlen(HAND[h])) == 0);
        int ok = 0;
        for (int s = 0; s < p.nstmts; s++) ok += p.stmts[s].names_ok;
        CHECK_MSG(ok == p.nstmts && p.nstmts >= 6, "%d of %d", ok, p.nstmts);
        for (int i = 0; i < p.nnames; i++) {
            const exec_token *t = &p.toks[p.names[i].tok];
            CHECK(t->len == strlen(p.names[i].node->name) && !memcmp(t->text, p.names[i].node->name, t->len));
        }
        inj_program_free(&p);
    }
    inj_program bad;
    CHECK(inj_analyse(&bad, "def solution(:\n    return 1\n", 28) == -1);
    inj_program_free(&bad);
}

/* ---- the driver: discard, no site, seeds, weights ---- */

static void test_still_correct_discarded(void)
{
    /* the only constant is never used: every const edit keeps the answer */
    const char *prog = "def solution():\n    unused = 12\n    word = 'abcd'\n    return len(word)\n";
    teacher_gold g = {.kind = TEACHER_GOLD_NUMBER, .number = 4};
    inject_options o;
    inject_options_default(&o);
    CHECK(inject_parse_weights("const=1", &o, NULL) == PAD_OK);
    o.per_program = 3;
    inject_report rep = {0};
    inject_fault *f;
    int n = -1;
    CHECK(inject_program(prog, &g, &o, 0, &f, &n, &rep, NULL) == PAD_OK);
    CHECK(n == 0);
    CHECK(rep.kinds[INJECT_CONST].attempted == 12 && rep.kinds[INJECT_CONST].still_correct == 12);
    inject_faults_free(f, n);
    /* no site: no numeric literal at all */
    const char *none = "def solution():\n    word = 'abcd'\n    return len(word)\n";
    memset(&rep, 0, sizeof rep);
    CHECK(inject_program(none, &g, &o, 0, &f, &n, &rep, NULL) == PAD_OK);
    CHECK(n == 0 && rep.kinds[INJECT_CONST].no_site == 12);
    inject_faults_free(f, n);
}

static void test_faults_fail_with_feedback(void)
{
    inject_options o;
    inject_options_default(&o);
    o.per_program = 4;
    o.seed = 5;
    inject_report rep = {0};
    int total = 0;
    for (int p = 0; p < nprograms; p++) {
        inject_fault *f;
        int n;
        CHECK(inject_program(programs[p], &golds[p], &o, (uint64_t)p, &f, &n, &rep, NULL) == PAD_OK);
        CHECK(n == 4);
        for (int k = 0; k < n; k++) {
            CHECK(changes_answer(p, f[k].edit.program));
            const char *fb = f[k].feedback;
            CHECK_MSG(!strncmp(fb, "wrong answer: the program returned ", 35) || strstr(fb, "Error: "), "%s", fb);
            if (f[k].kind == INJECT_SYNTAX) CHECK(!strncmp(fb, "SyntaxError: ", 13) || !strncmp(fb, "IndentationError", 16));
            if (f[k].kind == INJECT_UNDEF && p < nsynth) CHECK(!strncmp(fb, "NameError: name '", 17));
            for (int j = 0; j < k; j++) CHECK(strcmp(f[j].edit.program, f[k].edit.program));
        }
        total += n;
        inject_faults_free(f, n);
    }
    long injected = 0, attempted = 0;
    for (int k = 0; k < INJECT_KIND_COUNT; k++) {
        const inject_kind_counts *c = &rep.kinds[k];
        injected += c->injected;
        attempted += c->attempted;
        CHECK(c->attempted == c->injected + c->still_correct + c->no_site + c->duplicate);
        CHECK(c->injected > 0);
    }
    CHECK(injected == total && attempted >= total);
}

static void test_seeded(void)
{
    inject_options o;
    inject_options_default(&o);
    o.per_program = 3;
    int differ = 0;
    for (int p = 0; p < nprograms; p++) {
        inject_fault *f1, *f2, *f3;
        int n1, n2, n3;
        inject_report r = {0};
        o.seed = 42;
        CHECK(inject_program(programs[p], &golds[p], &o, (uint64_t)p, &f1, &n1, &r, NULL) == PAD_OK);
        CHECK(inject_program(programs[p], &golds[p], &o, (uint64_t)p, &f2, &n2, &r, NULL) == PAD_OK);
        o.seed = 43;
        CHECK(inject_program(programs[p], &golds[p], &o, (uint64_t)p, &f3, &n3, &r, NULL) == PAD_OK);
        CHECK(n1 == n2);
        for (int k = 0; k < n1 && k < n2; k++) {
            CHECK(f1[k].kind == f2[k].kind && !strcmp(f1[k].edit.program, f2[k].edit.program));
            CHECK(!strcmp(f1[k].feedback, f2[k].feedback));
        }
        differ += n1 != n3 || (n1 > 0 && strcmp(f1[0].edit.program, f3[0].edit.program));
        inject_faults_free(f1, n1);
        inject_faults_free(f2, n2);
        inject_faults_free(f3, n3);
    }
    CHECK(differ > nprograms / 2);
}

static void test_weights(void)
{
    inject_options o;
    inject_options_default(&o);
    CHECK(inject_parse_weights("const=3,op=1,swap=0", &o, NULL) == PAD_OK);
    o.per_program = 10;
    o.max_attempts = 20;
    o.seed = 9;
    inject_report rep = {0};
    for (int p = 0; p < nprograms; p++) {
        inject_fault *f;
        int n;
        CHECK(inject_program(programs[p], &golds[p], &o, (uint64_t)p, &f, &n, &rep, NULL) == PAD_OK);
        inject_faults_free(f, n);
    }
    long c = rep.kinds[INJECT_CONST].attempted, op = rep.kinds[INJECT_OP].attempted;
    for (int k = 0; k < INJECT_KIND_COUNT; k++)
        if (k != INJECT_CONST && k != INJECT_OP) CHECK(rep.kinds[k].attempted == 0);
    double ratio = (double)c / (double)(op ? op : 1);
    CHECK_MSG(c + op >= 300 && ratio > 2.3 && ratio < 3.9, "const %ld op %ld", c, op);

    pad_error err;
    CHECK(inject_parse_weights("const=1,bogus=2", &o, &err) == PAD_ERR_INVALID && strstr(err.message, "bogus"));
    CHECK(inject_parse_weights("op=-1", &o, &err) == PAD_ERR_INVALID);
    CHECK(inject_parse_weights("op=0,const=0", &o, &err) == PAD_ERR_INVALID);
    CHECK(inject_parse_weights("op=x", &o, &err) == PAD_ERR_INVALID);
    CHECK(inject_parse_weights("drop", &o, NULL) == PAD_OK && o.weights[INJECT_DROP] == 1 && o.weights[INJECT_OP] == 0);
    for (int k = 0; k < INJECT_KIND_COUNT; k++) CHECK(inject_kind_parse(inject_kind_name((inject_kind)k)) == k);
}

int main(void)
{
    load_programs();
    RUN(test_names_aligned);
    RUN(test_const);
    RUN(test_op);
    RUN(test_var);
    RUN(test_undef);
    RUN(test_drop);
    RUN(test_swap);
    RUN(test_syntax);
    RUN(test_still_correct_discarded);
    RUN(test_faults_fail_with_feedback);
    RUN(test_seeded);
    RUN(test_weights);
    for (int p = 0; p < nprograms; p++) free(programs[p]);
    return check_finish();
}
