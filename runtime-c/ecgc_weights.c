/*
 * Row-by-row decoding of encoded weights (see ecgc.h and src/pack). Byte loads only.
 * Fields of 1, 2, 4 and 8 bits never straddle a byte (every stream starts on a multiple of
 * the width), so they have specialised decoders: whole bytes at a time, and for widths up
 * to 4 a per-row table of the 2^b weights a field can stand for (one lookup per weight).
 * The table holds exactly the floats the per-weight formula gives, so results are the same.
 */
#include <string.h>
#include "ecgc.h"

/* The `width`-bit field (width <= 24) that starts at `bit`: its first byte, then whole bytes while bits are missing. */
static uint32_t read_bits(const uint8_t *stream, uint32_t bit, uint32_t width) {
  const uint8_t *byte = stream + (bit >> 3);
  uint32_t have = 8u - (bit & 7u), value = (uint32_t)*byte >> (bit & 7u);
  for (; have < width; have += 8u) value |= (uint32_t)*++byte << have;
  return value & ((1u << width) - 1u);
}

/* Row `row`'s scale (the layer's one for uniform-layer), from float32 or bfloat16. */
static float scale_of(const ecgc_weights_t *w, int32_t row) {
  const int32_t i = w->quantizer == ECGC_UNIFORM_LAYER ? 0 : row;
  uint32_t bits;
  float scale;
  if (w->scales) return w->scales[i];
  bits = (uint32_t)w->scales_bf16[i] << 16;
  memcpy(&scale, &bits, sizeof scale);
  return scale;
}

/* A stored field as an integer code: sign fields 1 / 0 are +1 / -1, uniform fields are signed. */
static int32_t code_of(const ecgc_weights_t *w, uint32_t field) {
  if (w->quantizer == ECGC_SIGN) return field ? 1 : -1;
  return (field & (1u << (w->bits - 1))) ? (int32_t)field - (int32_t)(1u << w->bits) : (int32_t)field;
}

/* The weight a stored field stands for, in row `row`. */
static float dequantize(const ecgc_weights_t *w, uint32_t field, int32_t row) {
  if (w->quantizer == ECGC_CODEBOOK) return w->levels[field];
  return (float)code_of(w, field) * scale_of(w, row);
}

/* The weight of every field value in row `row`: the codebook itself, or `local` filled (bits <= 4). */
static const float *row_table(const ecgc_weights_t *w, int32_t row, float *local) {
  const int32_t size = 1 << w->bits;
  float scale;
  int32_t field;
  if (w->quantizer == ECGC_CODEBOOK) return w->levels;
  if (w->quantizer == ECGC_SIGN) {
    local[0] = dequantize(w, 0, row);
    local[1] = dequantize(w, 1, row);
    return local;
  }
  /* uniform: fields below size/2 are the codes themselves, the others code - size */
  scale = scale_of(w, row);
  for (field = 0; field < size; field++) local[field] = (float)(field < size / 2 ? field : field - size) * scale;
  return local;
}

/*
 * unpack_<type>(bytes, n, width, table, out): n fields of `width` bits (1, 2 or 4: a constant
 * where inlined) from the byte-aligned `bytes`, looked up in `table` (weights or int8 codes).
 */
#define ECGC_UNPACK_TABLE(name, type)                                                                              \
  static inline void name(const uint8_t *bytes, int32_t n, uint32_t width, const type *table, type *out) {        \
    const uint32_t mask = (1u << width) - 1u, per_byte = 8u / width;                                               \
    int32_t i = 0;                                                                                                 \
    uint32_t j;                                                                                                    \
    for (; i + (int32_t)per_byte <= n; i += (int32_t)per_byte) {                                                   \
      uint32_t byte = *bytes++;                                                                                    \
      for (j = 0; j < per_byte; j++, byte >>= width) out[i + (int32_t)j] = table[byte & mask];                     \
    }                                                                                                              \
    for (j = 0; i < n; i++, j += width) out[i] = table[(*bytes >> j) & mask];                                      \
  }
ECGC_UNPACK_TABLE(unpack_table, float)
ECGC_UNPACK_TABLE(unpack_codes, int8_t)

