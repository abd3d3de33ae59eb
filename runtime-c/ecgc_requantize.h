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

/* An output channel's requantization and clamp, worked out once for all its outputs. */
typedef struct {
  int32_t multiplier, left, right, mask, offset, min, max;
} ecgc_output_stage_t;

static inline ecgc_output_stage_t ecgc_output_stage(int32_t multiplier, int32_t shift, int32_t output_offset, int32_t act_min, int32_t act_max) {
  ecgc_output_stage_t s;
  s.multiplier = multiplier;
  s.left = shift > 0 ? shift : 0;
  s.right = shift > 0 ? 0 : -shift;
  s.mask = (int32_t)(((uint32_t)1 << s.right) - 1u);
  s.offset = output_offset, s.min = act_min, s.max = act_max;
  return s;
}

/* The int8 an output of acc becomes: requantized (as ecgc_requantize), offset, clamped. */
static inline int8_t ecgc_output_stage_s8(int32_t acc, const ecgc_output_stage_t *s) {
  int32_t y = ecgc_rounding_shift(ecgc_doubling_high_mult((int32_t)((uint32_t)acc << s->left), s->multiplier), s->right, s->mask) + s->offset;
  y = y < s->min ? s->min : y;
  return (int8_t)(y > s->max ? s->max : y);
}

/* The same for a layer of one stage. */
static inline int8_t ecgc_output_s8(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_offset, int32_t act_min, int32_t act_max) {
  const ecgc_output_stage_t s = ecgc_output_stage(multiplier, shift, output_offset, act_min, act_max);
  return ecgc_output_stage_s8(acc, &s);
}

#endif
