/* pad: the CPython executor, a sandboxed python3 child process per program.
 *
 * The program is written to a fresh temporary directory (the child's working
 * directory, removed afterwards with everything in it).  A small harness,
 * passed with -c, compiles and runs it, calls solution() and writes one JSON
 * line on fd 3 describing the value or the exception; the program's own
 * stdout/stderr go to /dev/null.
 *
 * The sandbox, in layers (none is perfect alone):
 *  - rlimits set in the child before exec: CPU seconds = ceil(timeout_s),
 *    address space = max(max_memory, PYRUN_MIN_AS) because the interpreter
 *    itself needs ~100 MB of address space before the program allocates
 *    anything, file size 0 (no writes to regular files), no core files, no new
 *    processes (RLIMIT_NPROC 0 is not enforced for root, hence the next layer);
 *  - an audit hook (sys.addaudithook cannot be removed from Python) refuses
 *    opening files for writing, deleting or renaming files, starting processes,
 *    sockets and ctypes: the program sees a PermissionError;
 *  - a new network namespace (unshare(CLONE_NEWNET)) where permitted: no
 *    network at all; silently skipped where not;
 *  - python3 -I -S -B: isolated mode (no environment variables, no user site,
 *    no script directory on sys.path), no site, no bytecode files; the
 *    environment is cleared except PATH and LANG; every other fd is closed;
 *  - the parent's wall clock: at timeout_s the whole process group is killed.
 *
 * python3 is looked up once per process in PATH and resolved to the real
 * interpreter (sys.executable): version-manager shims cost ~60 ms a start. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "exec/exec_internal.h"

#define PYRUN_MIN_AS ((size_t)256 << 20)
#define PYRUN_MAX_OUTPUT ((size_t)64 << 20)
#define PYRUN_RESULT_FD 3

/* argv: program path, max call depth, max value length.  Writes one JSON
 * object on fd 3: {"outcome": exec_outcome_name, ...}. */