/* Row `row` of a dense stream, whose first field is at `bit`, as row_length floats. */
static void decode_dense_row(const ecgc_weights_t *w, int32_t row, uint32_t bit, float *out) {
  const int32_t n = w->row_length;
  const uint32_t width = w->bits;
  float local[16];
  int32_t i = 0;
  if (width <= 4u || w->quantizer == ECGC_CODEBOOK) {
    const float *table = row_table(w, row, local);
    if (8u % width == 0u) {
      /* fields up to the first byte boundary, then whole bytes */
      for (; i < n && (bit & 7u); i++, bit += width) out[i] = table[read_bits(w->codes, bit, width)];
      if (width == 4u) unpack_table(w->codes + (bit >> 3), n - i, 4u, table, out + i);
      else if (width == 2u) unpack_table(w->codes + (bit >> 3), n - i, 2u, table, out + i);
      else unpack_table(w->codes + (bit >> 3), n - i, width, table, out + i);
      return;
    }
    for (; i < n; i++, bit += width) out[i] = table[read_bits(w->codes, bit, width)];
    return;
  }
  if (width == 8u) {
    /* signed bytes: the code is the byte minus 256 when its top bit is set */
    const uint8_t *bytes = w->codes + (bit >> 3);
    const float scale = scale_of(w, row);
    for (; i < n; i++) out[i] = (float)((int32_t)bytes[i] - (int32_t)((bytes[i] & 0x80u) << 1)) * scale;
    return;
  }
  for (; i < n; i++, bit += width) out[i] = dequantize(w, read_bits(w->codes, bit, width), row);
}

void ecgc_row_reader_init(ecgc_row_reader_t *reader, const ecgc_weights_t *w) {
  reader->w = w;
  reader->row = 0;
  reader->code_bit = 0;
  reader->mask_bit = 0;
  /* delta: the distances start after the rows' uint16 counts */
  reader->index_bit = w->encoding == ECGC_DELTA ? (uint32_t)w->rows * 16u : 0u;
  if (w->bits <= 2u) {
    uint32_t field;
    for (field = 0; field < (1u << w->bits); field++) reader->codes[field] = (int8_t)code_of(w, field);
  }
}

/* The index of the lowest set bit of a nonzero byte. */
static int32_t lowest_set_bit(uint32_t bits) {
#if defined(__GNUC__)
  return __builtin_ctz(bits);
#else
  int32_t j = 0;
  for (; !(bits & 1u); bits >>= 1) j++;
  return j;
#endif
}

static int32_t delta_count(const ecgc_weights_t *w, int32_t row) {
  return (int32_t)w->index[2 * row] | ((int32_t)w->index[2 * row + 1] << 8);
}

/* The next stored nonzero weight of row `row`. */
static float next_nonzero(ecgc_row_reader_t *reader, int32_t row, const float *table) {
  const ecgc_weights_t *w = reader->w;
  uint32_t field;
  if (w->quantizer == ECGC_FLOAT) {
    reader->code_bit += 32u;
    return w->f32[(reader->code_bit >> 5) - 1u];
  }
  field = read_bits(w->codes, reader->code_bit, w->bits);
  reader->code_bit += w->bits;
  return table ? table[field] : dequantize(w, field, row);
}

int32_t ecgc_row_sparse(ecgc_row_reader_t *reader, float *values, int32_t *positions) {
  const ecgc_weights_t *w = reader->w;
  const int32_t row = reader->row++, length = w->row_length;
  float local[16];
  const float *table = w->bits <= 4u || w->quantizer == ECGC_CODEBOOK ? row_table(w, row, local) : NULL;
  int32_t count = 0, i;
  if (w->encoding == ECGC_DELTA) {
    const int32_t total = delta_count(w, row);
    int32_t position = -1;
    for (i = 0; i < total; i++) {
      position += (int32_t)read_bits(w->index, reader->index_bit, w->index_bits);
      reader->index_bit += w->index_bits;
      positions[count] = position;
      values[count] = next_nonzero(reader, row, table);
      /* a nonzero code can still stand for a zero weight (a codebook level, a zero scale) */
      if (values[count] != 0.0f) count++;
    }
    return count;
  }
  /* the bitmap 8 positions at a time, visiting only the set bits (ascending) */
  for (i = 0; i < length; i += 8) {
    const uint32_t take = length - i < 8 ? (uint32_t)(length - i) : 8u;
    uint32_t bits = read_bits(w->index, reader->mask_bit, take);
    reader->mask_bit += take;
    for (; bits != 0u; bits &= bits - 1u) {
      positions[count] = i + lowest_set_bit(bits);
      values[count] = next_nonzero(reader, row, table);
      if (values[count] != 0.0f) count++;
    }
  }
  return count;
}

