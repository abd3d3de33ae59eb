/*
 * Linear on int8 activations (ecgc.h). On cores with the DSP extension (ECGC_LINEAR_FAST),
 * dense rows of 1-, 2- and 4-bit codes are multiplied as they are stored, two rows at a time
 * (ecgc_packed_dot_2): a word of fields is split into int16 pairs by a shift, a mask and
 * SXTB16, each field landing in a byte's top bits (so as its value times 2^(8 - bits)), and
 * the input is laid out once per row of x in the matching pair order; against one input row,
 * other rows are read as int8 codes two at a time (linear_vector). A bitmap row against one
 * input is summed over its nonzero codes alone (ecgc_row_dot_bitmap_s8). Every other row is
 * read as int8 codes (in place when dense 8-bit), four at a time against the input split once
 * (ecgc_dot_4x1_s8); the last k % 4 values in plain C. The bias carries input_offset * sum(w).
 */
#include "ecgc.h"
#include "ecgc_dot_s8.h"
#include "ecgc_requantize.h"

/* The two-row paths cost about 700 bytes of code: left out where gcc optimizes for size (-Os). */
#if defined(ECGC_DSP) && !defined(__OPTIMIZE_SIZE__)
#define ECGC_LINEAR_FAST 1
#endif

size_t ecgc_linear_s8_get_buffer_size(const ecgc_linear_s8_t *p) {
  return (size_t)(4 * p->k); /* four rows of codes, or the input as int16 pairs (2k bytes) */
}

#ifdef ECGC_LINEAR_FAST
/* Codes per 32-bit word of a packed row, or 0 when the row is not multiplied packed. */
static int32_t packed_word(const ecgc_linear_s8_t *p) {
  const ecgc_weights_t *w = &p->weights;
  const int32_t per_word = w->bits ? 32 / (int32_t)w->bits : 0;
  if (w->encoding != ECGC_DENSE || w->quantizer == ECGC_CODEBOOK || (w->bits != 4u && w->bits != 2u && w->bits != 1u)) return 0;
  return p->k % per_word == 0 ? per_word : 0;
}

/*
 * x in the pair order of a packed word of f = 8 / bits fields a byte (codes 4f a word): for
 * field j, SXTB16 of the masked word gives (c[j], c[2f + j]) from bytes 0 and 2 and, rotated,
 * (c[f + j], c[3f + j]) from bytes 1 and 3; so x is paired alike. Returns the sum of x.
 */
static int32_t pair_input(const int8_t *x, int32_t k, int32_t fields, int32_t *pairs) {
  int32_t g, j, sum = 0;
  for (g = 0; g < k; g += 4 * fields, x += 4 * fields) {
    for (j = 0; j < fields; j++) {
      *pairs++ = ecgc_pair(x[j], x[2 * fields + j]);
      *pairs++ = ecgc_pair(x[fields + j], x[3 * fields + j]);
    }
    for (j = 0; j < 4 * fields; j++) sum += x[j];
  }
  return sum;
}

/*
 * The field at `shift` below a byte's top of every byte of v0 and v1 (the top field: shift 0),
 * two rows' codes, against the next two words of pairs: one double-word load, two ANDs (the
 * mask in a register, so the shift comes free), four SXTB16s and four SMLADs.
 */
#define ECGC_FIELD2(v0, v1, shift, mask, s0, s1, pairs)                \
  do {                                                                 \
    int32_t e_, o_, t_, h_;                                            \
    ECGC_LOAD2(pairs, e_, o_);                                         \
    t_ = (int32_t)(((uint32_t)(v0) << (shift)) & (mask));              \
    (s0) = __smlad(__sxtb16(t_), e_, (s0));                            \
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(h_) : "r"(t_));             \
    (s0) = __smlad(h_, o_, (s0));                                      \
    t_ = (int32_t)(((uint32_t)(v1) << (shift)) & (mask));              \
    (s1) = __smlad(__sxtb16(t_), e_, (s1));                            \
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(h_) : "r"(t_));             \
    (s1) = __smlad(h_, o_, (s1));                                      \
    __asm__("" : "+r"(v0), "+r"(v1), "+r"(s0), "+r"(s1)); /* the next field after this one: no spills */ \
  } while (0)

/*
 * acc[r] += the sum of 2^(8 - bits) * code * x over rows r0 and r1 of `words` packed words
 * (codes as two's complement fields): each word of pairs loaded once for both rows. One loop
 * per width, the mask kept in a register.
 */
