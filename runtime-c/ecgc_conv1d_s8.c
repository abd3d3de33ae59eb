/*
 * Conv1d on int8 activations (ecgc.h), weight stationary: each output channel's row is
 * decoded and swept over the time axis, its int32 sums gathered ECGC_CONV_CHUNK positions
 * at a time and then requantized in one pass (ecgc_output_row_s8), so the sums loop keeps
 * its registers for the sums.
 *
 * Depthwise layers (one input and one output channel a group, dilation 1) widen a channel
 * to int16 once, padded with the zero point, and take its taps two at a time (SMLAD on
 * int16 pairs), four positions a pass. Every other layer lays its input out time-major, a
 * span of p->span output positions at a time (the lowering picks the span that keeps this
 * copy small; each row is decoded once a span): row r holds the group's channels at position
 * r - pad_begin (the zero point in the padding, so a padded tap adds w * 0 in real terms once
 * the bias carries input_offset * sum(w)). A window is then contiguous: with dilation 1 one
 * run of kernel * channels values (window order [tap][channel]), otherwise one run of the
 * channels (rounded up to 4) per tap. Two output channels' rows are decoded straight into
 * int16 in SMLAD order (ecgc_dot_s8.h) and swept over the span two positions a pass. With
 * p->split (rows of a multiple of 4 values) the copy holds the values already split into
 * int16 pairs, twice the bytes, and the sums loop has no SXTB16 to do.
 */
#include "ecgc.h"
#include "ecgc_dot_s8.h"
#include "ecgc_requantize.h"

#define ROUND4(n) (((n) + 3) & ~3)
#define ECGC_CONV_CHUNK 32 /* positions whose sums wait for the output stage (a multiple of 4) */

typedef struct {
  int32_t in_per_group, out_per_group;
  int32_t width;     /* values a row of the time-major input holds */
  int32_t window;    /* values a window reads (a multiple of 4) */
  int32_t segment;   /* values read contiguously: the whole window (dilation 1), or a tap's channels */
  int32_t rows;      /* input positions the windows of all outputs read */
  int32_t span_rows; /* input positions the windows of p->span outputs read */
  int32_t pairs;     /* depthwise: the taps two at a time (zeros past the last) */
} geometry_t;

/* The input positions the windows of `positions` consecutive outputs read. */
static int32_t rows_of(const ecgc_conv1d_s8_t *p, int32_t positions) {
  return (positions - 1) * p->stride + (p->kernel - 1) * p->dilation + 1;
}

static int depthwise(const ecgc_conv1d_s8_t *p) {
  return p->in_channels == p->groups && p->out_channels == p->groups && p->dilation == 1;
}

static geometry_t geometry(const ecgc_conv1d_s8_t *p) {
  geometry_t g;
  g.in_per_group = p->in_channels / p->groups;
  g.out_per_group = p->out_channels / p->groups;
  g.width = p->dilation == 1 ? g.in_per_group : ROUND4(g.in_per_group);
  g.window = p->dilation == 1 ? ROUND4(p->kernel * g.in_per_group) : p->kernel * g.width;
  g.segment = p->dilation == 1 ? g.window : g.width;
  g.rows = rows_of(p, p->out_length);
  g.span_rows = rows_of(p, p->span);
  g.pairs = (p->kernel + 1) / 2;
  g.pairs = g.pairs > 3 ? g.pairs : 3; /* three at least: ecgc_dot_3pairs_1x4_s16 reads three */
  return g;
}

/* Depthwise: a channel widened, up to the last value a pass of four positions reads (position n + 2's last pair). */
static int32_t widened_length(const ecgc_conv1d_s8_t *p, const geometry_t *g) {
  return ROUND4((p->out_length + 2) * p->stride + 2 * g->pairs);
}

/* What every span needs besides its time-major input: two rows packed (int16 pairs), the sums of two channels, where each code goes in the rows, a row of codes. */
typedef struct {
  int32_t *packed, *sums[2];
  int16_t *map;
  int8_t *codes;
} buffers_t;

