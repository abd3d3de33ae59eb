/* Row-by-row decoding of encoded weights (see ecgc.h and src/pack). Byte loads only. */
#include <string.h>
#include "ecgc.h"

static uint32_t read_bits(const uint8_t *stream, uint32_t bit, uint32_t width) {
  uint32_t value = 0, read = 0;
  while (read < width) {
    uint32_t offset = bit & 7u, take = 8u - offset;
    if (take > width - read) take = width - read;
    value |= ((uint32_t)(stream[bit >> 3] >> offset) & ((1u << take) - 1u)) << read;
    read += take;
    bit += take;
  }
  return value;
}

/* The weight a stored field stands for, in row `row`. */
static float dequantize(const ecgc_weights_t *w, uint32_t field, int32_t row) {
  int32_t code;
  switch (w->quantizer) {
  case ECGC_CODEBOOK:
    return w->levels[field];
  case ECGC_SIGN:
    return (float)(field ? 1 : -1) * w->scales[row];
  default:
    code = (field & (1u << (w->bits - 1))) ? (int32_t)field - (int32_t)(1u << w->bits) : (int32_t)field;
    return (float)code * w->scales[w->quantizer == ECGC_UNIFORM_LAYER ? 0 : row];
  }
}

void ecgc_row_reader_init(ecgc_row_reader_t *reader, const ecgc_weights_t *w) {
  reader->w = w;
  reader->row = 0;
  reader->code_bit = 0;
  reader->mask_bit = 0;
  /* delta: the distances start after the rows' uint16 counts */
  reader->index_bit = w->encoding == ECGC_DELTA ? (uint32_t)w->rows * 16u : 0u;
}

static int32_t delta_count(const ecgc_weights_t *w, int32_t row) {
  return (int32_t)w->index[2 * row] | ((int32_t)w->index[2 * row + 1] << 8);
}

int32_t ecgc_row_sparse(ecgc_row_reader_t *reader, float *values, int32_t *positions) {
  const ecgc_weights_t *w = reader->w;
  const int32_t row = reader->row++, length = w->row_length;
  int32_t count = 0, i;
  if (w->encoding == ECGC_DELTA) {
    const int32_t total = delta_count(w, row);
    int32_t position = -1;
    for (i = 0; i < total; i++) {
      position += (int32_t)read_bits(w->index, reader->index_bit, w->index_bits);
      reader->index_bit += w->index_bits;
      positions[count] = position;
      values[count++] = dequantize(w, read_bits(w->codes, reader->code_bit, w->bits), row);
      reader->code_bit += w->bits;
    }
    return count;
  }
  for (i = 0; i < length; i++) {
    float value;
    if (w->encoding == ECGC_F32) {
      value = w->f32[(size_t)row * length + i];
    } else if (w->encoding == ECGC_BITMAP) {
      const int nonzero = (w->index[reader->mask_bit >> 3] >> (reader->mask_bit & 7u)) & 1;
      reader->mask_bit++;
      if (!nonzero) continue;
      value = dequantize(w, read_bits(w->codes, reader->code_bit, w->bits), row);
      reader->code_bit += w->bits;
    } else {
      const uint32_t field = read_bits(w->codes, reader->code_bit, w->bits);
      reader->code_bit += w->bits;
      /* a zero code is a zero weight (sign codes are never zero in a dense stream) */
      if (w->quantizer != ECGC_SIGN && field == 0) continue;
      value = dequantize(w, field, row);
    }
    if (value == 0.0f) continue;
    positions[count] = i;
    values[count++] = value;
  }
  return count;
}

const float *ecgc_row_dense(ecgc_row_reader_t *reader, float *scratch) {
  const ecgc_weights_t *w = reader->w;
  const int32_t row = reader->row;
  if (w->encoding == ECGC_F32) {
    reader->row++;
    return w->f32 + (size_t)row * w->row_length;
  }
  if (w->encoding == ECGC_DENSE) {
    int32_t i;
    for (i = 0; i < w->row_length; i++) {
      scratch[i] = dequantize(w, read_bits(w->codes, reader->code_bit, w->bits), row);
      reader->code_bit += w->bits;
    }
    reader->row++;
    return scratch;
  }
  {
    /* sparse stream: scatter the nonzeros into a zeroed row (values and positions share scratch's tail) */
    float *values = scratch + w->row_length;
    int32_t *positions = (int32_t *)(void *)(values + w->row_length);
    int32_t count = ecgc_row_sparse(reader, values, positions), j;
    memset(scratch, 0, (size_t)w->row_length * sizeof(float));
    for (j = 0; j < count; j++) scratch[positions[j]] = values[j];
    return scratch;
  }
}