static __attribute__((noinline)) void ecgc_packed_dot_2(const uint8_t *r0, const uint8_t *r1, const int32_t *pairs, int32_t words, uint32_t bits, int32_t *acc) {
  const uint8_t *const end = r0 + 4 * words;
  int32_t s0 = acc[0], s1 = acc[1];
  uint32_t mask = bits == 4u ? 0xf0f0f0f0u : bits == 2u ? 0xc0c0c0c0u : 0x80808080u;
  __asm__("" : "+r"(mask)); /* a register, not an immediate: AND then shifts its operand for free */
#define ECGC_WORDS(fields)                                                                                                    \
  for (; r0 < end; r0 += 4, r1 += 4) {                                                                                        \
    int32_t v0 = ecgc_load4((const int8_t *)(const void *)r0), v1 = ecgc_load4((const int8_t *)(const void *)r1);       \
    fields                                                                                                                    \
  }
  if (bits == 4u) {
    ECGC_WORDS(ECGC_FIELD2(v0, v1, 4, mask, s0, s1, pairs); ECGC_FIELD2(v0, v1, 0, mask, s0, s1, pairs);)
  } else if (bits == 2u) {
    ECGC_WORDS(ECGC_FIELD2(v0, v1, 6, mask, s0, s1, pairs); ECGC_FIELD2(v0, v1, 4, mask, s0, s1, pairs);
               ECGC_FIELD2(v0, v1, 2, mask, s0, s1, pairs); ECGC_FIELD2(v0, v1, 0, mask, s0, s1, pairs);)
  } else {
    ECGC_WORDS(ECGC_FIELD2(v0, v1, 7, mask, s0, s1, pairs); ECGC_FIELD2(v0, v1, 6, mask, s0, s1, pairs);
               ECGC_FIELD2(v0, v1, 5, mask, s0, s1, pairs); ECGC_FIELD2(v0, v1, 4, mask, s0, s1, pairs);
               ECGC_FIELD2(v0, v1, 3, mask, s0, s1, pairs); ECGC_FIELD2(v0, v1, 2, mask, s0, s1, pairs);
               ECGC_FIELD2(v0, v1, 1, mask, s0, s1, pairs); ECGC_FIELD2(v0, v1, 0, mask, s0, s1, pairs);)
  }
#undef ECGC_WORDS
  acc[0] = s0, acc[1] = s1;
}

static void linear_packed(const ecgc_linear_s8_t *p, int32_t per_word, const int8_t *x, int8_t *y, int32_t *pairs) {
  const ecgc_weights_t *w = &p->weights;
  const uint32_t bits = w->bits;
  const int32_t words = p->k / per_word, row_bytes = p->k * (int32_t)bits / 8, scale = 8 - (int32_t)bits;
  int32_t m, n, r;
  for (m = 0; m < p->m; m++) {
    const int32_t sum_x = pair_input(x + m * p->k, p->k, 8 / (int32_t)bits, pairs);
    for (n = 0; n < p->n; n += 2) {
      /* an odd last row is summed twice, the second sum dropped */
      const int32_t count = p->n - n < 2 ? 1 : 2;
      const uint8_t *r0 = w->codes + n * row_bytes;
      int32_t acc[2] = {0, 0};
      ecgc_packed_dot_2(r0, r0 + (count - 1) * row_bytes, pairs, words, bits, acc);
      for (r = 0; r < count; r++) {
        /* every term is a multiple of 2^scale: the shift is exact; a sign code is 2 * field - 1, its field stored as -1 */
        const int32_t dot = w->quantizer == ECGC_SIGN ? -(acc[r] >> (scale - 1)) - sum_x : acc[r] >> scale;
        y[m * p->n + n + r] = ecgc_output_s8(p->bias[n + r] + dot, p->multiplier[n + r], p->shift[n + r], p->output_offset, p->act_min, p->act_max);
      }
    }
  }
}

/*
 * acc[r] += rows[r] . x over k4 values (a multiple of 4) for two rows of int8 codes, x split
 * once into int16 pairs (ECGC_SPLIT4's order, two words for four values): a double-word load
 * of x, a word of each row split by SXTB16, four SMLADs; eight values a turn of the loop.
 */
