/* pad: T5 (v1.0 / CodeT5 and v1.1 / Flan) as transformers' T5ForConditionalGeneration.
 *
 * The family itself is reached through model.h; this header exposes the
 * pieces tests check on their own. */
#ifndef PAD_MODEL_T5_H
#define PAD_MODEL_T5_H

/* transformers' T5Attention._relative_position_bucket for one relative
 * position (key index minus query index).  The logarithmic branch is computed
 * in float32, as torch does, so bucket boundaries match bit for bit. */
int t5_relative_position_bucket(int rel, int bidirectional, int num_buckets, int max_distance);

#endif
