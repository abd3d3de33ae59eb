/*
 * Conv1d on int8 activations (ecgc.h): one output channel at a time, its weight row decoded
 * once into int8 codes, then every output position; taps outside the input are skipped
 * (the valid range of k is computed per position, not tested per tap).
 */
#include "ecgc.h"
#include "ecgc_requantize.h"

size_t ecgc_conv1d_s8_get_buffer_size(const ecgc_conv1d_s8_t *p) {
  return (size_t)p->weights.row_length; /* one row of int8 codes */
}

void ecgc_conv1d_s8(const ecgc_conv1d_s8_t *p, const int8_t *x, int8_t *y, void *scratch) {
  int8_t *w = (int8_t *)scratch;
  const int32_t in_per_group = p->in_channels / p->groups, out_per_group = p->out_channels / p->groups;
  ecgc_row_reader_t reader;
  int32_t co, t, ci, k;
  ecgc_row_reader_init(&reader, &p->weights);
  for (co = 0; co < p->out_channels; co++) {
    const int8_t *xg = x + (co / out_per_group) * in_per_group * p->in_length;
    const int32_t bias = p->bias ? p->bias[co] : 0;
    ecgc_row_codes(&reader, w);
    for (t = 0; t < p->out_length; t++) {
      const int32_t start = t * p->stride - p->pad_begin;
      /* taps k with 0 <= start + k * dilation < in_length */
      int32_t first = 0, end = p->kernel, acc = bias;
      while (first < end && start + first * p->dilation < 0) first++;
      while (end > first && start + (end - 1) * p->dilation >= p->in_length) end--;
      for (ci = 0; ci < in_per_group; ci++) {
        const int8_t *xc = xg + ci * p->in_length, *wc = w + ci * p->kernel;
        for (k = first; k < end; k++) acc += (int32_t)wc[k] * ((int32_t)xc[start + k * p->dilation] + p->input_offset);
      }
      y[co * p->out_length + t] = ecgc_output_s8(acc, p->multiplier[co], p->shift[co], p->output_offset, p->act_min, p->act_max);
    }
  }
}
