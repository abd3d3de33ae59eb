/* Pad (src/ops/pad.ts): constant, edge or reflect, any rank up to 6; negative pads crop. */
#include "ecgc.h"

static int32_t source(int32_t i, int32_t d, int32_t mode) {
  if (i >= 0 && i < d) return i;
  if (mode == ECGC_PAD_CONSTANT) return -1;
  if (mode == ECGC_PAD_EDGE) return i < 0 ? 0 : d - 1;
  return i < 0 ? -i : 2 * (d - 1) - i; /* reflect, without repeating the edge */
}

void ecgc_pad_f32(const float *x, const int32_t *in_shape, float *y, const int32_t *out_shape, const int32_t *begin, int32_t rank, int32_t mode, float value) {
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, strides[6], d, total = 1, i;
  for (d = rank - 1, i = 1; d >= 0; d--) {
    strides[d] = i;
    i *= in_shape[d];
  }
  for (d = 0; d < rank; d++) total *= out_shape[d];
  for (i = 0; i < total; i++) {
    int32_t offset = 0, inside = 1;
    for (d = 0; d < rank && inside; d++) {
      const int32_t s = source(index[d] - begin[d], in_shape[d], mode);
      if (s < 0) inside = 0;
      else offset += s * strides[d];
    }
    y[i] = inside ? x[offset] : value;
    for (d = rank - 1; d >= 0; d--) {
      if (++index[d] < out_shape[d]) break;
      index[d] = 0;
    }
  }
}
