/*
 * Float32 approximations of exp, log, tanh, sigmoid and erf: the same operations in the same
 * order as src/ops/approx.ts, so host and Cortex-M builds give the TypeScript reference's
 * bits (compile with -ffp-contract=off; never -ffast-math). No libm: glibc and newlib differ.
 */
#ifndef ECGC_APPROX_H
#define ECGC_APPROX_H

#include <stdint.h>
#include <string.h>

static inline float ecgc_pow2i(int32_t n) { /* 2^n for n in [-126, 127], built from its bits */
  uint32_t bits = (uint32_t)(n + 127) << 23;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static inline float ecgc_expf(float x) {
  const float log2e = 1.44269502163f, ln2_hi = 0.693145751953125f, ln2_lo = 1.42860677e-06f;
  float t, r, p, er;
  int32_t n;
  x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
  t = x * log2e;
  n = (int32_t)(t >= 0.0f ? t + 0.5f : t - 0.5f);
  r = x - (float)n * ln2_hi;
  r = r - (float)n * ln2_lo;
  p = 0.000198992726f;
  p = p * r + 0.00139336567f;
  p = p * r + 0.00833329838f;
  p = p * r + 0.041666463f;
  p = p * r + 0.166666672f;
  p = p * r + 0.5f;
  er = r * r * p + r + 1.0f;
  return er * ecgc_pow2i(n);
}

static inline float ecgc_tanhf(float x) {
  float a = x < 0.0f ? -x : x, t;
  if (a < 0.625f) {
    float s = x * x, p = -0.00615520682f;
    p = p * s + 0.0210456941f;
    p = p * s + -0.0538639203f;
    p = p * s + 0.133328900f;
    p = p * s + -0.333333313f;
    return p * s * x + x;
  }
  t = a > 9.0f ? 1.0f : 1.0f - 2.0f / (ecgc_expf(2.0f * a) + 1.0f);
  return x < 0.0f ? -t : t;
}

static inline float ecgc_sigmoidf(float x) { return 1.0f / (1.0f + ecgc_expf(-x)); }

static inline float ecgc_erff(float x) {
  static const float erf_c[7] = {1.12837923f, -0.376126289f, 0.112836257f, -0.0268553998f, 0.00519121811f, -0.000803484407f, 7.9334859e-05f};
  static const float erfc_c[9] = {0.000274946768f, 0.558959723f, 0.0426082090f, -0.473952025f, 0.502196968f, -0.249204814f, 0.0299083125f, 0.0256627705f, -0.00887056999f};
  float a = x < 0.0f ? -x : x, t = 1.0f;
  int i;
  if (a < 1.0f) {
    float s = x * x, p = erf_c[6];
    for (i = 5; i >= 0; i--) p = p * s + erf_c[i];
    return p * x;
  }
  if (a < 4.0f) {
    float u = 1.0f / a, q = erfc_c[8];
    for (i = 7; i >= 0; i--) q = q * u + erfc_c[i];
    t = 1.0f - ecgc_expf(-(a * a)) * q;
  }
  return x < 0.0f ? -t : t;
}

static inline float ecgc_logf(float x) { /* src/ops/approx.ts logF32: musl's logf */
  const float ln2_hi = 6.9313812256e-01f, ln2_lo = 9.0580006145e-06f;
  const float lg1 = 0.666666627f, lg2 = 0.400009722f, lg3 = 0.284987867f, lg4 = 0.242790788f;
  uint32_t ix;
  int32_t k = 0;
  float m, f, s, z, w, t1, t2, r, hfsq, dk;
  memcpy(&ix, &x, sizeof ix);
  if (ix < 0x00800000u || ix >> 31) {
    if ((ix & 0x7fffffffu) == 0) return -__builtin_inff();
    if (ix >> 31) {
      const uint32_t nan = 0x7fc00000u; /* one NaN on every target */
      memcpy(&m, &nan, sizeof m);
      return m;
    }
    k -= 25;
    x = x * 33554432.0f; /* 2^25 */
    memcpy(&ix, &x, sizeof ix);
  } else if (ix >= 0x7f800000u) {
    return x;
  } else if (ix == 0x3f800000u) {
    return 0.0f;
  }
  ix += 0x3f800000u - 0x3f3504f3u;
  k += (int32_t)(ix >> 23) - 0x7f;
  ix = (ix & 0x007fffffu) + 0x3f3504f3u;
  memcpy(&m, &ix, sizeof m);
  f = m - 1.0f;
  s = f / (2.0f + f);
  z = s * s;
  w = z * z;
  t1 = w * (lg2 + w * lg4);
  t2 = z * (lg1 + w * lg3);
  r = t2 + t1;
  hfsq = 0.5f * f * f;
  dk = (float)k;
  return s * (hfsq + r) + dk * ln2_lo - hfsq + f + dk * ln2_hi;
}

static inline float ecgc_log1pf(float u) { /* log(1 + u), u >= 0: log(w) * u / (w - 1) corrects w = 1 + u */
  const float w = 1.0f + u;
  if (w == 1.0f) return u;
  return ecgc_logf(w) * u / (w - 1.0f);
}

static inline float ecgc_softplusf(float x) { /* max(x, 0) + log1p(e^-|x|) */
  return (x > 0.0f ? x : 0.0f) + ecgc_log1pf(ecgc_expf(-(x < 0.0f ? -x : x)));
}

static inline float ecgc_nanf(void) { /* one NaN bit pattern on every target, as ecgc_logf's */
  const uint32_t bits = 0x7fc00000u;
  float nan;
  memcpy(&nan, &bits, sizeof nan);
  return nan;
}

/* src/ops/approx.ts powF32: x^y; small integer exponents by multiplication, 0.5 as sqrt, else e^(y log|x|). */
static inline float ecgc_powf(float x, float y) {
  float a, r, t;
  int32_t integer, odd = 0, i;
  if (y == 0.0f || x == 1.0f) return 1.0f;
  if (x != x || y != y) return ecgc_nanf();
  a = y < 0.0f ? -y : y;
  if (a < 16777216.0f) { /* from 2^24 on, every float is an even integer */
    integer = (float)(int32_t)a == a;
    odd = integer && ((int32_t)a & 1);
  } else {
    integer = a != __builtin_inff();
  }
  if (integer && a <= 8.0f) {
    r = x;
    for (i = 1; i < (int32_t)a; i++) r = r * x;
    return y < 0.0f ? 1.0f / r : r;
  }
  if (x < 0.0f && !integer) return ecgc_nanf();
  if (y == 0.5f) return __builtin_sqrtf(x);
  t = y * ecgc_logf(x < 0.0f ? -x : x);
  r = t > 88.0f ? __builtin_inff() : t >= -87.0f ? ecgc_expf(t) : 0.0f;
  return x < 0.0f && odd ? -r : r;
}

#endif
