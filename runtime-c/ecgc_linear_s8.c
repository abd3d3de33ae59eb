/*
 * Linear on int8 activations (ecgc.h): four weight rows at a time as int8 codes (read in place
 * when dense 8-bit), each row of x against all four (ecgc_dot_4x1_s8: x split once for four
 * rows); the last k % 4 values in plain C. The bias carries input_offset * sum(w).
 */
#include "ecgc.h"
#include "ecgc_dot_s8.h"
#include "ecgc_requantize.h"

size_t ecgc_linear_s8_get_buffer_size(const ecgc_linear_s8_t *p) {
  return (size_t)(4 * p->k); /* four rows of codes */
}

void ecgc_linear_s8(const ecgc_linear_s8_t *p, const int8_t *x, int8_t *y, void *scratch) {
  const int32_t k4 = p->k & ~3;
  ecgc_row_reader_t reader;
  int32_t n, m, r, i;
  ecgc_row_reader_init(&reader, &p->weights);
  for (n = 0; n < p->n; n += 4) {
    /* past the last row, the last one stands in (its sums dropped) */
    const int32_t count = p->n - n < 4 ? p->n - n : 4;
    const int8_t *rows[4];
    ecgc_output_stage_t stage[4];
    for (r = 0; r < 4; r++) {
      rows[r] = r < count ? ecgc_row_codes(&reader, (int8_t *)scratch + r * p->k) : rows[count - 1];
      stage[r] = ecgc_output_stage(p->multiplier[n + (r < count ? r : count - 1)], p->shift[n + (r < count ? r : count - 1)], p->output_offset, p->act_min, p->act_max, 0);
    }
    for (m = 0; m < p->m; m++) {
      const int8_t *xm = x + m * p->k;
      int32_t acc[4];
      for (r = 0; r < 4; r++) acc[r] = p->bias[n + (r < count ? r : count - 1)];
      ecgc_dot_4x1_s8(xm, rows, k4, acc);
      for (i = k4; i < p->k; i++) {
        for (r = 0; r < 4; r++) acc[r] += (int32_t)rows[r][i] * xm[i];
      }
      for (r = 0; r < count; r++) y[m * p->n + n + r] = ecgc_output_stage_s8(acc[r], &stage[r]);
    }
  }
}
