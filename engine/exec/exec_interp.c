/* pad: the tree-walking evaluator of the built-in interpreter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec_builtins.h"
#include "exec/exec_interp.h"

typedef enum flow { FLOW_NORMAL, FLOW_BREAK, FLOW_CONTINUE, FLOW_RETURN, FLOW_ERROR } flow;

typedef exec_frame frame;
#define eval exec_eval

static flow run_block(exec_rt *rt, frame *f, const exec_node *b);

int exec_load_name(exec_rt *rt, frame *f, const exec_node *n, exec_val *out)
{
    if (n->op == EXEC_SCOPE_LOCAL) {
        *out = f->slots[n->slot];
        if (out->kind != EXEC_V_UNSET) return 0;
        return exec_raise(rt, "UnboundLocalError", "cannot access local variable '%s' where it is not associated with a value",
                          n->name);
    }
    *out = rt->globals[n->slot];
    if (out->kind != EXEC_V_UNSET) return 0;
    if (n->aux >= 0) {
        out->kind = EXEC_V_BUILTIN;
        out->u.i = n->aux;
        return 0;
    }
    return exec_raise(rt, "NameError", "name '%s' is not defined", n->name);
}

static exec_val *name_slot(exec_rt *rt, frame *f, const exec_node *n)
{
    return n->op == EXEC_SCOPE_LOCAL ? &f->slots[n->slot] : &rt->globals[n->slot];
}

static int unpack(exec_rt *rt, frame *f, const exec_node *t, exec_val v);

static int set_item(exec_rt *rt, exec_val obj, exec_val idx, exec_val v)
{
    if (obj.kind == EXEC_V_DICT) return exec_dict_set(rt, obj.u.d, idx, v);
    if (obj.kind != EXEC_V_LIST)
        return exec_raise(rt, "TypeError", "'%s' object does not support item assignment", exec_type_name(obj));
    if (!exec_is_intlike(idx))
        return exec_raise(rt, "TypeError", "list indices must be integers or slices, not %s", exec_type_name(idx));
    int64_t n = (int64_t)obj.u.l->len, i = idx.u.i < 0 ? idx.u.i + n : idx.u.i;
    if (i < 0 || i >= n) return exec_raise(rt, "IndexError", "list assignment index out of range");
    obj.u.l->items[i] = v;
    return 0;
}

int exec_assign(exec_rt *rt, frame *f, const exec_node *t, exec_val v)
{
    switch (t->kind) {
    case EXEC_N_NAME: *name_slot(rt, f, t) = v; return 0;
    case EXEC_N_TUPLE:
    case EXEC_N_LIST: return unpack(rt, f, t, v);
    case EXEC_N_INDEX: {
        exec_val obj, idx;
        if (eval(rt, f, t->kids[0], &obj)) return EXEC_FAIL;
        if (t->kids[1]->kind == EXEC_N_SLICE)
            return exec_limit(rt, EXEC_UNSUPPORTED, "slice assignment is not supported");
        if (eval(rt, f, t->kids[1], &idx)) return EXEC_FAIL;
        rt->cur_line = t->line;
        return set_item(rt, obj, idx, v);
    }
    default: {
        exec_val obj;
        if (eval(rt, f, t->kids[0], &obj)) return EXEC_FAIL;
        return exec_raise(rt, "AttributeError", "'%s' object attribute '%s' is read-only", exec_type_name(obj), t->name);
    }
    }
}

static int unpack(exec_rt *rt, frame *f, const exec_node *t, exec_val v)
{
    if (v.kind != EXEC_V_LIST && v.kind != EXEC_V_TUPLE && v.kind != EXEC_V_STR && v.kind != EXEC_V_DICT &&
        v.kind != EXEC_V_RANGE)
        return exec_raise(rt, "TypeError", "cannot unpack non-iterable %s object", exec_type_name(v));
    exec_list *items;
    if (exec_iter_items(rt, v, &items)) return EXEC_FAIL;
    if (items->len > (size_t)t->n) return exec_raise(rt, "ValueError", "too many values to unpack (expected %d)", t->n);
    if (items->len < (size_t)t->n)
        return exec_raise(rt, "ValueError", "not enough values to unpack (expected %d, got %zu)", t->n, items->len);
    /* Copy first: `a, b = b, a` reads before it writes, and items may alias a target. */
    exec_val tmp[16], *vals = tmp;
    if (items->len > 16 && !(vals = exec_alloc(rt, items->len * sizeof *vals))) return EXEC_FAIL;
    memcpy(vals, items->items, items->len * sizeof *vals);
    for (int i = 0; i < t->n; i++)
        if (exec_assign(rt, f, t->kids[i], vals[i])) return EXEC_FAIL;
    return 0;
}

