/* Resize from tables ecgc computes at compile time (src/ops/resize.ts): the C only reads and, for linear, weighs. */
#include "ecgc.h"

void ecgc_resize_nearest_f32(const float *x, float *y, const int32_t *out_shape, int32_t rank, const int32_t *sources) {
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, first[6], d, total = 1, i;
  for (d = 0; d < rank; d++) {
    first[d] = d == 0 ? 0 : first[d - 1] + out_shape[d - 1];
    total *= out_shape[d];
  }
  for (i = 0; i < total; i++) {
    int32_t src = 0;
    for (d = 0; d < rank; d++) src += sources[first[d] + index[d]];
    y[i] = x[src];
    for (d = rank - 1; d >= 0; d--) {
      if (++index[d] < out_shape[d]) break;
      index[d] = 0;
    }
  }
}

void ecgc_resize_linear_f32(const float *x, float *y, int32_t rows, int32_t in_length, int32_t out_length, const int32_t *taps, const float *weights) {
  int32_t r, t;
  for (r = 0; r < rows; r++, x += in_length, y += out_length) {
    for (t = 0; t < out_length; t++) {
      float near = weights[2 * t] * x[taps[2 * t]];
      float far = weights[2 * t + 1] * x[taps[2 * t + 1]];
      y[t] = near + far;
    }
  }
}

void ecgc_resize_linear_nd_f32(const float *x, float *y, const int32_t *out_shape, int32_t rank, int32_t linear_axes, const int32_t *taps, const float *weights) {
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, first[6], d, total = 1, i, corner, k = 0;
  for (d = 0; d < rank; d++) {
    first[d] = d == 0 ? 0 : first[d - 1] + 2 * out_shape[d - 1];
    total *= out_shape[d];
    if ((linear_axes >> d) & 1) k++;
  }
  for (i = 0; i < total; i++) {
    float acc = 0.0f;
    for (corner = 0; corner < (1 << k); corner++) {
      int32_t src = 0, bit = k, started = 0;
      float w = 1.0f;
      for (d = 0; d < rank; d++) {
        int32_t t = first[d] + 2 * index[d];
        if ((linear_axes >> d) & 1) {
          t += (corner >> --bit) & 1;
          w = started ? w * weights[t] : weights[t];
          started = 1;
        }
        src += taps[t];
      }
      acc = corner == 0 ? w * x[src] : acc + w * x[src];
    }
    y[i] = acc;
    for (d = rank - 1; d >= 0; d--) {
      if (++index[d] < out_shape[d]) break;
      index[d] = 0;
    }
  }
}

void ecgc_resize_weighted_nd_f32(const float *x, float *y, const int32_t *out_shape, int32_t rank, const int32_t *counts, const int32_t *taps, const float *weights, float extrapolation_value) {
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, tap[6] = {0, 0, 0, 0, 0, 0}, first[6], d, total = 1, combinations = 1, i, combination;
  for (d = 0; d < rank; d++) {
    first[d] = d == 0 ? 0 : first[d - 1] + counts[d - 1] * out_shape[d - 1];
    total *= out_shape[d];
    combinations *= counts[d];
  }
  for (i = 0; i < total; i++) {
    int32_t outside = 0;
    for (d = 0; d < rank; d++) outside |= taps[first[d] + counts[d] * index[d]] < 0;
    if (outside) {
      y[i] = extrapolation_value;
    } else {
      float acc = 0.0f;
      for (combination = 0; combination < combinations; combination++) {
        int32_t src = 0, weighted = 0;
        float w = 1.0f;
        for (d = 0; d < rank; d++) {
          int32_t t = first[d] + counts[d] * index[d] + tap[d];
          if (counts[d] > 1) {
            w = weighted ? w * weights[t] : weights[t];
            weighted = 1;
          }
          src += taps[t];
        }
        acc = combination == 0 ? w * x[src] : acc + w * x[src];
        for (d = rank - 1; d >= 0; d--) {
          if (++tap[d] < counts[d]) break;
          tap[d] = 0;
        }
      }
      y[i] = acc;
    }
    for (d = rank - 1; d >= 0; d--) {
      if (++index[d] < out_shape[d]) break;
      index[d] = 0;
    }
  }
}
