#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static pad_log_level current_level = PAD_LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void pad_log_set_level(pad_log_level level) { current_level = level; }
pad_log_level pad_log_get_level(void) { return current_level; }

int pad_log_parse_level(const char *name, pad_log_level *out)
{
    for (int i = 0; i <= PAD_LOG_DEBUG; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (pad_log_level)i;
            return 0;
        }
    }
    return -1;
}

void pad_log(pad_log_level level, const char *fmt, ...)
{
    if (level > current_level) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* one fprintf per message so concurrent threads do not interleave mid-line */
    if (level <= PAD_LOG_WARN) fprintf(stderr, "pad: %s: %s\n", level_names[level], line);
    else fprintf(stderr, "pad: %s\n", line);
}
