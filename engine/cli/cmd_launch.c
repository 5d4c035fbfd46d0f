/* pad launch: `pad run` on parallel.gpus ranks, started through mpirun. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"

static const char usage[] =
    "usage: pad launch RECIPE [--set PATH=VALUE ...] [--dry-run]\n"
    "\n"
    "Starts `pad run RECIPE` as parallel.gpus data-parallel ranks on this\n"
    "machine through mpirun (one process per GPU; on the CPU backend, one per\n"
    "CPU rank).  With parallel.gpus 1 it is `pad run`.  Environment:\n"
    "  PAD_MPIRUN         the launcher (default mpirun)\n"
    "  PAD_MPIRUN_ARGS    extra launcher arguments, split at spaces\n"
    "                     (e.g. \"--hostfile hosts\" for several machines)\n"
    "  PAD_DIST_TIMEOUT_S how long a rank waits in one collective before the\n"
    "                     job is aborted (default 300)\n"
    "  --set PATH=VALUE  override a field (passed on to every rank)\n"
    "  --dry-run         print the command instead of running it\n";

typedef struct argv_list {
    char **items;
    int count, cap;
} argv_list;

static int push(argv_list *a, const char *s)
{
    if (a->count + 2 > a->cap) {
        int cap = a->cap ? 2 * a->cap : 32;
        char **grown = realloc(a->items, (size_t)cap * sizeof *grown);
        if (!grown) return -1;
        a->items = grown;
        a->cap = cap;
    }
    a->items[a->count++] = (char *)s;
    a->items[a->count] = NULL;
    return 0;
}

/* mpirun -np N [launcher options] /path/to/pad run ARGS (without --dry-run) */
static int build(argv_list *a, int ranks, char *extra, const char *self, int argc, char **argv)
{
    static char np[16];
    snprintf(np, sizeof np, "%d", ranks);
    const char *mpirun = getenv("PAD_MPIRUN");
    int bad = push(a, mpirun && *mpirun ? mpirun : "mpirun") | push(a, "-np") | push(a, np);
    /* OpenMPI refuses root without it, and more ranks than cores without
     * --oversubscribe: CPU ranks on a small machine are meant that way */
    if (geteuid() == 0) bad |= push(a, "--allow-run-as-root");
    if (ranks > sysconf(_SC_NPROCESSORS_ONLN)) bad |= push(a, "--oversubscribe");
    for (char *tok = extra ? strtok(extra, " ") : NULL; tok; tok = strtok(NULL, " ")) bad |= push(a, tok);
    bad |= push(a, self) | push(a, "run");
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--dry-run")) bad |= push(a, argv[i]);
    return bad;
}

int cmd_launch(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    cli_recipe_argv args;
    int dry_run = 0;
    int status = cli_recipe_args(argc, argv, usage, "--dry-run", &dry_run, &args);
    if (status) return status;
    recipe r;
    if ((status = cli_load_recipe(&args, &r))) return status;
    int ranks = r.parallel.gpus;
    recipe_free(&r);
    if (ranks == 1 && !dry_run) return cmd_run(argc, argv);
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "pad: error: cannot find the pad binary (/proc/self/exe): %s\n", strerror(errno));
        return 1;
    }
    self[n] = '\0';
    const char *extra_env = getenv("PAD_MPIRUN_ARGS");
    char *extra = extra_env ? strdup(extra_env) : NULL;
    argv_list a = {0};
    if (build(&a, ranks, extra, self, argc, argv)) {
        fprintf(stderr, "pad: error: out of memory\n");
        status = 1;
    } else if (dry_run) {
        for (int i = 0; i < a.count; i++) printf("%s%s", i ? " " : "", a.items[i]);
        printf("\n");
    } else {
        fflush(NULL);
        execvp(a.items[0], a.items);
        fprintf(stderr, "pad: error: cannot start %s: %s (install OpenMPI: openmpi-bin)\n", a.items[0],
                strerror(errno));
        status = 1;
    }
    free(a.items);
    free(extra);
    return status;
}