static int del_target(exec_rt *rt, frame *f, const exec_node *t)
{
    if (t->kind == EXEC_N_TUPLE || t->kind == EXEC_N_LIST) {
        for (int i = 0; i < t->n; i++)
            if (del_target(rt, f, t->kids[i])) return EXEC_FAIL;
        return 0;
    }
    if (t->kind == EXEC_N_NAME) {
        exec_val v;
        if (exec_load_name(rt, f, t, &v)) return EXEC_FAIL;
        name_slot(rt, f, t)->kind = EXEC_V_UNSET;
        return 0;
    }
    exec_val obj, idx;
    if (t->kind != EXEC_N_INDEX || t->kids[1]->kind == EXEC_N_SLICE)
        return exec_limit(rt, EXEC_UNSUPPORTED, "this del target is not supported");
    if (eval(rt, f, t->kids[0], &obj) || eval(rt, f, t->kids[1], &idx)) return EXEC_FAIL;
    rt->cur_line = t->line;
    if (obj.kind == EXEC_V_DICT) {
        int found;
        if (exec_dict_del(rt, obj.u.d, idx, &found)) return EXEC_FAIL;
        if (found) return 0;
        exec_val r;
        if (exec_repr(rt, idx, &r)) return EXEC_FAIL;
        return exec_raise(rt, "KeyError", "%s", r.u.s->data);
    }
    if (obj.kind != EXEC_V_LIST)
        return exec_raise(rt, "TypeError", "'%s' object doesn't support item deletion", exec_type_name(obj));
    if (!exec_is_intlike(idx))
        return exec_raise(rt, "TypeError", "list indices must be integers or slices, not %s", exec_type_name(idx));
    exec_list *l = obj.u.l;
    int64_t i = idx.u.i < 0 ? idx.u.i + (int64_t)l->len : idx.u.i;
    if (i < 0 || i >= (int64_t)l->len) return exec_raise(rt, "IndexError", "list assignment index out of range");
    memmove(l->items + i, l->items + i + 1, (l->len - (size_t)i - 1) * sizeof *l->items);
    l->len--;
    return exec_charge(rt, l->len / 16);
}

/* ---- calls ---- */

static int arg_error(exec_rt *rt, const exec_node *def, int given)
{
    int required = 0;
    for (int i = 0; i < def->nparams; i++) required += def->kids[2 + i] == NULL;
    const char *s = def->nparams == 1 ? "" : "s";
    if (required == def->nparams)
        return exec_raise(rt, "TypeError", "%s() takes %d positional argument%s but %d %s given", def->name,
                          def->nparams, s, given, given == 1 ? "was" : "were");
    return exec_raise(rt, "TypeError", "%s() takes from %d to %d positional arguments but %d %s given", def->name,
                      required, def->nparams, given, given == 1 ? "was" : "were");
}

static int missing_error(exec_rt *rt, const exec_node *def, const exec_val *slots)
{
    char names[200] = "";
    int k = 0, total = 0;
    for (int i = 0; i < def->nparams; i++) total += slots[i].kind == EXEC_V_UNSET;
    for (int i = 0; i < def->nparams; i++) {
        if (slots[i].kind != EXEC_V_UNSET) continue;
        size_t len = strlen(names);
        const char *sep = k == 0 ? "" : k == total - 1 ? (total == 2 ? " and " : ", and ") : ", ";
        snprintf(names + len, sizeof names - len, "%s'%s'", sep, def->names[i]);
        k++;
    }
    return exec_raise(rt, "TypeError", "%s() missing %d required positional argument%s: %s", def->name, total,
                      total == 1 ? "" : "s", names);
}

