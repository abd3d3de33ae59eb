/*
 * A chain of conv1d layers run depth first, one time step (a column of channels) at a time:
 * a layer computes an output column as soon as its taps have arrived and hands it to the
 * next layer at once, so no layer's whole output is ever stored. A layer of kernel K and
 * dilation D keeps only the (K-1)*D input columns before the newest in its own ring (a
 * pointwise layer keeps none); the newest column sits in one of two shared hand-off columns
 * (stage k reads hand-off k % 2 and writes k+1's into the other) and is moved into the ring
 * once the stage has used it. Every output is the same sum as ecgc_conv1d_f32's, in the same
 * order (taps in the padding skipped), so the result is bit for bit the layer-by-layer one;
 * the price is that packed weights are decoded once per block of output columns instead of
 * once per layer: a stage's `block` (1 to ECGC_STREAM_MAX_BLOCK) trades (block-1)*stride more
 * ring columns and an outbox of block output columns for 1/block of the decoding.
 *
 * ecgc_stream_f32 runs a whole input; ecgc_stream_f32_begin / _push / _end take it a column at a time
 * as it arrives (an ADC sample), so not even the input window need be stored.
 */
#include "ecgc.h"

/*
 * The scratch: a layout_t, a stage_state_t per stage, then floats (hand-offs, window, decoded
 * row, sparse positions, tap columns, outboxes, rings). Both structs are int32 only, so 28 and
 * 24 bytes on every target (ecgc's TypeScript side counts them). The layout, where each region
 * starts in 4-byte words after the states, is computed once by ecgc_stream_f32_begin, so a push
 * need not.
 */
typedef struct {
  int32_t handoff1, window, row, positions, columns, outboxes, rings;
} layout_t;

typedef struct {
  int32_t received, produced; /* input columns arrived, output columns computed */
  int32_t handed;             /* output columns handed on (to the next stage, or into the result) */
  int32_t pending;            /* the newest column is still where the stage before left it, not yet in the ring */
  int32_t ring;               /* offset of the ring [ring_length][in_channels] in the rings' floats */
  int32_t outbox;             /* a blocked stage's: offset of its outbox [block][out_channels] in the outboxes' floats */
} stage_state_t;

typedef struct {
  const ecgc_stream_t *s;
  stage_state_t *states;
  float *handoff[2], *window, *row, *outboxes, *rings, *y; /* window: a group's taps per column; row: a decoded weight row */
  int32_t *positions, *columns;                             /* columns: where each tap's input column starts, from rings */
} stream_t;

/* Columns a stage keeps besides the newest: its taps' span, and the block's further columns. */
static int32_t ring_length(const ecgc_stream_stage_t *stage) {
  const ecgc_conv1d_t *p = stage->conv;
  return (p->kernel - 1) * p->dilation + (stage->block - 1) * p->stride;
}

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

/* The regions after the states, in 4-byte words, as ecgc_stream_f32 lays them out; returns their total. */
static size_t layout_of(const ecgc_stream_t *s, layout_t *layout) {
  size_t handoff = (size_t)s->stages[s->stage_count - 1].conv->out_channels, window = 0, row = 0, positions = 0, columns = 0, outboxes = 0, rings = 0;
  int32_t k;
  for (k = 0; k < s->stage_count; k++) {
    const ecgc_stream_stage_t *stage = &s->stages[k];
    const ecgc_conv1d_t *p = stage->conv;
    const size_t row_length = (size_t)p->weights.row_length, block = (size_t)stage->block;
    handoff = max_size(handoff, (size_t)p->in_channels);
    if (p->kernel > 1) window = max_size(window, block * row_length);
    columns = max_size(columns, block * (size_t)p->kernel);
    if (p->weights.encoding != ECGC_F32) row = max_size(row, row_length);
    if (p->sparse) positions = max_size(positions, row_length);
    if (block > 1) outboxes += block * (size_t)p->out_channels;
    rings += (size_t)ring_length(stage) * (size_t)p->in_channels;
  }
  layout->handoff1 = (int32_t)handoff;
  layout->window = layout->handoff1 + (int32_t)handoff;
  layout->row = layout->window + (int32_t)window;
  layout->positions = layout->row + (int32_t)row;
  layout->columns = layout->positions + (int32_t)positions;
  layout->outboxes = layout->columns + (int32_t)columns;
  layout->rings = layout->outboxes + (int32_t)outboxes;
  return (size_t)layout->rings + rings;
}

