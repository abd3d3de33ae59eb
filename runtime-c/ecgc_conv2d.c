/*
 * Conv2d, dense or sparse, weights decoded one output channel at a time as in ecgc_conv1d.c
 * (which stays the 1-D kernel, its loops untouched). Order of every sum: see ecgc.h.
 *
 * Along each output row, outputs whose column taps all lie inside the input are computed 8
 * (then 4) at a time, each weight loaded once for every accumulator; kernel rows that fall
 * into the top or bottom padding are skipped for the whole output row. Every accumulator
 * adds its terms in the documented order, so blocking changes no bit.
 */
#include "ecgc.h"

size_t ecgc_conv2d_f32_get_buffer_size(const ecgc_conv2d_t *p) {
  const size_t row = (size_t)p->weights.row_length * sizeof(float);
  /* sparse: values, positions, offsets and both taps; dense: a decoded row (none for float32) */
  if (p->sparse) return 5u * row;
  return p->weights.encoding == ECGC_F32 ? 0u : row;
}

/* The kernel rows [kh_first, kh_end) inside the input for the output row whose first tap row is `top`. */
typedef struct {
  int32_t top, kh_first, kh_end;
} conv2d_rows_t;

/* One output whose first tap column is `left` (which may lie in the padding): only the taps inside. */
static float conv2d_edge(const ecgc_conv2d_t *p, const float *w, const float *x, const conv2d_rows_t *r, int32_t left, float acc) {
  const int32_t H = p->in_height, W = p->in_width, KH = p->kernel_height, KW = p->kernel_width, DH = p->dilation_height, DW = p->dilation_width;
  const int32_t channels = p->in_channels / p->groups;
  int32_t c, kh, kw, first, end;
  ecgc_taps_inside(left, W, KW, DW, &first, &end);
  for (c = 0; c < channels; c++, x += H * W, w += KH * KW) {
    for (kh = r->kh_first; kh < r->kh_end; kh++) {
      const float *xr = x + (r->top + kh * DH) * W + left, *wr = w + kh * KW;
      for (kw = first; kw < end; kw++) acc = acc + wr[kw] * xr[kw * DW];
    }
  }
  return acc;
}

/*
 * 8 outputs of one row from x (the first output's top-left tap), `step` apart in x. Inlined
 * with constant step and kernel width where the callers give them, which turns offsets into
 * constants; one_row (a kernel of one row, inside the input: (1, k) kernels) drops the row loop.
 */
static inline void conv2d_block8(const ecgc_conv2d_t *p, const float *w, const float *x, const conv2d_rows_t *r, float *y, float bias, int32_t KW, int32_t DW, int32_t step, int32_t one_row) {
  const int32_t H = p->in_height, W = p->in_width, KH = one_row ? 1 : p->kernel_height, DH = p->dilation_height;
  const int32_t channels = p->in_channels / p->groups, kh_first = one_row ? 0 : r->kh_first, kh_end = one_row ? 1 : r->kh_end;
  float a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
  int32_t c, kh, kw;
  for (c = 0; c < channels; c++, x += H * W, w += KH * KW) {
    for (kh = kh_first; kh < kh_end; kh++) {
      const float *xk = x + kh * DH * W, *wr = w + kh * KW;
      for (kw = 0; kw < KW; kw++, xk += DW) {
        const float wk = wr[kw];
        a0 = a0 + wk * xk[0];
        a1 = a1 + wk * xk[step];
        a2 = a2 + wk * xk[2 * step];
        a3 = a3 + wk * xk[3 * step];
        a4 = a4 + wk * xk[4 * step];
        a5 = a5 + wk * xk[5 * step];
        a6 = a6 + wk * xk[6 * step];
        a7 = a7 + wk * xk[7 * step];
      }
    }
  }
  y[0] = a0, y[1] = a1, y[2] = a2, y[3] = a3, y[4] = a4, y[5] = a5, y[6] = a6, y[7] = a7;
}

static void conv2d_row_dense(const ecgc_conv2d_t *p, const float *w, const float *x, const conv2d_rows_t *r, float *y, float bias) {
  const int32_t W = p->in_width, KW = p->kernel_width, SW = p->stride_width, DW = p->dilation_width, PL = p->pad_left;
  const float *xr = x + r->top * W - PL;
  const int32_t one_row = p->kernel_height == 1 && r->kh_end == 1;
  int32_t t = 0;
  for (; t < p->inner_left; t++) y[t] = conv2d_edge(p, w, x, r, t * SW - PL, bias);
  for (; t + 8 <= p->inner_right; t += 8) {
    if (!one_row) conv2d_block8(p, w, xr + t * SW, r, y + t, bias, KW, DW, SW, 0);
    else if (KW == 1 && SW == 1) conv2d_block8(p, w, xr + t, r, y + t, bias, 1, 1, 1, 1);
    else if (SW == 1) conv2d_block8(p, w, xr + t, r, y + t, bias, KW, DW, 1, 1);
    else conv2d_block8(p, w, xr + t * SW, r, y + t, bias, KW, DW, SW, 1);
  }
  for (; t < p->out_width; t++) y[t] = conv2d_edge(p, w, x, r, t * SW - PL, bias);
}

