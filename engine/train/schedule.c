#include "train/schedule.h"

#include <math.h>

float pad_lr_at(float peak, int step, int warmup, int total, pad_decay decay)
{
    if (step < warmup) return peak * (float)step / (float)warmup;
    if (decay == PAD_DECAY_CONSTANT || total <= warmup) return peak;
    double progress = (double)(step - warmup) / (double)(total - warmup);
    if (progress > 1.0) progress = 1.0;
    if (decay == PAD_DECAY_LINEAR) return (float)(peak * (1.0 - progress));
    return (float)(peak * 0.5 * (1.0 + cos(M_PI * progress)));
}