size_t ecgc_stream_f32_get_buffer_size(const ecgc_stream_t *s) {
  layout_t layout;
  return sizeof(layout_t) + (size_t)s->stage_count * sizeof(stage_state_t) + layout_of(s, &layout) * 4u;
}

/* Where stage k's output column t waits to be handed on: its outbox (blocked), else the hand-off after it. */
static float *output_column(const stream_t *st, int32_t k, int32_t t) {
  const ecgc_stream_stage_t *stage = &st->s->stages[k];
  if (stage->block == 1) return st->handoff[(k + 1) & 1];
  return st->outboxes + st->states[k].outbox + (size_t)(t % stage->block) * (size_t)stage->conv->out_channels;
}

/* Input column `index` of stage k (one that has arrived and is still kept). */
static const float *column_at(const stream_t *st, int32_t k, int32_t index) {
  const ecgc_stream_stage_t *stage = &st->s->stages[k];
  const stage_state_t *state = &st->states[k];
  if (state->pending && index == state->received - 1) return k == 0 ? st->handoff[0] : output_column(st, k - 1, index);
  return st->rings + state->ring + (size_t)(index % ring_length(stage)) * (size_t)stage->conv->in_channels;
}

/* Moves stage k's newest column from where the stage before left it into its ring (over the oldest). */
static void keep(const stream_t *st, int32_t k) {
  const ecgc_stream_stage_t *stage = &st->s->stages[k];
  stage_state_t *state = &st->states[k];
  if (!state->pending) return;
  if (ring_length(stage) > 0) {
    const float *newest = column_at(st, k, state->received - 1);
    float *slot = st->rings + state->ring + (size_t)((state->received - 1) % ring_length(stage)) * (size_t)stage->conv->in_channels;
    int32_t c;
    for (c = 0; c < stage->conv->in_channels; c++) slot[c] = newest[c];
  }
  state->pending = 0;
}

/*
 * Output column t of stage k into `out` [out_channels]. A pointwise layer reads its input
 * column in place; otherwise a group's taps are gathered into window [channels of the
 * group][kernel] (taps first..end-1 lie inside the input). Each output channel is then a
 * dot product of its decoded weight row with them. (An unblocked stage's column apart from
 * conv_block: with first and end in registers it takes 11% fewer instructions.)
 */
static void conv_column(const stream_t *st, int32_t k, int32_t t, float *out) {
  const ecgc_conv1d_t *p = st->s->stages[k].conv;
  const int32_t K = p->kernel, D = p->dilation;
  const int32_t start = t * p->stride - p->pad_begin, channels = p->in_channels / p->groups, n = channels * K;
  const int32_t out_per_group = p->out_channels / p->groups;
  const float *taps = st->window;
  ecgc_row_reader_t reader;
  int32_t c, j, tap, co, first, end;
  ecgc_taps_inside(start, p->in_length, K, D, &first, &end);
  ecgc_row_reader_init(&reader, &p->weights);
  if (K > 1)
    for (tap = first; tap < end; tap++) st->columns[tap] = (int32_t)(column_at(st, k, start + tap * D) - st->rings);
  if (K > 1 && channels == 1 && out_per_group == 1 && p->weights.encoding == ECGC_F32) {
    /* depthwise, float32: straight from the ring, no gather and no row reader */
    for (co = 0; co < p->out_channels; co++) {
      const float *w = p->weights.f32 + (size_t)co * (size_t)K;
      float acc = p->bias ? p->bias[co] : 0.0f;
      for (tap = first; tap < end; tap++) acc = acc + w[tap] * st->rings[st->columns[tap] + co];
      out[co] = acc;
    }
    return;
  }
  for (co = 0; co < p->out_channels; co++) {
    float acc = p->bias ? p->bias[co] : 0.0f;
    if (co % out_per_group == 0 && first < end) {
      const int32_t from = co / out_per_group * channels;
      if (K == 1) {
        taps = column_at(st, k, start) + from;
      } else {
        for (tap = first; tap < end; tap++) {
          const float *column = st->rings + st->columns[tap] + from;
          for (c = 0; c < channels; c++) st->window[c * K + tap] = column[c];
        }
      }
    }
    if (p->sparse) {
      const int32_t count = ecgc_row_sparse(&reader, st->row, st->positions);
      if (first == 0 && end == K) {
        for (j = 0; j < count; j++) acc = acc + st->row[j] * taps[st->positions[j]];
      } else {
        for (j = 0; j < count; j++) {
          tap = st->positions[j] % K;
          if (tap >= first && tap < end) acc = acc + st->row[j] * taps[st->positions[j]];
        }
      }
    } else {
      const float *w = ecgc_row_dense(&reader, st->row);
      if (first == 0 && end == K) {
        acc = ecgc_dot_f32(taps, w, n, acc);
      } else {
        for (c = 0; c < n; c += K)
          for (tap = first; tap < end; tap++) acc = acc + w[c + tap] * taps[c + tap];
      }
    }
    out[co] = acc;
  }
}