const float *ecgc_row_dense(ecgc_row_reader_t *reader, float *scratch) {
  const ecgc_weights_t *w = reader->w;
  const int32_t row = reader->row++;
  if (w->encoding == ECGC_F32) return w->f32 + (size_t)row * (size_t)w->row_length;
  decode_dense_row(w, row, (uint32_t)row * (uint32_t)w->row_length * w->bits, scratch);
  return scratch;
}

/* A bitmap walk's place in the code stream: the fields not yet taken sit in `buffer` (`have` bits). */
typedef struct {
  const uint8_t *stream;
  uint32_t buffer, have;
  int32_t sum;
} bitmap_state_t;

enum { WALK_CODES, WALK_SCATTER, WALK_DOT };

/*
 * The nonzero codes of the 8 positions from `first` whose mask bits are `bits`: each field
 * taken from the buffer (refilled a byte at a time, never reading past the stream),
 * sign-extended (uniform) or mapped to +1 / -1 (`sign`), then written at its position in
 * `codes` (WALK_CODES), as int16 at out[map[position]] (WALK_SCATTER), or multiplied by
 * x[position] into the sum (WALK_DOT). `mode` and `sign` are constants where inlined.
 */
static inline __attribute__((always_inline)) void walk_byte(bitmap_state_t *st, uint32_t bits, int32_t first, uint32_t width, int sign, int mode, int8_t *codes, int16_t *out,
                                                           const int16_t *map, const int8_t *x) {
  const uint32_t extend = 32u - width;
  for (; bits != 0u; bits &= bits - 1u) {
    const int32_t position = first + lowest_set_bit(bits);
    int32_t code;
    if (st->have < width) {
      st->buffer |= (uint32_t)*st->stream++ << st->have;
      st->have += 8u;
    }
    code = sign ? (int32_t)(2u * (st->buffer & 1u)) - 1 : (int32_t)(st->buffer << extend) >> extend;
    st->buffer >>= width;
    st->have -= width;
    if (mode == WALK_CODES) codes[position] = (int8_t)code;
    else if (mode == WALK_SCATTER) out[map[position]] = (int16_t)code;
    else st->sum += code * x[position];
  }
}

/*
 * Walks a bitmap row's nonzero codes (walk_byte): its mask a whole byte at a time when the
 * row's mask starts on a byte, the rest 8 bits at a time read across bytes, visiting only the
 * set bits. Returns the sum (WALK_DOT).
 */
static inline __attribute__((always_inline)) int32_t bitmap_walk(ecgc_row_reader_t *reader, int sign, int mode, int8_t *codes, int16_t *out, const int16_t *map, const int8_t *x) {
  const ecgc_weights_t *w = reader->w;
  const uint32_t width = w->bits, offset = reader->code_bit & 7u;
  const uint8_t *const start = w->codes + (reader->code_bit >> 3);
  const int32_t length = w->row_length, whole = reader->mask_bit & 7u ? 0 : length & ~7;
  const uint8_t *mask_bytes = w->index + (reader->mask_bit >> 3);
  bitmap_state_t st;
  int32_t i;
  /* a byte partly read by the previous row exists; otherwise nothing is read before a code needs it */
  st.stream = start;
  st.buffer = offset ? (uint32_t)*st.stream++ >> offset : 0u;
  st.have = offset ? 8u - offset : 0u;
  st.sum = 0;
  for (i = 0; i < whole; i += 8) walk_byte(&st, *mask_bytes++, i, width, sign, mode, codes, out, map, x);
  for (; i < length; i += 8) {
    const uint32_t take = length - i < 8 ? (uint32_t)(length - i) : 8u;
    walk_byte(&st, read_bits(w->index, reader->mask_bit + (uint32_t)i, take), i, width, sign, mode, codes, out, map, x);
  }
  reader->mask_bit += (uint32_t)length;
  /* the fields taken: the bits read from the stream, less those still in the buffer */
  reader->code_bit = (reader->code_bit & ~7u) + 8u * (uint32_t)(st.stream - start) - st.have;
  return st.sum;
}

