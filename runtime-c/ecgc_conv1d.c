/*
 * Conv1d, dense or sparse, weights decoded one output channel at a time (each weight is
 * converted once and reused across the whole time axis). Order of every sum: see ecgc.h.
 *
 * Outputs whose taps all lie inside the input are computed 8 (then 4) at a time: each weight
 * is loaded once for 8 accumulators held in registers. Every accumulator still adds its
 * terms in the documented order, so blocking changes no bit. Stride 1 and 1-tap kernels
 * (pointwise) get their own copies of the block loop, where the offsets are constants.
 * Sparse rows are blocked the same way over their nonzero weights.
 */
#include "ecgc.h"

size_t ecgc_conv1d_f32_get_buffer_size(const ecgc_conv1d_t *p) {
  const size_t row = (size_t)p->weights.row_length * sizeof(float);
  /* sparse: values, positions, offsets and taps; dense: a decoded row (none for float32) */
  if (p->sparse) return 4u * row;
  return p->weights.encoding == ECGC_F32 ? 0u : row;
}

/* One output whose first tap is x[start] (which may lie in the padding): only the taps inside. */
static float conv_edge(const ecgc_conv1d_t *p, const float *w, const float *x, int32_t start, float acc) {
  const int32_t T = p->in_length, K = p->kernel, D = p->dilation, channels = p->in_channels / p->groups;
  int32_t c, k, first, end;
  ecgc_taps_inside(start, T, K, D, &first, &end);
  for (c = 0; c < channels; c++, x += T, w += K) {
    for (k = first; k < end; k++) acc = acc + w[k] * x[start + k * D];
  }
  return acc;
}

/*
 * 8 (or 4) outputs from x (the first output's first tap), `step` apart in x. Inlined with
 * constant step and kernel where the callers give them, which turns offsets into constants.
 */
static inline void conv_block8(const float *w, const float *x, float *y, float bias, int32_t channels, int32_t T, int32_t K, int32_t D, int32_t step) {
  float a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
  int32_t c, k;
  for (c = 0; c < channels; c++, x += T, w += K) {
    const float *xk = x;
    for (k = 0; k < K; k++, xk += D) {
      const float wk = w[k];
      a0 = a0 + wk * xk[0];
      a1 = a1 + wk * xk[step];
      a2 = a2 + wk * xk[2 * step];
      a3 = a3 + wk * xk[3 * step];
      a4 = a4 + wk * xk[4 * step];
      a5 = a5 + wk * xk[5 * step];
      a6 = a6 + wk * xk[6 * step];
      a7 = a7 + wk * xk[7 * step];
    }
  }
  y[0] = a0, y[1] = a1, y[2] = a2, y[3] = a3, y[4] = a4, y[5] = a5, y[6] = a6, y[7] = a7;
}

static inline void conv_block4(const float *w, const float *x, float *y, float bias, int32_t channels, int32_t T, int32_t K, int32_t D, int32_t step) {
  float a0 = bias, a1 = bias, a2 = bias, a3 = bias;
  int32_t c, k;
  for (c = 0; c < channels; c++, x += T, w += K) {
    const float *xk = x;
    for (k = 0; k < K; k++, xk += D) {
      const float wk = w[k];
      a0 = a0 + wk * xk[0];
      a1 = a1 + wk * xk[step];
      a2 = a2 + wk * xk[2 * step];
      a3 = a3 + wk * xk[3 * step];
    }
  }
  y[0] = a0, y[1] = a1, y[2] = a2, y[3] = a3;
}

static void conv_row_dense(const ecgc_conv1d_t *p, const float *w, const float *x, float *y, float bias) {
  const int32_t T = p->in_length, K = p->kernel, S = p->stride, D = p->dilation, P = p->pad_begin;
  const int32_t channels = p->in_channels / p->groups;
  int32_t t = 0;
  for (; t < p->inner_begin; t++) y[t] = conv_edge(p, w, x, t * S - P, bias);
  for (; t + 8 <= p->inner_end; t += 8) {
    const float *xt = x + t * S - P;
    if (K == 1 && S == 1) conv_block8(w, xt, y + t, bias, channels, T, 1, 1, 1);
    else if (S == 1) conv_block8(w, xt, y + t, bias, channels, T, K, D, 1);
    else if (S == 2) conv_block8(w, xt, y + t, bias, channels, T, K, D, 2);
    else conv_block8(w, xt, y + t, bias, channels, T, K, D, S);
  }
  if (t + 4 <= p->inner_end) {
    conv_block4(w, x + t * S - P, y + t, bias, channels, T, K, D, S);
    t += 4;
  }
  for (; t < p->out_length; t++) y[t] = conv_edge(p, w, x, t * S - P, bias);
}

