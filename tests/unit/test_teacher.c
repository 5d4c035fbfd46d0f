/* Teacher rows: gold answers, program extraction, answer matching. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data/teacher.h"

static double number_of(const char *s)
{
    double v = NAN;
    if (teacher_parse_number(s, strlen(s), &v, NULL)) return NAN;
    return v;
}

static void test_parse_number(void)
{
    CHECK(number_of("1,600") == 1600);
    CHECK(number_of(" 1,450,000 ") == 1450000);
    CHECK(number_of("-17") == -17);
    CHECK(number_of("+3") == 3);
    CHECK(fabs(number_of("2.125") - 2.125) < 1e-12);
    CHECK(fabs(number_of("-0.5") + 0.5) < 1e-12);
    CHECK(number_of("39.0") == 39);
    CHECK(number_of("1e3") == 1000);
    /* not numbers: separators in the wrong place, words, inf/nan, hex */
    CHECK(isnan(number_of("1,60")));
    CHECK(isnan(number_of("16,00")));
    CHECK(isnan(number_of(",600")));
    CHECK(isnan(number_of("1,6000")));
    CHECK(isnan(number_of("yes")));
    CHECK(isnan(number_of("inf")));
    CHECK(isnan(number_of("nan")));
    CHECK(isnan(number_of("0x10")));
    CHECK(isnan(number_of("")));
    CHECK(isnan(number_of("12 apples")));
    CHECK(isnan(number_of("-")));
    CHECK(isnan(number_of(".")));
}

static void test_gold_from_answer(void)
{
    teacher_gold g;
    CHECK(teacher_gold_from_answer("She has 3*20=<<3*20=60>>60 cups.\n#### 1,600", &g, NULL) == PAD_OK);
    CHECK(g.kind == TEACHER_GOLD_NUMBER && g.number == 1600 && strcmp(g.text, "1,600") == 0);
    CHECK(teacher_gold_from_answer("a #### b\nlast\n#### -42\n", &g, NULL) == PAD_OK);
    CHECK(g.kind == TEACHER_GOLD_NUMBER && g.number == -42);
    CHECK(teacher_gold_from_answer("x\n#### 7.25", &g, NULL) == PAD_OK);
    CHECK(g.kind == TEACHER_GOLD_NUMBER && g.number == 7.25);
    CHECK(teacher_gold_from_answer("Is it? \n#### yes", &g, NULL) == PAD_OK);
    CHECK(g.kind == TEACHER_GOLD_STRING && strcmp(g.text, "yes") == 0);
    pad_error e;
    CHECK(teacher_gold_from_answer("no marker here", &g, &e) == PAD_ERR_FORMAT);
    CHECK(strstr(e.message, "####") != NULL);
    CHECK(teacher_gold_from_answer("empty\n####   \n", &g, NULL) == PAD_ERR_FORMAT);
}

static void test_row_gold(void)
{
    teacher_gold g;
    pad_error e;
    cJSON *row = cJSON_Parse("{\"num_answer\": \"2,125\", \"answer\": \"#### 9\"}");
    CHECK(teacher_row_gold(row, &g, NULL) == PAD_OK && g.number == 2125); /* num_answer wins */
    cJSON_Delete(row);
    row = cJSON_Parse("{\"num_answer\": 39.5}");
    CHECK(teacher_row_gold(row, &g, NULL) == PAD_OK && g.kind == TEACHER_GOLD_NUMBER && g.number == 39.5);
    cJSON_Delete(row);
    row = cJSON_Parse("{\"answer\": \"steps\\n#### 3,000\"}");
    CHECK(teacher_row_gold(row, &g, NULL) == PAD_OK && g.number == 3000);
    cJSON_Delete(row);
    row = cJSON_Parse("{\"num_answer\": [1]}");
    CHECK(teacher_row_gold(row, &g, &e) == PAD_ERR_FORMAT && strcmp(e.json_path, "num_answer") == 0);
    cJSON_Delete(row);
    row = cJSON_Parse("{\"question\": \"q\"}");
    CHECK(teacher_row_gold(row, &g, &e) == PAD_ERR_FORMAT && strstr(e.message, "missing") != NULL);
    cJSON_Delete(row);
}

/* Extracts and compares with the expected program (NULL: none). */
static void expect_program(const char *text, const char *want, int want_solutions)
{
    char *prog = NULL;
    int n = -1;
    CHECK(teacher_extract_program(text, strlen(text), &prog, &n, NULL) == PAD_OK);
    CHECK_MSG(n == want_solutions, "solutions %d, want %d", n, want_solutions);
    if (!want) CHECK_MSG(prog == NULL, "unexpected program:\n%s", prog);
    else CHECK_MSG(prog && strcmp(prog, want) == 0, "got:\n%s\nwant:\n%s", prog ? prog : "(none)", want);
    free(prog);
}

static const char plain[] =
    "def solution():\n"
    "    \"\"\"Tom has 3 apples.\"\"\"\n"
    "    apples = 3\n"
    "\n"
    "    result = apples * 2\n"
    "    return result\n";

static void test_extract_plain_and_fenced(void)
{
    expect_program(plain, plain, 1);
    /* fences, a language tag, prose before and after, a call appended */
    char text[1024];
    snprintf(text, sizeof text,
             "Sure! Here is the program:\n\n```python\n%s```\n\nThis returns 6.\nprint(solution())\n", plain);
    expect_program(text, plain, 1);
    /* CRLF line ends */
    expect_program("def solution():\r\n    return 4\r\n", "def solution():\n    return 4\n", 1);
}

