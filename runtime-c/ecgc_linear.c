/*
 * Linear: y[m, n] = bias[n] + sum_i x[m, i] * w[n, i], i ascending; weights decoded row by row.
 * The dense rows go through ecgc_dot_f32 (ecgc.h), unrolled by 4 in the same order.
 */
#include "ecgc.h"

size_t ecgc_linear_f32_get_buffer_size(const ecgc_linear_t *p) {
  const size_t row = (size_t)p->weights.row_length * sizeof(float);
  /* sparse: values and positions; dense: a decoded row (none for float32) */
  if (p->sparse) return 2u * row;
  return p->weights.encoding == ECGC_F32 ? 0u : row;
}

void ecgc_linear_f32(const ecgc_linear_t *p, const float *x, float *y, void *scratch) {
  float *row = (float *)scratch;
  int32_t *positions = (int32_t *)(void *)(row + p->k);
  ecgc_row_reader_t reader;
  int32_t n, m, i;
  ecgc_row_reader_init(&reader, &p->weights);
  for (n = 0; n < p->n; n++) {
    const float bias = p->bias ? p->bias[n] : 0.0f;
    if (p->sparse) {
      const int32_t count = ecgc_row_sparse(&reader, row, positions);
      for (m = 0; m < p->m; m++) {
        const float *xm = x + m * p->k;
        float acc = bias;
        for (i = 0; i < count; i++) acc = acc + xm[positions[i]] * row[i];
        y[m * p->n + n] = acc;
      }
    } else {
      const float *w = ecgc_row_dense(&reader, row);
      for (m = 0; m < p->m; m++) y[m * p->n + n] = ecgc_dot_f32(x + m * p->k, w, p->k, bias);
    }
  }
}
