/*
 * Conv1d on int8 activations (ecgc.h), weight stationary. Per group, the input is first laid
 * out time-major: row r holds the group's channels at position r - pad_begin (the input's
 * zero point in the padding, so a padded tap adds w * 0 in real terms once the bias carries
 * input_offset * sum(w)). A window is then contiguous: with dilation 1 one run of
 * kernel * channels values (window order [tap][channel]), otherwise one run of the channels
 * (rounded up to 4) per tap. Output channels' rows are decoded once into int16 in SMLAD
 * order (ecgc_dot_s8.h) and swept over the whole time axis: two channels at two positions,
 * or, for a group of one output channel (depthwise), one channel at four positions.
 */
#include "ecgc.h"
#include "ecgc_dot_s8.h"
#include "ecgc_requantize.h"

#define ROUND4(n) (((n) + 3) & ~3)

typedef struct {
  int32_t in_per_group, out_per_group;
  int32_t width;   /* values a row of the time-major input holds */
  int32_t window;  /* values a window reads (a multiple of 4) */
  int32_t segment; /* values read contiguously: the whole window (dilation 1), or a tap's channels */
  int32_t rows;    /* positions the windows span */
} geometry_t;

static geometry_t geometry(const ecgc_conv1d_s8_t *p) {
  geometry_t g;
  g.in_per_group = p->in_channels / p->groups;
  g.out_per_group = p->out_channels / p->groups;
  g.width = p->dilation == 1 ? g.in_per_group : ROUND4(g.in_per_group);
  g.window = p->dilation == 1 ? ROUND4(p->kernel * g.in_per_group) : p->kernel * g.width;
  g.segment = p->dilation == 1 ? g.window : g.width;
  g.rows = (p->out_length - 1) * p->stride + (p->kernel - 1) * p->dilation + 1;
  return g;
}

size_t ecgc_conv1d_s8_get_buffer_size(const ecgc_conv1d_s8_t *p) {
  const geometry_t g = geometry(p);
  /* two rows packed (int16 pairs), two rows in window order, a row of codes, the time-major input and 4 bytes a window may read past it */
  return (size_t)(4 * g.window + 2 * g.window + ROUND4(p->weights.row_length) + ROUND4(g.rows * g.width + 4));
}

/* The group's input, time-major, padded with the zero point (and zeros in the channels rounded up to 4). */
static void time_major(const ecgc_conv1d_s8_t *p, const geometry_t *g, const int8_t *xg, int8_t *xt) {
  const int32_t begin = p->pad_begin < g->rows ? p->pad_begin : g->rows;
  const int32_t end = p->pad_begin + p->in_length < g->rows ? p->pad_begin + p->in_length : g->rows;
  int32_t r, c;
  memset(xt, (int32_t)(uint8_t)p->input_zero_point, (size_t)(begin * g->width));
  if (g->width == 1) {
    memcpy(xt + begin, xg + (begin - p->pad_begin), (size_t)(end - begin));
  } else {
    for (r = begin; r < end; r++) {
      const int8_t *column = xg + (r - p->pad_begin);
      int8_t *row = xt + r * g->width;
      for (c = 0; c < g->in_per_group; c++) row[c] = column[c * p->in_length];
      for (; c < g->width; c++) row[c] = 0;
    }
  }
  memset(xt + end * g->width, (int32_t)(uint8_t)p->input_zero_point, (size_t)((g->rows - end) * g->width));
  memset(xt + g->rows * g->width, 0, 4);
}

/* The next row's codes ([channel][tap]) as window values ([tap][channel], zeros where the window has no weight). */
static void window_row(const ecgc_conv1d_s8_t *p, const geometry_t *g, ecgc_row_reader_t *reader, int8_t *scratch, int8_t *w) {
  const int8_t *codes = ecgc_row_codes(reader, scratch);
  int32_t c, k;
  if (g->width == 1 && p->kernel == g->window) {
    memcpy(w, codes, (size_t)p->kernel);
    return;
  }
  memset(w, 0, (size_t)g->window);
  for (c = 0; c < g->in_per_group; c++) {
    for (k = 0; k < p->kernel; k++) w[k * g->width + c] = codes[c * p->kernel + k];
  }
}

