/* pad: shared by the statement runner (exec_interp.c) and the expression
 * evaluator (exec_eval.c). */
#ifndef PAD_EXEC_INTERP_H
#define PAD_EXEC_INTERP_H

#include "exec/exec_parse.h"
#include "exec/exec_value.h"

typedef struct exec_frame {
    exec_val *slots;
    exec_val ret;
} exec_frame;

static inline int exec_step(exec_rt *rt, const exec_node *n)
{
    rt->cur_line = n->line;
    if (++rt->steps > rt->lim->max_steps)
        return exec_limit(rt, EXEC_STEP_LIMIT, "more than %llu steps", (unsigned long long)rt->lim->max_steps);
    return 0;
}

int exec_eval(exec_rt *rt, exec_frame *f, const exec_node *n, exec_val *out);
int exec_load_name(exec_rt *rt, exec_frame *f, const exec_node *n, exec_val *out);
int exec_assign(exec_rt *rt, exec_frame *f, const exec_node *target, exec_val v);
int exec_eval_call(exec_rt *rt, exec_frame *f, const exec_node *n, exec_val *out);

#endif
