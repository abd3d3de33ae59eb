/*
 * The input's preprocessing that every model's <name>_preprocess shares (the reference:
 * src/data/preprocess.ts): bit for bit the reference's, doubles where it computes in float64,
 * one rounding to float where it stores float32, and a correctly rounded square root in
 * integer arithmetic (no libm). Build with -ffp-contract=off.
 */
#include <string.h>
#include "ecgc.h"

/* sqrt(x) for x >= 0, correctly rounded (round to nearest even), as IEEE 754 and JS Math.sqrt. */
double ecgc_sqrt_f64(double x) {
  uint64_t bits, mantissa, root = 0, remainder = 0;
  int exponent, power, i;
  if (!(x > 0.0)) return x;
  memcpy(&bits, &x, sizeof bits);
  exponent = (int)(bits >> 52);
  if (exponent == 0x7ff) return x;
  mantissa = bits & 0xfffffffffffffull;
  if (exponent == 0) {
    /* subnormal: normalise */
    exponent = 1;
    while ((mantissa & 0x10000000000000ull) == 0) {
      mantissa <<= 1;
      exponent--;
    }
  } else {
    mantissa |= 0x10000000000000ull;
  }
  /* x = mantissa * 2^power with power even, mantissa < 2^54 */
  power = exponent - 1075;
  if (power % 2 != 0) {
    mantissa <<= 1;
    power--;
  }
  /* Digit by digit, two bits of mantissa * 2^56 at a time: root = floor(sqrt(mantissa) * 2^28), 55 bits. */
  for (i = 54; i >= 0; i--) {
    uint64_t pair = 2 * i >= 56 ? (mantissa >> (2 * i - 56)) & 3u : 0u;
    uint64_t trial;
    remainder = (remainder << 2) | pair;
    trial = (root << 2) | 1u;
    if (remainder >= trial) {
      remainder -= trial;
      root = (root << 1) | 1u;
    } else {
      root <<= 1;
    }
  }
  {
    /* 53 bits, then round: guard bit, and sticky from the last bit and the remainder */
    uint64_t result = root >> 2;
    int guard = (int)((root >> 1) & 1u), sticky = (root & 1u) != 0 || remainder != 0;
    int biased = 52 + power / 2 - 26 + 1023;
    if (guard && (sticky || (result & 1u))) result++;
    if (result == 0x20000000000000ull) {
      result >>= 1;
      biased++;
    }
    bits = ((uint64_t)biased << 52) | (result & 0xfffffffffffffull);
  }
  memcpy(&x, &bits, sizeof x);
  return x;
}

void ecgc_zscore_f32(float *x, int32_t n, double epsilon) {
  double sum = 0.0, mean, squares = 0.0, scale;
  int32_t i;
  for (i = 0; i < n; i++) sum += (double)x[i];
  mean = sum / (double)n;
  for (i = 0; i < n; i++) squares += ((double)x[i] - mean) * ((double)x[i] - mean);
  scale = 1.0 / (ecgc_sqrt_f64(squares / (double)n) + epsilon);
  for (i = 0; i < n; i++) x[i] = (float)(((double)x[i] - mean) * scale);
}
