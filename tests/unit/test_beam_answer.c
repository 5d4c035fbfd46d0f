/* Answer choice among hypotheses: best runnable, majority vote with ties
 * to the better score, fallbacks when nothing runs. */
#include <string.h>

#include "check.h"
#include "decode/answer.h"

#define PROG(body) "def solution():\n" body

static answer_choice choose(answer_mode mode, int n, const char *const *p, const float *scores)
{
    exec_limits lim;
    exec_limits_default(&lim);
    answer_choice c;
    pad_error err;
    CHECK_MSG(answer_choose(mode, n, p, scores, &lim, &c, &err) == PAD_OK, "%s", err.message);
    return c;
}

static void test_best(void)
{
    const char *p[4] = {PROG("    return x\n"), PROG("    return 1 / 0\n"), PROG("    return 7 * 6\n"),
                        PROG("    return 5\n")};
    answer_choice c = choose(ANSWER_BEST, 4, p, NULL);
    CHECK(c.index == 2 && c.ran && c.result.is_number && c.result.number == 42.0);
    exec_result_free(&c.result);
    /* scores rank: hypothesis 3 is best and runs */
    float s[4] = {-1.0f, -2.0f, -3.0f, -0.5f};
    c = choose(ANSWER_BEST, 4, p, s);
    CHECK(c.index == 3 && c.ran && c.result.number == 5.0);
    exec_result_free(&c.result);
    /* none runs: the best overall, with its error */
    float s2[2] = {-3.0f, -1.0f};
    c = choose(ANSWER_BEST, 2, p, s2);
    CHECK(c.index == 1 && !c.ran && c.runnable == 0);
    CHECK(!strcmp(c.result.error_type, "ZeroDivisionError"));
    exec_result_free(&c.result);
}

static void test_vote(void)
{
    const char *p[6] = {PROG("    return 3\n"), PROG("    return 4.00001\n"), PROG("    return y\n"),
                        PROG("    return 4\n"), PROG("    return 3.0\n"), PROG("    return 8 / 2\n")};
    /* 4 (three votes: 4.00001, 4, 4.0) beats 3 (two votes) */
    answer_choice c = choose(ANSWER_VOTE, 6, p, NULL);
    CHECK(c.index == 1 && c.ran && c.votes == 3 && c.runnable == 5);
    exec_result_free(&c.result);
    /* 2 against 2: the answer whose best hypothesis ranks higher */
    float s[5] = {-2.0f, -1.0f, -0.1f, -3.0f, -4.0f};
    c = choose(ANSWER_VOTE, 5, p, s);
    CHECK(c.index == 1 && c.votes == 2);
    float s2[5] = {-0.5f, -1.0f, -0.1f, -3.0f, -4.0f};
    exec_result_free(&c.result);
    c = choose(ANSWER_VOTE, 5, p, s2);
    CHECK(c.index == 0 && c.votes == 2 && c.result.number == 3.0);
    exec_result_free(&c.result);
    /* strings vote by their text */
    const char *q[3] = {PROG("    return 'yes'\n"), PROG("    return 'no'\n"), PROG("    return 'no'\n")};
    c = choose(ANSWER_VOTE, 3, q, NULL);
    CHECK(c.index == 1 && c.votes == 2 && !strcmp(c.result.value_str, "no"));
    exec_result_free(&c.result);
    /* nothing runs: the best overall */
    const char *bad[2] = {PROG("    return z\n"), "x = ("};
    c = choose(ANSWER_VOTE, 2, bad, NULL);
    CHECK(c.index == 0 && !c.ran && c.votes == 0);
    exec_result_free(&c.result);
}

static void test_modes(void)
{
    answer_mode m;
    CHECK(answer_mode_parse("vote", &m, NULL) == PAD_OK && m == ANSWER_VOTE);
    CHECK(answer_mode_parse("best", &m, NULL) == PAD_OK && m == ANSWER_BEST);
    CHECK(answer_mode_parse("first", &m, NULL) == PAD_ERR_INVALID);
    answer_choice c;
    CHECK(answer_choose(ANSWER_BEST, 0, NULL, NULL, NULL, &c, NULL) == PAD_ERR_INVALID);
}

int main(void)
{
    RUN(test_best);
    RUN(test_vote);
    RUN(test_modes);
    return check_finish();
}
