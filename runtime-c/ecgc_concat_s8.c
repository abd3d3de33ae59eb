/* Concat on int8 activations (ecgc.h; src/ops/concat-s8.ts): one input's blocks, requantized to the output's quantization. */
#include "ecgc.h"
#include "ecgc_requantize.h"

void ecgc_concat_s8(const int8_t *x, int8_t *y, int32_t outer, int32_t block, int32_t out_block, int32_t input_offset, int32_t multiplier, int32_t shift, int32_t output_offset, int32_t act_min, int32_t act_max) {
  int32_t i, j;
  for (i = 0; i < outer; i++, x += block, y += out_block) {
    for (j = 0; j < block; j++) y[j] = ecgc_output_s8((int32_t)x[j] + input_offset, multiplier, shift, output_offset, act_min, act_max);
  }
}
