#include "train/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/log.h"
#include "io/fs.h"
#include "io/hf_checkpoint.h"
#include "io/json_file.h"
#include "io/safetensors.h"

#define MANIFEST_FORMAT "pad-checkpoint"
#define MANIFEST_VERSION 1
#define PAD_VERSION_STRING "0.1.0"
#define MAX_FILES (16 + 4096) /* the model files, and one optimizer shard per rank */

typedef struct file_entry {
    char name[64];
    int64_t bytes;
} file_entry;

/* ---- small helpers ---- */

static pad_status io_error(pad_error *err, const char *what, const char *path)
{
    pad_error_set(err, PAD_ERR_IO, "%s: %s", what, strerror(errno));
    return pad_error_file(err, path);
}

static char *step_dir(const char *root, int64_t step, const char *suffix)
{
    char name[64];
    snprintf(name, sizeof name, "step-%06" PRId64 "%s", step, suffix);
    return pad_path_join(root, name);
}

/* Checkpoint directories hold only files, so one level of unlinking
 * removes them. */
static void remove_flat_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char *p = pad_path_join(dir, e->d_name);
            if (p) unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static char *u64_string(uint64_t v, char buf[24])
{
    snprintf(buf, 24, "%" PRIu64, v);
    return buf;
}

/* ---- optimizer state ---- */

/* optimizer.safetensors, or this rank's shard of a sharded optimizer */
static char *optimizer_path(const char *dir, const pad_adamw *opt)
{
    char name[64];
    if (opt->shards > 1) snprintf(name, sizeof name, "optimizer.rank-%05d.safetensors", opt->shard);
    else snprintf(name, sizeof name, "%s", PAD_CHECKPOINT_OPTIMIZER);
    return pad_path_join(dir, name);
}

static pad_status write_optimizer(const pad_adamw *opt, const char *path, pad_error *err)
{
    pad_backend *be = opt->be;
    pad_dtype dt = be->stat_dtype;
    size_t bytes = opt->n * pad_dtype_size(dt);
    void *bufs[3] = {opt->m, opt->v, opt->master};
    static const char *const names[3] = {"adamw.m", "adamw.v", "adamw.master"};
    int count = opt->master ? 3 : 2;
    void *host = malloc(bytes * (size_t)count);
    if (!host) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for the optimizer state");
    pad_tensor t[3];
    int64_t shape[1] = {(int64_t)opt->n};
    for (int i = 0; i < count; i++) {
        be->ops->download(be, (char *)host + bytes * (size_t)i, bufs[i], bytes);
        pad_tensor_init(&t[i], names[i], dt, 1, shape, (char *)host + bytes * (size_t)i);
    }
    char step[24];
    safetensors_meta meta = {"step", u64_string((uint64_t)opt->step, step)};
    pad_status st = be->ops->sync(be, err);
    if (!st) st = safetensors_write(path, t, count, &meta, 1, err);
    free(host);
    return st ? pad_error_file(err, path) : PAD_OK;
}

static pad_status read_state_tensor(safetensors_file *f, const char *name, pad_backend *be,
                                    void *dst, size_t n, void *host, pad_error *err)
{
    const safetensors_entry *e = safetensors_find(f, name);
    if (!e) return pad_error_set(err, PAD_ERR_FORMAT, "optimizer state lacks '%s'", name);
    size_t bytes = n * pad_dtype_size(be->stat_dtype);
    if (e->dtype != be->stat_dtype || e->end - e->begin != bytes)
        return pad_error_set(err, PAD_ERR_FORMAT,
                             "optimizer tensor '%s' is not %zu %s values: another model or backend?",
                             name, n, pad_dtype_name(be->stat_dtype));
    pad_status st = safetensors_read_raw(f, e, host, err);
    if (!st) be->ops->upload(be, dst, host, bytes);
    return st;
}

