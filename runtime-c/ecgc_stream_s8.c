/*
 * A chain of int8 conv1d layers (ConvS8) run depth first: a layer computes a block of output
 * columns as soon as the input rows they read have arrived and hands them on one by one, so
 * no layer's whole output is ever stored. Each stage keeps, time-major in the layer's own
 * layout (ecgc_conv1d_s8_span), only the rows its next block reads: (block-1)*stride +
 * (kernel-1)*dilation + 1 of them, the padding's zero point included; once the block is
 * computed the rows the next one reads again move to the front. Every weight row is decoded
 * once a block. Integer sums are exact, so every output is ecgc_conv1d_s8's, bit for bit.
 *
 * The walk is ecgc_stream.c's: after each new input column, every output that has become
 * computable, depth first. A stage hands a column on straight into the next stage's rows,
 * which cannot overflow: a stage whose rows are full has its block ready, and computes it
 * before another column arrives.
 */
#include <string.h>
#include "ecgc.h"
#include "ecgc_requantize.h"

#define ROUND4(n) (((n) + 3) & ~3)

/* Where the regions after the states start, in bytes: the closing mean's int32 sums, then each stage's rows and outbox. */
typedef struct {
  int32_t sums, bytes;
} layout_t;

typedef struct {
  int32_t received, produced; /* input columns arrived, output columns computed */
  int32_t handed;             /* output columns handed on (to the next stage, or into the result) */
  int32_t width;              /* values a row holds (ecgc_conv1d_s8_width) */
  int32_t rows;               /* offset of the rows [(block-1)*stride+(kernel-1)*dilation+1][width] (+4 bytes) in the bytes */
  int32_t outbox;             /* offset of the outbox [out_channels][block] in the bytes */
} stage_state_t;

typedef struct {
  const ecgc_stream_s8_t *s;
  stage_state_t *states;
  void *span;   /* the layers' shared span scratch */
  int32_t *sums;
  int8_t *bytes, *y;
} stream_t;

/* The input rows a block of `positions` outputs reads. */
static int32_t rows_of(const ecgc_conv1d_s8_t *p, int32_t positions) {
  return (positions - 1) * p->stride + (p->kernel - 1) * p->dilation + 1;
}

static int32_t min32(int32_t a, int32_t b) { return a < b ? a : b; }

static int32_t span_bytes(const ecgc_stream_s8_t *s) {
  int32_t bytes = 0, k;
  for (k = 0; k < s->stage_count; k++) {
    const int32_t b = ROUND4((int32_t)ecgc_conv1d_s8_span_get_buffer_size(s->stages[k].conv));
    bytes = b > bytes ? b : bytes;
  }
  return bytes;
}

static int32_t rows_bytes(const ecgc_stream_s8_stage_t *stage) {
  return ROUND4(rows_of(stage->conv, stage->block) * ecgc_conv1d_s8_width(stage->conv) + 4);
}

static int32_t outbox_bytes(const ecgc_stream_s8_stage_t *stage) {
  return ROUND4(stage->conv->out_channels * stage->block);
}

size_t ecgc_stream_s8_get_buffer_size(const ecgc_stream_s8_t *s) {
  size_t bytes = sizeof(layout_t) + (size_t)s->stage_count * sizeof(stage_state_t) + (size_t)span_bytes(s);
  int32_t k;
  if (s->mean) bytes += 4u * (size_t)s->mean->channels;
  for (k = 0; k < s->stage_count; k++) bytes += (size_t)(rows_bytes(&s->stages[k]) + outbox_bytes(&s->stages[k]));
  return bytes;
}

static stage_state_t *states_of(void *scratch) {
  return (stage_state_t *)(void *)((layout_t *)scratch + 1);
}

/* The views of `scratch`, from the layout ecgc_stream_s8_begin wrote at its start. */
static void attach(stream_t *st, const ecgc_stream_s8_t *s, int8_t *y, void *scratch) {
  const layout_t *layout = (const layout_t *)scratch;
  st->s = s;
  st->y = y;
  st->states = states_of(scratch);
  st->span = st->states + s->stage_count;
  st->sums = (int32_t *)(void *)((int8_t *)st->span + layout->sums);
  st->bytes = (int8_t *)st->span + layout->bytes;
}

void ecgc_stream_s8_begin(const ecgc_stream_s8_t *s, void *scratch) {
  layout_t *layout = (layout_t *)scratch;
  stage_state_t *states = states_of(scratch);
  stream_t st;
  int32_t k, at = 0;
  layout->sums = span_bytes(s);
  layout->bytes = layout->sums + (s->mean ? 4 * s->mean->channels : 0);
  attach(&st, s, NULL, scratch);
  if (s->mean) memset(st.sums, 0, 4u * (size_t)s->mean->channels);
  for (k = 0; k < s->stage_count; k++) {
    const ecgc_stream_s8_stage_t *stage = &s->stages[k];
    const ecgc_conv1d_s8_t *p = stage->conv;
    stage_state_t *state = &states[k];
    state->received = state->produced = state->handed = 0;
    state->width = ecgc_conv1d_s8_width(p);
    state->rows = at;
    state->outbox = at + rows_bytes(stage);
    at = state->outbox + outbox_bytes(stage);
    /* the padding before the input: the zero point (the lowering keeps pad_begin within the rows) */
    memset(st.bytes + state->rows, (int32_t)(uint8_t)p->input_zero_point, (size_t)(p->pad_begin * state->width));
  }
}