static int bind_args(exec_rt *rt, const exec_func *fn, exec_val *slots, exec_val *args, int nargs,
                     const exec_kwargs *kw)
{
    const exec_node *def = fn->def;
    if (nargs > def->nparams) return arg_error(rt, def, nargs);
    if (nargs) memcpy(slots, args, (size_t)nargs * sizeof *slots);
    for (int k = 0; kw && k < kw->n; k++) {
        int i = 0;
        while (i < def->nparams && strcmp(def->names[i], kw->names[k])) i++;
        if (i == def->nparams)
            return exec_raise(rt, "TypeError", "%s() got an unexpected keyword argument '%s'", def->name, kw->names[k]);
        if (slots[i].kind != EXEC_V_UNSET)
            return exec_raise(rt, "TypeError", "%s() got multiple values for argument '%s'", def->name, kw->names[k]);
        slots[i] = kw->vals[k];
    }
    for (int i = 0; i < def->nparams; i++)
        if (slots[i].kind == EXEC_V_UNSET && fn->defaults) slots[i] = fn->defaults[i];
    for (int i = 0; i < def->nparams; i++)
        if (slots[i].kind == EXEC_V_UNSET) return missing_error(rt, def, slots);
    return 0;
}

static int call_func(exec_rt *rt, const exec_func *fn, exec_val *args, int nargs, const exec_kwargs *kw, exec_val *out)
{
    const exec_node *def = fn->def;
    if (rt->depth >= rt->lim->max_depth)
        return exec_limit(rt, EXEC_RECURSION_LIMIT, "call depth beyond %d", rt->lim->max_depth);
    if (rt->stack_top + (size_t)def->nslots > rt->stack_cap)
        return exec_limit(rt, EXEC_RECURSION_LIMIT, "call stack exhausted");
    frame f = {.slots = rt->stack + rt->stack_top, .ret = exec_none()};
    memset(f.slots, 0, (size_t)def->nslots * sizeof *f.slots);
    if (bind_args(rt, fn, f.slots, args, nargs, kw)) return EXEC_FAIL;
    rt->stack_top += (size_t)def->nslots;
    rt->depth++;
    flow fl = run_block(rt, &f, def->kids[1]);
    rt->depth--;
    rt->stack_top -= (size_t)def->nslots;
    if (fl == FLOW_ERROR) return EXEC_FAIL;
    *out = f.ret;
    return 0;
}

int exec_call_value(exec_rt *rt, exec_val fv, exec_val *args, int nargs, const exec_kwargs *kw, exec_val *out)
{
    switch (fv.kind) {
    case EXEC_V_FUNC: return call_func(rt, fv.u.fn, args, nargs, kw, out);
    case EXEC_V_BUILTIN: return exec_call_builtin(rt, (int)fv.u.i, args, nargs, kw, out);
    case EXEC_V_METHOD: return exec_call_method(rt, fv.u.m->self, fv.u.m->id, args, nargs, kw, out);
    default: return exec_raise(rt, "TypeError", "'%s' object is not callable", exec_type_name(fv));
    }
}

int exec_eval_call(exec_rt *rt, frame *f, const exec_node *n, exec_val *out)
{
    const exec_node *fn_node = n->kids[0];
    exec_val self = {0}, fv = {0};
    int method = fn_node->kind == EXEC_N_ATTR;
    if (method ? eval(rt, f, fn_node->kids[0], &self) : eval(rt, f, fn_node, &fv)) return EXEC_FAIL;
    int total = n->n - 1;
    exec_val buf[8], *args = buf;
    if (total > 8 && !(args = exec_alloc(rt, (size_t)total * sizeof *args))) return EXEC_FAIL;
    for (int i = 0; i < total; i++)
        if (eval(rt, f, n->kids[1 + i], &args[i])) return EXEC_FAIL;
    exec_kwargs kw = {total - n->aux, n->names, args + n->aux};
    rt->cur_line = n->line;
    if (method) {
        if (self.kind == EXEC_V_MODULE) {
            if (exec_get_attr(rt, self, fn_node->slot, &fv)) return EXEC_FAIL;
            return exec_call_value(rt, fv, args, n->aux, &kw, out);
        }
        return exec_call_method(rt, self, fn_node->slot, args, n->aux, &kw, out);
    }
    return exec_call_value(rt, fv, args, n->aux, &kw, out);
}


