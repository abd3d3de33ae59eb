/* Add on int8 activations (ecgc.h): CMSIS-NN's arm_elementwise_add_s8, element by element. */
#include "ecgc.h"
#include "ecgc_requantize.h"

void ecgc_add_s8(const ecgc_add_s8_t *p, const int8_t *a, const int8_t *b, int8_t *y, int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++) {
    const int32_t qa = ecgc_requantize(((int32_t)a[i] + p->a_offset) * (1 << 20), p->a_multiplier, p->a_shift);
    const int32_t qb = ecgc_requantize(((int32_t)b[i] + p->b_offset) * (1 << 20), p->b_multiplier, p->b_shift);
    y[i] = ecgc_output_s8(qa + qb, p->output_multiplier, p->output_shift, p->output_offset, p->act_min, p->act_max);
  }
}