static void test_extract_chatty(void)
{
    /* prose ending in a colon, a docstring whose continuation is unindented,
     * an import and a helper function kept, the trailing chatter dropped */
    const char *text =
        "Sorry, I cannot solve the first problem.\n"
        "\n"
        "For the second problem:\n"
        "import math\n"
        "def helper(x):\n"
        "    return x + 1\n"
        "def solution():\n"
        "    \"\"\"Griffin had 24 fries.\n"
        "How many are left?\"\"\"\n"
        "    fries = helper(23)\n"
        "    return math.floor(fries / 2)\n"
        "I hope this helps!\n";
    const char *want =
        "import math\n"
        "def helper(x):\n"
        "    return x + 1\n"
        "def solution():\n"
        "    \"\"\"Griffin had 24 fries.\n"
        "How many are left?\"\"\"\n"
        "    fries = helper(23)\n"
        "    return math.floor(fries / 2)\n";
    expect_program(text, want, 1);
    /* a program indented as a whole (markdown code block) is dedented */
    expect_program("Answer:\n    def solution():\n        x = 5\n        return x\n",
                   "def solution():\n    x = 5\n    return x\n", 1);
}

static void test_extract_none_or_several(void)
{
    expect_program("Sorry, as an AI language model I cannot solve this.", NULL, 0);
    expect_program("", NULL, 0);
    /* the words appear in prose only */
    expect_program("You could write def solution() yourself.", NULL, 0);
    /* a helper but no solution */
    expect_program("def helper():\n    return 1\n", NULL, 0);
    /* several solutions in one answer: ambiguous, no program */
    char text[1024];
    snprintf(text, sizeof text, "%s\n\nSolution for the next one:\n%s", plain, plain);
    expect_program(text, NULL, 2);
    /* a def whose name only starts with solution is not one */
    expect_program("def solution_2():\n    return 1\n", NULL, 0);
    expect_program("def solution ():\n    return 1\n", "def solution ():\n    return 1\n", 1);
}

static exec_result ok_number(double v, const char *str)
{
    exec_result r;
    memset(&r, 0, sizeof r);
    r.outcome = EXEC_OK;
    r.is_number = 1;
    r.number = v;
    r.value_str = (char *)str;
    return r;
}

static void test_matching(void)
{
    teacher_gold g;
    CHECK(teacher_gold_from_text("18", 2, &g, NULL) == PAD_OK);
    exec_result r = ok_number(18.0, "18.0");
    CHECK(teacher_answer_matches(&r, &g));
    r.number = 18.00009;
    CHECK(teacher_answer_matches(&r, &g));
    r.number = 18.0002;
    CHECK(!teacher_answer_matches(&r, &g));
    r.number = 17.6; /* round(17.6) == 18 would pass the PaD authors' rule; not pad's */
    CHECK(!teacher_answer_matches(&r, &g));
    r.number = INFINITY;
    CHECK(!teacher_answer_matches(&r, &g));
    r = ok_number(18, "18");
    r.is_number = 0; /* the string "18" is not the number 18 */
    CHECK(!teacher_answer_matches(&r, &g));
    r = ok_number(18, "18");
    r.outcome = EXEC_ERROR;
    CHECK(!teacher_answer_matches(&r, &g));

    CHECK(teacher_gold_from_text(" yes ", 5, &g, NULL) == PAD_OK && g.kind == TEACHER_GOLD_STRING);
    r = ok_number(0, "yes");
    r.is_number = 0;
    CHECK(teacher_answer_matches(&r, &g));
    r.value_str = "Yes";
    CHECK(!teacher_answer_matches(&r, &g));
    r.value_str = NULL;
    CHECK(!teacher_answer_matches(&r, &g));
}

static void test_strip_docstrings(void)
{
    char p1[] = "def solution():\n    \"\"\"Ann has 3 apples.\n    She buys 2.\"\"\"\n    a = 3\n"
                "    return a + 2\n";
    teacher_strip_docstrings(p1);
    CHECK_MSG(strcmp(p1, "def solution():\n    a = 3\n    return a + 2\n") == 0, "%s", p1);
    char p2[] = "import math\ndef helper(x):\n    '''One line.'''\n    return x\n"
                "def solution():\n    return helper(4)\n";
    teacher_strip_docstrings(p2);
    CHECK_MSG(strcmp(p2, "import math\ndef helper(x):\n    return x\ndef solution():\n    return helper(4)\n") == 0,
              "%s", p2);
    /* a string that is not the first statement stays; so does an unclosed one */
    char p3[] = "def solution():\n    s = \"\"\"x\"\"\"\n    return s\n";
    char keep3[sizeof p3];
    memcpy(keep3, p3, sizeof p3);
    teacher_strip_docstrings(p3);
    CHECK(strcmp(p3, keep3) == 0);
    char p4[] = "def solution():\n    \"\"\"never closed\n    return 1\n";
    char keep4[sizeof p4];
    memcpy(keep4, p4, sizeof p4);
    teacher_strip_docstrings(p4);
    CHECK(strcmp(p4, keep4) == 0);
}

int main(void)
{
    RUN(test_parse_number);
    RUN(test_strip_docstrings);
    RUN(test_gold_from_answer);
    RUN(test_row_gold);
    RUN(test_extract_plain_and_fenced);
    RUN(test_extract_chatty);
    RUN(test_extract_none_or_several);
    RUN(test_matching);
    return check_finish();
}