/* ---- statements ---- */

/* x op= v: lists extend in place, as Python's list.__iadd__ does. */
static int aug_value(exec_rt *rt, int op, exec_val cur, exec_val v, exec_val *out)
{
    if (op == EXEC_OP_ADD && cur.kind == EXEC_V_LIST) {
        exec_list *items;
        if (exec_iter_items(rt, v, &items)) return EXEC_FAIL;
        size_t n = items->len;
        if (exec_charge(rt, n / 16)) return EXEC_FAIL;
        for (size_t i = 0; i < n; i++)
            if (exec_list_push(rt, cur.u.l, items->items[i])) return EXEC_FAIL;
        *out = cur;
        return 0;
    }
    return exec_binop(rt, op, cur, v, out);
}

static int run_aug(exec_rt *rt, frame *f, const exec_node *n)
{
    const exec_node *t = n->kids[0];
    exec_val cur, v, r, obj, idx;
    if (t->kind == EXEC_N_NAME) {
        if (exec_load_name(rt, f, t, &cur) || eval(rt, f, n->kids[1], &v)) return EXEC_FAIL;
        rt->cur_line = n->line;
        if (aug_value(rt, n->op, cur, v, &r)) return EXEC_FAIL;
        *name_slot(rt, f, t) = r;
        return 0;
    }
    if (t->kind != EXEC_N_INDEX || t->kids[1]->kind == EXEC_N_SLICE)
        return exec_limit(rt, EXEC_UNSUPPORTED, "this augmented assignment target is not supported");
    if (eval(rt, f, t->kids[0], &obj) || eval(rt, f, t->kids[1], &idx)) return EXEC_FAIL;
    rt->cur_line = n->line;
    if (exec_index(rt, obj, idx, &cur) || eval(rt, f, n->kids[1], &v)) return EXEC_FAIL;
    rt->cur_line = n->line;
    if (aug_value(rt, n->op, cur, v, &r)) return EXEC_FAIL;
    return set_item(rt, obj, idx, r);
}

static flow loop_body(exec_rt *rt, frame *f, const exec_node *body, int *stop)
{
    flow fl = run_block(rt, f, body);
    *stop = fl == FLOW_BREAK || fl == FLOW_RETURN || fl == FLOW_ERROR;
    return fl == FLOW_BREAK ? FLOW_NORMAL : fl == FLOW_CONTINUE ? FLOW_NORMAL : fl;
}

static flow run_while(exec_rt *rt, frame *f, const exec_node *n)
{
    for (;;) {
        exec_val c;
        if (exec_step(rt, n) || eval(rt, f, n->kids[0], &c)) return FLOW_ERROR;
        if (!exec_truthy(c)) break;
        int stop;
        flow fl = loop_body(rt, f, n->kids[1], &stop);
        if (stop) return fl;
    }
    return n->kids[2] ? run_block(rt, f, n->kids[2]) : FLOW_NORMAL;
}

static flow run_for(exec_rt *rt, frame *f, const exec_node *n)
{
    exec_val seq, x;
    exec_iter it = {0};
    if (eval(rt, f, n->kids[1], &seq) || exec_iter_begin(rt, seq, &it)) return FLOW_ERROR;
    int rc;
    while ((rc = exec_iter_next(rt, &it, &x)) == 1) {
        if (exec_step(rt, n) || exec_assign(rt, f, n->kids[0], x)) return FLOW_ERROR;
        int stop;
        flow fl = loop_body(rt, f, n->kids[2], &stop);
        if (stop) return fl;
    }
    if (rc) return FLOW_ERROR;
    return n->kids[3] ? run_block(rt, f, n->kids[3]) : FLOW_NORMAL;
}