int32_t ecgc_row_dot_bitmap_s8(ecgc_row_reader_t *reader, const int8_t *x) {
  reader->row++;
  return reader->w->quantizer == ECGC_SIGN ? bitmap_walk(reader, 1, WALK_DOT, NULL, NULL, NULL, x) : bitmap_walk(reader, 0, WALK_DOT, NULL, NULL, NULL, x);
}

const int8_t *ecgc_row_codes(ecgc_row_reader_t *reader, int8_t *codes) {
  const ecgc_weights_t *w = reader->w;
  const int32_t row = reader->row++, length = w->row_length;
  int32_t i;
  if (w->encoding == ECGC_DENSE) {
    uint32_t bit = (uint32_t)row * (uint32_t)length * w->bits;
    /* 8-bit uniform codes are the int8 values themselves: read in place */
    if (w->bits == 8u && w->quantizer != ECGC_SIGN) return (const int8_t *)(const void *)(w->codes + (bit >> 3));
    if (w->bits == 4u && w->quantizer != ECGC_SIGN && !(bit & 7u)) {
      /* two signed nibbles a byte, low first: sign-extended in place of a table */
      const uint8_t *bytes = w->codes + (bit >> 3);
      for (i = 0; i + 2 <= length; i += 2, bytes++) {
        codes[i] = (int8_t)((int32_t)((uint32_t)*bytes << 28) >> 28);
        codes[i + 1] = (int8_t)((int32_t)((uint32_t)*bytes << 24) >> 28);
      }
      if (i < length) codes[i] = (int8_t)((int32_t)((uint32_t)*bytes << 28) >> 28);
      return codes;
    }
    if (w->bits <= 2u && !(bit & 7u)) {
      /* whole bytes through the reader's table of the field values (widths 1 and 2: constants where inlined) */
      const uint8_t *bytes = w->codes + (bit >> 3);
      if (w->bits == 2u) unpack_codes(bytes, length, 2u, reader->codes, codes);
      else unpack_codes(bytes, length, 1u, reader->codes, codes);
      return codes;
    }
    for (i = 0; i < length; i++, bit += w->bits) codes[i] = (int8_t)code_of(w, read_bits(w->codes, bit, w->bits));
    return codes;
  }
  memset(codes, 0, (size_t)length);
  if (w->encoding == ECGC_DELTA) {
    const int32_t total = delta_count(w, row);
    int32_t position = -1;
    for (i = 0; i < total; i++) {
      position += (int32_t)read_bits(w->index, reader->index_bit, w->index_bits);
      reader->index_bit += w->index_bits;
      codes[position] = (int8_t)code_of(w, read_bits(w->codes, reader->code_bit, w->bits));
      reader->code_bit += w->bits;
    }
    return codes;
  }
  if (w->quantizer == ECGC_SIGN) bitmap_walk(reader, 1, WALK_CODES, codes, NULL, NULL, NULL);
  else bitmap_walk(reader, 0, WALK_CODES, codes, NULL, NULL, NULL);
  return codes;
}

void ecgc_row_scatter_s16(ecgc_row_reader_t *reader, const int16_t *map, int16_t *out, int8_t *codes) {
  const ecgc_weights_t *w = reader->w;
  const int8_t *row;
  int32_t i;
  if (w->encoding == ECGC_BITMAP) { /* only the nonzero codes, without a dense row */
    reader->row++;
    if (w->quantizer == ECGC_SIGN) bitmap_walk(reader, 1, WALK_SCATTER, NULL, out, map, NULL);
    else bitmap_walk(reader, 0, WALK_SCATTER, NULL, out, map, NULL);
    return;
  }
  row = ecgc_row_codes(reader, codes);
  for (i = 0; i + 4 <= w->row_length; i += 4) {
    out[map[i]] = row[i], out[map[i + 1]] = row[i + 1];
    out[map[i + 2]] = row[i + 2], out[map[i + 3]] = row[i + 3];
  }
  for (; i < w->row_length; i++) out[map[i]] = row[i];
}
