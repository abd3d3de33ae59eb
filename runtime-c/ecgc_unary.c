/*
 * Element-wise ops of one input (src/ops: relu.ts, leaky-relu.ts, clip.ts, sigmoid.ts, ...),
 * one function each, so that a firmware links only the ops its models use.
 */
#include "ecgc.h"
#include "ecgc_approx.h"

static float power(float x, float exponent) { /* src/ops/pow.ts: left to right, 1/x^|n| for negative n */
  int32_t n = (int32_t)(exponent < 0.0f ? -exponent : exponent), i;
  float r = x;
  if (exponent == 0.0f) return 1.0f;
  for (i = 1; i < n; i++) r = r * x;
  return exponent < 0.0f ? 1.0f / r : r;
}

static float root(float x) { /* correctly rounded: IEEE sqrt, without libm (vsqrt.f32 / sqrtss) */
  return __builtin_sqrtf(x);
}

static float hard_sigmoid(float x, float alpha, float beta) { /* src/ops/hard-sigmoid.ts */
  const float v = alpha * x + beta;
  return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

static float gelu(float x, float tanh_form) { /* src/ops/gelu.ts: torch's order, each step rounded */
  if (tanh_form != 0.0f) return (0.5f * x) * (1.0f + ecgc_tanhf(0.797884583f * (x + 0.0447149985f * ((x * x) * x))));
  return (x * (ecgc_erff(x / 1.41421354f) + 1.0f)) * 0.5f;
}

/*
 * Floor, ceil and round half to even without libm: from |x| >= 2^23 every float is an
 * integer; below, the truncated value is adjusted. The result keeps x's sign (floor(-0) = -0,
 * ceil(-0.5) = -0, round(-0.5) = -0), as Math.floor / Math.ceil and src/ops/round.ts give.
 */
static float floor_of(float x) {
  float t;
  if (!(__builtin_fabsf(x) < 8388608.0f)) return x;
  t = (float)(int32_t)x; /* toward zero */
  return __builtin_copysignf(t > x ? t - 1.0f : t, x);
}

static float ceil_of(float x) {
  float t;
  if (!(__builtin_fabsf(x) < 8388608.0f)) return x;
  t = (float)(int32_t)x;
  return __builtin_copysignf(t < x ? t + 1.0f : t, x);
}

static float round_half_even(float x) {
  float t, d;
  if (!(__builtin_fabsf(x) < 8388608.0f)) return x;
  t = (float)(int32_t)x;
  d = __builtin_fabsf(x - t); /* exact, in [0, 1) */
  if (d > 0.5f || (d == 0.5f && (int32_t)t % 2 != 0)) t = x < 0.0f ? t - 1.0f : t + 1.0f;
  return __builtin_copysignf(t, x);
}

/* y[i] = f(x[i]) for i < n, with a and b the op's parameters (unused by most). */
#define ECGC_UNARY(name, expression)                                 \
  void name(const float *x, float *y, int32_t n, float a, float b) { \
    int32_t i;                                                       \
    (void)a;                                                         \
    (void)b;                                                         \
    for (i = 0; i < n; i++) y[i] = (expression);                     \
  }

ECGC_UNARY(ecgc_relu_f32, x[i] > 0.0f ? x[i] : 0.0f)
ECGC_UNARY(ecgc_leaky_relu_f32, x[i] < 0.0f ? a * x[i] : x[i])
ECGC_UNARY(ecgc_clip_f32, x[i] < a ? a : x[i] > b ? b : x[i])
ECGC_UNARY(ecgc_sigmoid_f32, ecgc_sigmoidf(x[i]))
ECGC_UNARY(ecgc_tanh_f32, ecgc_tanhf(x[i]))
ECGC_UNARY(ecgc_erf_f32, ecgc_erff(x[i]))
ECGC_UNARY(ecgc_gelu_f32, gelu(x[i], a))
ECGC_UNARY(ecgc_sqrt_f32, root(x[i]))
ECGC_UNARY(ecgc_reciprocal_f32, 1.0f / x[i])
ECGC_UNARY(ecgc_neg_f32, -x[i])
ECGC_UNARY(ecgc_abs_f32, __builtin_fabsf(x[i]))
ECGC_UNARY(ecgc_sign_f32, x[i] > 0.0f ? 1.0f : x[i] < 0.0f ? -1.0f : x[i])
ECGC_UNARY(ecgc_exp_f32, ecgc_expf(x[i]))
ECGC_UNARY(ecgc_elu_f32, x[i] < 0.0f ? a * (ecgc_expf(x[i]) - 1.0f) : x[i])
ECGC_UNARY(ecgc_selu_f32, x[i] > 0.0f ? b * x[i] : b * (a * ecgc_expf(x[i]) - a))
ECGC_UNARY(ecgc_hard_sigmoid_f32, hard_sigmoid(x[i], a, b))
ECGC_UNARY(ecgc_hard_swish_f32, x[i] * hard_sigmoid(x[i], a, b))
ECGC_UNARY(ecgc_softsign_f32, x[i] / (1.0f + __builtin_fabsf(x[i])))
ECGC_UNARY(ecgc_log_f32, ecgc_logf(x[i]))
ECGC_UNARY(ecgc_softplus_f32, ecgc_softplusf(x[i]))
ECGC_UNARY(ecgc_floor_f32, floor_of(x[i]))
ECGC_UNARY(ecgc_ceil_f32, ceil_of(x[i]))
ECGC_UNARY(ecgc_round_f32, round_half_even(x[i]))
/* Pow by a constant exponent a: x^0.5 is sqrt (as pow.ts), chosen once, not per element. */
void ecgc_pow_f32(const float *x, float *y, int32_t n, float a, float b) {
  int32_t i;
  (void)b;
  if (a == 0.5f)
    for (i = 0; i < n; i++) y[i] = root(x[i]);
  else
    for (i = 0; i < n; i++) y[i] = power(x[i], a);
}
