/* Gathers by indices, constant or computed at run time (int64): Gather, GatherElements (src/ops/gather.ts, gather-elements.ts). */
#include "ecgc.h"

/* The element an index selects along an axis of `size`; -1 when it is out of range (the reference refuses it). */
static int32_t ecgc_index_in(int64_t index, int32_t size) {
  if (index < 0) index += size;
  return index < 0 || index >= size ? -1 : (int32_t)index;
}

void ecgc_gather_f32(const float *x, const int64_t *indices, float *y, int32_t outer, int32_t axis_size, int32_t count, int32_t inner) {
  int32_t o, j, i;
  for (o = 0; o < outer; o++) {
    const float *block = x + o * axis_size * inner;
    for (j = 0; j < count; j++, y += inner) {
      int32_t k = ecgc_index_in(indices[j], axis_size);
      for (i = 0; i < inner; i++) y[i] = k < 0 ? 0.0f : block[k * inner + i];
    }
  }
}

void ecgc_gather_elements_f32(const float *x, const int32_t *x_strides, const int64_t *indices, float *y, const int32_t *shape, int32_t rank, int32_t axis, int32_t axis_size) {
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, d, total = 1, i, base = 0;
  for (d = 0; d < rank; d++) total *= shape[d];
  for (i = 0; i < total; i++) {
    int32_t k = ecgc_index_in(indices[i], axis_size);
    y[i] = k < 0 ? 0.0f : x[base + k * x_strides[axis]];
    for (d = rank - 1; d >= 0; d--) {
      if (d != axis) base += x_strides[d];
      if (++index[d] < shape[d]) break;
      if (d != axis) base -= x_strides[d] * shape[d];
      index[d] = 0;
    }
  }
}
