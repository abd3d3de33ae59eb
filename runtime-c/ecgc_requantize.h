/*
 * The integer mode's requantization, exactly CMSIS-NN's arm_nn_requantize in its default
 * build (double rounding; src/quant/fixed-point.ts is the TypeScript twin): val * multiplier
 * (Q31) * 2^shift, rounded as arm_nn_doubling_high_mult_no_sat then
 * arm_nn_divide_by_power_of_two round it.
 */
#ifndef ECGC_REQUANTIZE_H
#define ECGC_REQUANTIZE_H

#include <stdint.h>

/* (m1 * m2 + 2^30) >> 31 in 64 bits (an arithmetic shift, as gcc does on every target). */
static inline int32_t ecgc_doubling_high_mult(int32_t m1, int32_t m2) {
  const int64_t product = (int64_t)m1 * m2 + ((int64_t)1 << 30);
  return (int32_t)(product >> 31);
}

/* dividend / 2^exponent, midpoints away from zero; mask = 2^exponent - 1. */
static inline int32_t ecgc_rounding_shift(int32_t dividend, int32_t exponent, int32_t mask) {
  const int32_t result = dividend >> exponent;
  const int32_t threshold = (mask >> 1) + (result < 0 ? 1 : 0);
  return result + ((dividend & mask) > threshold ? 1 : 0);
}

static inline int32_t ecgc_divide_by_power_of_two(int32_t dividend, int32_t exponent) {
  return ecgc_rounding_shift(dividend, exponent, (int32_t)(((uint32_t)1 << exponent) - 1u));
}

static inline int32_t ecgc_requantize(int32_t value, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  return ecgc_divide_by_power_of_two(ecgc_doubling_high_mult((int32_t)((uint32_t)value << left), multiplier), right);
}

/*
 * (a * b + 2^31) >> 32, SMMULR. With a = 2 * v (no overflow while |v| < 2^30) it is
 * ecgc_doubling_high_mult(v, b) exactly: (2vb + 2^31) / 2^32 = (vb + 2^30) / 2^31.
 */
static inline int32_t ecgc_high_mult_rounded(int32_t a, int32_t b) {
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
#else
  return (int32_t)(((int64_t)a * b + ((int64_t)1 << 31)) >> 32);
#endif
}

/*
 * An output channel's requantization and clamp, worked out once for all its outputs.
 * `small`: every accumulator of the channel times 2^left stays below 2^30 in magnitude
 * (the layer's small_accumulators, proved from its bias and codes when the C was made) and
 * the stage shifts right; then the same bits come in fewer instructions (ecgc_output_row_s8).
 */
typedef struct {
  int32_t multiplier, left, right, mask, half, offset, min, max, small;
} ecgc_output_stage_t;

static inline ecgc_output_stage_t ecgc_output_stage(int32_t multiplier, int32_t shift, int32_t output_offset, int32_t act_min, int32_t act_max, int32_t small_accumulators) {
  ecgc_output_stage_t s;
  s.multiplier = multiplier;
  s.left = shift > 0 ? shift : 0;
  s.right = shift > 0 ? 0 : -shift;
  s.mask = (int32_t)(((uint32_t)1 << s.right) - 1u);
  s.half = s.right > 0 ? (int32_t)(1u << (s.right - 1)) : 0;
  s.offset = output_offset, s.min = act_min, s.max = act_max;
  s.small = small_accumulators && s.right > 0;
  return s;
}

static inline int32_t ecgc_clamp(int32_t y, int32_t min, int32_t max) {
  y = y < min ? min : y;
  return y > max ? max : y;
}

/* The int8 an output of acc becomes: requantized (as ecgc_requantize), offset, clamped. */
static inline int8_t ecgc_output_stage_s8(int32_t acc, const ecgc_output_stage_t *s) {
  const int32_t r = ecgc_doubling_high_mult((int32_t)((uint32_t)acc << s->left), s->multiplier);
  return (int8_t)ecgc_clamp(ecgc_rounding_shift(r, s->right, s->mask) + s->offset, s->min, s->max);
}

/* A small stage's requantization (left already counts SMMULR's doubling). */
static inline int32_t ecgc_short_stage(int32_t acc, int32_t left, int32_t multiplier, int32_t half, int32_t right) {
  const int32_t r = ecgc_high_mult_rounded((int32_t)((uint32_t)acc << left), multiplier);
  return (r + half + (r >> 31)) >> right;
}

#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
/* v clamped to [-128, 127]: one SSAT. */
static inline int32_t ecgc_ssat8(int32_t v) {
  int32_t a;
  __asm__("ssat %0, #8, %1" : "=r"(a) : "r"(v));
  return a;
}
#endif

/*
 * y[i] = ecgc_output_stage_s8(acc[i]) for count outputs of one channel. A small stage takes
 * the short form: |r| < 2^30 after SMMULR, so r + 2^(right-1) - (r < 0) cannot overflow, and
 * shifted right it is the rounding shift's result (midpoints away from zero). With no upper
 * clamp below 127, SSAT does the clamp's upper half (and all of it with no lower clamp above -128). Not inlined: a loop of its own keeps
 * every parameter in a register.
 */
static __attribute__((noinline, unused)) void ecgc_output_row_s8(const int32_t *acc, int32_t count, const ecgc_output_stage_t *s, int8_t *y) {
  const int32_t left = s->left + 1, multiplier = s->multiplier, right = s->right, half = s->half, offset = s->offset, min = s->min, max = s->max;
  int32_t i;
  if (!s->small) {
    for (i = 0; i < count; i++) y[i] = ecgc_output_stage_s8(acc[i], s);
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
  } else if (max == 127 && min == -128) {
    for (i = 0; i + 2 <= count; i += 2) { /* two a pass: the loop's test shared */
      y[i] = (int8_t)ecgc_ssat8(ecgc_short_stage(acc[i], left, multiplier, half, right) + offset);
      y[i + 1] = (int8_t)ecgc_ssat8(ecgc_short_stage(acc[i + 1], left, multiplier, half, right) + offset);
    }
    if (i < count) y[i] = (int8_t)ecgc_ssat8(ecgc_short_stage(acc[i], left, multiplier, half, right) + offset);
  } else if (max == 127) {
    for (i = 0; i < count; i++) {
      const int32_t a = ecgc_ssat8(ecgc_short_stage(acc[i], left, multiplier, half, right) + offset);
      y[i] = (int8_t)(a < min ? min : a);
    }
#endif
  } else {
    for (i = 0; i < count; i++) {
      y[i] = (int8_t)ecgc_clamp(ecgc_short_stage(acc[i], left, multiplier, half, right) + offset, min, max);
    }
  }
}

/* The same for a layer of one stage. */
static inline int8_t ecgc_output_s8(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_offset, int32_t act_min, int32_t act_max) {
  const ecgc_output_stage_t s = ecgc_output_stage(multiplier, shift, output_offset, act_min, act_max, 0);
  return ecgc_output_stage_s8(acc, &s);
}

#endif
