/*
 * A chain of conv1d layers run depth first, one time step (a column of channels) at a time:
 * each layer keeps only the last (kernel-1)*dilation+1 input columns in a ring, computes an
 * output column as soon as its taps have arrived and hands it to the next layer at once.
 * No layer's whole output is ever stored, which is what brings the RAM of a model down to
 * its rings. Every output is the same sum as ecgc_conv1d's, in the same order (taps in the
 * padding skipped), so the result is bit for bit the layer-by-layer one; the price is that
 * packed weights are decoded once per output column instead of once per layer.
 */
#include "ecgc.h"

typedef struct {
  int32_t received, produced; /* input columns arrived, output columns computed */
  float *ring;                /* [ring_length][in_channels] */
} stage_state_t;

typedef struct {
  const ecgc_stream_t *s;
  stage_state_t *states;
  float *window, *row, *column, *y; /* shared scratch; the last stage's output column; the result */
  int32_t *positions;
} stream_t;

static int32_t ring_length(const ecgc_conv1d_t *p) { return (p->kernel - 1) * p->dilation + 1; }

static int32_t max_i(int32_t a, int32_t b) { return a > b ? a : b; }

size_t ecgc_stream_get_buffer_size(const ecgc_stream_t *s) {
  size_t floats = 0;
  int32_t row = 0, k;
  for (k = 0; k < s->stage_count; k++) {
    const ecgc_conv1d_t *p = s->stages[k].conv;
    floats += (size_t)ring_length(p) * (size_t)p->in_channels;
    row = max_i(row, p->weights.row_length);
  }
  /* the states; a group's window, a decoded row (values), sparse positions (a row each); the last output column */
  floats += 3u * (size_t)row + (size_t)s->stages[s->stage_count - 1].conv->out_channels;
  return floats * sizeof(float) + (size_t)s->stage_count * sizeof(stage_state_t);
}

/* The column of a stage's ring to write input column `index` into. */
static float *ring_slot(const ecgc_conv1d_t *p, stage_state_t *state, int32_t index) {
  return state->ring + (size_t)(index % ring_length(p)) * (size_t)p->in_channels;
}

/*
 * Output column t of stage p into `out` [out_channels]. A group's taps are gathered into
 * window [channels of the group][kernel] (taps first..end-1 lie inside the input), then each
 * output channel is a dot product of its decoded weight row with the window.
 */
static void conv_column(const stream_t *st, const ecgc_conv1d_t *p, stage_state_t *state, int32_t t, float *out) {
  const int32_t K = p->kernel, D = p->dilation, C = p->in_channels, R = ring_length(p);
  const int32_t start = t * p->stride - p->pad_begin, channels = C / p->groups, n = channels * K;
  const int32_t out_per_group = p->out_channels / p->groups;
  float *window = st->window;
  ecgc_row_reader_t reader;
  int32_t c, k, co, j, first, end;
  ecgc_taps_inside(start, p->in_length, K, D, &first, &end);
  ecgc_row_reader_init(&reader, &p->weights);
  for (co = 0; co < p->out_channels; co++) {
    float acc = p->bias ? p->bias[co] : 0.0f;
    if (co % out_per_group == 0) {
      const int32_t from = co / out_per_group * channels;
      for (k = first; k < end; k++) {
        const float *column = state->ring + (size_t)((start + k * D) % R) * (size_t)C + from;
        for (c = 0; c < channels; c++) window[c * K + k] = column[c];
      }
    }
    if (p->sparse) {
      const int32_t count = ecgc_row_sparse(&reader, st->row, st->positions);
      for (j = 0; j < count; j++) {
        k = st->positions[j] % K;
        if (k >= first && k < end) acc = acc + st->row[j] * window[st->positions[j]];
      }
    } else {
      const float *w = ecgc_row_dense(&reader, st->row);
      if (first == 0 && end == K) {
        acc = ecgc_dot(window, w, n, acc);
      } else {
        for (c = 0; c < n; c += K)
          for (k = first; k < end; k++) acc = acc + w[c + k] * window[c + k];
      }
    }
    out[co] = acc;
  }
}

