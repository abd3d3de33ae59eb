/*
 * Linear: y[m, n] = bias[n] + sum_i x[m, i] * w[n, i], i ascending; weights decoded row by row.
 * A dense row serves four input rows at a time (one load of w[i] for four products: about 3.3
 * instructions a MAC on a Cortex-M7 where one row at a time takes 5), the rest one at a time
 * through ecgc_dot_f32 (ecgc.h); every sum in the same order.
 */
#include "ecgc.h"

/* y[r * stride] = acc_r + x_r . w for the four rows x_r = x + r * k, i ascending. */
static void dot4_f32(const float *x, const float *w, int32_t k, float bias, float *y, int32_t stride) {
  const float *x0 = x, *x1 = x + k, *x2 = x + 2 * k, *x3 = x + 3 * k;
  float a0 = bias, a1 = bias, a2 = bias, a3 = bias;
  int32_t i;
  for (i = 0; i < k; i++) {
    const float wi = w[i];
    a0 = a0 + x0[i] * wi;
    a1 = a1 + x1[i] * wi;
    a2 = a2 + x2[i] * wi;
    a3 = a3 + x3[i] * wi;
  }
  y[0] = a0;
  y[stride] = a1;
  y[2 * stride] = a2;
  y[3 * stride] = a3;
}

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
      for (m = 0; m + 4 <= p->m; m += 4) dot4_f32(x + m * p->k, w, p->k, bias, y + m * p->n + n, p->n);
      for (; m < p->m; m++) y[m * p->n + n] = ecgc_dot_f32(x + m * p->k, w, p->k, bias);
    }
  }
}
