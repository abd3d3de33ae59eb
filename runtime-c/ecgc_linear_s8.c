/*
 * Linear on int8 activations (ecgc.h). On cores with the DSP extension, dense rows of 1-, 2-
 * and 4-bit codes are multiplied as they are stored (ecgc_packed_dot): a word of fields is
 * split into int16 pairs by a shift, a mask and SXTB16, each field landing in a byte's top bits
 * (so as its value times 2^(8 - bits)), and the input is laid out once per row of x in the
 * matching pair order. A bitmap row against one input is summed over its nonzero codes
 * alone (ecgc_row_dot_bitmap_s8). Every other row is read as int8 codes (in place when dense 8-bit),
 * four at a time against the input split once (ecgc_dot_4x1_s8); the last k % 4 values in
 * plain C. The bias carries input_offset * sum(w).
 */
#include "ecgc.h"
#include "ecgc_dot_s8.h"
#include "ecgc_requantize.h"

size_t ecgc_linear_s8_get_buffer_size(const ecgc_linear_s8_t *p) {
  return (size_t)(4 * p->k); /* four rows of codes, or the input as int16 pairs (2k bytes) */
}

#ifdef ECGC_DSP
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

/* The field at `shift` below a byte's top of every byte of v (the top field: shift 0), as two SMLADs. */
#define ECGC_FIELD(v, shift, top, s, pairs)                          \
  do {                                                               \
    int32_t t_ = (int32_t)(((uint32_t)(v) << (shift)) & (top)), h_; \
    (s) = __smlad(__sxtb16(t_), (pairs)[0], (s));                    \
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(h_) : "r"(t_));           \
    (s) = __smlad(h_, (pairs)[1], (s));                              \
  } while (0)

/* sum of 2^(8 - bits) * code * x over a row of `words` packed words (codes as two's complement fields). */
static int32_t ecgc_packed_dot(const uint8_t *codes, const int32_t *pairs, int32_t words, uint32_t bits) {
  int32_t s = 0, i;
  if (bits == 4u) {
    for (i = 0; i < words; i++, pairs += 4) {
      const int32_t v = ecgc_load4((const int8_t *)(const void *)(codes + 4 * i));
      ECGC_FIELD(v, 4, 0xf0f0f0f0u, s, pairs);
      ECGC_FIELD(v, 0, 0xf0f0f0f0u, s, pairs + 2);
    }
  } else if (bits == 2u) {
    for (i = 0; i < words; i++, pairs += 8) {
      const int32_t v = ecgc_load4((const int8_t *)(const void *)(codes + 4 * i));
      ECGC_FIELD(v, 6, 0xc0c0c0c0u, s, pairs);
      ECGC_FIELD(v, 4, 0xc0c0c0c0u, s, pairs + 2);
      ECGC_FIELD(v, 2, 0xc0c0c0c0u, s, pairs + 4);
      ECGC_FIELD(v, 0, 0xc0c0c0c0u, s, pairs + 6);
    }
  } else {
    for (i = 0; i < words; i++, pairs += 16) {
      const int32_t v = ecgc_load4((const int8_t *)(const void *)(codes + 4 * i));
      ECGC_FIELD(v, 7, 0x80808080u, s, pairs);
      ECGC_FIELD(v, 6, 0x80808080u, s, pairs + 2);
      ECGC_FIELD(v, 5, 0x80808080u, s, pairs + 4);
      ECGC_FIELD(v, 4, 0x80808080u, s, pairs + 6);
      ECGC_FIELD(v, 3, 0x80808080u, s, pairs + 8);
      ECGC_FIELD(v, 2, 0x80808080u, s, pairs + 10);
      ECGC_FIELD(v, 1, 0x80808080u, s, pairs + 12);
      ECGC_FIELD(v, 0, 0x80808080u, s, pairs + 14);
    }
  }
  return s;
}

static void linear_packed(const ecgc_linear_s8_t *p, int32_t per_word, const int8_t *x, int8_t *y, int32_t *pairs) {
  const ecgc_weights_t *w = &p->weights;
  const uint32_t bits = w->bits;
  const int32_t words = p->k / per_word, row_bytes = p->k * (int32_t)bits / 8, scale = 8 - (int32_t)bits;
  int32_t m, n;
  for (m = 0; m < p->m; m++) {
    const int32_t sum_x = pair_input(x + m * p->k, p->k, 8 / (int32_t)bits, pairs);
    for (n = 0; n < p->n; n++) {
      const int32_t s = ecgc_packed_dot(w->codes + n * row_bytes, pairs, words, bits);
      /* every term is a multiple of 2^scale: the shift is exact; a sign code is 2 * field - 1, its field stored as -1 */
      const int32_t dot = w->quantizer == ECGC_SIGN ? -(s >> (scale - 1)) - sum_x : s >> scale;
      y[m * p->n + n] = ecgc_output_s8(p->bias[n] + dot, p->multiplier[n], p->shift[n], p->output_offset, p->act_min, p->act_max);
    }
  }
}
#endif

void ecgc_linear_s8(const ecgc_linear_s8_t *p, const int8_t *x, int8_t *y, void *scratch) {
  const int32_t k4 = p->k & ~3;
  ecgc_row_reader_t reader;
  int32_t n, m, r, i;
#ifdef ECGC_DSP
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
