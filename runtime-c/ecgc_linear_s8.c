/*
 * Linear on int8 activations (ecgc.h): x's rows copied with their length rounded up to 4
 * (zeros after), two weight rows decoded once into int16 in SMLAD order (ecgc_dot_s8.h),
 * then two rows of x at a time. The bias carries input_offset * sum(w).
 */
#include "ecgc.h"
#include "ecgc_dot_s8.h"
#include "ecgc_requantize.h"

#define ROUND4(n) (((n) + 3) & ~3)

size_t ecgc_linear_s8_get_buffer_size(const ecgc_linear_s8_t *p) {
  const int32_t window = ROUND4(p->k);
  /* two rows packed (int16 pairs), two rows and a row of codes, x's rows */
  return (size_t)(4 * window + 3 * window + p->m * window);
}

void ecgc_linear_s8(const ecgc_linear_s8_t *p, const int8_t *x, int8_t *y, void *scratch) {
  const int32_t window = ROUND4(p->k);
  int32_t *packed = (int32_t *)scratch;
  int8_t *rows[2], *codes, *xs;
  ecgc_row_reader_t reader;
  int32_t n, m, r;
  rows[0] = (int8_t *)(packed + window);
  rows[1] = rows[0] + window;
  codes = rows[1] + window;
  xs = codes + window;
  ecgc_row_reader_init(&reader, &p->weights);
  for (m = 0; m < p->m; m++) {
    memcpy(xs + m * window, x + m * p->k, (size_t)p->k);
    memset(xs + m * window + p->k, 0, (size_t)(window - p->k));
  }
  for (n = 0; n < p->n; n += 2) {
    /* an odd row out: its own row stands in for the second one, whose sums are dropped */
    const int32_t n1 = n + 1 < p->n ? n + 1 : n;
    const ecgc_output_stage_t s0 = ecgc_output_stage(p->multiplier[n], p->shift[n], p->output_offset, p->act_min, p->act_max);
    const ecgc_output_stage_t s1 = ecgc_output_stage(p->multiplier[n1], p->shift[n1], p->output_offset, p->act_min, p->act_max);
    for (r = 0; r < 2; r++) {
      if (r == 0 || n1 != n) {
        memcpy(rows[r], ecgc_row_codes(&reader, codes), (size_t)p->k);
        memset(rows[r] + p->k, 0, (size_t)(window - p->k));
      } else {
        memcpy(rows[1], rows[0], (size_t)window);
      }
    }
    ecgc_pack_rows((const int8_t *const *)rows, 2, window, packed);
    for (m = 0; m < p->m; m += 2) {
      const int32_t m1 = m + 1 < p->m ? m + 1 : m;
      int32_t acc[4];
      acc[0] = acc[1] = p->bias[n];
      acc[2] = acc[3] = p->bias[n1];
      ecgc_dot_2x2_s8(xs + m * window, xs + m1 * window, packed, window, acc);
      y[m * p->n + n] = ecgc_output_stage_s8(acc[0], &s0);
      y[m1 * p->n + n] = ecgc_output_stage_s8(acc[1], &s0);
      y[m * p->n + n1] = ecgc_output_stage_s8(acc[2], &s1);
      y[m1 * p->n + n1] = ecgc_output_stage_s8(acc[3], &s1);
    }
  }
}
