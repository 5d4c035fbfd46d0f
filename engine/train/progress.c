#include "train/progress.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/fs.h"

static pad_status metrics_error(pad_metrics *m, const char *what, pad_error *err)
{
    pad_error_set(err, PAD_ERR_IO, "%s: %s", what, strerror(errno));
    return pad_error_file(err, m->path);
}

pad_status pad_metrics_open(pad_metrics *m, const char *run_dir, int64_t keep_bytes,
                            pad_error *err)
{
    memset(m, 0, sizeof *m);
    pad_status st = pad_mkdir_p(run_dir, err);
    if (st) return st;
    if (!(m->path = pad_path_join(run_dir, PAD_METRICS_FILE)))
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    struct stat sb;
    if (keep_bytes >= 0 && !stat(m->path, &sb) && sb.st_size > keep_bytes &&
        truncate(m->path, (off_t)keep_bytes))
        st = metrics_error(m, "cannot cut metrics back to the checkpoint", err);
    if (!st && !(m->fp = fopen(m->path, "a"))) st = metrics_error(m, "cannot open metrics", err);
    if (st) pad_metrics_close(m);
    return st;
}

pad_status pad_metrics_append(pad_metrics *m, const cJSON *obj, pad_error *err)
{
    char *line = cJSON_PrintUnformatted(obj);
    if (!line) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    int bad = fprintf(m->fp, "%s\n", line) < 0 || fflush(m->fp);
    free(line);
    return bad ? metrics_error(m, "cannot write metrics", err) : PAD_OK;
}

/* NaN and infinities are not JSON: such values become null. */
static void add_number(cJSON *o, const char *key, double v)
{
    if (isfinite(v)) cJSON_AddNumberToObject(o, key, v);
    else cJSON_AddNullToObject(o, key);
}

pad_status pad_metrics_append_report(pad_metrics *m, const pad_train_report *r, pad_error *err)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    cJSON_AddNumberToObject(o, "step", (double)r->step);
    if (r->is_eval) {
        add_number(o, "val_loss", r->val_loss);
        add_number(o, "best_val_loss", r->best_val_loss);
    } else {
        add_number(o, "loss", r->loss);
        add_number(o, "lr", r->lr);
        add_number(o, "tokens_per_s", r->tokens_per_s);
        add_number(o, "grad_norm", r->grad_norm);
        if (r->comm_bytes > 0) {
            add_number(o, "comm_bytes", r->comm_bytes);
            add_number(o, "comm_wait_s", r->comm_wait_s);
        }
    }
    pad_status st = pad_metrics_append(m, o, err);
    cJSON_Delete(o);
    return st;
}

int64_t pad_metrics_bytes(const pad_metrics *m)
{
    return m->fp ? (int64_t)ftell(m->fp) : 0;
}

void pad_metrics_close(pad_metrics *m)
{
    if (m->fp) fclose(m->fp);
    free(m->path);
    memset(m, 0, sizeof *m);
}

void pad_progress_printer_init(pad_progress_printer *p, FILE *out)
{
    p->out = out ? out : stderr;
    p->tty = isatty(fileno(p->out));
    p->open_line = 0;
}

static void format_eta(char *buf, size_t size, double s)
{
    if (!isfinite(s) || s < 0) snprintf(buf, size, "?");
    else if (s < 3600) snprintf(buf, size, "%dm%02ds", (int)s / 60, (int)s % 60);
    else snprintf(buf, size, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

void pad_progress_print(void *ctx, const pad_train_report *r)
{
    pad_progress_printer *p = ctx;
    if (r->is_eval) {
        pad_progress_finish(p);
        fprintf(p->out, "step %lld/%lld  val_loss %.4f  best %.4f%s\n", (long long)r->step,
                (long long)r->total, r->val_loss, r->best_val_loss,
                r->bad_evals ? "  (no improvement)" : "");
        fflush(p->out);
        return;
    }
    char eta[32];
    format_eta(eta, sizeof eta, r->eta_s);
    fprintf(p->out, "%sstep %lld/%lld  loss %.4f  lr %.2e  %.0f tok/s  ETA %s%s",
            p->tty ? "\r\033[K" : "", (long long)r->step, (long long)r->total, r->loss, r->lr,
            r->tokens_per_s, eta, p->tty ? "" : "\n");
    fflush(p->out);
    p->open_line = p->tty;
}

void pad_progress_finish(pad_progress_printer *p)
{
    if (p->open_line) fputc('\n', p->out);
    p->open_line = 0;
}
