/* pad: best-runnable and majority-vote answers (see answer.h). */
#include "decode/answer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/teacher.h"

pad_status answer_mode_parse(const char *s, answer_mode *out, pad_error *err)
{
    if (!strcmp(s, "best")) *out = ANSWER_BEST;
    else if (!strcmp(s, "vote")) *out = ANSWER_VOTE;
    else return pad_error_set(err, PAD_ERR_INVALID, "answer mode \"%s\": expected best or vote", s);
    return PAD_OK;
}

/* The hypotheses best first: by score descending, ties in the given order. */
static void rank_order(int n, const float *scores, int *order)
{
    for (int i = 0; i < n; i++) {
        int j = i;
        while (j > 0 && scores && scores[i] > scores[order[j - 1]]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
}

static int same_answer(const exec_result *a, const exec_result *b)
{
    if (a->is_number != b->is_number) return 0;
    if (a->is_number)
        return isfinite(a->number) && isfinite(b->number) &&
               fabs(a->number - b->number) < TEACHER_TOLERANCE;
    return a->value_str && b->value_str && !strcmp(a->value_str, b->value_str);
}

static pad_status run_one(const char *program, const exec_limits *lim, exec_result *r,
                          pad_error *err)
{
    return exec_run(EXEC_BUILTIN, program, strlen(program), lim, r, err);
}

/* Vote among the runs (in rank order): the rank whose answer has the most
 * votes, ties to the earlier rank.  -1 when none ran. */
static int vote(int n, const exec_result *runs, int *votes)
{
    int best = -1;
    *votes = 0;
    for (int i = 0; i < n; i++) {
        if (runs[i].outcome != EXEC_OK) continue;
        int seen = 0, v = 0;
        for (int j = 0; j < n; j++) {
            if (runs[j].outcome != EXEC_OK || !same_answer(&runs[i], &runs[j])) continue;
            seen |= j < i; /* counted already with an earlier rank */
            v++;
        }
        if (!seen && v > *votes) best = i, *votes = v;
    }
    return best;
}

pad_status answer_choose(answer_mode mode, int n, const char *const *programs, const float *scores,
                         const exec_limits *lim, answer_choice *out, pad_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 1) return pad_error_set(err, PAD_ERR_INVALID, "no hypotheses to choose from");
    int *order = malloc((size_t)n * sizeof *order);
    exec_result *runs = calloc((size_t)n, sizeof *runs);
    if (!order || !runs) {
        free(order);
        free(runs);
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    }
    rank_order(n, scores, order);
    pad_status st = PAD_OK;
    int done = 0, chosen = -1; /* ranks run so far; the chosen rank */
    for (; !st && done < n; done++) {
        st = run_one(programs[order[done]], lim, &runs[done], err);
        if (st) break;
        out->runnable += runs[done].outcome == EXEC_OK;
        /* best: the first that runs settles it */
        if (mode == ANSWER_BEST && runs[done].outcome == EXEC_OK) {
            chosen = done++;
            break;
        }
    }
    if (!st && mode == ANSWER_VOTE) chosen = vote(n, runs, &out->votes);
    if (!st) {
        out->ran = chosen >= 0;
        if (chosen < 0) chosen = 0;
        out->index = order[chosen];
        out->result = runs[chosen];
        memset(&runs[chosen], 0, sizeof runs[chosen]);
    }
    for (int i = 0; i < n; i++) exec_result_free(&runs[i]);
    free(runs);
    free(order);
    return st;
}
