/* Strided copies: Transpose, Slice, Expand, Gather and Concat move data, never compute; Dropout copies. */
#include "ecgc.h"

void ecgc_copy_f32(const float *x, int32_t x_offset, const int32_t *x_strides, float *y, int32_t y_offset, const int32_t *y_strides, const int32_t *shape, int32_t rank) {
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, d, total = 1, i, src = x_offset, dst = y_offset;
  for (d = 0; d < rank; d++) total *= shape[d];
  for (i = 0; i < total; i++) {
    y[dst] = x[src];
    for (d = rank - 1; d >= 0; d--) {
      src += x_strides[d];
      dst += y_strides[d];
      if (++index[d] < shape[d]) break;
      src -= x_strides[d] * shape[d];
      dst -= y_strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

void ecgc_dropout_f32(const float *x, float *y, uint8_t *mask, int32_t n) {
  int32_t i;
  if (y)
    for (i = 0; i < n; i++) y[i] = x[i];
  if (mask)
    for (i = 0; i < n; i++) mask[i] = 1;
}