static size_t buffers_size(const ecgc_conv1d_s8_t *p, const geometry_t *g) {
  return (size_t)(4 * g->window + 4 * 2 * ECGC_CONV_CHUNK + ROUND4(2 * p->weights.row_length) + ROUND4(p->weights.row_length));
}

/* The buffers at the start of `scratch`; returns what follows them. */
static void *buffers_at(const ecgc_conv1d_s8_t *p, const geometry_t *g, void *scratch, buffers_t *b) {
  b->packed = (int32_t *)scratch;
  b->sums[0] = b->packed + g->window;
  b->sums[1] = b->sums[0] + ECGC_CONV_CHUNK;
  b->map = (int16_t *)(b->sums[1] + ECGC_CONV_CHUNK);
  b->codes = (int8_t *)b->map + ROUND4(2 * p->weights.row_length);
  return b->codes + ROUND4(p->weights.row_length);
}

size_t ecgc_conv1d_s8_get_buffer_size(const ecgc_conv1d_s8_t *p) {
  const geometry_t g = geometry(p);
  const int32_t sums = 4 * 2 * ECGC_CONV_CHUNK, codes = ROUND4(p->weights.row_length);
  if (depthwise(p)) return (size_t)(2 * widened_length(p, &g) + 4 * g.pairs + sums + codes);
  /* the buffers, then a span of the input time-major (split: two bytes a value; else 4 bytes a window may read past it) */
  return buffers_size(p, &g) + (size_t)(p->split ? 2 * g.span_rows * g.width : ROUND4(g.span_rows * g.width + 4));
}

static ecgc_output_stage_t stage_of(const ecgc_conv1d_s8_t *p, int32_t channel) {
  return ecgc_output_stage(p->multiplier[channel], p->shift[channel], p->output_offset, p->act_min, p->act_max, p->small_accumulators);
}

static void conv_depthwise(const ecgc_conv1d_s8_t *p, const geometry_t *g, const int8_t *x, int8_t *y, void *scratch) {
  const int32_t n = p->out_length, length = widened_length(p, g), zero = p->input_zero_point;
  /* the channel's samples fill rows [begin, end), the zero point the rest up to g->rows */
  const int32_t begin = p->pad_begin < g->rows ? p->pad_begin : g->rows;
  const int32_t end = p->pad_begin + p->in_length < g->rows ? p->pad_begin + p->in_length : g->rows;
  int16_t *row = (int16_t *)scratch;
  int32_t *pairs = (int32_t *)(row + length), *sums = pairs + g->pairs;
  int8_t *codes = (int8_t *)(sums + 2 * ECGC_CONV_CHUNK);
  ecgc_row_reader_t reader;
  int32_t c, r, j, t0, t;
  ecgc_row_reader_init(&reader, &p->weights);
  for (c = 0; c < p->out_channels; c++) {
    const int8_t *w = ecgc_row_codes(&reader, codes), *xc = x + c * p->in_length;
    const ecgc_output_stage_t stage = stage_of(p, c);
    for (j = 0; j < g->pairs; j++) pairs[j] = 2 * j < p->kernel ? ecgc_pair(w[2 * j], 2 * j + 1 < p->kernel ? w[2 * j + 1] : 0) : 0;
    for (r = 0; r < begin; r++) row[r] = (int16_t)zero;
    ecgc_widen_s8(xc + (begin - p->pad_begin), end - begin, row + begin);
    for (r = end; r < g->rows; r++) row[r] = (int16_t)zero;
    for (; r < length; r++) row[r] = 0;
    for (t0 = 0; t0 < n; t0 += ECGC_CONV_CHUNK) {
      const int32_t count = n - t0 < ECGC_CONV_CHUNK ? n - t0 : ECGC_CONV_CHUNK;
      /* taps and bias in registers (the sums' stores could alias their arrays); past the last position the sums read the widened tail and are dropped */
      const int32_t w0 = pairs[0], w1 = pairs[1], w2 = pairs[2], bias = p->bias[c];
      if (p->stride == 1 && g->pairs == 3) {
        for (t = 0; t < count; t += 4) ecgc_dot_3pairs_1x4_s16(row + t0 + t, w0, w1, w2, bias, sums + t);
      } else if (p->stride == 2 && g->pairs == 3) {
        for (t = 0; t < count; t += 4) ecgc_dot_3pairs_1x4_stride2_s16((const int32_t *)(const void *)row + t0 + t, w0, w1, w2, bias, sums + t);
      } else {
        for (t = 0; t < count; t += 4) {
          sums[t] = sums[t + 1] = sums[t + 2] = sums[t + 3] = p->bias[c];
          ecgc_dot_pairs_1x4_s16(row + (t0 + t) * p->stride, p->stride, pairs, g->pairs, sums + t);
        }
      }
      ecgc_output_row_s8(sums, count, &stage, y + c * n + t0);
    }
  }
}