static const char harness_py[] =
    "import sys, json, os, traceback\n"
    "sys.dont_write_bytecode = True\n"
    "W = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC\n"
    "BLOCKED = ('os.system', 'os.exec', 'os.posix_spawn', 'os.spawn', 'os.fork', 'os.forkpty',\n"
    "  'os.kill', 'os.killpg', 'os.remove', 'os.rename', 'os.rmdir', 'os.mkdir', 'os.chmod',\n"
    "  'os.chown', 'os.link', 'os.symlink', 'os.truncate', 'os.utime', 'os.chroot', 'os.setuid',\n"
    "  'subprocess.', 'socket.', 'ctypes.', 'shutil.', 'pty.', 'mmap.', 'winreg.')\n"
    "def hook(ev, args):\n"
    "    if ev == 'open':\n"
    "        mode, flags = args[1], args[2]\n"
    "        if (isinstance(flags, int) and flags & W) or (isinstance(mode, str) and any(c in mode for c in 'wax+')):\n"
    "            raise PermissionError('pad sandbox: writing files is not allowed')\n"
    "    elif ev.startswith(BLOCKED):\n"
    "        raise PermissionError('pad sandbox: ' + ev + ' is not allowed')\n"
    "def line_of(e):\n"
    "    line = 0\n"
    "    for fr, ln in traceback.walk_tb(e.__traceback__):\n"
    "        if fr.f_code.co_filename == '<program>':\n"
    "            line = ln\n"
    "    return line\n"
    "def failure(outcome, e, line):\n"
    "    msg = e.msg if isinstance(e, SyntaxError) else str(e)\n"
    "    return {'outcome': outcome, 'error_type': type(e).__name__, 'message': msg, 'line': line or 0}\n"
    "def depth():\n"
    "    f, n = sys._getframe(1), 0\n"
    "    while f is not None:\n"
    "        f, n = f.f_back, n + 1\n"
    "    return n\n"
    "def describe(v, max_len):\n"
    "    if isinstance(v, int) and not -2**63 <= v < 2**63:\n"
    "        return {'outcome': 'overflow', 'message': 'integer result beyond 64 bits'}\n"
    "    r, s = repr(v), str(v)\n"
    "    if len(r) > max_len or len(s) > max_len:\n"
    "        return {'outcome': 'size_limit', 'message': 'result longer than %d' % max_len}\n"
    "    d = {'outcome': 'ok', 'repr': r, 'str': s}\n"
    "    if isinstance(v, (int, float)):\n"
    "        d['number'] = repr(float(v))\n"
    "    return d\n"
    "def run(src, max_depth, max_len):\n"
    "    try:\n"
    "        code = compile(src, '<program>', 'exec', dont_inherit=True)\n"
    "    except (SyntaxError, ValueError) as e:\n"
    "        return failure('error', e, getattr(e, 'lineno', 0))\n"
    "    g = {'__name__': '__main__'}\n"
    "    sys.setrecursionlimit(depth() + max_depth)\n"
    "    try:\n"
    "        exec(code, g)\n"
    "        fn = g.get('solution')\n"
    "        if not callable(fn):\n"
    "            return {'outcome': 'no_program', 'message': 'no solution() defined'}\n"
    "        return describe(fn(), max_len)\n"
    "    except RecursionError as e:\n"
    "        return failure('recursion_limit', e, line_of(e))\n"
    "    except MemoryError as e:\n"
    "        return failure('memory_limit', e, line_of(e))\n"
    "    except BaseException as e:\n"
    "        return failure('error', e, line_of(e))\n"
    "    finally:\n"
    "        sys.setrecursionlimit(1000)\n"
    "def main():\n"
    "    out = open(3, 'w', encoding='utf-8', errors='backslashreplace')\n"
    "    with open(sys.argv[1], 'rb') as f:\n"
    "        src = f.read()\n"
    "    sys.addaudithook(hook)\n"
    "    try:\n"
    "        res = run(src, int(sys.argv[2]), int(sys.argv[3]))\n"
    "    except MemoryError as e:\n"
    "        res = failure('memory_limit', e, 0)\n"
    "    except BaseException as e:\n"
    "        res = failure('error', e, 0)\n"
    "    out.write(json.dumps(res) + '\\n')\n"
    "    out.flush()\n"
    "main()\n";

/* ---- finding python3 (once per process) ---- */

typedef struct spawn_spec {
    const char *exe;
    char **argv;
    char **envp;
    const char *cwd;          /* NULL: inherit */
    const exec_limits *lim;   /* NULL: no sandbox (resolving the interpreter) */
    int result_fd;            /* the child's fd for the pipe the parent reads */
} spawn_spec;

typedef struct child_outcome {
    char *output;             /* what the child wrote on result_fd, NUL-terminated */
    size_t len;
    int status;               /* waitpid status */
    int timed_out;            /* killed by the parent's wall clock */
} child_outcome;

static pad_status run_child(const spawn_spec *s, double timeout_s, child_outcome *co, pad_error *err);

static pthread_once_t python_once = PTHREAD_ONCE_INIT;
static char python_path[4096];
static char python_problem[512];

static int find_in_path(const char *name, char *out, size_t size)
{
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && snprintf(out, size, "%.*s/%s", (int)n, path, name) < (int)size) {
            struct stat st;
            if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0) return 1;
        }
        path += n + (path[n] == ':');
    }
    return 0;
}

