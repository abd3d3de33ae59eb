/*
 * Conv2d on int8 activations (ecgc.h), in plain C: each output channel's row of codes decoded
 * once, then every output's taps summed in int32 (exact, so the order is free), a tap in the
 * padding reading the input's zero point, and the sum put through the channel's output stage.
 */
#include "ecgc.h"
#include "ecgc_requantize.h"

size_t ecgc_conv2d_s8_get_buffer_size(const ecgc_conv2d_s8_t *p) {
  return (size_t)((p->weights.row_length + 3) & ~3);
}

void ecgc_conv2d_s8(const ecgc_conv2d_s8_t *p, const int8_t *x, int8_t *y, void *scratch) {
  const int32_t H = p->in_height, W = p->in_width, KH = p->kernel_height, KW = p->kernel_width;
  const int32_t in_per_group = p->in_channels / p->groups, out_per_group = p->out_channels / p->groups;
  ecgc_row_reader_t reader;
  int32_t co, c, i, j, kh, kw;
  ecgc_row_reader_init(&reader, &p->weights);
  for (co = 0; co < p->out_channels; co++) {
    const int8_t *w = ecgc_row_codes(&reader, (int8_t *)scratch);
    const int8_t *xg = x + (co / out_per_group) * in_per_group * H * W;
    const ecgc_output_stage_t stage = ecgc_output_stage(p->multiplier[co], p->shift[co], p->output_offset, p->act_min, p->act_max, p->small_accumulators);
    for (i = 0; i < p->out_height; i++) {
      for (j = 0; j < p->out_width; j++, y++) {
        const int32_t top = i * p->stride_height - p->pad_top, left = j * p->stride_width - p->pad_left;
        int32_t acc = p->bias[co];
        const int8_t *wc = w;
        for (c = 0; c < in_per_group; c++) {
          const int8_t *xc = xg + c * H * W;
          for (kh = 0; kh < KH; kh++) {
            const int32_t row = top + kh * p->dilation_height;
            for (kw = 0; kw < KW; kw++, wc++) {
              const int32_t column = left + kw * p->dilation_width;
              const int32_t v = row >= 0 && row < H && column >= 0 && column < W ? xc[row * W + column] : p->input_zero_point;
              acc += (int32_t)*wc * v;
            }
          }
        }
        *y = ecgc_output_stage_s8(acc, &stage);
      }
    }
  }
}
