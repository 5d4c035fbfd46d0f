/* pad: name resolution, done once the whole program is parsed because a
 * name assigned anywhere in a function is local to all of it (Python's
 * rule, which makes reading it before the assignment an UnboundLocalError). */
#include <string.h>

#include "exec/exec_builtins.h"
#include "exec/exec_parse_internal.h"

/* Names a program must not reach: they touch the outside world or the
 * interpreter itself. */
static const char *const FORBIDDEN[] = {"open", "exec", "eval", "compile", "globals", "locals", "vars", "getattr",
                                        "setattr", "delattr", "hasattr", "input", "breakpoint", "exit", "quit",
                                        "help", "dir", "memoryview", "copyright", "credits", "license", "super",
                                        "object", "type", "classmethod", "staticmethod", "property", "id"};

static int nomem(exec_parser *P)
{
    exec_syntax_set(P->syn, "MemoryError", 0, "out of memory");
    return -1;
}

exec_scope *exec_scope_new(exec_parser *P, int kind)
{
    exec_scope *s = pad_arena_calloc(P->arena, 1, sizeof *s);
    if (!s) return nomem(P), NULL;
    s->kind = kind;
    s->parent = P->scope;
    s->frame = kind == EXEC_SC_COMP ? P->scope->frame : s;
    s->next = P->scopes;
    P->scopes = s;
    return s;
}

static int grow(exec_parser *P, void **v, int n, int *cap, size_t elem)
{
    if (n < *cap) return 0;
    int c = *cap ? *cap * 2 : 8;
    void *nv = pad_arena_alloc(P->arena, (size_t)c * elem);
    if (!nv) return nomem(P);
    if (n) memcpy(nv, *v, (size_t)n * elem);
    *v = nv;
    *cap = c;
    return 0;
}

static int find(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return i;
    return -1;
}

int exec_scope_bind(exec_parser *P, exec_scope *s, const char *name)
{
    if (find(s->globals, s->nglobals, name) >= 0 || find(s->locals, s->nlocals, name) >= 0) return 0;
    int cap_slots = s->cap_locals;
    if (grow(P, (void **)&s->locals, s->nlocals, &s->cap_locals, sizeof *s->locals)) return -1;
    if (grow(P, (void **)&s->slots, s->nlocals, &cap_slots, sizeof *s->slots)) return -1;
    s->locals[s->nlocals] = name;
    s->slots[s->nlocals++] = s->frame->nslots++;
    return 0;
}

int exec_scope_declare_global(exec_parser *P, const char *name)
{
    exec_scope *s = P->scope;
    if (s->kind == EXEC_SC_MODULE) return 0;
    if (find(s->locals, s->nlocals, name) >= 0) {
        exec_syntax_set(P->syn, "SyntaxError", P->t->line, "name '%s' is assigned to before global declaration", name);
        return -1;
    }
    if (grow(P, (void **)&s->globals, s->nglobals, &s->cap_globals, sizeof *s->globals)) return -1;
    s->globals[s->nglobals++] = name;
    return 0;
}

int exec_ref_add(exec_parser *P, exec_node *name)
{
    exec_ref *r = pad_arena_alloc(P->arena, sizeof *r);
    if (!r) return nomem(P);
    r->node = name;
    r->scope = P->scope;
    r->next = P->refs;
    P->refs = r;
    return 0;
}

static int global_slot(exec_parser *P, const char *name)
{
    exec_program *g = P->prog;
    int i = find(g->global_names, g->nglobals, name);
    if (i >= 0) return i;
    /* Programs have a handful of globals: a fresh array per new name is fine. */
    const char **names = pad_arena_alloc(P->arena, (size_t)(g->nglobals + 1) * sizeof *names);
    if (!names) return nomem(P);
    if (g->nglobals) memcpy(names, g->global_names, (size_t)g->nglobals * sizeof *names);
    names[g->nglobals] = name;
    g->global_names = names;
    return g->nglobals++;
}

static int resolve_global(exec_parser *P, exec_node *n)
{
    for (size_t i = 0; i < sizeof FORBIDDEN / sizeof FORBIDDEN[0]; i++)
        if (!strcmp(n->name, FORBIDDEN[i])) {
            exec_syntax_unsupported(P->syn, n->line, "'%s' is not supported", n->name);
            return -1;
        }
    if (!strcmp(n->name, "__name__")) { /* `if __name__ == "__main__":` */
        n->kind = EXEC_N_CONST;
        n->val.kind = EXEC_V_STR;
        exec_str *s = pad_arena_alloc(P->arena, sizeof *s + 9);
        if (!s) return nomem(P);
        s->len = 8;
        s->ascii = 1;
        memcpy(s->data, "__main__", 9);
        n->val.u.s = s;
        return 0;
    }
    n->op = EXEC_SCOPE_GLOBAL;
    n->aux = exec_builtin_lookup(n->name);
    int bound = find(P->module->locals, P->module->nlocals, n->name) >= 0;
    if (n->aux < 0 && !bound && exec_builtin_foreign(n->name)) {
        exec_syntax_unsupported(P->syn, n->line, "builtin '%s' is not supported", n->name);
        return -1;
    }
    n->slot = global_slot(P, n->name);
    return n->slot < 0 ? -1 : 0;
}

static int resolve_ref(exec_parser *P, exec_node *n, exec_scope *s)
{
    for (; s->kind == EXEC_SC_COMP; s = s->parent) {
        int i = find(s->locals, s->nlocals, n->name);
        if (i >= 0) {
            n->op = EXEC_SCOPE_LOCAL;
            n->slot = s->slots[i];
            return 0;
        }
    }
    if (s->kind == EXEC_SC_FUNC && find(s->globals, s->nglobals, n->name) < 0) {
        int i = find(s->locals, s->nlocals, n->name);
        if (i >= 0) {
            n->op = EXEC_SCOPE_LOCAL;
            n->slot = s->slots[i];
            return 0;
        }
        for (exec_scope *p = s->parent; p; p = p->parent)
            if (p->kind != EXEC_SC_MODULE && find(p->locals, p->nlocals, n->name) >= 0 &&
                find(p->globals, p->nglobals, n->name) < 0) {
                exec_syntax_unsupported(P->syn, n->line, "closures are not supported ('%s' of an enclosing function)",
                                        n->name);
                return -1;
            }
    }
    return resolve_global(P, n);
}

int exec_resolve(exec_parser *P)
{
    /* Oldest first, so the first unsupported name in the source is reported. */
    exec_ref *rev = NULL;
    while (P->refs) {
        exec_ref *next = P->refs->next;
        P->refs->next = rev;
        rev = P->refs;
        P->refs = next;
    }
    for (exec_ref *r = rev; r; r = r->next)
        if (resolve_ref(P, r->node, r->scope)) return -1;
    for (exec_scope *s = P->scopes; s; s = s->next) {
        if (s->kind != EXEC_SC_FUNC) continue;
        s->def->nslots = s->nslots;
        if (s->nslots > P->prog->max_frame) P->prog->max_frame = s->nslots;
    }
    P->prog->module_slots = P->module->nslots;
    P->prog->solution_slot = find(P->prog->global_names, P->prog->nglobals, "solution");
    return 0;
}
