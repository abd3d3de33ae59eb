/*
 * Element-wise ops with broadcasting beyond Add/Sub/Mul/Div (src/ops/binary.ts, where.ts,
 * variadic.ts, p-relu.ts, pow.ts): comparisons and logic into bool (uint8_t, 0 or 1), Where, Max/Min,
 * PRelu, Pow, Mul on int8 (MulS8); and the bool ops without broadcasting (Not, Cast to and from bool). One function per
 * op, so a firmware links only those it uses.
 */
#include "ecgc.h"
#include "ecgc_approx.h"
#include "ecgc_requantize.h"

/* One step of a row-major walk over `shape`: the output index and each operand's offset (stride 0 where broadcast). */
static void next_index(int32_t *index, const int32_t *shape, int32_t rank, int32_t *offset, const int32_t *const *strides, int32_t operands) {
  int32_t d, k;
  for (d = rank - 1; d >= 0; d--) {
    for (k = 0; k < operands; k++) offset[k] += strides[k][d];
    if (++index[d] < shape[d]) return;
    for (k = 0; k < operands; k++) offset[k] -= strides[k][d] * shape[d];
    index[d] = 0;
  }
}

static int32_t element_count(const int32_t *shape, int32_t rank) {
  int32_t total = 1, d;
  for (d = 0; d < rank; d++) total *= shape[d];
  return total;
}

/* y[i] = expression of va = a[...], vb = b[...] over the output, row-major. */
#define ECGC_BROADCAST2(name, in_type, out_type, expression)                                                                                   \
  void name(const in_type *a, const int32_t *a_strides, const in_type *b, const int32_t *b_strides, out_type *y, const int32_t *shape, int32_t rank) { \
    const int32_t *const strides[2] = {a_strides, b_strides};                                                                                  \
    int32_t index[6] = {0, 0, 0, 0, 0, 0}, offset[2] = {0, 0}, total = element_count(shape, rank), i;                                          \
    for (i = 0; i < total; i++) {                                                                                                              \
      const in_type va = a[offset[0]], vb = b[offset[1]];                                                                                      \
      y[i] = (expression);                                                                                                                     \
      next_index(index, shape, rank, offset, strides, 2);                                                                                      \
    }                                                                                                                                          \
  }

ECGC_BROADCAST2(ecgc_less_f32, float, uint8_t, va < vb)
ECGC_BROADCAST2(ecgc_less_or_equal_f32, float, uint8_t, va <= vb)
ECGC_BROADCAST2(ecgc_greater_f32, float, uint8_t, va > vb)
ECGC_BROADCAST2(ecgc_greater_or_equal_f32, float, uint8_t, va >= vb)
ECGC_BROADCAST2(ecgc_equal_f32, float, uint8_t, va == vb)
ECGC_BROADCAST2(ecgc_equal_bool, uint8_t, uint8_t, va == vb)
ECGC_BROADCAST2(ecgc_and_bool, uint8_t, uint8_t, va & vb)
ECGC_BROADCAST2(ecgc_or_bool, uint8_t, uint8_t, va | vb)
ECGC_BROADCAST2(ecgc_xor_bool, uint8_t, uint8_t, va ^ vb)
ECGC_BROADCAST2(ecgc_max_f32, float, float, vb > va ? vb : va)
ECGC_BROADCAST2(ecgc_min_f32, float, float, vb < va ? vb : va)
ECGC_BROADCAST2(ecgc_prelu_f32, float, float, va < 0.0f ? vb * va : va)
ECGC_BROADCAST2(ecgc_pow_broadcast_f32, float, float, ecgc_powf(va, vb))

void ecgc_where_f32(const uint8_t *condition, const int32_t *condition_strides, const float *x, const int32_t *x_strides, const float *y, const int32_t *y_strides, float *out, const int32_t *shape, int32_t rank) {
  const int32_t *const strides[3] = {condition_strides, x_strides, y_strides};
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, offset[3] = {0, 0, 0}, total = element_count(shape, rank), i;
  for (i = 0; i < total; i++) {
    out[i] = condition[offset[0]] ? x[offset[1]] : y[offset[2]];
    next_index(index, shape, rank, offset, strides, 3);
  }
}

void ecgc_not_bool(const uint8_t *x, uint8_t *y, int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++) y[i] = (uint8_t)!x[i];
}

void ecgc_cast_to_bool_f32(const float *x, uint8_t *y, int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++) y[i] = x[i] != 0.0f;
}

void ecgc_cast_to_f32_bool(const uint8_t *x, float *y, int32_t n) {
  int32_t i;
  for (i = 0; i < n; i++) y[i] = x[i] ? 1.0f : 0.0f;
}

/* Mul on int8 activations (src/ops/mul-s8.ts): the product of the offset inputs, requantized, offset and clamped. */
void ecgc_mul_s8(const ecgc_mul_s8_t *p, const int8_t *a, const int32_t *a_strides, const int8_t *b, const int32_t *b_strides, int8_t *y, const int32_t *shape, int32_t rank) {
  const int32_t *const strides[2] = {a_strides, b_strides};
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, offset[2] = {0, 0}, total = element_count(shape, rank), i;
  for (i = 0; i < total; i++) {
    const int32_t product = ((int32_t)a[offset[0]] + p->a_offset) * ((int32_t)b[offset[1]] + p->b_offset);
    y[i] = ecgc_output_s8(product, p->multiplier, p->shift, p->output_offset, p->act_min, p->act_max);
    next_index(index, shape, rank, offset, strides, 2);
  }
}