static pad_status read_optimizer(pad_adamw *opt, const char *path, pad_error *err)
{
    safetensors_file f;
    pad_status st = safetensors_open(&f, path, err);
    if (st) return st;
    void *host = malloc(opt->n * pad_dtype_size(opt->be->stat_dtype));
    if (!host) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory for the optimizer state");
    if (!st) st = read_state_tensor(&f, "adamw.m", opt->be, opt->m, opt->n, host, err);
    if (!st) st = read_state_tensor(&f, "adamw.v", opt->be, opt->v, opt->n, host, err);
    if (!st && opt->master)
        st = read_state_tensor(&f, "adamw.master", opt->be, opt->master, opt->n, host, err);
    const char *step = safetensors_meta_get(&f, "step");
    if (!st && !step) st = pad_error_set(err, PAD_ERR_FORMAT, "optimizer state lacks its step");
    if (!st) opt->step = atoi(step);
    free(host);
    safetensors_close(&f);
    if (!st) st = opt->be->ops->sync(opt->be, err);
    return st ? pad_error_file(err, path) : PAD_OK;
}

/* Parameters by name from the checkpoint's own model.safetensors. */
static pad_status read_params(pad_model *m, const char *path, pad_error *err)
{
    safetensors_file f;
    pad_status st = safetensors_open(&f, path, err);
    if (st) return st;
    float *host = calloc(m->params.buffer_numel, sizeof *host);
    if (!host) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory for parameters");
    for (int i = 0; !st && i < m->params.count; i++) {
        const pad_param *p = &m->params.items[i];
        const safetensors_entry *e = safetensors_find(&f, p->name);
        int64_t numel = pad_param_numel(p);
        if (!e || e->dtype != PAD_F32 || (int64_t)(e->end - e->begin) != numel * 4)
            st = pad_error_set(err, PAD_ERR_FORMAT, "checkpoint does not fit the model: tensor '%s' %s",
                               p->name, e ? "has another shape or dtype" : "is missing");
        else st = safetensors_read_f32(&f, e, host + p->offset, err);
    }
    if (!st) st = pad_model_set_params(m, host, err);
    free(host);
    safetensors_close(&f);
    return st ? pad_error_file(err, path) : PAD_OK;
}

/* ---- manifest ---- */

static pad_status list_files(const char *dir, file_entry *files, int *count, pad_error *err)
{
    DIR *d = opendir(dir);
    if (!d) return io_error(err, "cannot list checkpoint directory", dir);
    struct dirent *e;
    *count = 0;
    pad_status st = PAD_OK;
    while (!st && (e = readdir(d))) {
        char *p = pad_path_join(dir, e->d_name);
        struct stat sb;
        if (p && !stat(p, &sb) && S_ISREG(sb.st_mode)) {
            if (*count == MAX_FILES || strlen(e->d_name) >= sizeof files->name)
                st = pad_error_set(err, PAD_ERR_INVALID, "unexpected file in checkpoint: %s", e->d_name);
            else {
                memcpy(files[*count].name, e->d_name, strlen(e->d_name) + 1);
                files[(*count)++].bytes = (int64_t)sb.st_size;
            }
        }
        free(p);
    }
    closedir(d);
    return st;
}