/* The sparse twins: `count` nonzero weights, each at offsets[j] from an output's first tap. */
static inline void sparse_block8(const float *values, const int32_t *offsets, int32_t count, const float *x, float *y, float bias, int32_t step) {
  float a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
  int32_t j;
  for (j = 0; j < count; j++) {
    const float v = values[j], *xj = x + offsets[j];
    a0 = a0 + v * xj[0];
    a1 = a1 + v * xj[step];
    a2 = a2 + v * xj[2 * step];
    a3 = a3 + v * xj[3 * step];
    a4 = a4 + v * xj[4 * step];
    a5 = a5 + v * xj[5 * step];
    a6 = a6 + v * xj[6 * step];
    a7 = a7 + v * xj[7 * step];
  }
  y[0] = a0, y[1] = a1, y[2] = a2, y[3] = a3, y[4] = a4, y[5] = a5, y[6] = a6, y[7] = a7;
}

/* One output of the sparse row, only the taps inside the input (taps[j]: weight j's tap offset). */
static float sparse_edge(const ecgc_conv1d_t *p, int32_t count, const float *values, const int32_t *offsets, const int32_t *taps, const float *x, int32_t start, float acc) {
  int32_t j;
  for (j = 0; j < count; j++) {
    const int32_t i = start + taps[j];
    if (i >= 0 && i < p->in_length) acc = acc + values[j] * x[offsets[j] - taps[j] + i];
  }
  return acc;
}

static void conv_row_sparse(const ecgc_conv1d_t *p, int32_t count, const float *values, const int32_t *offsets, const int32_t *taps, const float *x, float *y, float bias) {
  const int32_t S = p->stride, P = p->pad_begin;
  int32_t t = 0;
  for (; t < p->inner_begin; t++) y[t] = sparse_edge(p, count, values, offsets, taps, x, t * S - P, bias);
  for (; t + 8 <= p->inner_end; t += 8) {
    if (S == 1) sparse_block8(values, offsets, count, x + t - P, y + t, bias, 1);
    else sparse_block8(values, offsets, count, x + t * S - P, y + t, bias, S);
  }
  for (; t < p->inner_end; t++) {
    const float *xt = x + t * S - P;
    float acc = bias;
    int32_t j;
    for (j = 0; j < count; j++) acc = acc + values[j] * xt[offsets[j]];
    y[t] = acc;
  }
  for (; t < p->out_length; t++) y[t] = sparse_edge(p, count, values, offsets, taps, x, t * S - P, bias);
}

void ecgc_conv1d_f32(const ecgc_conv1d_t *p, const float *x, float *y, void *scratch) {
  const int32_t in_per_group = p->in_channels / p->groups, out_per_group = p->out_channels / p->groups;
  const int32_t row_length = p->weights.row_length;
  float *row = (float *)scratch;
  ecgc_row_reader_t reader;
  int32_t co;
  ecgc_row_reader_init(&reader, &p->weights);
  for (co = 0; co < p->out_channels; co++) {
    const float *xg = x + (co / out_per_group) * in_per_group * p->in_length;
    const float bias = p->bias ? p->bias[co] : 0.0f;
    float *yc = y + co * p->out_length;
    if (p->sparse) {
      int32_t *positions = (int32_t *)(void *)(row + row_length), *offsets = positions + row_length, *taps = offsets + row_length, j;
      const int32_t count = ecgc_row_sparse(&reader, row, positions);
      for (j = 0; j < count; j++) {
        const int32_t c = positions[j] / p->kernel, k = positions[j] % p->kernel;
        taps[j] = k * p->dilation;
        offsets[j] = c * p->in_length + taps[j];
      }
      conv_row_sparse(p, count, row, offsets, taps, xg, yc, bias);
    } else {
      conv_row_dense(p, ecgc_row_dense(&reader, row), xg, yc, bias);
    }
  }
}
