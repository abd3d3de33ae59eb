/*
 * Conv1d, dense or sparse, weights decoded one output channel at a time (each weight is
 * converted once and reused across the whole time axis). Order of every sum: see ecgc.h.
 */
#include "ecgc.h"

size_t ecgc_conv1d_get_buffer_size(const ecgc_conv1d_t *p) {
  /* a decoded row (row_length floats), plus sparse values, positions and tap offsets */
  return (size_t)p->weights.row_length * (p->sparse ? 4u : 3u) * sizeof(float);
}

static void conv_row_dense(const ecgc_conv1d_t *p, const float *w, const float *x, float *y, float bias) {
  const int32_t T = p->in_length, K = p->kernel, S = p->stride, D = p->dilation, P = p->pad_begin;
  const int32_t channels = p->in_channels / p->groups;
  int32_t t, c, k;
  for (t = 0; t < p->out_length; t++) {
    const int32_t start = t * S - P;
    float acc = bias;
    if (t >= p->inner_begin && t < p->inner_end) {
      for (c = 0; c < channels; c++) {
        const float *xc = x + c * T + start, *wc = w + c * K;
        for (k = 0; k < K; k++) acc = acc + wc[k] * xc[k * D];
      }
    } else {
      for (c = 0; c < channels; c++) {
        for (k = 0; k < K; k++) {
          const int32_t i = start + k * D;
          if (i >= 0 && i < T) acc = acc + w[c * K + k] * x[c * T + i];
        }
      }
    }
    y[t] = acc;
  }
}

static void conv_row_sparse(const ecgc_conv1d_t *p, int32_t count, const float *values, const int32_t *offsets, const int32_t *taps, const float *x, float *y, float bias) {
  const int32_t T = p->in_length, S = p->stride, P = p->pad_begin;
  int32_t t, j;
  for (t = 0; t < p->out_length; t++) {
    const int32_t start = t * S - P;
    float acc = bias;
    if (t >= p->inner_begin && t < p->inner_end) {
      const float *xt = x + start;
      for (j = 0; j < count; j++) acc = acc + values[j] * xt[offsets[j]];
    } else {
      for (j = 0; j < count; j++) {
        const int32_t i = start + taps[j];
        if (i >= 0 && i < T) acc = acc + values[j] * x[offsets[j] - taps[j] + i];
      }
    }
    y[t] = acc;
  }
}

void ecgc_conv1d(const ecgc_conv1d_t *p, const float *x, float *y, void *scratch) {
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