static cJSON *manifest_json(const pad_checkpoint_state *s, int opt_step, const file_entry *files,
                            int count)
{
    char buf[24];
    cJSON *j = cJSON_CreateObject(), *loader = cJSON_CreateObject(), *drop = cJSON_CreateObject();
    cJSON *list = cJSON_CreateArray();
    cJSON_AddStringToObject(j, "format", MANIFEST_FORMAT);
    cJSON_AddNumberToObject(j, "version", MANIFEST_VERSION);
    cJSON_AddStringToObject(j, "pad_version", PAD_VERSION_STRING);
    cJSON_AddNumberToObject(j, "step", (double)s->step);
    cJSON_AddNumberToObject(j, "optimizer_step", opt_step);
    /* 64-bit seeds as strings: JSON numbers are doubles */
    cJSON_AddStringToObject(loader, "seed", u64_string(s->loader.seed, buf));
    cJSON_AddNumberToObject(loader, "epoch", (double)s->loader.epoch);
    cJSON_AddNumberToObject(loader, "batch", (double)s->loader.batch);
    cJSON_AddItemToObject(j, "loader", loader);
    cJSON_AddStringToObject(drop, "seed", u64_string(s->dropout_seed, buf));
    cJSON_AddStringToObject(drop, "step", u64_string(s->dropout_step, buf));
    cJSON_AddItemToObject(j, "dropout", drop);
    /* %.17g round-trips a double; cJSON's own printing might not */
    char loss[32];
    snprintf(loss, sizeof loss, "%.17g", s->best_val_loss);
    if (isfinite(s->best_val_loss)) cJSON_AddStringToObject(j, "best_val_loss", loss);
    else cJSON_AddNullToObject(j, "best_val_loss");
    cJSON_AddNumberToObject(j, "best_step", (double)s->best_step);
    cJSON_AddNumberToObject(j, "bad_evals", s->bad_evals);
    cJSON_AddNumberToObject(j, "metrics_bytes", (double)s->metrics_bytes);
    cJSON_AddStringToObject(j, "recipe_hash", s->recipe_hash);
    cJSON_AddNumberToObject(j, "world_size", s->world_size > 1 ? s->world_size : 1);
    cJSON_AddNumberToObject(j, "optimizer_shards", s->optimizer_shards > 1 ? s->optimizer_shards : 1);
    for (int i = 0; i < count; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "name", files[i].name);
        cJSON_AddNumberToObject(f, "bytes", (double)files[i].bytes);
        cJSON_AddItemToArray(list, f);
    }
    cJSON_AddItemToObject(j, "files", list);
    return j;
}

static int get_num(const cJSON *o, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v)) return -1;
    *out = v->valuedouble;
    return 0;
}

static int get_u64(const cJSON *o, const char *key, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v)) return -1;
    char *end;
    errno = 0;
    *out = strtoull(v->valuestring, &end, 10);
    return errno || *end || end == v->valuestring ? -1 : 0;
}

static int parse_state(const cJSON *j, pad_checkpoint_state *s, int *opt_step)
{
    double step, ostep, epoch, batch, best_step, bad, mbytes;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(j, "format");
    const cJSON *loader = cJSON_GetObjectItemCaseSensitive(j, "loader");
    const cJSON *drop = cJSON_GetObjectItemCaseSensitive(j, "dropout");
    const cJSON *best = cJSON_GetObjectItemCaseSensitive(j, "best_val_loss");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(j, "recipe_hash");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, MANIFEST_FORMAT) || !cJSON_IsString(hash) ||
        get_num(j, "step", &step) || get_num(j, "optimizer_step", &ostep) ||
        get_num(loader, "epoch", &epoch) || get_num(loader, "batch", &batch) ||
        get_u64(loader, "seed", &s->loader.seed) || get_u64(drop, "seed", &s->dropout_seed) ||
        get_u64(drop, "step", &s->dropout_step) || get_num(j, "best_step", &best_step) ||
        get_num(j, "bad_evals", &bad) || get_num(j, "metrics_bytes", &mbytes) ||
        !(cJSON_IsNull(best) || cJSON_IsString(best)))
        return -1;
    s->step = (int64_t)step;
    *opt_step = (int)ostep;
    s->loader.epoch = (int64_t)epoch;
    s->loader.batch = (int64_t)batch;
    s->best_val_loss = cJSON_IsString(best) ? strtod(best->valuestring, NULL) : INFINITY;
    s->best_step = (int64_t)best_step;
    s->bad_evals = (int)bad;
    s->metrics_bytes = (int64_t)mbytes;
    double world = 1, shards = 1; /* absent before data parallelism */
    get_num(j, "world_size", &world);
    get_num(j, "optimizer_shards", &shards);
    s->world_size = (int)world;
    s->optimizer_shards = (int)shards;
    snprintf(s->recipe_hash, sizeof s->recipe_hash, "%s", hash->valuestring);
    return 0;
}

