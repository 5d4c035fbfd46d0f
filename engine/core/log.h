/* pad: levelled logging to stderr.  Progress and diagnostics only; results
 * meant for people are printed by the CLI. */
#ifndef PAD_CORE_LOG_H
#define PAD_CORE_LOG_H

typedef enum pad_log_level {
    PAD_LOG_ERROR = 0,
    PAD_LOG_WARN,
    PAD_LOG_INFO,
    PAD_LOG_DEBUG
} pad_log_level;

void pad_log_set_level(pad_log_level level);
pad_log_level pad_log_get_level(void);
/* Parses "error", "warn", "info", "debug"; returns 0 on success, -1 otherwise. */
int pad_log_parse_level(const char *name, pad_log_level *out);

void pad_log(pad_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pad_log_error(...) pad_log(PAD_LOG_ERROR, __VA_ARGS__)
#define pad_log_warn(...) pad_log(PAD_LOG_WARN, __VA_ARGS__)
#define pad_log_info(...) pad_log(PAD_LOG_INFO, __VA_ARGS__)
#define pad_log_debug(...) pad_log(PAD_LOG_DEBUG, __VA_ARGS__)

#endif