/* Rows [first, first + count) of the group's input, time-major, padded with the zero point (and zeros in the channels rounded up to 4). */
static void time_major(const ecgc_conv1d_s8_t *p, const geometry_t *g, const int8_t *xg, int32_t first, int32_t count, int8_t *xt) {
  const int32_t clip = first + count, pad = p->pad_begin;
  const int32_t begin = pad < first ? first : pad < clip ? pad : clip;
  const int32_t end = pad + p->in_length < begin ? begin : pad + p->in_length < clip ? pad + p->in_length : clip;
  int32_t r, c;
  memset(xt, (int32_t)(uint8_t)p->input_zero_point, (size_t)((begin - first) * g->width));
  if (g->width == 1) {
    memcpy(xt + (begin - first), xg + (begin - pad), (size_t)(end - begin));
  } else {
    for (r = begin; r < end; r++) {
      const int8_t *column = xg + (r - pad);
      int8_t *row = xt + (r - first) * g->width;
      for (c = 0; c < g->in_per_group; c++) row[c] = column[c * p->in_length];
      for (; c < g->width; c++) row[c] = 0;
    }
  }
  memset(xt + (end - first) * g->width, (int32_t)(uint8_t)p->input_zero_point, (size_t)((clip - end) * g->width));
  memset(xt + count * g->width, 0, 4);
}

/* The same rows split into int16 pairs (ECGC_SPLIT4's order), two words for four channels. */
static void time_major_split(const ecgc_conv1d_s8_t *p, const geometry_t *g, const int8_t *xg, int32_t first, int32_t count, int32_t *xs) {
  const int32_t L = p->in_length, zero = ecgc_pair(p->input_zero_point, p->input_zero_point);
  int32_t r, c;
  for (r = first; r < first + count; r++) {
    const int32_t at = r - p->pad_begin;
    if (at < 0 || at >= L) {
      for (c = 0; c < g->width; c += 2) *xs++ = zero;
      continue;
    }
    for (c = 0; c + 4 <= g->in_per_group; c += 4) {
      const int8_t *v = xg + c * L + at;
      *xs++ = ecgc_pair(v[0], v[2 * L]);
      *xs++ = ecgc_pair(v[L], v[3 * L]);
    }
    for (; c < g->width; c += 4) { /* the channels rounded up to 4 (dilated layers) */
      const int8_t *v = xg + c * L + at;
      *xs++ = ecgc_pair(c < g->in_per_group ? v[0] : 0, c + 2 < g->in_per_group ? v[2 * L] : 0);
      *xs++ = ecgc_pair(c + 1 < g->in_per_group ? v[L] : 0, c + 3 < g->in_per_group ? v[3 * L] : 0);
    }
  }
}

/*
 * Where each code of a row goes among two packed rows (ecgc_dot_s8.h's order: per four
 * window values two words a row, the pairs (v0, v2), (v1, v3)), as the first row's int16
 * index: code c * kernel + k is window value v = k * width + c.
 */
static void pack_map(const ecgc_conv1d_s8_t *p, const geometry_t *g, int16_t *map) {
  int32_t c, k;
  for (c = 0; c < g->in_per_group; c++) {
    for (k = 0; k < p->kernel; k++) {
      const int32_t v = k * g->width + c;
      map[c * p->kernel + k] = (int16_t)((v >> 2) * 8 + (v & 1) * 2 + ((v >> 1) & 1));
    }
  }
}