/*
 * Output columns t0 .. t0+count-1 of a blocked stage k (its weights packed or sparse) into
 * out [count][out_channels]. Each weight row is decoded once for the whole block. A pointwise
 * layer reads its input columns in place; otherwise each column's taps for a group are
 * gathered into window [column][channels of the group][kernel] (taps first..end-1 lie inside
 * the input). Each output is then the dot product of the decoded row with its column's taps,
 * the sum ecgc_conv1d_f32 computes.
 */
static void conv_block(const stream_t *st, int32_t k, int32_t t0, int32_t count, float *out) {
  const ecgc_conv1d_t *p = st->s->stages[k].conv;
  const int32_t K = p->kernel, D = p->dilation, C = p->out_channels;
  const int32_t channels = p->in_channels / p->groups, n = channels * K, out_per_group = C / p->groups;
  const stage_state_t *state = &st->states[k];
  /* where each tap's column starts, from rings: the newest may still be pending, the others are in the ring */
  const int32_t length = ring_length(&st->s->stages[k]), newest = state->received - 1;
  const int32_t pending = state->pending ? (int32_t)(column_at(st, k, newest) - st->rings) : 0;
  ecgc_row_reader_t reader;
  int32_t b, c, j, tap, co, first[ECGC_STREAM_MAX_BLOCK], end[ECGC_STREAM_MAX_BLOCK];
  ecgc_row_reader_init(&reader, &p->weights);
  for (b = 0; b < count; b++) {
    const int32_t start = (t0 + b) * p->stride - p->pad_begin;
    ecgc_taps_inside(start, p->in_length, K, D, &first[b], &end[b]);
    st->columns[b * K] = 0; /* a column wholly in the padding reads nothing */
    for (tap = first[b]; tap < end[b]; tap++) {
      const int32_t index = start + tap * D;
      st->columns[b * K + tap] = state->pending && index == newest ? pending : state->ring + index % length * p->in_channels;
    }
  }
  for (co = 0; co < C; co++) {
    const int32_t from = co / out_per_group * channels;
    const float bias = p->bias ? p->bias[co] : 0.0f;
    if (K > 1 && co % out_per_group == 0)
      for (b = 0; b < count; b++)
        for (tap = first[b]; tap < end[b]; tap++) {
          const float *column = st->rings + st->columns[b * K + tap] + from;
          for (c = 0; c < channels; c++) st->window[b * n + c * K + tap] = column[c];
        }
    if (p->sparse) {
      const int32_t nonzero = ecgc_row_sparse(&reader, st->row, st->positions);
      for (b = 0; b < count; b++) {
        const float *taps = K > 1 ? st->window + b * n : st->rings + st->columns[b] + from;
        float acc = bias;
        if (first[b] == 0 && end[b] == K) {
          for (j = 0; j < nonzero; j++) acc = acc + st->row[j] * taps[st->positions[j]];
        } else {
          for (j = 0; j < nonzero; j++) {
            tap = st->positions[j] % K;
            if (tap >= first[b] && tap < end[b]) acc = acc + st->row[j] * taps[st->positions[j]];
          }
        }
        out[b * C + co] = acc;
      }
    } else {
      const float *w = ecgc_row_dense(&reader, st->row);
      for (b = 0; b < count; b++) {
        const float *taps = K > 1 ? st->window + b * n : st->rings + st->columns[b] + from;
        float acc = bias;
        if (first[b] == 0 && end[b] == K) {
          acc = ecgc_dot_f32(taps, w, n, acc);
        } else {
          for (c = 0; c < n; c += K)
            for (tap = first[b]; tap < end[b]; tap++) acc = acc + w[c + tap] * taps[c + tap];
        }
        out[b * C + co] = acc;
      }
    }
  }
}