/* Every listed file present with its recorded size. */
static pad_status check_files(const char *dir, const cJSON *j, pad_error *err)
{
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files"), *f;
    if (!cJSON_IsArray(files) || cJSON_GetArraySize(files) == 0)
        return pad_error_set(err, PAD_ERR_FORMAT, "manifest lists no files");
    cJSON_ArrayForEach(f, files) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
        double bytes;
        if (!cJSON_IsString(name) || get_num(f, "bytes", &bytes) || strchr(name->valuestring, '/'))
            return pad_error_set(err, PAD_ERR_FORMAT, "manifest has a malformed file entry");
        char *p = pad_path_join(dir, name->valuestring);
        struct stat sb;
        int ok = p && !stat(p, &sb) && S_ISREG(sb.st_mode) && (double)sb.st_size == bytes;
        if (!ok) {
            pad_error_set(err, PAD_ERR_FORMAT, "missing or not the %.0f bytes the manifest lists", bytes);
            pad_error_file(err, p);
        }
        free(p);
        if (!ok) return PAD_ERR_FORMAT;
    }
    return PAD_OK;
}

static pad_status read_manifest(const char *dir, pad_checkpoint_state *s, int *opt_step,
                                pad_error *err)
{
    char *path = pad_path_join(dir, PAD_CHECKPOINT_MANIFEST);
    if (!path) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    cJSON *j = NULL;
    pad_status st = pad_json_load(path, &j, err);
    if (!st && parse_state(j, s, opt_step))
        st = pad_error_set(err, PAD_ERR_FORMAT, "not a pad checkpoint manifest");
    if (!st) st = check_files(dir, j, err);
    if (st) pad_error_file(err, path);
    cJSON_Delete(j);
    free(path);
    return st;
}

int pad_checkpoint_is_complete(const char *dir)
{
    pad_checkpoint_state s;
    int opt_step;
    pad_error ignored; /* the io room's helpers need one to report failure */
    return read_manifest(dir, &s, &opt_step, &ignored) == PAD_OK;
}

/* ---- listing ---- */

/* Steps of the step-N directories (not .tmp), newest first. */
static pad_status list_steps(const char *root, int64_t **steps, int *count, pad_error *err)
{
    *steps = NULL;
    *count = 0;
    DIR *d = opendir(root);
    if (!d) return errno == ENOENT ? PAD_OK : io_error(err, "cannot list checkpoints", root);
    struct dirent *e;
    int cap = 0;
    pad_status st = PAD_OK;
    while (!st && (e = readdir(d))) {
        long long step;
        int used = 0;
        if (sscanf(e->d_name, "step-%lld%n", &step, &used) != 1 || e->d_name[used] || step < 0)
            continue;
        if (*count == cap) {
            int64_t *grown = realloc(*steps, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *grown);
            if (!grown) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
            else *steps = grown;
        }
        if (!st) (*steps)[(*count)++] = step;
    }
    closedir(d);
    for (int i = 1; i < *count; i++) /* insertion sort, descending */
        for (int k = i; k > 0 && (*steps)[k] > (*steps)[k - 1]; k--) {
            int64_t t = (*steps)[k];
            (*steps)[k] = (*steps)[k - 1];
            (*steps)[k - 1] = t;
        }
    return st;
}

pad_status pad_checkpoint_find_latest(const char *run_dir, char **path_out, int *skipped,
                                      pad_error *err)
{
    *path_out = NULL;
    pad_error local; /* failures must not read as success when err is NULL */
    if (!err) err = &local;
    if (skipped) *skipped = 0;
    char *root = pad_path_join(run_dir, PAD_CHECKPOINT_DIR);
    if (!root) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    int64_t *steps;
    int count;
    pad_status st = list_steps(root, &steps, &count, err);
    for (int i = 0; !st && i < count && !*path_out; i++) {
        char *dir = step_dir(root, steps[i], "");
        pad_checkpoint_state s;
        int opt_step;
        pad_error why;
        pad_error_clear(&why);
        if (!dir) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        else if (read_manifest(dir, &s, &opt_step, &why) == PAD_OK) *path_out = dir;
        else {
            char line[1024];
            pad_error_format(&why, line, sizeof line);
            pad_log_warn("checkpoint %s is incomplete (%s); falling back to an older one", dir, line);
            if (skipped) (*skipped)++;
            free(dir);
        }
    }
    free(steps);
    free(root);
    return st;
}

