/* ChannelAffine (a BatchNormalization that could not be folded): y = x * scale[c] + shift[c]. */
#include "ecgc.h"

void ecgc_channel_affine_f32(const float *x, const float *scale, const float *shift, float *y, int32_t channels, int32_t inner) {
  int32_t c, i;
  for (c = 0; c < channels; c++) {
    const float s = scale[c], t = shift[c];
    for (i = 0; i < inner; i++) y[c * inner + i] = x[c * inner + i] * s + t;
  }
}