/* The element-wise ops that follow stage k, on one output column. */
static void post(const ecgc_stream_stage_t *stage, float *column) {
  int32_t i;
  for (i = 0; i < stage->post_count; i++) {
    const ecgc_stream_post_t *op = &stage->post[i];
    if (op->scale) ecgc_channel_affine_f32(column, op->scale, op->shift, column, stage->conv->out_channels, 1);
    else op->op(column, column, stage->conv->out_channels, op->a, op->b);
  }
}

/* Whether stage k's next block of outputs has all its taps (or the input has ended). */
static int ready(const ecgc_stream_stage_t *stage, const stage_state_t *state) {
  const ecgc_conv1d_t *p = stage->conv;
  const int32_t t = state->produced, last = (t + stage->block < p->out_length ? t + stage->block : p->out_length) - 1;
  const int32_t need = last * p->stride - p->pad_begin + (p->kernel - 1) * p->dilation + 1;
  return t < p->out_length && state->received >= (need < p->in_length ? need : p->in_length);
}

/* Stage k's next block of outputs (a column, unblocked), computed where they wait to be handed on. */
static void produce(const stream_t *st, int32_t k) {
  const ecgc_stream_stage_t *stage = &st->s->stages[k];
  stage_state_t *state = &st->states[k];
  const int32_t t0 = state->produced, left = stage->conv->out_length - t0;
  const int32_t count = stage->block < left ? stage->block : left;
  float *out = output_column(st, k, t0);
  int32_t b;
  if (stage->block == 1) conv_column(st, k, t0, out);
  else conv_block(st, k, t0, count, out);
  keep(st, k);
  for (b = 0; b < count; b++) post(stage, out + (size_t)b * (size_t)stage->conv->out_channels);
  state->produced += count;
}

/* Stage k's output column t, handed on: to stage k+1 (which then has a new column), or into the result. */
static void hand(const stream_t *st, int32_t k, int32_t t) {
  const int32_t C = st->s->stages[k].conv->out_channels, T = st->s->stages[k].conv->out_length;
  const float *out = output_column(st, k, t);
  int32_t c;
  if (k + 1 < st->s->stage_count) {
    st->states[k + 1].received++;
    st->states[k + 1].pending = 1;
  } else if (st->s->reduce == ECGC_STREAM_MEAN) {
    for (c = 0; c < C; c++) st->y[c] = t == 0 ? 0.0f + out[c] : st->y[c] + out[c];
  } else if (st->s->reduce == ECGC_STREAM_MAX) {
    for (c = 0; c < C; c++) if (t == 0 || out[c] > st->y[c]) st->y[c] = out[c];
  } else {
    for (c = 0; c < C; c++) st->y[c * T + t] = out[c];
  }
}

/*
 * After a new input column: depth first, every output that has become computable. A stage
 * hands each output on and the next stage consumes what it can at once; a stage that can do
 * no more keeps its newest column in its ring and the walk goes back up. A blocked stage
 * computes `block` outputs at once into its outbox and hands them on one by one, each walked
 * down before the next. So at most one stage holds a column in a hand-off, and a hand-off is
 * free whenever it is written.
 */