static int run_def(exec_rt *rt, frame *f, const exec_node *n)
{
    exec_func *fn = exec_alloc(rt, sizeof *fn);
    if (!fn) return EXEC_FAIL;
    fn->def = n;
    fn->defaults = NULL;
    for (int i = 0; i < n->nparams; i++) {
        if (!n->kids[2 + i]) continue;
        if (!fn->defaults) {
            if (!(fn->defaults = exec_alloc(rt, (size_t)n->nparams * sizeof *fn->defaults))) return EXEC_FAIL;
            memset(fn->defaults, 0, (size_t)n->nparams * sizeof *fn->defaults);
        }
        if (eval(rt, f, n->kids[2 + i], &fn->defaults[i])) return EXEC_FAIL;
    }
    exec_val v = {.kind = EXEC_V_FUNC, .u.fn = fn};
    return exec_assign(rt, f, n->kids[0], v);
}

static int run_import(exec_rt *rt, frame *f, const exec_node *n)
{
    exec_val math = {.kind = EXEC_V_MODULE};
    for (int i = 0; i < n->n; i++) {
        exec_val v = math;
        if (n->aux_ids[i] >= 0 && exec_get_attr(rt, math, n->aux_ids[i], &v)) return EXEC_FAIL;
        if (exec_assign(rt, f, n->kids[i], v)) return EXEC_FAIL;
    }
    return 0;
}

static int run_assert(exec_rt *rt, frame *f, const exec_node *n)
{
    exec_val c, m;
    if (eval(rt, f, n->kids[0], &c)) return EXEC_FAIL;
    if (exec_truthy(c)) return 0;
    if (!n->kids[1]) return exec_raise(rt, "AssertionError", "%s", "");
    if (eval(rt, f, n->kids[1], &m) || exec_to_str(rt, m, &m)) return EXEC_FAIL;
    rt->cur_line = n->line;
    return exec_raise(rt, "AssertionError", "%s", m.u.s->data);
}

static flow run_stmt(exec_rt *rt, frame *f, const exec_node *n)
{
    if (exec_step(rt, n)) return FLOW_ERROR;
    exec_val v;
    int rc = 0;
    switch (n->kind) {
    case EXEC_S_EXPR: rc = eval(rt, f, n->kids[0], &v); break;
    case EXEC_S_ASSIGN:
        rc = eval(rt, f, n->kids[n->n - 1], &v);
        for (int i = 0; !rc && i < n->n - 1; i++) rc = exec_assign(rt, f, n->kids[i], v);
        break;
    case EXEC_S_AUG: rc = run_aug(rt, f, n); break;
    case EXEC_S_IF:
        if (eval(rt, f, n->kids[0], &v)) return FLOW_ERROR;
        if (exec_truthy(v)) return run_block(rt, f, n->kids[1]);
        return n->kids[2] ? run_block(rt, f, n->kids[2]) : FLOW_NORMAL;
    case EXEC_S_WHILE: return run_while(rt, f, n);
    case EXEC_S_FOR: return run_for(rt, f, n);
    case EXEC_S_BREAK: return FLOW_BREAK;
    case EXEC_S_CONTINUE: return FLOW_CONTINUE;
    case EXEC_S_RETURN:
        f->ret = exec_none();
        if (n->n && eval(rt, f, n->kids[0], &f->ret)) return FLOW_ERROR;
        return FLOW_RETURN;
    case EXEC_S_PASS: break;
    case EXEC_S_DEF: rc = run_def(rt, f, n); break;
    case EXEC_S_IMPORT: rc = run_import(rt, f, n); break;
    case EXEC_S_DEL: rc = del_target(rt, f, n->kids[0]); break;
    case EXEC_S_ASSERT: rc = run_assert(rt, f, n); break;
    case EXEC_S_BLOCK: return run_block(rt, f, n);
    default: rc = exec_limit(rt, EXEC_UNSUPPORTED, "statement kind %d", n->kind); break;
    }
    return rc ? FLOW_ERROR : FLOW_NORMAL;
}

static flow run_block(exec_rt *rt, frame *f, const exec_node *b)
{
    for (int i = 0; i < b->n; i++) {
        flow fl = run_stmt(rt, f, b->kids[i]);
        if (fl != FLOW_NORMAL) return fl;
    }
    return FLOW_NORMAL;
}

/* ---- the entry point ---- */

static char *dup_val(exec_val s)
{
    char *p = malloc(s.u.s->len + 1);
    if (p) memcpy(p, s.u.s->data, s.u.s->len + 1);
    return p;
}

