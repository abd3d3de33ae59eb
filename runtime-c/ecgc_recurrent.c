/*
 * LSTM, GRU and RNN (src/ops/recurrent.ts and the cells in lstm.ts, gru.ts, rnn.ts). Time
 * steps outermost: at each, every direction's rows are decoded once, in order, and serve
 * every batch element; the reference loops differently but computes each value with the
 * same operations. Scratch: the states, both parts of each gate row per batch element,
 * GRU's r * h, then the decoded row (and a sparse row's positions).
 */
#include "ecgc.h"
#include "ecgc_approx.h"

enum { CELL_LSTM, CELL_GRU, CELL_RNN };

static int32_t gates_of(int32_t cell) { return cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1; }

static size_t buffer_size(const ecgc_recurrent_t *p, int32_t cell) {
  const size_t states = (size_t)p->directions * (size_t)p->batch * (size_t)p->hidden_size;
  const size_t gates = 2u * (size_t)p->batch * (size_t)gates_of(cell) * (size_t)p->hidden_size;
  const size_t reset_hidden = cell == CELL_GRU ? (size_t)p->batch * (size_t)p->hidden_size : 0u;
  const size_t row = (size_t)p->weights.row_length * sizeof(float);
  const size_t decode = p->sparse ? 2u * row : p->weights.encoding == ECGC_F32 ? 0u : row;
  return ((cell == CELL_LSTM ? 2u : 1u) * states + gates + reset_hidden) * sizeof(float) + decode;
}

/* Where time step t of batch element b starts in x, in y (direction d), and a state (d, b). */
static int32_t x_at(const ecgc_recurrent_t *p, int32_t t, int32_t b) {
  return (p->batch_first ? b * p->seq_length + t : t * p->batch + b) * p->input_size;
}
static int32_t y_at(const ecgc_recurrent_t *p, int32_t t, int32_t d, int32_t b) {
  return (p->batch_first ? (b * p->seq_length + t) * p->directions + d : (t * p->directions + d) * p->batch + b) * p->hidden_size;
}
static int32_t state_at(const ecgc_recurrent_t *p, int32_t d, int32_t b) {
  return (p->batch_first ? b * p->directions + d : d * p->batch + b) * p->hidden_size;
}

/* The gate rows of direction d at one time step: gx and gh per batch element, from h (or GRU's r * h). */
static void gate_rows(const ecgc_recurrent_t *p, int32_t cell, ecgc_row_reader_t *reader, int32_t d, int32_t t, const float *x, const float *h,
                      float *gx, float *gh, float *reset_hidden, float *row, int32_t *positions) {
  const int32_t B = p->batch, I = p->input_size, H = p->hidden_size, rows = gates_of(cell) * H;
  const int32_t reset_first = cell == CELL_GRU && !p->linear_before_reset;
  const float *bias_x = p->bias ? p->bias + 2 * d * rows : NULL;
  int32_t r, b, j, k, count = 0;
  for (r = 0; r < rows; r++) {
    const float *w = NULL;
    if (reset_first && r == 2 * H) {
      for (b = 0; b < B; b++)
        for (j = 0; j < H; j++) reset_hidden[b * H + j] = ecgc_sigmoidf(gx[b * rows + H + j] + gh[b * rows + H + j]) * h[b * H + j];
    }
    if (p->sparse) count = ecgc_row_sparse(reader, row, positions);
    else w = ecgc_row_dense(reader, row);
    for (b = 0; b < B; b++) {
      const float *xt = x + x_at(p, t, b);
      const float *v = reset_first && r >= 2 * H ? reset_hidden + b * H : h + b * H;
      float ax = bias_x ? bias_x[r] : 0.0f, ah = bias_x ? bias_x[rows + r] : 0.0f;
      if (p->sparse) {
        for (k = 0; k < count; k++) {
          if (positions[k] < I) ax = ax + xt[positions[k]] * row[k];
          else ah = ah + v[positions[k] - I] * row[k];
        }
      } else {
        ax = ecgc_dot_f32(xt, w, I, ax);
        ah = ecgc_dot_f32(v, w + I, H, ah);
      }
      gx[b * rows + r] = ax;
      gh[b * rows + r] = ah;
    }
  }
}