static void resolve_python(void)
{
    char found[4096];
    if (!find_in_path("python3", found, sizeof found)) {
        snprintf(python_problem, sizeof python_problem,
                 "the python executor needs python3, and there is none in PATH");
        return;
    }
    char *argv[] = {found, "-I", "-S", "-c", "import sys; sys.stdout.write(sys.executable)", NULL};
    char *envp[] = {NULL, NULL};
    char path_env[4096];
    const char *path = getenv("PATH");
    if (path && snprintf(path_env, sizeof path_env, "PATH=%s", path) < (int)sizeof path_env)
        envp[0] = path_env;
    spawn_spec s = {.exe = found, .argv = argv, .envp = envp, .result_fd = 1};
    child_outcome co;
    pad_error err;
    pad_error_clear(&err);
    if (run_child(&s, 20.0, &co, &err)) {
        snprintf(python_problem, sizeof python_problem, "%.400s: %.100s", found, err.message);
        return;
    }
    int ok = WIFEXITED(co.status) && WEXITSTATUS(co.status) == 0;
    if (ok && co.len > 0 && co.len < sizeof python_path && access(co.output, X_OK) == 0)
        memcpy(python_path, co.output, co.len + 1);
    else if (ok)
        snprintf(python_path, sizeof python_path, "%s", found);
    else
        snprintf(python_problem, sizeof python_problem, "%.400s does not run (status %d)", found, co.status);
    free(co.output);
}

static pad_status python_executable(const char **path, pad_error *err)
{
    pthread_once(&python_once, resolve_python);
    if (!python_path[0]) return pad_error_set(err, PAD_ERR_UNSUPPORTED, "%s", python_problem);
    *path = python_path;
    return PAD_OK;
}

/* ---- the child ---- */

static void child_limits(const exec_limits *lim)
{
    rlim_t cpu = (rlim_t)ceil(lim->timeout_s > 0 ? lim->timeout_s : 1.0);
    if (cpu < 1) cpu = 1;
    size_t as = lim->max_memory > PYRUN_MIN_AS ? lim->max_memory : PYRUN_MIN_AS;
    struct rlimit r = {cpu, cpu + 1}; /* SIGXCPU first, SIGKILL a second later */
    setrlimit(RLIMIT_CPU, &r);
    r.rlim_cur = r.rlim_max = (rlim_t)as;
    setrlimit(RLIMIT_AS, &r);
    r.rlim_cur = r.rlim_max = 0;
    setrlimit(RLIMIT_FSIZE, &r);
    setrlimit(RLIMIT_CORE, &r);
    setrlimit(RLIMIT_NPROC, &r);
    (void)unshare(CLONE_NEWNET);
}

/* Between fork and exec: async-signal-safe calls only (the parent may have
 * threads).  Reports a failed exec's errno on err_fd. */
static void child_exec(const spawn_spec *s, int wr, int err_fd)
{
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    const int reset[] = {SIGXCPU, SIGXFSZ, SIGPIPE, SIGINT, SIGTERM, SIGCHLD, SIGALRM};
    for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++) sigaction(reset[i], &dfl, NULL);

    /* move the pipes above the stdio numbers before rearranging those */
    int high_wr = fcntl(wr, F_DUPFD, 10);
    int high_err = fcntl(err_fd, F_DUPFD_CLOEXEC, 10);
    int null_fd = open("/dev/null", O_RDWR);
    int e;
    if (high_wr < 0 || high_err < 0 || null_fd < 0) goto fail;
    for (int fd = 0; fd <= 2; fd++)
        if (fd != s->result_fd && dup2(null_fd, fd) < 0) goto fail;
    if (dup2(high_wr, s->result_fd) < 0) goto fail;
    /* everything above result_fd closes at exec (err_fd must live until then) */
    if (close_range((unsigned)s->result_fd + 1, ~0u, CLOSE_RANGE_CLOEXEC) != 0)
        for (int fd = s->result_fd + 1; fd < 1024; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (s->cwd && chdir(s->cwd) != 0) goto fail;
    if (s->lim) child_limits(s->lim);
    execve(s->exe, s->argv, s->envp);
fail:
    e = errno;
    if (write(high_err >= 0 ? high_err : err_fd, &e, sizeof e) < 0) _exit(126);
    _exit(127);
}

/* ---- the parent ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Reads until EOF or the deadline.  0 on EOF, 1 at the deadline, -1 out of memory. */
static int read_until(int rd, double deadline, child_outcome *co)
{
    size_t cap = 0;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0) return 1;
        struct pollfd p = {.fd = rd, .events = POLLIN};
        int n = poll(&p, 1, (int)(left * 1000.0) + 1);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) continue;
        if (co->len + 4097 > cap) {
            if (cap >= PYRUN_MAX_OUTPUT) return 0; /* the rest is not ours to keep */
            size_t want = cap ? cap * 2 : 8192;
            char *bigger = realloc(co->output, want);
            if (!bigger) return -1;
            co->output = bigger;
            cap = want;
        }
        ssize_t got = read(rd, co->output + co->len, cap - co->len - 1);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (got <= 0) return 0;
        co->len += (size_t)got;
    }
}