/* Where stage k's next input column goes among its rows (advancing its count), or NULL when no output reads it (a stride past the taps). */
static int8_t *next_row(const stream_t *st, int32_t k) {
  const ecgc_conv1d_s8_t *p = st->s->stages[k].conv;
  stage_state_t *state = &st->states[k];
  const int32_t row = state->received++ + p->pad_begin - state->produced * p->stride;
  return row >= 0 ? st->bytes + state->rows + row * state->width : NULL;
}

/* The channels past in_channels of a row: zeros (a dilated layer's rows are rounded up to 4). */
static void pad_row(const stream_t *st, int32_t k, int8_t *row) {
  int32_t c;
  for (c = st->s->stages[k].conv->in_channels; c < st->states[k].width; c++) row[c] = 0;
}

/* Whether stage k's next block of outputs has all its input rows (or the input has ended). */
static int ready(const ecgc_conv1d_s8_t *p, int32_t block, const stage_state_t *state) {
  const int32_t t = state->produced, count = min32(block, p->out_length - t);
  return count > 0 && (state->received == p->in_length || p->pad_begin + state->received > (t + count - 1) * p->stride + (p->kernel - 1) * p->dilation);
}

/* Stage k's next block of outputs into its outbox; then the rows the block after it reads again move to the front. */
static void produce(const stream_t *st, int32_t k) {
  const ecgc_stream_s8_stage_t *stage = &st->s->stages[k];
  const ecgc_conv1d_s8_t *p = stage->conv;
  stage_state_t *state = &st->states[k];
  int8_t *rows = st->bytes + state->rows;
  const int32_t count = min32(stage->block, p->out_length - state->produced), first = state->produced * p->stride;
  const int32_t read = rows_of(p, count), present = p->pad_begin + state->received - first, drop = count * p->stride;
  if (state->received == p->in_length && present < read) /* past the input's end: the padding */
    memset(rows + present * state->width, (int32_t)(uint8_t)p->input_zero_point, (size_t)((read - present) * state->width));
  ecgc_conv1d_s8_span(p, rows, count, st->bytes + state->outbox, stage->block, st->span);
  state->produced += count;
  if (present > drop) memmove(rows, rows + drop * state->width, (size_t)((present - drop) * state->width));
}

/* Stage k's output column t, handed on: into stage k+1's rows, or into the result. */
static void hand(const stream_t *st, int32_t k, int32_t t) {
  const ecgc_stream_s8_stage_t *stage = &st->s->stages[k];
  const int32_t block = stage->block, C = stage->conv->out_channels;
  const int8_t *column = st->bytes + st->states[k].outbox + t % block; /* channel c at c * block */
  int32_t c;
  if (k + 1 < st->s->stage_count) {
    int8_t *row = next_row(st, k + 1);
    if (!row) return;
    for (c = 0; c < C; c++) row[c] = column[c * block];
    pad_row(st, k + 1, row);
  } else if (st->s->mean) {
    for (c = 0; c < C; c++) st->sums[c] += (int32_t)column[c * block] + st->s->mean->input_offset;
  } else {
    for (c = 0; c < C; c++) st->y[c * stage->conv->out_length + t] = column[c * block];
  }
}

/* After a new input column: every output it makes computable, depth first (ecgc_stream.c's walk). */
static void drain(const stream_t *st) {
  int32_t k = 0;
  while (k >= 0) {
    stage_state_t *state = &st->states[k];
    if (state->handed < state->produced) {
      hand(st, k, state->handed++);
      if (k + 1 < st->s->stage_count) k++;
    } else if (ready(st->s->stages[k].conv, st->s->stages[k].block, state)) {
      produce(st, k);
    } else {
      k--;
    }
  }
}

int ecgc_stream_s8_push(const ecgc_stream_s8_t *s, const float *column, int8_t *y, void *scratch) {
  const ecgc_conv1d_s8_t *first = s->stages[0].conv;
  stream_t st;
  int8_t *row;
  attach(&st, s, y, scratch);
  if (!s->quantize || st.states[0].received < 0 || st.states[0].received >= first->in_length) return -1;
  row = next_row(&st, 0);
  if (row) {
    ecgc_quantize_s8(column, row, first->in_channels, s->input_inverse_scale, s->input_zero_point);
    pad_row(&st, 0, row);
  }
  drain(&st);
  return 0;
}

int ecgc_stream_s8_end(const ecgc_stream_s8_t *s, int8_t *y, void *scratch) {
  const ecgc_global_pool_s8_t *mean = s->mean;
  stream_t st;
  int32_t c;
  attach(&st, s, y, scratch);
  if (st.states[0].received != s->stages[0].conv->in_length) return -1;
  st.states[0].received = -1; /* ended: ecgc_stream_s8_begin starts the next window */
  if (mean)
    for (c = 0; c < mean->channels; c++) y[c] = ecgc_output_s8(st.sums[c], mean->multiplier, mean->shift, mean->output_offset, mean->act_min, mean->act_max);
  return 0;
}

void ecgc_stream_s8(const ecgc_stream_s8_t *s, const void *x, int8_t *y, void *scratch) {
  const ecgc_conv1d_s8_t *first = s->stages[0].conv;
  const int32_t L = first->in_length;
  stream_t st;
  int32_t i, c;
  ecgc_stream_s8_begin(s, scratch);
  attach(&st, s, y, scratch);
  for (i = 0; i < L; i++) {
    int8_t *row = next_row(&st, 0);
    if (row) {
      for (c = 0; c < first->in_channels; c++) {
        if (s->quantize) ecgc_quantize_s8((const float *)x + c * L + i, row + c, 1, s->input_inverse_scale, s->input_zero_point);
        else row[c] = ((const int8_t *)x)[c * L + i];
      }
      pad_row(&st, 0, row);
    }
    drain(&st);
  }
  (void)ecgc_stream_s8_end(s, y, scratch);
}