/* The cell's update of unit j of one batch element's state from its gate rows. */
static void update(const ecgc_recurrent_t *p, int32_t cell, const float *gx, const float *gh, float *h, float *c, int32_t j) {
  const int32_t H = p->hidden_size;
  if (cell == CELL_LSTM) {
    const float i = ecgc_sigmoidf(gx[j] + gh[j]), o = ecgc_sigmoidf(gx[H + j] + gh[H + j]);
    const float f = ecgc_sigmoidf(gx[2 * H + j] + gh[2 * H + j]), g = ecgc_tanhf(gx[3 * H + j] + gh[3 * H + j]);
    c[j] = f * c[j] + i * g;
    h[j] = o * ecgc_tanhf(c[j]);
  } else if (cell == CELL_GRU) {
    const float z = ecgc_sigmoidf(gx[j] + gh[j]), r = ecgc_sigmoidf(gx[H + j] + gh[H + j]);
    const float n = ecgc_tanhf(p->linear_before_reset ? gx[2 * H + j] + r * gh[2 * H + j] : gx[2 * H + j] + gh[2 * H + j]);
    h[j] = (1.0f - z) * n + z * h[j];
  } else {
    h[j] = ecgc_tanhf(gx[j] + gh[j]);
  }
}

static void run(const ecgc_recurrent_t *p, int32_t cell, const float *x, const float *initial_h, const float *initial_c, float *y, float *y_h, float *y_c, void *scratch) {
  const int32_t T = p->seq_length, B = p->batch, H = p->hidden_size, D = p->directions, rows = gates_of(cell) * H;
  float *h = (float *)scratch;
  float *c = h + D * B * H; /* LSTM only */
  float *gx = c + (cell == CELL_LSTM ? D * B * H : 0);
  float *gh = gx + B * rows;
  float *reset_hidden = gh + B * rows; /* GRU only */
  float *row = reset_hidden + (cell == CELL_GRU ? B * H : 0);
  int32_t *positions = (int32_t *)(void *)(row + p->weights.row_length);
  ecgc_row_reader_t reader;
  int32_t s, d, b, j;
  for (d = 0; d < D; d++)
    for (b = 0; b < B; b++)
      for (j = 0; j < H; j++) {
        h[(d * B + b) * H + j] = initial_h ? initial_h[state_at(p, d, b) + j] : 0.0f;
        if (cell == CELL_LSTM) c[(d * B + b) * H + j] = initial_c ? initial_c[state_at(p, d, b) + j] : 0.0f;
      }
  for (s = 0; s < T; s++) {
    /* every direction's rows in order, once per time step */
    ecgc_row_reader_init(&reader, &p->weights);
    for (d = 0; d < D; d++) {
      const int32_t t = d == 1 || p->reverse ? T - 1 - s : s;
      float *hd = h + d * B * H, *cd = c + d * B * H;
      gate_rows(p, cell, &reader, d, t, x, hd, gx, gh, reset_hidden, row, positions);
      for (b = 0; b < B; b++) {
        for (j = 0; j < H; j++) update(p, cell, gx + b * rows, gh + b * rows, hd + b * H, cd + b * H, j);
        if (y)
          for (j = 0; j < H; j++) y[y_at(p, t, d, b) + j] = hd[b * H + j];
      }
    }
  }
  for (d = 0; d < D; d++)
    for (b = 0; b < B; b++)
      for (j = 0; j < H; j++) {
        if (y_h) y_h[state_at(p, d, b) + j] = h[(d * B + b) * H + j];
        if (y_c) y_c[state_at(p, d, b) + j] = c[(d * B + b) * H + j];
      }
}

size_t ecgc_lstm_f32_get_buffer_size(const ecgc_recurrent_t *p) { return buffer_size(p, CELL_LSTM); }
size_t ecgc_gru_f32_get_buffer_size(const ecgc_recurrent_t *p) { return buffer_size(p, CELL_GRU); }
size_t ecgc_rnn_f32_get_buffer_size(const ecgc_recurrent_t *p) { return buffer_size(p, CELL_RNN); }

void ecgc_lstm_f32(const ecgc_recurrent_t *p, const float *x, const float *initial_h, const float *initial_c, float *y, float *y_h, float *y_c, void *scratch) {
  run(p, CELL_LSTM, x, initial_h, initial_c, y, y_h, y_c, scratch);
}
void ecgc_gru_f32(const ecgc_recurrent_t *p, const float *x, const float *initial_h, float *y, float *y_h, void *scratch) {
  run(p, CELL_GRU, x, initial_h, NULL, y, y_h, NULL, scratch);
}
void ecgc_rnn_f32(const ecgc_recurrent_t *p, const float *x, const float *initial_h, float *y, float *y_h, void *scratch) {
  run(p, CELL_RNN, x, initial_h, NULL, y, y_h, NULL, scratch);
}
