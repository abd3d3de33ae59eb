/*
 * The integer kernels' inner products: int8 activations read four at a time against
 * weights packed in SMLAD order. SXTB16 splits four int8 values x0..x3 into the int16 pairs
 * (x0, x2) and (x1, x3); SMLAD multiplies a pair by a pair of weights and adds both products
 * in one instruction (cores with the DSP extension). So four window values' weights are two
 * words, (w0, w2) and (w1, w3), low half first; two rows interleave as r0's two words then
 * r1's. Other cores compute the same sums in plain C: integer sums are exact, the bits agree.
 */
#ifndef ECGC_DOT_S8_H
#define ECGC_DOT_S8_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define ECGC_DSP 1
#endif

/* Four bytes from any address (an LDR where unaligned access is allowed). */
static inline int32_t ecgc_load4(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* Two int16 weights as one word, `low` in the low half. */
static inline int32_t ecgc_pair(int32_t low, int32_t high) {
  return (int32_t)(((uint32_t)high << 16) | ((uint32_t)low & 0xffffu));
}

/* The low and high halves of a pair, sign-extended. */
static inline int32_t ecgc_low(int32_t pair) { return (int32_t)(((uint32_t)pair & 0xffffu) ^ 0x8000u) - 0x8000; }
static inline int32_t ecgc_high(int32_t pair) { return (int32_t)((((uint32_t)pair >> 16) & 0xffffu) ^ 0x8000u) - 0x8000; }

/* `count` rows of n window values (n a multiple of 4) packed as above: rows[r][i] is row r's value i. */
static inline void ecgc_pack_rows(const int8_t *const *rows, int32_t count, int32_t n, int32_t *packed) {
  int32_t i, r;
  for (i = 0; i < n; i += 4) {
    for (r = 0; r < count; r++) {
      *packed++ = ecgc_pair(rows[r][i], rows[r][i + 2]);
      *packed++ = ecgc_pair(rows[r][i + 1], rows[r][i + 3]);
    }
  }
}

#ifdef ECGC_DSP
/* The pairs (x0, x2) and (x1, x3) of four int8 values. */
#define ECGC_SPLIT4(v, even, odd)                          \
  do {                                                     \
    (even) = __sxtb16(v);                                  \
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(odd) : "r"(v)); \
  } while (0)
#endif

/* w . x over four values: w the two packed words, x four int8 values. */
static inline int32_t ecgc_dot4(const int32_t *w, const int8_t *x, int32_t acc) {
  return acc + ecgc_low(w[0]) * x[0] + ecgc_high(w[0]) * x[2] + ecgc_low(w[1]) * x[1] + ecgc_high(w[1]) * x[3];
}

/*
 * acc[0..3] += {r0 . xa, r0 . xb, r1 . xa, r1 . xb}: the windows xa, xb (n int8 values each,
 * n a multiple of 4) against two interleaved rows. Two channels at two positions: each load
 * serves two products.
 */
static inline void ecgc_dot_2x2_s8(const int8_t *xa, const int8_t *xb, const int32_t *w, int32_t n, int32_t *acc) {
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  for (; n > 0; n -= 4, xa += 4, xb += 4, w += 4) {
#ifdef ECGC_DSP
    int32_t even, odd, v = ecgc_load4(xa);
    const int32_t u0 = w[0], u1 = w[1], u2 = w[2], u3 = w[3];
    ECGC_SPLIT4(v, even, odd);
    s0 = __smlad(odd, u1, __smlad(even, u0, s0));
    s2 = __smlad(odd, u3, __smlad(even, u2, s2));
    v = ecgc_load4(xb);
    ECGC_SPLIT4(v, even, odd);
    s1 = __smlad(odd, u1, __smlad(even, u0, s1));
    s3 = __smlad(odd, u3, __smlad(even, u2, s3));
#else
    s0 = ecgc_dot4(w, xa, s0);
    s1 = ecgc_dot4(w, xb, s1);
    s2 = ecgc_dot4(w + 2, xa, s2);
    s3 = ecgc_dot4(w + 2, xb, s3);
#endif
  }
  acc[0] = s0, acc[1] = s1, acc[2] = s2, acc[3] = s3;
}

/*
 * acc[0..3] += the windows x, x + step, x + 2 step, x + 3 step (n int8 values each) against
 * one row: one channel at four positions (depthwise layers).
 */
static inline void ecgc_dot_1x4_s8(const int8_t *x, int32_t step, const int32_t *w, int32_t n, int32_t *acc) {
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  for (; n > 0; n -= 4, x += 4, w += 2) {
#ifdef ECGC_DSP
    const int32_t u0 = w[0], u1 = w[1];
    int32_t even, odd, v;
    v = ecgc_load4(x);
    ECGC_SPLIT4(v, even, odd);
    s0 = __smlad(odd, u1, __smlad(even, u0, s0));
    v = ecgc_load4(x + step);
    ECGC_SPLIT4(v, even, odd);
    s1 = __smlad(odd, u1, __smlad(even, u0, s1));
    v = ecgc_load4(x + 2 * step);
    ECGC_SPLIT4(v, even, odd);
    s2 = __smlad(odd, u1, __smlad(even, u0, s2));
    v = ecgc_load4(x + 3 * step);
    ECGC_SPLIT4(v, even, odd);
    s3 = __smlad(odd, u1, __smlad(even, u0, s3));
#else
    s0 = ecgc_dot4(w, x, s0);
    s1 = ecgc_dot4(w, x + step, s1);
    s2 = ecgc_dot4(w, x + 2 * step, s2);
    s3 = ecgc_dot4(w, x + 3 * step, s3);
#endif
  }
  acc[0] = s0, acc[1] = s1, acc[2] = s2, acc[3] = s3;
}

/*
 * acc[r] += rows[r] . x over n values (a multiple of 4) for four rows of int8 codes: both
 * sides split by SXTB16, so the pairs line up without reordering the weights.
 */
static inline void ecgc_dot_4x1_s8(const int8_t *x, const int8_t *const *rows, int32_t n, int32_t *acc) {
  const int8_t *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3], i;
  for (i = 0; i < n; i += 4) {
#ifdef ECGC_DSP
    int32_t even, odd, we, wo, w;
    const int32_t v = ecgc_load4(x + i);
    ECGC_SPLIT4(v, even, odd);
    w = ecgc_load4(r0 + i);
    ECGC_SPLIT4(w, we, wo);
    s0 = __smlad(wo, odd, __smlad(we, even, s0));
    w = ecgc_load4(r1 + i);
    ECGC_SPLIT4(w, we, wo);
    s1 = __smlad(wo, odd, __smlad(we, even, s1));
    w = ecgc_load4(r2 + i);
    ECGC_SPLIT4(w, we, wo);
    s2 = __smlad(wo, odd, __smlad(we, even, s2));
    w = ecgc_load4(r3 + i);
    ECGC_SPLIT4(w, we, wo);
    s3 = __smlad(wo, odd, __smlad(we, even, s3));
#else
    int32_t j;
    for (j = i; j < i + 4; j++) {
      s0 += (int32_t)r0[j] * x[j];
      s1 += (int32_t)r1[j] * x[j];
      s2 += (int32_t)r2[j] * x[j];
      s3 += (int32_t)r3[j] * x[j];
    }
#endif
  }
  acc[0] = s0, acc[1] = s1, acc[2] = s2, acc[3] = s3;
}


#endif