static pad_status finish_ok(exec_rt *rt, exec_val v, exec_result *out, pad_error *err)
{
    exec_val r, s;
    if (exec_repr(rt, v, &r) || exec_to_str(rt, v, &s)) return PAD_OK; /* a limit: reported by the caller */
    out->value_repr = dup_val(r);
    out->value_str = dup_val(s);
    if (!out->value_repr || !out->value_str) {
        exec_result_free(out);
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for the program's result");
    }
    out->outcome = EXEC_OK;
    if (exec_is_num(v)) {
        out->is_number = 1;
        out->number = v.kind == EXEC_V_FLOAT ? v.u.f : (double)v.u.i;
    }
    return PAD_OK;
}

static void report(const exec_rt *rt, exec_result *out)
{
    out->outcome = rt->outcome;
    snprintf(out->error_type, sizeof out->error_type, "%s", rt->etype);
    snprintf(out->error_message, sizeof out->error_message, "%s", rt->emsg);
    out->line = rt->eline;
}

static void report_syntax(const exec_syntax *syn, exec_result *out)
{
    out->outcome = syn->unsupported ? EXEC_UNSUPPORTED : EXEC_ERROR;
    snprintf(out->error_type, sizeof out->error_type, "%s", syn->type);
    snprintf(out->error_message, sizeof out->error_message, "%s", syn->msg);
    out->line = syn->line;
}

static pad_status run_program(exec_rt *rt, const exec_program *prog, int prefix, exec_result *out, pad_error *err)
{
    size_t frames = (size_t)rt->lim->max_depth + 1, width = (size_t)prog->max_frame;
    size_t cap = (size_t)prog->module_slots + frames * width + 1;
    if (width && frames > (SIZE_MAX / 2) / width) cap = SIZE_MAX / 2 / sizeof(exec_val);
    if (cap > ((size_t)64 << 20) / sizeof(exec_val)) cap = ((size_t)64 << 20) / sizeof(exec_val);
    rt->globals = pad_arena_calloc(rt->arena, (size_t)prog->nglobals + 1, sizeof *rt->globals);
    rt->stack = pad_arena_calloc(rt->arena, cap, sizeof *rt->stack);
    if (!rt->globals || !rt->stack) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for a program's frames");
    rt->stack_cap = cap;
    rt->stack_top = (size_t)prog->module_slots;
    frame module = {.slots = rt->stack, .ret = exec_none()};
    if (run_block(rt, &module, prog->body) == FLOW_ERROR) {
        report(rt, out);
        return PAD_OK;
    }
    exec_val sol = prog->solution_slot >= 0 ? rt->globals[prog->solution_slot] : (exec_val){0};
    if (sol.kind == EXEC_V_UNSET) {
        out->outcome = prefix ? EXEC_OK : EXEC_NO_PROGRAM;
        if (!prefix) snprintf(out->error_message, sizeof out->error_message, "no solution() function");
        return PAD_OK;
    }
    exec_val v;
    rt->cur_line = 0;
    if (exec_call_value(rt, sol, NULL, 0, NULL, &v)) {
        report(rt, out);
        return PAD_OK;
    }
    pad_status st = finish_ok(rt, v, out, err);
    if (st == PAD_OK && out->outcome != EXEC_OK) report(rt, out);
    return st;
}

pad_status exec_builtin_run(const char *source, size_t len, const exec_limits *lim, int prefix, exec_result *out,
                            pad_error *err)
{
    exec_limits def;
    if (!lim) {
        exec_limits_default(&def);
        lim = &def;
    }
    pad_arena arena;
    pad_arena_init(&arena, 64 * 1024);
    exec_program prog;
    exec_syntax syn;
    pad_status st = PAD_OK;
    if (exec_parse(source, len, prefix, &arena, &prog, &syn)) {
        if (!syn.unsupported && !strcmp(syn.type, "MemoryError"))
            st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory while parsing a program");
        else report_syntax(&syn, out);
    } else {
        exec_rt rt = {.arena = &arena, .lim = lim};
        st = run_program(&rt, &prog, prefix, out, err);
        out->steps = rt.steps;
    }
    pad_arena_free(&arena);
    return st;
}
