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

#ifdef ECGC_DSP
/* The pairs (x0, x2) and (x1, x3) of four int8 values. */
#define ECGC_SPLIT4(v, even, odd)                          \
  do {                                                     \
    (even) = __sxtb16(v);                                  \
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(odd) : "r"(v)); \
  } while (0)

#endif

/*
 * Two words from p (word aligned), p moved past them (one LDRD with the DSP extension), and
 * SMLAD: acc plus the products of the pairs' low and high halves. Without the extension the
 * same in plain C, so a kernel written with these two is one body on every core.
 */
#ifdef ECGC_DSP
#define ECGC_LOAD2(p, low, high) __asm__("ldrd %0, %1, [%2], #8" : "=r"(low), "=r"(high), "+r"(p) : "m"(*(const int64_t *)(const void *)(p)))
static inline int32_t ecgc_smlad(int32_t a, int32_t b, int32_t acc) { return __smlad(a, b, acc); }
#else
#define ECGC_LOAD2(p, low, high) ((low) = (p)[0], (high) = (p)[1], (p) += 2)
static inline int32_t ecgc_smlad(int32_t a, int32_t b, int32_t acc) { return acc + ecgc_low(a) * ecgc_low(b) + ecgc_high(a) * ecgc_high(b); }
#endif

/* The pairs (x0, x2) and (x1, x3) of the four int8 values at x, on every core. */
static inline void ecgc_split4(const int8_t *x, int32_t *even, int32_t *odd) {
#ifdef ECGC_DSP
  const int32_t v = ecgc_load4(x);
  ECGC_SPLIT4(v, *even, *odd);
#else
  *even = ecgc_pair(x[0], x[2]);
  *odd = ecgc_pair(x[1], x[3]);
#endif
}

/* y[i] = x[i] for n int8 values, widened to int16 (four at a time: SXTB16, then PKHBT/PKHTB). */
static inline void ecgc_widen_s8(const int8_t *x, int32_t n, int16_t *y) {
  int32_t i = 0;
#ifdef ECGC_DSP
  for (; i + 4 <= n; i += 4) {
    int32_t even, odd, v = ecgc_load4(x + i), low, high;
    ECGC_SPLIT4(v, even, odd);
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(low) : "r"(even), "r"(odd));  /* (x0, x1) */
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(high) : "r"(odd), "r"(even)); /* (x2, x3) */
    memcpy(y + i, &low, 4);
    memcpy(y + i + 2, &high, 4);
  }
#endif
  for (; i < n; i++) y[i] = x[i];
}

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
  const int8_t *end = xa + n;
  for (; xa < end; xa += 4, xb += 4, w += 4) {
#ifdef ECGC_DSP
    int32_t ea, oa, eb, ob, u, v;
    u = ecgc_load4(xa);
    ECGC_SPLIT4(u, ea, oa);
    v = ecgc_load4(xb);
    ECGC_SPLIT4(v, eb, ob);
    u = w[0], v = w[1];
    s0 = __smlad(oa, v, __smlad(ea, u, s0));
    s1 = __smlad(ob, v, __smlad(eb, u, s1));
    u = w[2], v = w[3];
    s2 = __smlad(oa, v, __smlad(ea, u, s2));
    s3 = __smlad(ob, v, __smlad(eb, u, s3));
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
 * The same sums over windows already split into int16 pairs, two words for every four
 * values as ECGC_SPLIT4 makes them ((x0, x2), then (x1, x3)), `words` words a window: no
 * SXTB16 in the loop, four double-word loads and eight SMLADs for sixteen products.
 */
static inline void ecgc_dot_2x2_s16(const int32_t *xa, const int32_t *xb, const int32_t *w, int32_t words, int32_t *acc) {
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3], ea, oa, eb, ob, u, v;
  const int32_t *end = xa + words;
  while (xa < end) {
    ECGC_LOAD2(xa, ea, oa);
    ECGC_LOAD2(xb, eb, ob);
    ECGC_LOAD2(w, u, v);
    s0 = ecgc_smlad(oa, v, ecgc_smlad(ea, u, s0));
    s1 = ecgc_smlad(ob, v, ecgc_smlad(eb, u, s1));
    ECGC_LOAD2(w, u, v);
    s2 = ecgc_smlad(oa, v, ecgc_smlad(ea, u, s2));
    s3 = ecgc_smlad(ob, v, ecgc_smlad(eb, u, s3));
  }
  acc[0] = s0, acc[1] = s1, acc[2] = s2, acc[3] = s3;
}

/*
 * acc[i] += the `count` pairs of weights . x[i * step + 2j], x[i * step + 2j + 1] for the
 * four positions i = 0..3: one channel's taps two at a time over int16 activations
 * (depthwise layers). With step 1 the four windows overlap: two new loads a pair of taps.
 */
