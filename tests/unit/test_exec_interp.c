/* The built-in interpreter against CPython 3.11: every expected value and
 * error message below was produced by python3 (see the generator notes in
 * the report), not written by hand. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "exec/exec.h"

typedef struct ok_case {
    const char *src, *str;
} ok_case;

typedef struct err_case {
    const char *src, *type, *msg;
    int line;
} err_case;

typedef struct outcome_case {
    const char *src;
    exec_outcome outcome;
    int prefix;
} outcome_case;

static const ok_case OK_CASES[] = {
    {"import math\ndef solution():\n    return 0.1+0.2\n", "0.30000000000000004"},
    {"import math\ndef solution():\n    return 1e16\n", "1e+16"},
    {"import math\ndef solution():\n    return 1/3\n", "0.3333333333333333"},
    {"import math\ndef solution():\n    return -7//2\n", "-4"},
    {"import math\ndef solution():\n    return -7%3\n", "2"},
    {"import math\ndef solution():\n    return 7.5%-2\n", "-0.5"},
    {"import math\ndef solution():\n    return round(2.5)\n", "2"},
    {"import math\ndef solution():\n    return round(0.125, 2)\n", "0.12"},
    {"import math\ndef solution():\n    return True+True\n", "2"},
    {"import math\ndef solution():\n    return int(-3.7)\n", "-3"},
    {"import math\ndef solution():\n    return 1e-5\n", "1e-05"},
    {"import math\ndef solution():\n    return 123456789012345678.0\n", "1.2345678901234568e+17"},
    {"import math\ndef solution():\n    return 1e22\n", "1e+22"},
    {"import math\ndef solution():\n    return 0.0001\n", "0.0001"},
    {"import math\ndef solution():\n    return -0.0\n", "-0.0"},
    {"import math\ndef solution():\n    return float('inf')\n", "inf"},
    {"import math\ndef solution():\n    return 10/4\n", "2.5"},
    {"import math\ndef solution():\n    return 2**-2\n", "0.25"},
    {"import math\ndef solution():\n    return (-2)**3\n", "-8"},
    {"import math\ndef solution():\n    return 2.0**0.5\n", "1.4142135623730951"},
    {"import math\ndef solution():\n    return 10.5//3\n", "3.0"},
    {"import math\ndef solution():\n    return -10.5%3\n", "1.5"},
    {"import math\ndef solution():\n    return round(2.675, 2)\n", "2.67"},
    {"import math\ndef solution():\n    return round(-2.5)\n", "-2"},
    {"import math\ndef solution():\n    return round(1234.5678, -2)\n", "1200.0"},
    {"import math\ndef solution():\n    return round(25, -1)\n", "20"},
    {"import math\ndef solution():\n    return round(5.5, -1)\n", "10.0"},
    {"import math\ndef solution():\n    return 2**53+1 > float(2**53)\n", "True"},
    {"import math\ndef solution():\n    return 2**53+1 == float(2**53+1)\n", "False"},
    {"import math\ndef solution():\n    return 1 < 2 < 3\n", "True"},
    {"import math\ndef solution():\n    return 3 > 2 > 2\n", "False"},
    {"import math\ndef solution():\n    return 0 or 'x'\n", "x"},
    {"import math\ndef solution():\n    return '' and 5\n", ""},
    {"import math\ndef solution():\n    return None or [] or 0\n", "0"},
    {"import math\ndef solution():\n    return [1, 'a', \"it's\", 2.0, None, True, (1,), (), {}]\n", "[1, 'a', \"it's\", 2.0, None, True, (1,), (), {}]"},
    {"import math\ndef solution():\n    return {'a': [1, 2], 3: (4.5, -0.0)}\n", "{'a': [1, 2], 3: (4.5, -0.0)}"},
    {"import math\ndef solution():\n    return 'He said \"hi\"'\n", "He said \"hi\""},
    {"import math\ndef solution():\n    return 'both \\' and \"'\n", "both ' and \""},
    {"import math\ndef solution():\n    return 'tab\\there'\n", "tab\there"},
    {"import math\ndef solution():\n    return [x*2 for x in range(10) if x % 3 == 0]\n", "[0, 6, 12, 18]"},
    {"import math\ndef solution():\n    return sum(x for x in range(100))\n", "4950"},
    {"import math\ndef solution():\n    return max(x*x for x in [-5, 3])\n", "25"},
    {"import math\ndef solution():\n    return sorted([3, 1, 2], reverse=True)\n", "[3, 2, 1]"},
    {"import math\ndef solution():\n    return sorted([(1, 'b'), (1, 'a'), (0, 'z')])\n", "[(0, 'z'), (1, 'a'), (1, 'b')]"},
    {"import math\ndef solution():\n    return list(range(10, 0, -3))\n", "[10, 7, 4, 1]"},
    {"import math\ndef solution():\n    return len(range(0, 100, 7))\n", "15"},
    {"import math\ndef solution():\n    return divmod(-7, 2)\n", "(-4, 1)"},
    {"import math\ndef solution():\n    return pow(3, 4, 5)\n", "1"},
    {"import math\ndef solution():\n    return 3 * 'ab'\n", "ababab"},
    {"import math\ndef solution():\n    return (1, 2) * 2\n", "(1, 2, 1, 2)"},
    {"import math\ndef solution():\n    return 'abcdef'[-3:]\n", "def"},
    {"import math\ndef solution():\n    return [1, 2, 3][::-1]\n", "[3, 2, 1]"},
    {"import math\ndef solution():\n    return 'abcdef'[::2]\n", "ace"},
    {"import math\ndef solution():\n    return 'a,b,,c'.split(',')\n", "['a', 'b', '', 'c']"},
    {"import math\ndef solution():\n    return ' '.join(['a', 'b'])\n", "a b"},
    {"import math\ndef solution():\n    return '  x  '.strip()\n", "x"},
    {"import math\ndef solution():\n    return 'Hello'.replace('l', 'L')\n", "HeLLo"},
    {"import math\ndef solution():\n    return 'hello world'.title()\n", "Hello World"},
    {"import math\ndef solution():\n    return int('  42 ')\n", "42"},
    {"import math\ndef solution():\n    return float(' 1.5 ')\n", "1.5"},
    {"import math\ndef solution():\n    return int('1_000')\n", "1000"},
    {"import math\ndef solution():\n    return abs(-2.5)\n", "2.5"},
    {"import math\ndef solution():\n    return 5 in [1, 5]\n", "True"},
    {"import math\ndef solution():\n    return 'b' in 'abc'\n", "True"},
    {"import math\ndef solution():\n    return 2 not in range(0, 10, 2)\n", "False"},
    {"import math\ndef solution():\n    return 7 & 3\n", "3"},
    {"import math\ndef solution():\n    return 1 << 10\n", "1024"},
    {"import math\ndef solution():\n    return ~5\n", "-6"},
    {"import math\ndef solution():\n    return 100 * 1.1\n", "110.00000000000001"},
    {"import math\ndef solution():\n    return 1e300 * 1e10\n", "inf"},
    {"import math\ndef solution():\n    return 1.7976931348623157e308\n", "1.7976931348623157e+308"},
    {"import math\ndef solution():\n    return 5e-324\n", "5e-324"},
    {"import math\ndef solution():\n    return {1: 'x', 1.0: 'y'}\n", "{1: 'y'}"},
    {"import math\ndef solution():\n    return [(i, j) for i in range(3) for j in range(i)]\n", "[(1, 0), (2, 0), (2, 1)]"},
    {"import math\ndef solution():\n    return {k: v for k, v in [(1, 2), (3, 4)]}\n", "{1: 2, 3: 4}"},
    {"import math\ndef solution():\n    return list(zip([1, 2, 3], 'ab'))\n", "[(1, 'a'), (2, 'b')]"},
    {"import math\ndef solution():\n    return list(enumerate('ab', 1))\n", "[(1, 'a'), (2, 'b')]"},
    {"import math\ndef solution():\n    return dict([(1, 2)])\n", "{1: 2}"},
    {"import math\ndef solution():\n    return str(1.0) + str([1.5, 'x'])\n", "1.0[1.5, 'x']"},
    {"import math\ndef solution():\n    return bool([]), bool(0.0)\n", "(False, False)"},
    {"import math\ndef solution():\n    return min(3, 1, 2)\n", "1"},
    {"import math\ndef solution():\n    return math.sqrt(16), math.floor(-3.5), math.ceil(3.2), math.gcd(12, 18), math.factorial(10)\n", "(4.0, -4, 4, 6, 3628800)"},
    {"import math\ndef solution():\n    return math.pi\n", "3.141592653589793"},
    {"import math\ndef solution():\n    return math.isclose(0.1+0.2, 0.3)\n", "True"},
    {"import math\ndef solution():\n    return math.log(100, 10)\n", "2.0"},
    {"import math\ndef solution():\n    return math.exp(1)\n", "2.718281828459045"},
    {"import math\ndef solution():\n    return 12345678912345.678\n", "12345678912345.678"},
    {"import math\ndef solution():\n    return 1/7\n", "0.14285714285714285"},
    {"import math\ndef solution():\n    return 3.3 * 3\n", "9.899999999999999"},
    {"import math\ndef solution():\n    return int(2.5e18)\n", "2500000000000000000"},
    {"import math\ndef solution():\n    return 'abc' < 'abd'\n", "True"},
    {"import math\ndef solution():\n    return [1] == (1,)\n", "False"},
    {"import math\ndef solution():\n    return not []\n", "True"},
    {"import math\ndef solution():\n    return 1 if 0 else 2\n", "2"},
    {"import math\ndef solution():\n    return {'b': 1, 'a': 2}\n", "{'b': 1, 'a': 2}"},
    {"import math\ndef solution():\n    return [[0] * 2 for _ in range(2)]\n", "[[0, 0], [0, 0]]"},
};
static const err_case ERR_CASES[] = {
    {"import math\ndef solution():\n    x = 1\n    return undefined_name\n", "NameError", "name 'undefined_name' is not defined", 4},
    {"import math\ndef solution():\n    x = 1\n    return [][0]\n", "IndexError", "list index out of range", 4},
    {"import math\ndef solution():\n    x = 1\n    return {}['k']\n", "KeyError", "'k'", 4},
    {"import math\ndef solution():\n    x = 1\n    return 1/0\n", "ZeroDivisionError", "division by zero", 4},
    {"import math\ndef solution():\n    x = 1\n    return 1.0/0\n", "ZeroDivisionError", "float division by zero", 4},
    {"import math\ndef solution():\n    x = 1\n    return 1//0\n", "ZeroDivisionError", "integer division or modulo by zero", 4},
    {"import math\ndef solution():\n    x = 1\n    return 1%0\n", "ZeroDivisionError", "integer modulo by zero", 4},
    {"import math\ndef solution():\n    x = 1\n    return 1.0%0\n", "ZeroDivisionError", "float modulo", 4},
    {"import math\ndef solution():\n    x = 1\n    return 1.0//0\n", "ZeroDivisionError", "float floor division by zero", 4},
    {"import math\ndef solution():\n    x = 1\n    return 'a' + 1\n", "TypeError", "can only concatenate str (not \"int\") to str", 4},
    {"import math\ndef solution():\n    x = 1\n    return 1 + 'a'\n", "TypeError", "unsupported operand type(s) for +: 'int' and 'str'", 4},
    {"import math\ndef solution():\n    x = 1\n    return int('x')\n", "ValueError", "invalid literal for int() with base 10: 'x'", 4},
    {"import math\ndef solution():\n    x = 1\n    return float('abc')\n", "ValueError", "could not convert string to float: 'abc'", 4},
    {"import math\ndef solution():\n    x = 1\n    return [1, 2, 3].index(4)\n", "ValueError", "4 is not in list", 4},
    {"import math\ndef solution():\n    x = 1\n    return [].pop()\n", "IndexError", "pop from empty list", 4},
    {"import math\ndef solution():\n    x = 1\n    return (1, 2)[5]\n", "IndexError", "tuple index out of range", 4},
    {"import math\ndef solution():\n    x = 1\n    return 'abc'[10]\n", "IndexError", "string index out of range", 4},
    {"import math\ndef solution():\n    x = 1\n    return None + 1\n", "TypeError", "unsupported operand type(s) for +: 'NoneType' and 'int'", 4},
    {"import math\ndef solution():\n    x = 1\n    return -'a'\n", "TypeError", "bad operand type for unary -: 'str'", 4},
    {"import math\ndef solution():\n    x = 1\n    return len(5)\n", "TypeError", "object of type 'int' has no len()", 4},
    {"import math\ndef solution():\n    x = 1\n    return 5()\n", "TypeError", "'int' object is not callable", 4},
    {"import math\ndef solution():\n    x = 1\n    return [1, 2] < 'a'\n", "TypeError", "'<' not supported between instances of 'list' and 'str'", 4},
    {"import math\ndef solution():\n    x = 1\n    return {[1]: 2}\n", "TypeError", "unhashable type: 'list'", 4},
    {"import math\ndef solution():\n    x = 1\n    return 2.0 ** 10000\n", "OverflowError", "(34, 'Numerical result out of range')", 4},
    {"import math\ndef solution():\n    x = 1\n    return 0 ** -1\n", "ZeroDivisionError", "0.0 cannot be raised to a negative power", 4},
    {"import math\ndef solution():\n    x = 1\n    return min([])\n", "ValueError", "min() arg is an empty sequence", 4},
    {"import math\ndef solution():\n    x = 1\n    return sorted([1, 'a'])\n", "TypeError", "'<' not supported between instances of 'str' and 'int'", 4},
    {"import math\ndef solution():\n    x = 1\n    return max([1, 'a'])\n", "TypeError", "'>' not supported between instances of 'str' and 'int'", 4},
    {"import math\ndef solution():\n    x = 1\n    return math.sqrt(-1)\n", "ValueError", "math domain error", 4},
    {"import math\ndef solution():\n    x = 1\n    return math.factorial(-1)\n", "ValueError", "factorial() not defined for negative values", 4},
    {"import math\ndef solution():\n    x = 1\n    return int(float('nan'))\n", "ValueError", "cannot convert float NaN to integer", 4},
    {"import math\ndef solution():\n    x = 1\n    return 'ab'.split('')\n", "ValueError", "empty separator", 4},
    {"import math\ndef solution():\n    x = 1\n    return [1][1.0]\n", "TypeError", "list indices must be integers or slices, not float", 4},
    {"import math\ndef solution():\n    x = 1\n    return 'a' * 'b'\n", "TypeError", "can't multiply sequence by non-int of type 'str'", 4},
    {"import math\ndef solution():\n    x = 1\n    return {}.get(1).append\n", "AttributeError", "'NoneType' object has no attribute 'append'", 4},
};

static exec_result run_src(const char *src, int prefix, const exec_limits *lim)
{
    exec_limits def;
    if (!lim) {
        exec_limits_default(&def);
        lim = &def;
    }
    exec_result r;
    pad_error err;
    pad_status st = prefix ? exec_run_prefix(src, strlen(src), lim, &r, &err)
                           : exec_run(EXEC_BUILTIN, src, strlen(src), lim, &r, &err);
    CHECK(st == PAD_OK);
    return r;
}

static void test_values(void)
{
    for (size_t i = 0; i < sizeof OK_CASES / sizeof OK_CASES[0]; i++) {
        exec_result r = run_src(OK_CASES[i].src, 0, NULL);
        CHECK_MSG(r.outcome == EXEC_OK && !strcmp(r.value_str, OK_CASES[i].str), "%s-> %s %s %s (want %s)",
                  OK_CASES[i].src, exec_outcome_name(r.outcome), r.error_message, r.value_str ? r.value_str : "",
                  OK_CASES[i].str);
        exec_result_free(&r);
    }
}

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof ERR_CASES / sizeof ERR_CASES[0]; i++) {
        const err_case *c = &ERR_CASES[i];
        exec_result r = run_src(c->src, 0, NULL);
        CHECK_MSG(r.outcome == EXEC_ERROR && !strcmp(r.error_type, c->type) && !strcmp(r.error_message, c->msg) &&
                      r.line == c->line,
                  "%s-> %s %s: %s line %d", c->src, exec_outcome_name(r.outcome), r.error_type, r.error_message, r.line);
        exec_result_free(&r);
    }
}

static void test_result_fields(void)
{
    exec_result r = run_src("def solution():\n    \"\"\"doc\"\"\"\n    return 'a' + \"b\"  # c\n", 0, NULL);
    CHECK(r.outcome == EXEC_OK && !strcmp(r.value_str, "ab") && !strcmp(r.value_repr, "'ab'") && !r.is_number);
    exec_result_free(&r);
    r = run_src("def solution():\n    return 7 / 2\nprint(solution())\n", 0, NULL);
    CHECK(r.outcome == EXEC_OK && r.is_number && r.number == 3.5 && r.steps > 0);
    exec_result_free(&r);
    r = run_src("RATE = 3\ndef helper(x, k=2):\n    return x * k + RATE\n\ndef solution():\n    return helper(4) + helper(1, k=10)\n"
                "if __name__ == '__main__':\n    print(solution())\n", 0, NULL);
    CHECK(r.outcome == EXEC_OK && !strcmp(r.value_str, "24"));
    exec_result_free(&r);
    r = run_src("def solution():\n    return True\n", 0, NULL);
    CHECK(r.outcome == EXEC_OK && r.is_number && r.number == 1 && !strcmp(r.value_str, "True"));
    exec_result_free(&r);
}

static const err_case SYNTAX_CASES[] = {
    {"def solution():\nreturn 1\n", "IndentationError", "expected an indented block after function definition on line 1", 2},
    {"def solution():\n  x=1\n    y=2\n", "IndentationError", "unexpected indent", 3},
    {"if 1:\n    x=1\n  y=2\n", "IndentationError", "unindent does not match any outer indentation level", 3},
    {"x = (1,\n", "SyntaxError", "'(' was never closed", 1},
    {"x = )", "SyntaxError", "unmatched ')'", 1},
    {"x = 'abc", "SyntaxError", "unterminated string literal (detected at line 1)", 1},
    {"def f()\n  return 1", "SyntaxError", "expected ':'", 1},
    {"1 +", "SyntaxError", "invalid syntax", 1},
    {"for x in y:\n", "IndentationError", "expected an indented block after 'for' statement on line 1", 1},
    {"x = 1abc", "SyntaxError", "invalid decimal literal", 1},
    {"x = 012", "SyntaxError", "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", 1},
    {"def solution():\n    return x\n    x = 1\n", "UnboundLocalError",
     "cannot access local variable 'x' where it is not associated with a value", 2},
    {"def solution():\n    a, b = [1, 2, 3]\n", "ValueError", "too many values to unpack (expected 2)", 2},
    {"def g(a):\n    return 1 / a\ndef solution():\n    return g(0)\n", "ZeroDivisionError", "division by zero", 2},
    {"def g(a, b):\n    return a\ndef solution():\n    return g(1, 2, 3)\n", "TypeError",
     "g() takes 2 positional arguments but 3 were given", 4},
    {"def solution():\n    assert 1 == 2, 'nope'\n", "AssertionError", "nope", 2},
};

static void test_syntax_and_runtime_errors(void)
{
    for (size_t i = 0; i < sizeof SYNTAX_CASES / sizeof SYNTAX_CASES[0]; i++) {
        const err_case *c = &SYNTAX_CASES[i];
        exec_result r = run_src(c->src, 0, NULL);
        CHECK_MSG(r.outcome == EXEC_ERROR && !strcmp(r.error_type, c->type) && !strcmp(r.error_message, c->msg) &&
                      r.line == c->line,
                  "%s-> %s %s: %s line %d", c->src, exec_outcome_name(r.outcome), r.error_type, r.error_message, r.line);
        exec_result_free(&r);
    }
}

static const outcome_case OUTCOME_CASES[] = {
    {"def solution():\n    return 2**63\n", EXEC_OVERFLOW, 0},
    {"def solution():\n    return 10**10**10\n", EXEC_OVERFLOW, 0},
    {"def solution():\n    return 9223372036854775807 + 1\n", EXEC_OVERFLOW, 0},
    {"def solution():\n    return 99999999999999999999\n", EXEC_OVERFLOW, 0},
    {"def solution():\n    while True:\n        pass\n", EXEC_STEP_LIMIT, 0},
    {"def solution():\n    return [0] * 10**9\n", EXEC_SIZE_LIMIT, 0},
    {"def solution():\n    return 'a' * 10**9\n", EXEC_SIZE_LIMIT, 0},
    {"def solution():\n    return list(range(10**12))\n", EXEC_SIZE_LIMIT, 0},
    {"def solution():\n    x = [0]\n    while True:\n        x = x + x\n", EXEC_SIZE_LIMIT, 0},
    {"def solution():\n    x = []\n    while True:\n        x.append(1)\n", EXEC_STEP_LIMIT, 0},
    {"def f(n):\n    return f(n + 1)\ndef solution():\n    return f(0)\n", EXEC_RECURSION_LIMIT, 0},
    {"def solution():\n    s = 'ab'\n    while True:\n        s = s + s\n", EXEC_SIZE_LIMIT, 0},
    {"def solution():\n    return [[1] * 1000 for _ in range(100000)]\n", EXEC_MEMORY_LIMIT, 0},
    {"import os\ndef solution():\n    return 1\n", EXEC_UNSUPPORTED, 0},
    {"from subprocess import run\ndef solution():\n    return 1\n", EXEC_UNSUPPORTED, 0},
    {"def solution():\n    return open('x')\n", EXEC_UNSUPPORTED, 0},
    {"def solution():\n    return __import__('os')\n", EXEC_UNSUPPORTED, 0},
    {"def solution():\n    return ().__class__\n", EXEC_UNSUPPORTED, 0},
    {"def solution():\n    return eval('1')\n", EXEC_UNSUPPORTED, 0},
    {"def solution():\n    return exec('x=1')\n", EXEC_UNSUPPORTED, 0},
    {"def solution():\n    return (lambda: 1)()\n", EXEC_UNSUPPORTED, 0},
    {"class A:\n    pass\ndef solution():\n    return 1\n", EXEC_UNSUPPORTED, 0},
    {"def solution():\n    try:\n        return 1\n    except Exception:\n        return 2\n", EXEC_UNSUPPORTED, 0},
    {"def solution():\n    return set([1])\n", EXEC_UNSUPPORTED, 0},
    {"def solution():\n    return 'x'.encode()\n", EXEC_UNSUPPORTED, 0},
    {"x = 1\n", EXEC_NO_PROGRAM, 0},
    {"def solve():\n    return 1\n", EXEC_NO_PROGRAM, 0},
    /* prefix mode: a cut program runs as far as it goes */
    {"def solution():\n    x = 1\n    for i in range(3):\n", EXEC_OK, 1},
    {"def solution():\n    x = 5\n    if x > 3:\n", EXEC_OK, 1},
    {"def solution():\n    x = 1\n", EXEC_OK, 1},
    {"def solution():\n", EXEC_OK, 1},
    {"def solution():\n    x = 1\n    y = x / 0\n", EXEC_ERROR, 1},
    {"def solution():\n    while True:\n        x = 1\n", EXEC_STEP_LIMIT, 1},
    {"def solution():\n    return open('f')\n", EXEC_UNSUPPORTED, 1},
    {"def solution():\n    x = 1\n    for i in range(3):\n", EXEC_ERROR, 0},
};

