/* Number grounding: the numbers of question text and of program text, and
 * the excess/unused counts, on hand-made and random programs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/numbers.h"

static int same_list(const numbers *x, const double *want, int n)
{
    if (x->n != n) return 0;
    for (int i = 0; i < n; i++)
        if (fabs(x->v[i] - want[i]) > 1e-12 * fmax(1, fabs(want[i]))) return 0;
    return 1;
}

static void test_question(void)
{
    numbers q = {0};
    CHECK(numbers_in_question("Kofi sells 1,250 muffins at $4.00 each. Each costs $0.75, the stall 15% "
                              "of sales, 3 times a week, in 2024. Numbers 1,25 and 7,5000 are no groups.",
                              &q, NULL) == PAD_OK);
    const double want[] = {1250, 4, 0.75, 15, 3, 2024, 1, 25, 7, 5000};
    CHECK_MSG(same_list(&q, want, 10), "got %d numbers", q.n);
    numbers_free(&q);
    CHECK(numbers_in_question("no numbers at all.", &q, NULL) == PAD_OK && q.n == 0);
    numbers_free(&q);
}

static void test_program(void)
{
    const char *src = "def solution():\n"
                      "    \"\"\"Ava has 3 apples and 12 pears.\"\"\"\n"
                      "    x2 = 12  # 99 in a comment\n"
                      "    label = 'box 7' + \"8\"\n"
                      "    big = 1_000 + 3.5e2 + .5 + 0x10\n"
                      "    return x2 * 4.0 - big\n";
    numbers p = {0};
    CHECK(numbers_in_program(src, strlen(src), &p, NULL) == PAD_OK);
    const double want[] = {12, 1000, 350, 0.5, 16, 4};
    CHECK_MSG(same_list(&p, want, 6), "got %d literals", p.n);
    numbers_free(&p);
    /* an unterminated string or docstring hides nothing after its line/text */
    CHECK(numbers_in_program("s = 'a 1\nb = 2\n", 15, &p, NULL) == PAD_OK);
    CHECK(p.n == 1 && p.v[0] == 2);
    numbers_free(&p);
}

static void test_grounding(void)
{
    numbers q = {0}, p = {0};
    CHECK(numbers_in_question("Tariq saves $18 every week for 7 weeks, gets $20, spends $124 and $18.", &q,
                              NULL) == PAD_OK);
    const char *wrong = "a = 18\nb = 18\nc = 18\nd = 20\ne = 4\nf = 100\n";
    CHECK(numbers_in_program(wrong, strlen(wrong), &p, NULL) == PAD_OK);
    int excess, unused;
    numbers_grounding(&q, &p, &excess, &unused);
    CHECK(excess == 1 && unused == 2); /* 18 three times of two; 7 and 124 unused; 4, 100 ignored */
    numbers_free(&p);
    const char *right = "a = 18.0\nb = 7\nc = 20\nd = 124\ne = 18\nf = a / 100\n";
    CHECK(numbers_in_program(right, strlen(right), &p, NULL) == PAD_OK);
    numbers_grounding(&q, &p, &excess, &unused);
    CHECK(excess == 0 && unused == 0);
    numbers_free(&p);
    numbers_free(&q);
}

/* Random questions and programs against a direct count. */
static void test_random(void)
{
    uint64_t x = 0x1234567;
    for (int trial = 0; trial < 200; trial++) {
        int vals[6], nq = 1 + trial % 6;
        char qtext[256] = "", prog[512] = "";
        for (int i = 0; i < nq; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            vals[i] = (int)(x % 9) + 1; /* small range: repeats happen */
            char w[32];
            snprintf(w, sizeof w, "has %d things, ", vals[i]);
            strcat(qtext, w);
        }
        int used[10] = {0}, nl = (int)(x >> 20) % 8;
        for (int i = 0; i < nl; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int v = (int)(x % 12) + 1;
            used[v < 10 ? v : 0] += v < 10;
            char w[32];
            snprintf(w, sizeof w, "v%d = %d\n", i, v);
            strcat(prog, w);
        }
        int said[10] = {0}, want_excess = 0, want_unused = 0;
        for (int i = 0; i < nq; i++) said[vals[i]]++;
        for (int v = 1; v < 10; v++) {
            if (!said[v]) continue;
            if (used[v] > said[v]) want_excess += used[v] - said[v];
            if (used[v] < said[v]) want_unused += said[v] - used[v];
        }
        numbers q = {0}, p = {0};
        CHECK(numbers_in_question(qtext, &q, NULL) == PAD_OK);
        CHECK(numbers_in_program(prog, strlen(prog), &p, NULL) == PAD_OK);
        int excess, unused;
        numbers_grounding(&q, &p, &excess, &unused);
        CHECK_MSG(excess == want_excess && unused == want_unused, "trial %d: %d/%d vs %d/%d", trial, excess,
                  unused, want_excess, want_unused);
        numbers_free(&q);
        numbers_free(&p);
    }
}

int main(void)
{
    RUN(test_question);
    RUN(test_program);
    RUN(test_grounding);
    RUN(test_random);
    return check_finish();
}
