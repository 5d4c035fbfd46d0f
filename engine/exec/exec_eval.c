/* pad: evaluation of expressions. */
#include <string.h>

#include "exec/exec_builtins.h"
#include "exec/exec_interp.h"

static const char *const CMP_SYM[] = {"<", "<=", ">", ">="};

static int identical(exec_val a, exec_val b)
{
    if (a.kind != b.kind) return 0;
    switch (a.kind) {
    case EXEC_V_NONE: return 1;
    case EXEC_V_BOOL:
    case EXEC_V_INT:
    case EXEC_V_BUILTIN: return a.u.i == b.u.i;
    case EXEC_V_FLOAT: return a.u.f == b.u.f;
    case EXEC_V_MODULE: return 1;
    default: return a.u.p == b.u.p;
    }
}

static int compare_one(exec_rt *rt, int op, exec_val a, exec_val b, int *res)
{
    switch (op) {
    case EXEC_CMP_EQ: *res = exec_eq(a, b); return 0;
    case EXEC_CMP_NE: *res = !exec_eq(a, b); return 0;
    case EXEC_CMP_IS: *res = identical(a, b); return 0;
    case EXEC_CMP_IS_NOT: *res = !identical(a, b); return 0;
    case EXEC_CMP_IN: return exec_contains(rt, b, a, res);
    case EXEC_CMP_NOT_IN:
        if (exec_contains(rt, b, a, res)) return EXEC_FAIL;
        *res = !*res;
        return 0;
    default: break;
    }
    int c;
    if (exec_compare(rt, CMP_SYM[op], a, b, &c)) return EXEC_FAIL;
    if (c == 2) *res = 0;
    else if (op == EXEC_CMP_LT) *res = c < 0;
    else if (op == EXEC_CMP_LE) *res = c <= 0;
    else if (op == EXEC_CMP_GT) *res = c > 0;
    else *res = c >= 0;
    return 0;
}

static int eval_compare(exec_rt *rt, exec_frame *f, const exec_node *n, exec_val *out)
{
    exec_val a, b;
    if (exec_eval(rt, f, n->kids[0], &a)) return EXEC_FAIL;
    for (int i = 1; i < n->n; i++) {
        int res;
        if (exec_eval(rt, f, n->kids[i], &b)) return EXEC_FAIL;
        rt->cur_line = n->line;
        if (compare_one(rt, n->ops[i - 1], a, b, &res)) return EXEC_FAIL;
        if (!res) {
            *out = exec_bool(0);
            return 0;
        }
        a = b;
    }
    *out = exec_bool(1);
    return 0;
}

static int eval_unary(exec_rt *rt, exec_frame *f, const exec_node *n, exec_val *out)
{
    exec_val v;
    if (exec_eval(rt, f, n->kids[0], &v)) return EXEC_FAIL;
    rt->cur_line = n->line;
    if (n->op == '!') {
        *out = exec_bool(!exec_truthy(v));
        return 0;
    }
    if (v.kind == EXEC_V_FLOAT && n->op != '~') {
        *out = exec_float(n->op == '-' ? -v.u.f : v.u.f);
        return 0;
    }
    if (exec_is_intlike(v)) {
        if (n->op == '-' && v.u.i == INT64_MIN) return exec_limit(rt, EXEC_OVERFLOW, "integer beyond 64 bits");
        *out = exec_int(n->op == '-' ? -v.u.i : n->op == '~' ? ~v.u.i : v.u.i);
        return 0;
    }
    return exec_raise(rt, "TypeError", "bad operand type for unary %c: '%s'", n->op, exec_type_name(v));
}

static int eval_seq(exec_rt *rt, exec_frame *f, const exec_node *n, exec_val *out)
{
    exec_val v;
    if (exec_list_new(rt, n->kind == EXEC_N_LIST ? EXEC_V_LIST : EXEC_V_TUPLE, (size_t)n->n, &v)) return EXEC_FAIL;
    for (int i = 0; i < n->n; i++)
        if (exec_eval(rt, f, n->kids[i], &v.u.l->items[i])) return EXEC_FAIL;
    *out = v;
    return 0;
}

static int eval_dict(exec_rt *rt, exec_frame *f, const exec_node *n, exec_val *out)
{
    exec_val d, k, v;
    if (exec_dict_new(rt, &d)) return EXEC_FAIL;
    for (int i = 0; i < n->n; i += 2) {
        if (exec_eval(rt, f, n->kids[i], &k) || exec_eval(rt, f, n->kids[i + 1], &v)) return EXEC_FAIL;
        rt->cur_line = n->line;
        if (exec_dict_set(rt, d.u.d, k, v)) return EXEC_FAIL;
    }
    *out = d;
    return 0;
}

/* One for-clause of a comprehension and, recursively, the ones after it;
 * the innermost level appends the element. */