/* The sparse twin: `count` nonzero weights; weight j lies offsets[j] from an output's top-left tap, tap_h[j] rows and tap_w[j] columns down and right. */
typedef struct {
  int32_t count;
  const float *values;
  const int32_t *offsets, *tap_h, *tap_w;
} conv2d_sparse_t;

static float conv2d_sparse_edge(const ecgc_conv2d_t *p, const conv2d_sparse_t *s, const float *x, int32_t top, int32_t left, float acc) {
  int32_t j;
  for (j = 0; j < s->count; j++) {
    const int32_t i = top + s->tap_h[j], k = left + s->tap_w[j];
    if (i >= 0 && i < p->in_height && k >= 0 && k < p->in_width) acc = acc + s->values[j] * x[s->offsets[j] + top * p->in_width + left];
  }
  return acc;
}

static void conv2d_row_sparse(const ecgc_conv2d_t *p, const conv2d_sparse_t *s, const float *x, const conv2d_rows_t *r, float *y, float bias) {
  const int32_t SW = p->stride_width, PL = p->pad_left;
  const int32_t rows_inside = r->kh_first == 0 && r->kh_end == p->kernel_height;
  int32_t t = 0, j;
  if (!rows_inside) {
    for (; t < p->out_width; t++) y[t] = conv2d_sparse_edge(p, s, x, r->top, t * SW - PL, bias);
    return;
  }
  for (; t < p->inner_left; t++) y[t] = conv2d_sparse_edge(p, s, x, r->top, t * SW - PL, bias);
  for (; t + 8 <= p->inner_right; t += 8) {
    const float *xt = x + r->top * p->in_width + t * SW - PL;
    float a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
    for (j = 0; j < s->count; j++) {
      const float v = s->values[j], *xj = xt + s->offsets[j];
      a0 = a0 + v * xj[0];
      a1 = a1 + v * xj[SW];
      a2 = a2 + v * xj[2 * SW];
      a3 = a3 + v * xj[3 * SW];
      a4 = a4 + v * xj[4 * SW];
      a5 = a5 + v * xj[5 * SW];
      a6 = a6 + v * xj[6 * SW];
      a7 = a7 + v * xj[7 * SW];
    }
    y[t] = a0, y[t + 1] = a1, y[t + 2] = a2, y[t + 3] = a3, y[t + 4] = a4, y[t + 5] = a5, y[t + 6] = a6, y[t + 7] = a7;
  }
  for (; t < p->inner_right; t++) {
    const float *xt = x + r->top * p->in_width + t * SW - PL;
    float acc = bias;
    for (j = 0; j < s->count; j++) acc = acc + s->values[j] * xt[s->offsets[j]];
    y[t] = acc;
  }
  for (; t < p->out_width; t++) y[t] = conv2d_sparse_edge(p, s, x, r->top, t * SW - PL, bias);
}

void ecgc_conv2d_f32(const ecgc_conv2d_t *p, const float *x, float *y, void *scratch) {
  const int32_t in_per_group = p->in_channels / p->groups, out_per_group = p->out_channels / p->groups;
  const int32_t row_length = p->weights.row_length, plane = p->in_height * p->in_width;
  const int32_t KH = p->kernel_height, KW = p->kernel_width;
  float *row = (float *)scratch;
  ecgc_row_reader_t reader;
  int32_t co, oh;
  ecgc_row_reader_init(&reader, &p->weights);
  for (co = 0; co < p->out_channels; co++) {
    const float *xg = x + (co / out_per_group) * in_per_group * plane;
    const float bias = p->bias ? p->bias[co] : 0.0f;
    float *yc = y + co * p->out_height * p->out_width;
    conv2d_sparse_t s = {0, row, NULL, NULL, NULL};
    const float *w = NULL;
    if (p->sparse) {
      int32_t *positions = (int32_t *)(void *)(row + row_length), *offsets = positions + row_length;
      int32_t *tap_h = offsets + row_length, *tap_w = tap_h + row_length, j;
      s.count = ecgc_row_sparse(&reader, row, positions);
      for (j = 0; j < s.count; j++) {
        const int32_t c = positions[j] / (KH * KW), kh = positions[j] / KW % KH, kw = positions[j] % KW;
        tap_h[j] = kh * p->dilation_height;
        tap_w[j] = kw * p->dilation_width;
        offsets[j] = c * plane + tap_h[j] * p->in_width + tap_w[j];
      }
      s.offsets = offsets, s.tap_h = tap_h, s.tap_w = tap_w;
    } else {
      w = ecgc_row_dense(&reader, row);
    }
    for (oh = 0; oh < p->out_height; oh++) {
      conv2d_rows_t r;
      r.top = oh * p->stride_height - p->pad_top;
      ecgc_taps_inside(r.top, p->in_height, KH, p->dilation_height, &r.kh_first, &r.kh_end);
      if (p->sparse) conv2d_row_sparse(p, &s, xg, &r, yc + oh * p->out_width, bias);
      else conv2d_row_dense(p, w, xg, &r, yc + oh * p->out_width, bias);
    }
  }
}
