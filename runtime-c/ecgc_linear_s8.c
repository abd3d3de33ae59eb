/* Linear on int8 activations (ecgc.h): each weight row decoded once into int8 codes, then every row of x. */
#include "ecgc.h"
#include "ecgc_requantize.h"

size_t ecgc_linear_s8_get_buffer_size(const ecgc_linear_s8_t *p) {
  return (size_t)p->k; /* one row of int8 codes */
}

void ecgc_linear_s8(const ecgc_linear_s8_t *p, const int8_t *x, int8_t *y, void *scratch) {
  int8_t *w = (int8_t *)scratch;
  ecgc_row_reader_t reader;
  int32_t n, m, i;
  ecgc_row_reader_init(&reader, &p->weights);
  for (n = 0; n < p->n; n++) {
    ecgc_row_codes(&reader, w);
    for (m = 0; m < p->m; m++) {
      const int8_t *xm = x + m * p->k;
      int32_t acc = p->bias ? p->bias[n] : 0;
      for (i = 0; i < p->k; i++) acc += (int32_t)w[i] * ((int32_t)xm[i] + p->input_offset);
      y[m * p->n + n] = ecgc_output_s8(acc, p->multiplier[n], p->shift[n], p->output_offset, p->act_min, p->act_max);
    }
  }
}