/* Whether a dense row's codes are in window order (one tap, or one input channel): packed by splitting four at a time, no map. */
static int in_window_order(const ecgc_conv1d_s8_t *p, const geometry_t *g) {
  return p->weights.encoding == ECGC_DENSE && p->dilation == 1 && (p->kernel == 1 || g->in_per_group == 1);
}

/* A row of `length` codes in window order as the packed row r (0 or 1) of a window of `window` values (zeros past the codes). */
static void pack_in_order(const int8_t *row, int32_t length, int32_t window, int32_t r, int32_t *packed) {
  int32_t i;
  for (i = 0; i + 4 <= length; i += 4) ecgc_split4(row + i, packed + i + 2 * r, packed + i + 2 * r + 1);
  if (i < window) {
    int8_t last[4] = {0, 0, 0, 0};
    memcpy(last, row + i, (size_t)(length - i));
    ecgc_split4(last, packed + i + 2 * r, packed + i + 2 * r + 1);
  }
}

/*
 * The next two rows packed, straight from their codes (zeros past the taps and channels); without `pair` the second row is the first again.
 * Rows in window order are split four codes at a time (the second decoded where the map would be: unused then).
 */
static void pack_rows(const ecgc_conv1d_s8_t *p, const geometry_t *g, ecgc_row_reader_t *reader, const int16_t *map, int8_t *codes, int pair, int32_t *packed) {
  int32_t i;
  if (in_window_order(p, g)) {
    const int8_t *r0 = ecgc_row_codes(reader, codes), *r1 = pair ? ecgc_row_codes(reader, (int8_t *)(void *)map) : r0;
    pack_in_order(r0, p->weights.row_length, g->window, 0, packed);
    pack_in_order(r1, p->weights.row_length, g->window, 1, packed);
    return;
  }
  /* a dense row that fills its window writes every value */
  if (p->weights.encoding != ECGC_DENSE || p->weights.row_length != g->window) memset(packed, 0, (size_t)(4 * g->window));
  ecgc_row_scatter_s16(reader, map, (int16_t *)packed, codes);
  if (pair) {
    ecgc_row_scatter_s16(reader, map, (int16_t *)packed + 4, codes);
  } else {
    for (i = 0; i < g->window; i += 4) packed[i + 2] = packed[i], packed[i + 3] = packed[i + 1];
  }
}

/*
 * The sums of two packed rows, biases b0 and b1, at the `count` positions from `first` of a
 * span of `positions` (into sums0, sums1): two positions a pass, the last alone standing in
 * for the second at an odd end. `xt` is the span's time-major copy, split or not.
 */
static void sweep(const ecgc_conv1d_s8_t *p, const geometry_t *g, const void *xt, const int32_t *packed, int32_t first, int32_t count, int32_t positions,
                  int32_t b0, int32_t b1, int32_t *sums0, int32_t *sums1) {
  const int32_t step = p->stride * g->width, tap = p->dilation * g->width, segments = g->window / g->segment;
  int32_t t, k, acc[4];
  if (p->split && segments == 1) { /* the common case, kept in registers: one run of words a window */
    const int32_t words = g->window / 2, half = step / 2;
    const int32_t *xa = (const int32_t *)xt + first * half;
    for (t = 0; t < count; t += 2, xa += 2 * half) {
      acc[0] = acc[1] = b0;
      acc[2] = acc[3] = b1;
      ecgc_dot_2x2_s16(xa, first + t + 1 < positions ? xa + half : xa, packed, words, acc);
      sums0[t] = acc[0], sums0[t + 1] = acc[1];
      sums1[t] = acc[2], sums1[t + 1] = acc[3];
    }
    return;
  }
  for (t = 0; t < count; t += 2) {
    const int32_t a = (first + t) * step, b = first + t + 1 < positions ? a + step : a;
    acc[0] = acc[1] = b0;
    acc[2] = acc[3] = b1;
    if (p->split) { /* two words for four values */
      const int32_t *xs = (const int32_t *)xt;
      for (k = 0; k < segments; k++) ecgc_dot_2x2_s16(xs + (a + k * tap) / 2, xs + (b + k * tap) / 2, packed + k * g->segment, g->segment / 2, acc);
    } else {
      const int8_t *x8 = (const int8_t *)xt;
      for (k = 0; k < segments; k++) ecgc_dot_2x2_s8(x8 + a + k * tap, x8 + b + k * tap, packed + k * g->segment, g->segment, acc);
    }
    sums0[t] = acc[0], sums0[t + 1] = acc[1];
    sums1[t] = acc[2], sums1[t + 1] = acc[3];
  }
}