static void test_outcomes(void)
{
    for (size_t i = 0; i < sizeof OUTCOME_CASES / sizeof OUTCOME_CASES[0]; i++) {
        const outcome_case *c = &OUTCOME_CASES[i];
        clock_t t0 = clock();
        exec_result r = run_src(c->src, c->prefix, NULL);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        CHECK_MSG(r.outcome == c->outcome, "%s-> %s (%s %s), want %s", c->src, exec_outcome_name(r.outcome),
                  r.error_type, r.error_message, exec_outcome_name(c->outcome));
        CHECK_MSG(secs < 2.0, "%s took %.2f s", c->src, secs); /* hostile programs end quickly */
        exec_result_free(&r);
    }
    exec_result r = run_src("def solution():\n    x = 1\n    y = x / 0\n", 1, NULL);
    CHECK(r.outcome == EXEC_ERROR && r.line == 3 && !strcmp(r.error_type, "ZeroDivisionError"));
    exec_result_free(&r);
}

static void test_limits_respected(void)
{
    exec_limits lim;
    exec_limits_default(&lim);
    lim.max_steps = 50;
    exec_result r = run_src("def solution():\n    t = 0\n    for i in range(100):\n        t += i\n    return t\n", 0, &lim);
    CHECK(r.outcome == EXEC_STEP_LIMIT && r.steps > 50);
    exec_result_free(&r);
    lim.max_steps = 1000000;
    lim.max_depth = 5;
    r = run_src("def f(n):\n    return 1 if n == 0 else f(n - 1)\ndef solution():\n    return f(3)\n", 0, &lim);
    CHECK(r.outcome == EXEC_OK);
    exec_result_free(&r);
    r = run_src("def f(n):\n    return 1 if n == 0 else f(n - 1)\ndef solution():\n    return f(10)\n", 0, &lim);
    CHECK(r.outcome == EXEC_RECURSION_LIMIT);
    exec_result_free(&r);
    lim.max_seq_len = 10;
    r = run_src("def solution():\n    return list(range(11))\n", 0, &lim);
    CHECK(r.outcome == EXEC_SIZE_LIMIT);
    exec_result_free(&r);
}