/* Deletes all but the newest `keep` complete checkpoints, and incomplete ones
 * older than the newest complete one. */
static void prune(const char *root, int keep)
{
    int64_t *steps;
    int count, complete = 0;
    pad_error ignored;
    if (list_steps(root, &steps, &count, &ignored)) return;
    for (int i = 0; i < count; i++) {
        char *dir = step_dir(root, steps[i], "");
        if (!dir) break;
        int ok = pad_checkpoint_is_complete(dir);
        if ((ok && keep > 0 && complete >= keep) || (!ok && complete > 0)) {
            pad_log_debug("removing old checkpoint %s", dir);
            remove_flat_dir(dir);
        }
        complete += ok;
        free(dir);
    }
    free(steps);
}

/* ---- save and load ---- */

static pad_status write_manifest(const char *dir, const pad_checkpoint_state *s, int opt_step,
                                 pad_error *err)
{
    file_entry *files = malloc(MAX_FILES * sizeof *files);
    if (!files) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    int count;
    pad_status st = list_files(dir, files, &count, err);
    cJSON *j = st ? NULL : manifest_json(s, opt_step, files, count);
    char *path = pad_path_join(dir, PAD_CHECKPOINT_MANIFEST);
    if (!st && (!j || !path)) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    if (!st) st = pad_json_save(path, j, err);
    cJSON_Delete(j);
    free(path);
    free(files);
    return st;
}

static pad_status publish(const char *tmp, const char *final, const char *root, pad_error *err)
{
    if (pad_path_kind_of(final) == PAD_PATH_DIR) remove_flat_dir(final); /* same step again */
    if (rename(tmp, final)) return io_error(err, "cannot publish checkpoint", final);
    fsync_dir(root);
    return PAD_OK;
}

/* Rank 0's first part: a fresh .tmp directory with the model in it. */
static pad_status prepare(const char *root, const char *tmp, pad_model *m, pad_error *err)
{
    pad_status st = pad_mkdir_p(root, err);
    if (!st && pad_path_kind_of(tmp) == PAD_PATH_DIR) remove_flat_dir(tmp); /* a crash's leftover */
    if (!st && mkdir(tmp, 0755)) st = io_error(err, "cannot create checkpoint directory", tmp);
    if (!st) st = hf_checkpoint_save(m, tmp, PAD_F32, err);
    return st;
}

/* Each rank's optimizer file: every rank's shard, or rank 0's whole state. */
static pad_status save_optimizer(const char *tmp, const pad_adamw *opt, int rank, pad_error *err)
{
    if (opt->shards == 1 && rank != 0) return PAD_OK; /* the same state on every rank */
    char *path = optimizer_path(tmp, opt);
    pad_status st = path ? write_optimizer(opt, path, err) : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    free(path);
    return st;
}

pad_status pad_checkpoint_save_dist(const char *run_dir, pad_model *m, const pad_adamw *opt,
                                    const pad_checkpoint_state *s, int keep, pad_dist *dist,
                                    char **path_out, pad_error *err)
{
    if (path_out) *path_out = NULL;
    pad_error local; /* failures must not read as success when err is NULL */
    if (!err) err = &local;
    int rank = pad_dist_rank(dist);
    pad_checkpoint_state state = *s;
    state.world_size = pad_dist_world(dist);
    state.optimizer_shards = opt->shards;
    char *root = pad_path_join(run_dir, PAD_CHECKPOINT_DIR);
    char *tmp = root ? step_dir(root, s->step, ".tmp") : NULL;
    char *final = root ? step_dir(root, s->step, "") : NULL;
    pad_status st = PAD_OK;
    if (!root || !tmp || !final) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    /* the ranks agree after each part, so no rank runs ahead of a failure
     * and the manifest is written only when every shard is in place */
    if (!st && rank == 0) st = prepare(root, tmp, m, err);
    st = pad_dist_agree(dist, st, "preparing a checkpoint", err);
    if (!st) st = save_optimizer(tmp, opt, rank, err);
    st = pad_dist_agree(dist, st, "writing its optimizer state", err);
    if (!st && rank == 0) st = write_manifest(tmp, &state, opt->step, err);
    if (!st && rank == 0) st = publish(tmp, final, root, err);
    if (st && rank == 0 && tmp && pad_path_kind_of(tmp) == PAD_PATH_DIR) remove_flat_dir(tmp);
    if (!st && rank == 0) prune(root, keep);
    st = pad_dist_agree(dist, st, "publishing a checkpoint", err);
    if (!st && path_out) {
        *path_out = final;
        final = NULL;
    }
    free(final);
    free(tmp);
    free(root);
    return st;
}

