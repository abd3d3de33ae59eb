/* Pools on int8 activations (ecgc.h). */
#include "ecgc.h"
#include "ecgc_requantize.h"

void ecgc_global_average_pool_s8(const ecgc_global_pool_s8_t *p, const int8_t *x, int8_t *y) {
  int32_t c, t;
  for (c = 0; c < p->channels; c++) {
    const int8_t *xc = x + c * p->count;
    int32_t acc = 0;
    for (t = 0; t < p->count; t++) acc += (int32_t)xc[t] + p->input_offset;
    y[c] = ecgc_output_s8(acc, p->multiplier, p->shift, p->output_offset, p->act_min, p->act_max);
  }
}