/*
 * Channels [first, last) at the `positions` outputs of a span, from its time-major copy xt,
 * into y + channel * y_stride + position; `reader` at channel first's row. Two channels a
 * pass: their rows decoded once, swept over the span.
 */
static void conv_span(const ecgc_conv1d_s8_t *p, const geometry_t *g, const buffers_t *b, ecgc_row_reader_t *reader, const void *xt, int32_t positions,
                      int32_t first, int32_t last, int8_t *y, int32_t y_stride) {
  int32_t co, t0;
  for (co = first; co < last; co += 2) {
    /* an odd channel out: its own row stands in for the second one, whose sums are dropped */
    const int32_t pair = co + 1 < last, c1 = pair ? co + 1 : co;
    const ecgc_output_stage_t s0 = stage_of(p, co), s1 = stage_of(p, c1);
    pack_rows(p, g, reader, b->map, b->codes, pair, b->packed);
    for (t0 = 0; t0 < positions; t0 += ECGC_CONV_CHUNK) {
      const int32_t count = positions - t0 < ECGC_CONV_CHUNK ? positions - t0 : ECGC_CONV_CHUNK;
      sweep(p, g, xt, b->packed, t0, count, positions, p->bias[co], p->bias[c1], b->sums[0], b->sums[1]);
      ecgc_output_row_s8(b->sums[0], count, &s0, y + co * y_stride + t0);
      if (pair) ecgc_output_row_s8(b->sums[1], count, &s1, y + c1 * y_stride + t0);
    }
  }
}

void ecgc_conv1d_s8(const ecgc_conv1d_s8_t *p, const int8_t *x, int8_t *y, void *scratch) {
  const geometry_t g = geometry(p);
  const int32_t n = p->out_length;
  buffers_t b;
  void *xt;
  ecgc_row_reader_t reader;
  int32_t group, span;
  if (depthwise(p)) {
    conv_depthwise(p, &g, x, y, scratch);
    return;
  }
  xt = buffers_at(p, &g, scratch, &b);
  pack_map(p, &g, b.map);
  ecgc_row_reader_init(&reader, &p->weights);
  for (group = 0; group < p->groups; group++) {
    const int8_t *xg = x + group * g.in_per_group * p->in_length;
    const ecgc_row_reader_t group_start = reader;
    /* a span of positions at a time: its rows of the input time-major, every row of weights decoded again for it */
    for (span = 0; span < n; span += p->span) {
      const int32_t positions = n - span < p->span ? n - span : p->span;
      if (p->split) time_major_split(p, &g, xg, span * p->stride, rows_of(p, positions), (int32_t *)xt);
      else time_major(p, &g, xg, span * p->stride, rows_of(p, positions), (int8_t *)xt);
      reader = group_start;
      conv_span(p, &g, &b, &reader, xt, positions, group * g.out_per_group, (group + 1) * g.out_per_group, y + span, n);
    }
  }
}

int32_t ecgc_conv1d_s8_width(const ecgc_conv1d_s8_t *p) {
  return geometry(p).width;
}

size_t ecgc_conv1d_s8_span_get_buffer_size(const ecgc_conv1d_s8_t *p) {
  const geometry_t g = geometry(p);
  return buffers_size(p, &g);
}

void ecgc_conv1d_s8_span(const ecgc_conv1d_s8_t *p, const int8_t *xt, int32_t positions, int8_t *y, int32_t y_stride, void *scratch) {
  const geometry_t g = geometry(p);
  buffers_t b;
  ecgc_row_reader_t reader;
  (void)buffers_at(p, &g, scratch, &b);
  pack_map(p, &g, b.map);
  ecgc_row_reader_init(&reader, &p->weights);
  conv_span(p, &g, &b, &reader, xt, positions, 0, p->out_channels, y, y_stride);
}