static inline void ecgc_dot_pairs_1x4_s16(const int16_t *x, int32_t step, const int32_t *pairs, int32_t count, int32_t *acc) {
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3], j;
#ifdef ECGC_DSP
  if (step == 1) {
    int32_t a0, a1, a2, a3;
    memcpy(&a0, x, 4);
    memcpy(&a1, x + 1, 4);
    for (j = 0; j < count; j++, x += 2) {
      const int32_t w = pairs[j];
      memcpy(&a2, x + 2, 4);
      memcpy(&a3, x + 3, 4);
      s0 = __smlad(a0, w, s0);
      s1 = __smlad(a1, w, s1);
      s2 = __smlad(a2, w, s2);
      s3 = __smlad(a3, w, s3);
      a0 = a2, a1 = a3;
    }
  } else {
    for (j = 0; j < count; j++, x += 2) {
      const int32_t w = pairs[j];
      int32_t a;
      memcpy(&a, x, 4);
      s0 = __smlad(a, w, s0);
      memcpy(&a, x + step, 4);
      s1 = __smlad(a, w, s1);
      memcpy(&a, x + 2 * step, 4);
      s2 = __smlad(a, w, s2);
      memcpy(&a, x + 3 * step, 4);
      s3 = __smlad(a, w, s3);
    }
  }
#else
  for (j = 0; j < count; j++, x += 2) {
    const int32_t lo = ecgc_low(pairs[j]), hi = ecgc_high(pairs[j]);
    s0 += lo * x[0] + hi * x[1];
    s1 += lo * x[step] + hi * x[step + 1];
    s2 += lo * x[2 * step] + hi * x[2 * step + 1];
    s3 += lo * x[3 * step] + hi * x[3 * step + 1];
  }
#endif
  acc[0] = s0, acc[1] = s1, acc[2] = s2, acc[3] = s3;
}

/*
 * acc[i] = b + w0 . x[i, i+1] + w1 . x[i+2, i+3] + w2 . x[i+4, i+5] for i = 0..3: three
 * pairs of taps (kernels of 1 to 6, zeros past the last tap) at four overlapping windows,
 * the weights in registers: eight loads and twelve SMLADs (depthwise layers, stride 1).
 */
static inline void ecgc_dot_3pairs_1x4_s16(const int16_t *x, int32_t w0, int32_t w1, int32_t w2, int32_t b, int32_t *acc) {
#ifdef ECGC_DSP
  int32_t a0, a1, a2, a3, s0, s1, s2, s3;
  memcpy(&a0, x, 4);
  memcpy(&a1, x + 1, 4);
  memcpy(&a2, x + 2, 4);
  memcpy(&a3, x + 3, 4);
  s0 = __smlad(a2, w1, __smlad(a0, w0, b));
  s1 = __smlad(a3, w1, __smlad(a1, w0, b));
  s2 = __smlad(a2, w0, b);
  s3 = __smlad(a3, w0, b);
  memcpy(&a0, x + 4, 4);
  memcpy(&a1, x + 5, 4);
  s0 = __smlad(a0, w2, s0);
  s1 = __smlad(a1, w2, s1);
  s2 = __smlad(a0, w1, s2);
  s3 = __smlad(a1, w1, s3);
  memcpy(&a2, x + 6, 4);
  memcpy(&a3, x + 7, 4);
  acc[0] = s0, acc[1] = s1;
  acc[2] = __smlad(a2, w2, s2);
  acc[3] = __smlad(a3, w2, s3);
#else
  const int32_t pairs[3] = {w0, w1, w2};
  acc[0] = acc[1] = acc[2] = acc[3] = b;
  ecgc_dot_pairs_1x4_s16(x, 1, pairs, 3, acc);
#endif
}

/*
 * The same at stride 2: window i starts at value 2i, so its pairs are the words w[i],
 * w[i + 1], w[i + 2] of the widened row (word aligned): six loads and twelve SMLADs.
 */
static inline void ecgc_dot_3pairs_1x4_stride2_s16(const int32_t *x, int32_t w0, int32_t w1, int32_t w2, int32_t b, int32_t *acc) {
  int32_t a0, a1, a2, a3, a4, a5;
  ECGC_LOAD2(x, a0, a1);
  ECGC_LOAD2(x, a2, a3);
  ECGC_LOAD2(x, a4, a5);
  acc[0] = ecgc_smlad(a2, w2, ecgc_smlad(a1, w1, ecgc_smlad(a0, w0, b)));
  acc[1] = ecgc_smlad(a3, w2, ecgc_smlad(a2, w1, ecgc_smlad(a1, w0, b)));
  acc[2] = ecgc_smlad(a4, w2, ecgc_smlad(a3, w1, ecgc_smlad(a2, w0, b)));
  acc[3] = ecgc_smlad(a5, w2, ecgc_smlad(a4, w1, ecgc_smlad(a3, w0, b)));
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