static __attribute__((noinline)) void ecgc_dot_2x1_s16(const int32_t *x, const int8_t *r0, const int8_t *r1, int32_t k4, int32_t *acc) {
  const int8_t *const end8 = r0 + (k4 & ~7), *const end = r0 + k4;
  int32_t s0 = acc[0], s1 = acc[1];
#define ECGC_STEP4(offset)                       \
  do {                                           \
    int32_t e, o, v, ve, vo;                     \
    ECGC_LOAD2(x, e, o);                         \
    v = ecgc_load4(r0 + (offset));               \
    ECGC_SPLIT4(v, ve, vo);                      \
    s0 = __smlad(vo, o, __smlad(ve, e, s0));     \
    v = ecgc_load4(r1 + (offset));               \
    ECGC_SPLIT4(v, ve, vo);                      \
    s1 = __smlad(vo, o, __smlad(ve, e, s1));     \
  } while (0)
  for (; r0 < end8; r0 += 8, r1 += 8) {
    ECGC_STEP4(0);
    ECGC_STEP4(4);
  }
  if (r0 < end) ECGC_STEP4(0);
#undef ECGC_STEP4
  acc[0] = s0, acc[1] = s1;
}

/*
 * One input row (m = 1), each weight used once: x split into pairs once, then the rows two
 * at a time as int8 codes (in place when dense 8-bit), so each load of x serves two rows.
 */
static void linear_vector(const ecgc_linear_s8_t *p, const int8_t *x, int8_t *y, int32_t *pairs) {
  const int32_t k4 = p->k & ~3;
  int8_t *codes = (int8_t *)(pairs + k4 / 2);
  ecgc_row_reader_t reader;
  int32_t n, r, i;
  for (i = 0; i < k4; i += 4) ecgc_split4(x + i, pairs + i / 2, pairs + i / 2 + 1);
  ecgc_row_reader_init(&reader, &p->weights);
  for (n = 0; n < p->n; n += 2) {
    /* an odd last row is summed twice, the second sum dropped */
    const int32_t count = p->n - n < 2 ? 1 : 2;
    const int8_t *r0 = ecgc_row_codes(&reader, codes), *r1 = count == 2 ? ecgc_row_codes(&reader, codes + p->k) : r0;
    int32_t acc[2] = {p->bias[n], p->bias[n + count - 1]};
    ecgc_dot_2x1_s16(pairs, r0, r1, k4, acc);
    for (i = k4; i < p->k; i++) acc[0] += (int32_t)r0[i] * x[i], acc[1] += (int32_t)r1[i] * x[i];
    for (r = 0; r < count; r++) y[n + r] = ecgc_output_s8(acc[r], p->multiplier[n + r], p->shift[n + r], p->output_offset, p->act_min, p->act_max);
  }
}
#endif

void ecgc_linear_s8(const ecgc_linear_s8_t *p, const int8_t *x, int8_t *y, void *scratch) {
  const int32_t k4 = p->k & ~3;
  ecgc_row_reader_t reader;
  int32_t n, m, r, i;
#ifdef ECGC_LINEAR_FAST
  const int32_t per_word = packed_word(p);
  if (per_word) {
    linear_packed(p, per_word, x, y, (int32_t *)scratch);
    return;
  }
#endif
  ecgc_row_reader_init(&reader, &p->weights);
  if (p->weights.encoding == ECGC_BITMAP && p->m == 1) {
    /* one input: each row's nonzero codes against it, no dense row */
    for (n = 0; n < p->n; n++) y[n] = ecgc_output_s8(p->bias[n] + ecgc_row_dot_bitmap_s8(&reader, x), p->multiplier[n], p->shift[n], p->output_offset, p->act_min, p->act_max);
    return;
  }
#ifdef ECGC_LINEAR_FAST
  if (p->m == 1) {
    linear_vector(p, x, y, (int32_t *)scratch);
    return;
  }
#endif
  for (n = 0; n < p->n; n += 4) {
    /* past the last row, the last one stands in (its sums dropped) */
    const int32_t count = p->n - n < 4 ? p->n - n : 4;
    const int8_t *rows[4];
    ecgc_output_stage_t stage[4];
    for (r = 0; r < 4; r++) {
      rows[r] = r < count ? ecgc_row_codes(&reader, (int8_t *)scratch + r * p->k) : rows[count - 1];
      stage[r] = ecgc_output_stage(p->multiplier[n + (r < count ? r : count - 1)], p->shift[n + (r < count ? r : count - 1)], p->output_offset, p->act_min, p->act_max, 0);
    }
    for (m = 0; m < p->m; m++) {
      const int8_t *xm = x + m * p->k;
      int32_t acc[4];
      for (r = 0; r < 4; r++) acc[r] = p->bias[n + (r < count ? r : count - 1)];
      ecgc_dot_4x1_s8(xm, rows, k4, acc);
      for (i = k4; i < p->k; i++) {
        for (r = 0; r < 4; r++) acc[r] += (int32_t)rows[r][i] * xm[i];
      }
      for (r = 0; r < count; r++) y[m * p->n + n + r] = ecgc_output_stage_s8(acc[r], &stage[r]);
    }
  }
}