static int comp_level(exec_rt *rt, exec_frame *f, const exec_node *n, int level, exec_val acc)
{
    if (level == n->n) {
        exec_val k, v;
        if (exec_eval(rt, f, n->kids[0], &k)) return EXEC_FAIL;
        if (n->op != 'd') return exec_list_push(rt, acc.u.l, k);
        if (exec_eval(rt, f, n->kids[1], &v)) return EXEC_FAIL;
        return exec_dict_set(rt, acc.u.d, k, v);
    }
    const exec_node *c = n->kids[level];
    exec_val seq, x;
    exec_iter it = {0};
    if (exec_eval(rt, f, c->kids[1], &seq) || exec_iter_begin(rt, seq, &it)) return EXEC_FAIL;
    int rc;
    while ((rc = exec_iter_next(rt, &it, &x)) == 1) {
        if (exec_step(rt, c) || exec_assign(rt, f, c->kids[0], x)) return EXEC_FAIL;
        int keep = 1;
        for (int i = 2; i < c->n && keep; i++) {
            exec_val cond;
            if (exec_eval(rt, f, c->kids[i], &cond)) return EXEC_FAIL;
            keep = exec_truthy(cond);
        }
        if (keep && comp_level(rt, f, n, level + 1, acc)) return EXEC_FAIL;
    }
    return rc ? EXEC_FAIL : 0;
}

static int eval_comp(exec_rt *rt, exec_frame *f, const exec_node *n, exec_val *out)
{
    exec_val acc;
    if (n->op == 'd' ? exec_dict_new(rt, &acc) : exec_list_new(rt, EXEC_V_LIST, 0, &acc)) return EXEC_FAIL;
    if (comp_level(rt, f, n, n->op == 'd' ? 2 : 1, acc)) return EXEC_FAIL;
    *out = acc;
    return 0;
}

static int eval_index(exec_rt *rt, exec_frame *f, const exec_node *n, exec_val *out)
{
    exec_val obj, idx;
    if (exec_eval(rt, f, n->kids[0], &obj)) return EXEC_FAIL;
    const exec_node *s = n->kids[1];
    if (s->kind == EXEC_N_SLICE) {
        exec_val part[3];
        for (int i = 0; i < 3; i++) {
            part[i] = exec_none();
            if (s->kids[i] && exec_eval(rt, f, s->kids[i], &part[i])) return EXEC_FAIL;
        }
        rt->cur_line = n->line;
        return exec_slice(rt, obj, part, out);
    }
    if (exec_eval(rt, f, s, &idx)) return EXEC_FAIL;
    rt->cur_line = n->line;
    return exec_index(rt, obj, idx, out);
}

int exec_eval(exec_rt *rt, exec_frame *f, const exec_node *n, exec_val *out)
{
    if (exec_step(rt, n)) return EXEC_FAIL;
    switch (n->kind) {
    case EXEC_N_CONST:
        if (n->op) return exec_limit(rt, EXEC_OVERFLOW, "integer literal beyond 64 bits");
        *out = n->val;
        return 0;
    case EXEC_N_NAME: return exec_load_name(rt, f, n, out);
    case EXEC_N_BINOP: {
        exec_val a, b;
        if (exec_eval(rt, f, n->kids[0], &a) || exec_eval(rt, f, n->kids[1], &b)) return EXEC_FAIL;
        rt->cur_line = n->line;
        return exec_binop(rt, n->op, a, b, out);
    }
    case EXEC_N_UNARY: return eval_unary(rt, f, n, out);
    case EXEC_N_BOOLOP:
        for (int i = 0; i < n->n; i++) {
            if (exec_eval(rt, f, n->kids[i], out)) return EXEC_FAIL;
            int t = exec_truthy(*out);
            if (n->op == 'a' ? !t : t) break;
        }
        return 0;
    case EXEC_N_COMPARE: return eval_compare(rt, f, n, out);
    case EXEC_N_IFEXP: {
        exec_val c;
        if (exec_eval(rt, f, n->kids[0], &c)) return EXEC_FAIL;
        return exec_eval(rt, f, n->kids[exec_truthy(c) ? 1 : 2], out);
    }
    case EXEC_N_CALL: return exec_eval_call(rt, f, n, out);
    case EXEC_N_ATTR: {
        exec_val obj;
        if (exec_eval(rt, f, n->kids[0], &obj)) return EXEC_FAIL;
        rt->cur_line = n->line;
        return exec_get_attr(rt, obj, n->slot, out);
    }
    case EXEC_N_INDEX: return eval_index(rt, f, n, out);
    case EXEC_N_LIST:
    case EXEC_N_TUPLE: return eval_seq(rt, f, n, out);
    case EXEC_N_DICT: return eval_dict(rt, f, n, out);
    case EXEC_N_COMP: return eval_comp(rt, f, n, out);
    default: return exec_limit(rt, EXEC_UNSUPPORTED, "expression kind %d is not supported", n->kind);
    }
}