void ecgc_conv1d_s8(const ecgc_conv1d_s8_t *p, const int8_t *x, int8_t *y, void *scratch) {
  const geometry_t g = geometry(p);
  int32_t *packed = (int32_t *)scratch;
  int8_t *rows[2], *codes, *xt;
  const int32_t step = p->stride * g.width, tap = p->dilation * g.width, n = p->out_length, segments = g.window / g.segment;
  ecgc_row_reader_t reader;
  int32_t group, co, t, k;
  rows[0] = (int8_t *)(packed + g.window);
  rows[1] = rows[0] + g.window;
  codes = rows[1] + g.window;
  xt = codes + ROUND4(p->weights.row_length);
  ecgc_row_reader_init(&reader, &p->weights);
  for (group = 0; group < p->groups; group++) {
    const int32_t last = (group + 1) * g.out_per_group;
    time_major(p, &g, x + group * g.in_per_group * p->in_length, xt);
    for (co = group * g.out_per_group; co < last; co += 2) {
      /* an odd channel out: its own row stands in for the second one, whose sums are dropped */
      const int32_t pair = co + 1 < last, c1 = pair ? co + 1 : co;
      const ecgc_output_stage_t s0 = ecgc_output_stage(p->multiplier[co], p->shift[co], p->output_offset, p->act_min, p->act_max);
      const ecgc_output_stage_t s1 = ecgc_output_stage(p->multiplier[c1], p->shift[c1], p->output_offset, p->act_min, p->act_max);
      int8_t *y0 = y + co * n, *y1 = y + c1 * n;
      window_row(p, &g, &reader, codes, rows[0]);
      if (pair) window_row(p, &g, &reader, codes, rows[1]);
      ecgc_pack_rows((const int8_t *const *)rows, 1 + pair, g.window, packed);
      t = 0;
      /* a channel alone (depthwise): four positions a pass while four remain */
      if (!pair) {
        for (; t + 4 <= n; t += 4) {
          int32_t acc[4];
          acc[0] = acc[1] = acc[2] = acc[3] = p->bias[co];
          for (k = 0; k < segments; k++) ecgc_dot_1x4_s8(xt + t * step + k * tap, step, packed + k * g.segment / 2, g.segment, acc);
          y0[t] = ecgc_output_stage_s8(acc[0], &s0);
          y0[t + 1] = ecgc_output_stage_s8(acc[1], &s0);
          y0[t + 2] = ecgc_output_stage_s8(acc[2], &s0);
          y0[t + 3] = ecgc_output_stage_s8(acc[3], &s0);
        }
      }
      /* the pair kernel for the rest: a channel alone takes its own row as the second */
      if (!pair && t < n) {
        memcpy(rows[1], rows[0], (size_t)g.window);
        ecgc_pack_rows((const int8_t *const *)rows, 2, g.window, packed);
      }
      /* two positions a pass (the last alone standing in for the second at an odd end) */
      for (; t < n; t += 2) {
        const int32_t t1 = t + 1 < n ? t + 1 : t;
        int32_t acc[4];
        acc[0] = acc[1] = p->bias[co];
        acc[2] = acc[3] = p->bias[c1];
        if (segments == 1) {
          ecgc_dot_2x2_s8(xt + t * step, xt + t1 * step, packed, g.window, acc);
        } else {
          for (k = 0; k < segments; k++) ecgc_dot_2x2_s8(xt + t * step + k * tap, xt + t1 * step + k * tap, packed + k * g.segment, g.segment, acc);
        }
        y0[t] = ecgc_output_stage_s8(acc[0], &s0);
        y1[t] = ecgc_output_stage_s8(acc[2], &s1);
        y0[t1] = ecgc_output_stage_s8(acc[1], &s0);
        y1[t1] = ecgc_output_stage_s8(acc[3], &s1);
      }
    }
  }
}