/* Waits for the child to exit (until the deadline), kills whatever is left of
 * its process group while the exited leader still holds the group id, then
 * reaps it.  Never leaves a zombie. */
static void reap(pid_t pid, double deadline, child_outcome *co)
{
    for (;;) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        int rc = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0 || si.si_pid == pid) break;
        if (now_s() >= deadline) {
            co->timed_out = 1;
            break;
        }
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, &co->status, 0) < 0 && errno == EINTR) {}
}

static pad_status run_child(const spawn_spec *s, double timeout_s, child_outcome *co, pad_error *err)
{
    memset(co, 0, sizeof *co);
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return pad_error_set(err, PAD_ERR_IO, "pipe: %s", strerror(errno));
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        int e = errno;
        close(out_pipe[0]);
        close(out_pipe[1]);
        return pad_error_set(err, PAD_ERR_IO, "pipe: %s", strerror(e));
    }
    pid_t pid = fork();
    if (pid == 0) child_exec(s, out_pipe[1], err_pipe[1]);
    int fork_errno = errno;
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (pid < 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        return pad_error_set(err, PAD_ERR_IO, "fork: %s", strerror(fork_errno));
    }
    double deadline = now_s() + timeout_s;
    int exec_errno = 0;
    ssize_t got;
    while ((got = read(err_pipe[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {}
    close(err_pipe[0]);
    int r = got == (ssize_t)sizeof exec_errno ? 0 : read_until(out_pipe[0], deadline, co);
    close(out_pipe[0]);
    if (r == 1) co->timed_out = 1;
    reap(pid, co->timed_out ? 0.0 : deadline, co);
    if (co->output) co->output[co->len] = '\0';
    if (got == (ssize_t)sizeof exec_errno || r < 0) {
        free(co->output);
        co->output = NULL;
        if (r < 0) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory reading python's result");
        return pad_error_set(err, PAD_ERR_IO, "cannot start %s: %s", s->exe, strerror(exec_errno));
    }
    return PAD_OK;
}

/* ---- the temporary directory ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static pad_status write_program(const char *dir, const char *source, size_t len, char *path,
                                size_t size, pad_error *err)
{
    snprintf(path, size, "%s/program.py", dir);
    FILE *f = fopen(path, "wb");
    pad_status st = PAD_OK;
    if (!f) {
        st = pad_error_set(err, PAD_ERR_IO, "%s", strerror(errno));
    } else {
        size_t wrote = fwrite(source, 1, len, f);
        if ((fclose(f) != 0) | (wrote != len)) st = pad_error_set(err, PAD_ERR_IO, "cannot write the program");
    }
    if (st) pad_error_file(err, path);
    return st;
}

/* ---- the result ---- */

static exec_outcome outcome_named(const char *name)
{
    for (int o = 0; o < EXEC_OUTCOME_COUNT; o++)
        if (strcmp(exec_outcome_name((exec_outcome)o), name) == 0) return (exec_outcome)o;
    return EXEC_ERROR;
}

static const char *json_string(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* -1 when the output holds no result line (the program may have written
 * anything on fd 3), else PAD_OK or an error of pad's own. */
static int parse_result(const child_outcome *co, exec_result *out, pad_error *err)
{
    if (!co->output) return -1;
    const char *nl = memchr(co->output, '\n', co->len);
    cJSON *json = cJSON_ParseWithLength(co->output, nl ? (size_t)(nl - co->output) : co->len);
    const char *name = json ? json_string(json, "outcome") : NULL;
    if (!name) {
        cJSON_Delete(json);
        return -1;
    }
    out->outcome = outcome_named(name);
    const char *type = json_string(json, "error_type"), *msg = json_string(json, "message");
    snprintf(out->error_type, sizeof out->error_type, "%s", type ? type : "");
    snprintf(out->error_message, sizeof out->error_message, "%s", msg ? msg : "");
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(json, "line");
    out->line = cJSON_IsNumber(line) ? line->valueint : 0;
    const char *repr = json_string(json, "repr"), *str = json_string(json, "str");
    const char *number = json_string(json, "number");
    pad_status st = PAD_OK;
    if (out->outcome == EXEC_OK) {
        out->value_repr = strdup(repr ? repr : "");
        out->value_str = strdup(str ? str : "");
        if (!out->value_repr || !out->value_str) {
            exec_result_free(out);
            st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        }
        if (number) {
            out->is_number = 1;
            out->number = strtod(number, NULL);
        }
    }
    cJSON_Delete(json);
    return st;
}

/* No JSON line: the process was stopped from outside, or left on its own. */
static void classify_silent_exit(const child_outcome *co, exec_result *out)
{
    int sig = WIFSIGNALED(co->status) ? WTERMSIG(co->status) : 0;
    if (co->timed_out || sig == SIGXCPU) {
        out->outcome = EXEC_TIMEOUT;
        snprintf(out->error_message, sizeof out->error_message, "time limit exceeded");
    } else if (sig == SIGKILL || sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS) {
        out->outcome = EXEC_MEMORY_LIMIT; /* the kernel's or CPython's last resort */
        snprintf(out->error_message, sizeof out->error_message, "python3 died of signal %d", sig);
    } else {
        out->outcome = EXEC_ERROR;
        snprintf(out->error_type, sizeof out->error_type, "SystemExit");
        snprintf(out->error_message, sizeof out->error_message,
                 "python3 ended without a result (status %d)",
                 sig ? 128 + sig : WEXITSTATUS(co->status));
    }
}

pad_status exec_python_run(const char *source, size_t len, const exec_limits *lim,
                           exec_result *out, pad_error *err)
{
    memset(out, 0, sizeof *out);
    exec_limits defaults;
    if (!lim) {
        exec_limits_default(&defaults);
        lim = &defaults;
    }
    const char *python;
    pad_status st = python_executable(&python, err);
    if (st) return st;

    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/pad-exec-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return pad_error_set(err, PAD_ERR_IO, "mkdtemp %s: %s", dir, strerror(errno));

    char program[4200], depth[32], max_len[32], path_env[4096], lang_env[256];
    st = write_program(dir, source, len, program, sizeof program, err);
    if (!st) {
        snprintf(depth, sizeof depth, "%d", lim->max_depth > 0 ? lim->max_depth : 100);
        snprintf(max_len, sizeof max_len, "%zu", lim->max_seq_len ? lim->max_seq_len : (size_t)1 << 20);
        char *argv[] = {(char *)python, "-I", "-S", "-B", "-c", (char *)harness_py, "program.py",
                        depth, max_len, NULL};
        char *envp[3] = {NULL, NULL, NULL};
        int n = 0;
        const char *path = getenv("PATH"), *lang = getenv("LANG");
        if (path && snprintf(path_env, sizeof path_env, "PATH=%s", path) < (int)sizeof path_env)
            envp[n++] = path_env;
        if (lang && snprintf(lang_env, sizeof lang_env, "LANG=%s", lang) < (int)sizeof lang_env)
            envp[n++] = lang_env;
        spawn_spec s = {.exe = python, .argv = argv, .envp = envp, .cwd = dir, .lim = lim,
                        .result_fd = PYRUN_RESULT_FD};
        child_outcome co;
        st = run_child(&s, lim->timeout_s > 0 ? lim->timeout_s : 5.0, &co, err);
        if (!st) {
            int r = co.timed_out ? -1 : parse_result(&co, out, err);
            if (r < 0) classify_silent_exit(&co, out);
            else st = (pad_status)r;
            free(co.output);
        }
    }
    remove_tree(dir);
    return st;
}
