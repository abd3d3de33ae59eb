/* Element-wise ops of one input (src/ref/ops: relu.ts, leaky-relu.ts, clip.ts, sigmoid.ts, ...). */
#include "ecgc.h"
#include "ecgc_approx.h"

static float power(float x, float exponent) { /* src/ref/ops/pow.ts: left to right, 1/x^|n| for negative n */
  int32_t n = (int32_t)(exponent < 0.0f ? -exponent : exponent), i;
  float r = x;
  if (exponent == 0.0f) return 1.0f;
  for (i = 1; i < n; i++) r = r * x;
  return exponent < 0.0f ? 1.0f / r : r;
}

static float root(float x) { /* correctly rounded: IEEE sqrt, without libm (vsqrt.f32 / sqrtss) */
  return __builtin_sqrtf(x);
}

void ecgc_unary(int32_t op, const float *x, float *y, int32_t n, float a, float b) {
  int32_t i;
  switch (op) {
  case ECGC_RELU: for (i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f; break;
  case ECGC_LEAKY_RELU: for (i = 0; i < n; i++) y[i] = x[i] < 0.0f ? a * x[i] : x[i]; break;
  case ECGC_CLIP: for (i = 0; i < n; i++) y[i] = x[i] < a ? a : x[i] > b ? b : x[i]; break;
  case ECGC_SIGMOID: for (i = 0; i < n; i++) y[i] = ecgc_sigmoidf(x[i]); break;
  case ECGC_TANH: for (i = 0; i < n; i++) y[i] = ecgc_tanhf(x[i]); break;
  case ECGC_ERF: for (i = 0; i < n; i++) y[i] = ecgc_erff(x[i]); break;
  case ECGC_SQRT: for (i = 0; i < n; i++) y[i] = root(x[i]); break;
  case ECGC_RECIPROCAL: for (i = 0; i < n; i++) y[i] = 1.0f / x[i]; break;
  case ECGC_NEG: for (i = 0; i < n; i++) y[i] = -x[i]; break;
  case ECGC_POW:
    if (a == 0.5f) for (i = 0; i < n; i++) y[i] = root(x[i]);
    else for (i = 0; i < n; i++) y[i] = power(x[i], a);
    break;
  default: break;
  }
}
