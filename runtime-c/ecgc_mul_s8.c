/* Mul on int8 activations with broadcasting (ecgc.h; src/ops/mul-s8.ts). */
#include "ecgc.h"
#include "ecgc_requantize.h"

void ecgc_mul_s8(const ecgc_mul_s8_t *p, const int8_t *a, const int32_t *a_strides, const int8_t *b, const int32_t *b_strides, int8_t *y, const int32_t *shape, int32_t rank) {
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, d, ia = 0, ib = 0, total = 1, i;
  for (d = 0; d < rank; d++) total *= shape[d];
  for (i = 0; i < total; i++) {
    const int32_t product = ((int32_t)a[ia] + p->a_offset) * ((int32_t)b[ib] + p->b_offset);
    y[i] = ecgc_output_s8(product, p->multiplier, p->shift, p->output_offset, p->act_min, p->act_max);
    /* advance the output index (row-major) and both input offsets */
    for (d = rank - 1; d >= 0; d--) {
      ia += a_strides[d];
      ib += b_strides[d];
      if (++index[d] < shape[d]) break;
      ia -= a_strides[d] * shape[d];
      ib -= b_strides[d] * shape[d];
      index[d] = 0;
    }
  }
}