static void drain(const stream_t *st) {
  int32_t k = 0;
  while (k >= 0) {
    stage_state_t *state = &st->states[k];
    if (state->handed < state->produced) {
      hand(st, k, state->handed++);
      if (k + 1 < st->s->stage_count) k++;
    } else if (ready(&st->s->stages[k], state)) {
      produce(st, k);
    } else {
      keep(st, k);
      k--;
    }
  }
}

/* The stages' states, right after the layout at the start of `scratch`. */
static stage_state_t *states_of(void *scratch) {
  return (stage_state_t *)(void *)((layout_t *)scratch + 1);
}

/* The views of `scratch`, from the layout ecgc_stream_f32_begin wrote at its start. */
static void attach(stream_t *st, const ecgc_stream_t *s, float *y, void *scratch) {
  const layout_t *layout = (const layout_t *)scratch;
  float *floats;
  st->s = s;
  st->y = y;
  st->states = states_of(scratch);
  floats = (float *)(void *)(st->states + s->stage_count);
  st->handoff[0] = floats;
  st->handoff[1] = floats + layout->handoff1;
  st->window = floats + layout->window;
  st->row = floats + layout->row;
  st->positions = (int32_t *)(void *)(floats + layout->positions);
  st->columns = (int32_t *)(void *)(floats + layout->columns);
  st->outboxes = floats + layout->outboxes;
  st->rings = floats + layout->rings;
}

void ecgc_stream_f32_begin(const ecgc_stream_t *s, void *scratch) {
  stage_state_t *states = states_of(scratch);
  int32_t k, ring = 0, outbox = 0;
  (void)layout_of(s, (layout_t *)scratch);
  for (k = 0; k < s->stage_count; k++) {
    const ecgc_stream_stage_t *stage = &s->stages[k];
    states[k].received = states[k].produced = states[k].handed = states[k].pending = 0;
    states[k].ring = ring;
    states[k].outbox = outbox;
    ring += ring_length(stage) * stage->conv->in_channels;
    if (stage->block > 1) outbox += stage->block * stage->conv->out_channels;
  }
}

/* The new input column is in hand-off 0: every output it makes computable. */
static void arrived(const stream_t *st) {
  st->states[0].received++;
  st->states[0].pending = 1;
  drain(st);
}

int ecgc_stream_f32_push(const ecgc_stream_t *s, const float *column, float *y, void *scratch) {
  const ecgc_conv1d_t *first = s->stages[0].conv;
  stream_t st;
  int32_t c;
  attach(&st, s, y, scratch);
  if (st.states[0].received < 0 || st.states[0].received >= first->in_length) return -1;
  for (c = 0; c < first->in_channels; c++) st.handoff[0][c] = column[c];
  arrived(&st);
  return 0;
}

int ecgc_stream_f32_end(const ecgc_stream_t *s, float *y, void *scratch) {
  const ecgc_conv1d_t *first = s->stages[0].conv, *last = s->stages[s->stage_count - 1].conv;
  stage_state_t *states = states_of(scratch);
  int32_t c;
  if (states[0].received != first->in_length) return -1;
  states[0].received = -1; /* ended: ecgc_stream_f32_begin starts the next window */
  if (s->reduce == ECGC_STREAM_MEAN)
    for (c = 0; c < last->out_channels; c++) y[c] = y[c] / (float)last->out_length;
  return 0;
}

void ecgc_stream_f32(const ecgc_stream_t *s, const float *x, float *y, void *scratch) {
  const ecgc_conv1d_t *first = s->stages[0].conv;
  stream_t st;
  int32_t i, c;
  ecgc_stream_f32_begin(s, scratch);
  attach(&st, s, y, scratch);
  for (i = 0; i < first->in_length; i++) {
    for (c = 0; c < first->in_channels; c++) st.handoff[0][c] = x[c * first->in_length + i];
    arrived(&st);
  }
  (void)ecgc_stream_f32_end(s, y, scratch);
}