/* A typical teacher program parses and runs in tens of microseconds. */
static void test_speed(void)
{
    const char *src =
        "def solution():\n"
        "    \"\"\"Kylar buys 16 glasses; every second one costs 60%.\"\"\"\n"
        "    glasses_count = 16\n"
        "    full_price_glass = 5\n"
        "    discount_glass_price = 0.6 * full_price_glass\n"
        "    total_cost = ((glasses_count + 1) // 2) * (full_price_glass + discount_glass_price)\n"
        "    items = [full_price_glass, discount_glass_price] * 8\n"
        "    check = sum(x for x in items if x > 0)\n"
        "    result = round(total_cost, 2)\n"
        "    return result\n";
    exec_limits lim;
    exec_limits_default(&lim);
    int n = 2000;
    clock_t t0 = clock();
    int ok = 1;
    for (int i = 0; i < n; i++) {
        exec_result r;
        pad_error err;
        ok &= exec_run(EXEC_BUILTIN, src, strlen(src), &lim, &r, &err) == PAD_OK && r.outcome == EXEC_OK &&
              !strcmp(r.value_str, "64.0");
        exec_result_free(&r);
    }
    double us = (double)(clock() - t0) / CLOCKS_PER_SEC / n * 1e6;
    CHECK(ok);
    CHECK_MSG(us < 500, "%.1f us per run", us); /* generous: also holds under sanitizers */
}

int main(void)
{
    RUN(test_values);
    RUN(test_errors);
    RUN(test_result_fields);
    RUN(test_syntax_and_runtime_errors);
    RUN(test_outcomes);
    RUN(test_limits_respected);
    RUN(test_speed);
    return check_finish();
}