pad_status pad_checkpoint_save(const char *run_dir, pad_model *m, const pad_adamw *opt,
                               const pad_checkpoint_state *s, int keep, char **path_out,
                               pad_error *err)
{
    return pad_checkpoint_save_dist(run_dir, m, opt, s, keep, NULL, path_out, err);
}

static pad_status check_layout(const char *dir, const pad_checkpoint_state *c, const pad_adamw *opt,
                               int world, pad_error *err)
{
    if (c->world_size != world)
        pad_error_set(err, PAD_ERR_CONFIG,
                      "checkpoint was written by %d rank%s but this run has %d: resume with "
                      "parallel.gpus=%d (pad launch) or use a new output directory",
                      c->world_size, c->world_size == 1 ? "" : "s", world, c->world_size);
    else if (c->optimizer_shards != opt->shards)
        pad_error_set(err, PAD_ERR_CONFIG,
                      "checkpoint's optimizer state is in %d shard%s but this run wants %d: resume "
                      "with parallel.zero=%d or use a new output directory",
                      c->optimizer_shards, c->optimizer_shards == 1 ? "" : "s", opt->shards,
                      c->optimizer_shards > 1);
    else return PAD_OK;
    return pad_error_file(err, dir);
}

pad_status pad_checkpoint_load_dist(const char *dir, pad_model *m, pad_adamw *opt,
                                    pad_checkpoint_state *s, const char *expect_hash, int world,
                                    pad_error *err)
{
    pad_error local; /* failures must not read as success when err is NULL */
    if (!err) err = &local;
    int opt_step;
    pad_checkpoint_state loaded;
    pad_status st = read_manifest(dir, &loaded, &opt_step, err);
    if (!st) st = check_layout(dir, &loaded, opt, world, err);
    if (st) return st;
    if (expect_hash && strcmp(expect_hash, loaded.recipe_hash)) {
        pad_error_set(err, PAD_ERR_CONFIG,
                      "checkpoint was made by another recipe (hash %s, this recipe %s): "
                      "use a new output directory or remove the old checkpoints",
                      loaded.recipe_hash[0] ? loaded.recipe_hash : "(none)",
                      expect_hash[0] ? expect_hash : "(none)");
        return pad_error_file(err, dir);
    }
    char *model_path = pad_path_join(dir, "model.safetensors");
    char *opt_path = optimizer_path(dir, opt);
    if (!model_path || !opt_path) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    if (!st) st = read_params(m, model_path, err);
    if (!st) st = read_optimizer(opt, opt_path, err);
    if (!st && opt->step != opt_step)
        st = pad_error_set(err, PAD_ERR_FORMAT, "optimizer step %d disagrees with the manifest's %d",
                           opt->step, opt_step);
    if (!st) *s = loaded;
    free(model_path);
    free(opt_path);
    return st;
}

pad_status pad_checkpoint_load(const char *dir, pad_model *m, pad_adamw *opt,
                               pad_checkpoint_state *s, const char *expect_hash, pad_error *err)
{
    return pad_checkpoint_load_dist(dir, m, opt, s, expect_hash, 1, err);
}
