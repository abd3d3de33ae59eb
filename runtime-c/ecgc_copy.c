/* Strided copies: Transpose, Slice, Expand, Gather and Concat move data, never compute. */
#include "ecgc.h"

void ecgc_copy_strided(const float *x, int32_t offset, const int32_t *strides, float *y, const int32_t *shape, int32_t rank) {
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, d, total = 1, i, src = offset;
  for (d = 0; d < rank; d++) total *= shape[d];
  for (i = 0; i < total; i++) {
    y[i] = x[src];
    for (d = rank - 1; d >= 0; d--) {
      src += strides[d];
      if (++index[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

void ecgc_copy_into(const float *x, float *y, int32_t y_offset, const int32_t *y_strides, const int32_t *shape, int32_t rank) {
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, d, total = 1, i, dst = y_offset;
  for (d = 0; d < rank; d++) total *= shape[d];
  for (i = 0; i < total; i++) {
    y[dst] = x[i];
    for (d = rank - 1; d >= 0; d--) {
      dst += y_strides[d];
      if (++index[d] < shape[d]) break;
      dst -= y_strides[d] * shape[d];
      index[d] = 0;
    }
  }
}
