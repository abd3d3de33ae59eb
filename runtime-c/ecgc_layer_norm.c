/* LayerNormalization over rows of n (src/ops/layer-normalization.ts; the same bits as the opset-13 decomposition). */
#include "ecgc.h"

void ecgc_layer_norm_f32(const float *x, const float *scale, const float *bias, float *y, int32_t rows, int32_t n, float epsilon) {
  int32_t r, i;
  for (r = 0; r < rows; r++) {
    const float *xr = x + r * n;
    float *yr = y + r * n;
    float sum = 0.0f, squares = 0.0f, mean, std;
    for (i = 0; i < n; i++) sum = sum + xr[i];
    mean = sum / (float)n;
    for (i = 0; i < n; i++) {
      const float d = xr[i] - mean;
      yr[i] = d;
      squares = squares + d * d;
    }
    std = __builtin_sqrtf(squares / (float)n + epsilon);
    for (i = 0; i < n; i++) {
      float v = yr[i] / std;
      if (scale) v = v * scale[i];
      if (bias) v = v + bias[i];
      yr[i] = v;
    }
  }
}
