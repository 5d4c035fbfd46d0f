/* The executors on hostile and runaway programs, and the CPython executor on
 * ordinary ones: values, errors with lines, limits, no files written, no
 * zombies, no temporary directories left.  Without python3 in PATH the
 * CPython cases are skipped (with a note). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/rng.h"
#include "exec/exec.h"

static int have_python;
static char private_tmp[512];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs `src`; returns the pad status, *seconds the wall time taken. */
static pad_status run(exec_engine engine, const char *src, double timeout_s, exec_result *r, double *seconds)
{
    exec_limits lim;
    exec_limits_default(&lim);
    lim.timeout_s = timeout_s;
    pad_error err;
    pad_error_clear(&err);
    double t0 = now_s();
    pad_status st = exec_run(engine, src, strlen(src), &lim, r, &err);
    if (seconds) *seconds = now_s() - t0;
    if (st) fprintf(stderr, "exec_run: %s\n", err.message);
    return st;
}

static int dir_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static int no_children_left(void)
{
    return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void test_python_values(void)
{
    /* random operands: the value must be computed, not recalled */
    pad_rng rng;
    pad_rng_init(&rng, 7, 0);
    for (int i = 0; i < 4; i++) {
        long a = (long)(pad_rng_next_u32(&rng) % 100000) - 50000;
        long b = (long)(pad_rng_next_u32(&rng) % 997) + 3;
        long c = (long)(pad_rng_next_u32(&rng) % 1000) + 1;
        char src[512], want[64];
        snprintf(src, sizeof src,
                 "def helper(x):\n    return x * %ld\n\ndef solution():\n    a = %ld\n"
                 "    print('noise on stdout')\n    return helper(a) // %ld - a %% %ld\n",
                 b, a, c, c);
        long q = (a * b) / c, m = a % c;
        if ((a * b) % c != 0 && ((a * b) < 0) != (c < 0)) q--; /* Python floors */
        if (m != 0 && (m < 0) != (c < 0)) m += c;
        snprintf(want, sizeof want, "%ld", q - m);
        exec_result r;
        CHECK(run(EXEC_PYTHON, src, 5.0, &r, NULL) == PAD_OK);
        CHECK_MSG(r.outcome == EXEC_OK && r.value_str && strcmp(r.value_str, want) == 0,
                  "%s -> %s, want %s", src, r.value_str ? r.value_str : exec_outcome_name(r.outcome), want);
        CHECK(r.is_number && r.number == (double)(q - m));
        exec_result_free(&r);
    }
    exec_result r;
    CHECK(run(EXEC_PYTHON, "def solution():\n    return 0.1 + 0.2\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_OK && strcmp(r.value_str, "0.30000000000000004") == 0);
    CHECK(r.is_number && fabs(r.number - 0.3) < 1e-15);
    exec_result_free(&r);
    CHECK(run(EXEC_PYTHON, "def solution():\n    return ['a', (1, 2.5), {'k': None}]\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_OK && strcmp(r.value_repr, "['a', (1, 2.5), {'k': None}]") == 0 && !r.is_number);
    exec_result_free(&r);
    CHECK(run(EXEC_PYTHON, "def solution():\n    return 'yes'\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_OK && strcmp(r.value_str, "yes") == 0 && strcmp(r.value_repr, "'yes'") == 0);
    exec_result_free(&r);
}

static void test_python_errors(void)
{
    exec_result r;
    CHECK(run(EXEC_PYTHON, "def solution():\n    eggs = 16\n    return eggs // (eggs - 16)\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_ERROR && strcmp(r.error_type, "ZeroDivisionError") == 0 && r.line == 3);
    CHECK(!r.value_str && !r.value_repr);
    CHECK(run(EXEC_PYTHON, "def f():\n    return cups\n\ndef solution():\n    return f()\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_ERROR && strcmp(r.error_type, "NameError") == 0 && r.line == 2);
    CHECK(strcmp(r.error_message, "name 'cups' is not defined") == 0);
    CHECK(run(EXEC_PYTHON, "def solution():\n    x = 1\n    if x > 0\n        return x\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_ERROR && strcmp(r.error_type, "SyntaxError") == 0 && r.line == 3);
    CHECK(run(EXEC_PYTHON, "result = 42\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_NO_PROGRAM);
    CHECK(run(EXEC_PYTHON, "def solution():\n    return 3 ** 45\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_OVERFLOW);
    CHECK(run(EXEC_PYTHON, "import os\ndef solution():\n    os._exit(0)\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_ERROR);
}

static void test_python_limits(void)
{
    exec_result r;
    double s;
    CHECK(run(EXEC_PYTHON, "def solution():\n    while True:\n        pass\n", 1.0, &r, &s) == PAD_OK);
    CHECK_MSG(r.outcome == EXEC_TIMEOUT && s < 3.0, "%s after %.2fs", exec_outcome_name(r.outcome), s);
    /* the program closes the result pipe and sleeps: the wall clock still wins */
    CHECK(run(EXEC_PYTHON, "import os, time\ndef solution():\n    os.close(3)\n    time.sleep(100)\n", 1.0, &r, &s) == PAD_OK);
    CHECK_MSG(r.outcome == EXEC_TIMEOUT && s < 3.0, "%s after %.2fs", exec_outcome_name(r.outcome), s);
    CHECK(run(EXEC_PYTHON, "def solution():\n    x = ' ' * 10**10\n    return len(x)\n", 5.0, &r, &s) == PAD_OK);
    CHECK_MSG(r.outcome == EXEC_MEMORY_LIMIT && s < 5.0, "%s after %.2fs", exec_outcome_name(r.outcome), s);
    CHECK(run(EXEC_PYTHON, "def f(n):\n    return f(n + 1) + 1\ndef solution():\n    return f(0)\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_RECURSION_LIMIT && r.line == 2);
    /* depth 100 counting solution() itself is allowed (exec_limits_default) */
    CHECK(run(EXEC_PYTHON, "def f(n):\n    return 1 if n == 0 else 1 + f(n - 1)\ndef solution():\n    return f(98)\n",
              5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_OK && strcmp(r.value_str, "99") == 0);
    exec_result_free(&r);
}

/* Programs that try to write files or start processes: nothing appears. */
static void test_python_no_writes(void)
{
    char target[256], src[1024];
    snprintf(target, sizeof target, "/tmp/pad_pwned_%d", (int)getpid());
    const char *attempts[] = {
        "def solution():\n    open('%s', 'w').write('x')\n    return 1\n",
        "import os\ndef solution():\n    return os.system('echo x > %s')\n",
        "import os\ndef solution():\n    fd = os.open('%s', os.O_CREAT | os.O_WRONLY)\n    return fd\n",
        "import subprocess\ndef solution():\n    return subprocess.call(['touch', '%s'])\n",
    };
    for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; i++) {
        snprintf(src, sizeof src, attempts[i], target);
        exec_result r;
        CHECK(run(EXEC_PYTHON, src, 5.0, &r, NULL) == PAD_OK);
        CHECK_MSG(r.outcome == EXEC_ERROR && strcmp(r.error_type, "PermissionError") == 0,
                  "attempt %zu: %s %s", i, exec_outcome_name(r.outcome), r.error_type);
        CHECK_MSG(access(target, F_OK) != 0, "attempt %zu created %s", i, target);
        unlink(target);
        exec_result_free(&r);
    }
}

static void test_python_cleanup(void)
{
    CHECK_MSG(dir_entries(private_tmp) == 0, "%d entries left in %s", dir_entries(private_tmp), private_tmp);
    CHECK(no_children_left());
}

/* The built-in executor refuses what is outside the subset, and stops loops. */
static void test_builtin_hostile(void)
{
    const char *refused[] = {
        "import os\ndef solution():\n    return os.system('touch /tmp/pad_pwned')\n",
        "def solution():\n    open('/tmp/pad_pwned', 'w').write('x')\n    return 1\n",
        "def solution():\n    return eval('1 + 1')\n",
        "def solution():\n    return ().__class__.__bases__[0].__subclasses__()\n",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        exec_result r;
        CHECK(run(EXEC_BUILTIN, refused[i], 5.0, &r, NULL) == PAD_OK);
        CHECK_MSG(r.outcome == EXEC_UNSUPPORTED, "program %zu: %s", i, exec_outcome_name(r.outcome));
        exec_result_free(&r);
    }
    exec_result r;
    double s;
    CHECK(run(EXEC_BUILTIN, "def solution():\n    while True:\n        pass\n", 5.0, &r, &s) == PAD_OK);
    CHECK_MSG(r.outcome == EXEC_STEP_LIMIT && s < 5.0, "%s after %.2fs", exec_outcome_name(r.outcome), s);
    CHECK(run(EXEC_BUILTIN, "def f(n):\n    return f(n + 1)\ndef solution():\n    return f(0)\n", 5.0, &r, NULL) == PAD_OK);
    CHECK(r.outcome == EXEC_RECURSION_LIMIT);
    CHECK(run(EXEC_BUILTIN, "def solution():\n    x = ' ' * 10**10\n    return len(x)\n", 5.0, &r, NULL) == PAD_OK);
    CHECK_MSG(r.outcome == EXEC_SIZE_LIMIT || r.outcome == EXEC_MEMORY_LIMIT, "%s", exec_outcome_name(r.outcome));
    exec_result_free(&r);
}

int main(void)
{
    snprintf(private_tmp, sizeof private_tmp, "%s", check_tmp_path("exec-tmp"));
    mkdir(private_tmp, 0700);
    setenv("TMPDIR", private_tmp, 1); /* so that leftovers can be counted */
    exec_result r;
    pad_error err;
    pad_error_clear(&err);
    const char *probe = "def solution():\n    return 1\n";
    pad_status st = exec_run(EXEC_PYTHON, probe, strlen(probe), NULL, &r, &err);
    have_python = st == PAD_OK;
    exec_result_free(&r);
    if (have_python) {
        RUN(test_python_values);
        RUN(test_python_errors);
        RUN(test_python_limits);
        RUN(test_python_no_writes);
        RUN(test_python_cleanup);
    } else {
        CHECK(st == PAD_ERR_UNSUPPORTED);
        printf("note: python3 is not available (%s); CPython cases skipped\n", err.message);
    }
    RUN(test_builtin_hostile);
    rmdir(private_tmp);
    *strrchr(private_tmp, '/') = '\0'; /* check_tmp_path's directory */
    rmdir(private_tmp);
    return check_finish();
}