/* The element-wise ops that follow stage k, on one output column. */
static void post(const ecgc_stream_stage_t *stage, float *column) {
  int32_t i;
  for (i = 0; i < stage->post_count; i++) {
    const ecgc_stream_post_t *op = &stage->post[i];
    if (op->scale) ecgc_channel_affine(column, op->scale, op->shift, column, stage->conv->out_channels, 1);
    else ecgc_unary(op->op, column, column, stage->conv->out_channels, op->a, op->b);
  }
}

/* Whether stage k's next output has all its taps (or the input has ended). */
static int ready(const ecgc_conv1d_t *p, const stage_state_t *state) {
  const int32_t t = state->produced, need = t * p->stride - p->pad_begin + (p->kernel - 1) * p->dilation + 1;
  return t < p->out_length && state->received >= (need < p->in_length ? need : p->in_length);
}

/* Stage k's next output, handed on: into stage k+1's ring, or into the result. */
static void produce(const stream_t *st, int32_t k) {
  const ecgc_stream_stage_t *stage = &st->s->stages[k];
  const ecgc_conv1d_t *p = stage->conv;
  stage_state_t *state = &st->states[k];
  const int32_t t = state->produced++, C = p->out_channels;
  const int32_t last = k + 1 == st->s->stage_count;
  float *out = last ? st->column : ring_slot(st->s->stages[k + 1].conv, &st->states[k + 1], t);
  int32_t c;
  conv_column(st, p, state, t, out);
  post(stage, out);
  if (!last) {
    st->states[k + 1].received++;
  } else if (st->s->reduce == ECGC_STREAM_MEAN) {
    for (c = 0; c < C; c++) st->y[c] = t == 0 ? 0.0f + out[c] : st->y[c] + out[c];
  } else if (st->s->reduce == ECGC_STREAM_MAX) {
    for (c = 0; c < C; c++) if (t == 0 || out[c] > st->y[c]) st->y[c] = out[c];
  } else {
    for (c = 0; c < C; c++) st->y[c * p->out_length + t] = out[c];
  }
}

/*
 * After a new input column: depth first, every output that has become computable. A stage
 * hands each output on and the next stage consumes what it can at once, so no ring is ever
 * overwritten before its columns are used; when a stage can do no more, go back up.
 */
static void drain(const stream_t *st) {
  int32_t k = 0;
  while (k >= 0) {
    if (ready(st->s->stages[k].conv, &st->states[k])) {
      produce(st, k);
      if (k + 1 < st->s->stage_count) k++;
    } else {
      k--;
    }
  }
}

void ecgc_stream(const ecgc_stream_t *s, const float *x, float *y, void *scratch) {
  const ecgc_conv1d_t *first = s->stages[0].conv, *last = s->stages[s->stage_count - 1].conv;
  stream_t st;
  float *cursor;
  int32_t row = 0, k, i, c;
  st.s = s;
  st.y = y;
  for (k = 0; k < s->stage_count; k++) row = max_i(row, s->stages[k].conv->weights.row_length);
  /* the layout ecgc_stream_get_buffer_size counts: states (pointer-aligned) first, then floats */
  st.states = (stage_state_t *)scratch;
  st.window = (float *)(void *)(st.states + s->stage_count);
  st.row = st.window + row;
  st.positions = (int32_t *)(void *)(st.row + row);
  st.column = (float *)(void *)(st.positions + row);
  cursor = st.column + last->out_channels;
  for (k = 0; k < s->stage_count; k++) {
    st.states[k].received = st.states[k].produced = 0;
    st.states[k].ring = cursor;
    cursor += (size_t)ring_length(s->stages[k].conv) * (size_t)s->stages[k].conv->in_channels;
  }
  for (i = 0; i < first->in_length; i++) {
    float *slot = ring_slot(first, &st.states[0], i);
    for (c = 0; c < first->in_channels; c++) slot[c] = x[c * first->in_length + i];
    st.states[0].received++;
    drain(&st);
  }
  if (s->reduce == ECGC_STREAM_MEAN)
    for (c = 0; c < last->out_channels; c++) y[c] = y[c] / (float)last->out_length;
}
