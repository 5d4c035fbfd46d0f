/* pad: values and the run context of the built-in interpreter.
 *
 * A value is 16 bytes passed by copy: ints, floats, bools and None are
 * immediate; strings, lists, tuples, dicts and functions point into the
 * run's arena, so a whole run is torn down with one free.  Every allocation
 * for program data is charged to the run's memory budget first. */
#ifndef PAD_EXEC_VALUE_H
#define PAD_EXEC_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "exec/exec.h"

typedef enum exec_kind {
    EXEC_V_UNSET = 0, /* an unassigned variable slot */
    EXEC_V_NONE,
    EXEC_V_BOOL,
    EXEC_V_INT,
    EXEC_V_FLOAT,
    EXEC_V_STR,
    EXEC_V_LIST,
    EXEC_V_TUPLE,
    EXEC_V_DICT,
    EXEC_V_RANGE,
    EXEC_V_FUNC,    /* a def */
    EXEC_V_BUILTIN, /* a builtin function; i = its id */
    EXEC_V_METHOD,  /* a bound method: o = receiver box, i = method id */
    EXEC_V_MODULE   /* the math module */
} exec_kind;

typedef struct exec_val {
    uint8_t kind;
    union {
        int64_t i;
        double f;
        void *p;
        struct exec_str *s;
        struct exec_list *l; /* lists and tuples share the layout */
        struct exec_dict *d;
        struct exec_range *r;
        struct exec_func *fn;
        struct exec_method *m;
    } u;
} exec_val;

typedef struct exec_str {
    size_t len;   /* bytes */
    int ascii;    /* every byte < 0x80: byte index == character index */
    char data[];  /* NUL-terminated */
} exec_str;

typedef struct exec_list {
    size_t len, cap;
    exec_val *items;
} exec_list;

typedef struct exec_dict {
    size_t len, cap;   /* live entries / capacity of keys, vals */
    size_t used;       /* entries written, dead ones included */
    exec_val *keys, *vals; /* keys[i].kind == EXEC_V_UNSET marks a deleted entry */
    uint64_t *hashes;
    int32_t *index;    /* open addressing: entry number or -1 */
    size_t index_cap;  /* power of two */
} exec_dict;

typedef struct exec_range {
    int64_t start, stop, step;
} exec_range;

typedef struct exec_method {
    exec_val self;
    int id;
} exec_method;

struct exec_node;
typedef struct exec_func {
    const struct exec_node *def;
    exec_val *defaults; /* evaluated at def time, one per parameter (UNSET when none) */
} exec_func;

/* The run: limits, counters, the pending exception.  One per exec_builtin_run
 * call; nothing is shared between runs. */
typedef struct exec_rt {
    pad_arena *arena;
    const exec_limits *lim;
    uint64_t steps;
    size_t mem;
    int depth;
    exec_outcome outcome; /* of the pending exception; EXEC_OK when none */
    char etype[48];
    char emsg[256];
    int eline;
    int cur_line;         /* line of the node being evaluated */
    exec_val *globals;
    const struct exec_program *prog;
    exec_val *stack;      /* frame slots */
    size_t stack_top, stack_cap;
} exec_rt;

/* Binary operators (exec_binop in exec_builtins.h applies them). */
typedef enum exec_binop {
    EXEC_OP_ADD, EXEC_OP_SUB, EXEC_OP_MUL, EXEC_OP_DIV, EXEC_OP_FLOORDIV, EXEC_OP_MOD, EXEC_OP_POW,
    EXEC_OP_LSHIFT, EXEC_OP_RSHIFT, EXEC_OP_AND, EXEC_OP_OR, EXEC_OP_XOR
} exec_binop_kind;

/* Status of every fallible operation: 0 ok, -1 an exception is pending. */
#define EXEC_FAIL (-1)

int exec_raise(exec_rt *rt, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int exec_limit(exec_rt *rt, exec_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *exec_alloc(exec_rt *rt, size_t bytes);
int exec_check_len(exec_rt *rt, size_t n);
int exec_charge(exec_rt *rt, uint64_t steps);

static inline exec_val exec_none(void) { exec_val v = {.kind = EXEC_V_NONE}; return v; }
static inline exec_val exec_int(int64_t i) { exec_val v = {.kind = EXEC_V_INT, .u.i = i}; return v; }
static inline exec_val exec_bool(int b) { exec_val v = {.kind = EXEC_V_BOOL, .u.i = !!b}; return v; }
static inline exec_val exec_float(double f) { exec_val v = {.kind = EXEC_V_FLOAT, .u.f = f}; return v; }
static inline int exec_is_intlike(exec_val v) { return v.kind == EXEC_V_INT || v.kind == EXEC_V_BOOL; }
static inline int exec_is_num(exec_val v) { return exec_is_intlike(v) || v.kind == EXEC_V_FLOAT; }

const char *exec_type_name(exec_val v);

/* Constructors; all return EXEC_FAIL with an exception pending on a limit. */
int exec_str_new(exec_rt *rt, const char *s, size_t n, exec_val *out);
int exec_list_new(exec_rt *rt, exec_kind kind, size_t len, exec_val *out); /* items zeroed */
int exec_list_push(exec_rt *rt, exec_list *l, exec_val v);
int exec_dict_new(exec_rt *rt, exec_val *out);
/* found: 1 and *val set, or 0. */
int exec_dict_get(exec_rt *rt, exec_dict *d, exec_val key, exec_val *val, int *found);
int exec_dict_set(exec_rt *rt, exec_dict *d, exec_val key, exec_val val);
int exec_dict_del(exec_rt *rt, exec_dict *d, exec_val key, int *found);

/* Python semantics of comparison: eq never fails for our types; order may. */
int exec_eq(exec_val a, exec_val b);
/* Ordering: *res is -1, 0, 1, or 2 when unordered (a nan is involved);
 * opname ("<", ...) names the operator in the TypeError for mixed types. */
int exec_compare(exec_rt *rt, const char *opname, exec_val a, exec_val b, int *res);
int exec_truthy(exec_val v);
size_t exec_str_chars(const exec_str *s);

/* Formatting (exec_format.c): repr/str into a new string value. */
void exec_float_repr(double f, char *buf, size_t size);
int exec_repr(exec_rt *rt, exec_val v, exec_val *out);
int exec_to_str(exec_rt *rt, exec_val v, exec_val *out);

/* Growable byte buffer in the run's arena. */
typedef struct exec_buf {
    char *data;
    size_t len, cap;
} exec_buf;
int exec_buf_put(exec_rt *rt, exec_buf *b, const char *s, size_t n);
int exec_buf_repr(exec_rt *rt, exec_buf *b, exec_val v);

#endif
