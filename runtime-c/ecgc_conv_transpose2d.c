/* ConvTranspose over one (a single row) or two spatial axes, as a gather (src/ops/conv-transpose.ts). Order of every sum: see ecgc.h. */
#include "ecgc.h"

/* The input index i with position = i * stride, or -1 when there is none inside [0, length). */
static int32_t source_of(int32_t position, int32_t stride, int32_t length) {
  if (position < 0 || position % stride != 0 || position / stride >= length) return -1;
  return position / stride;
}

void ecgc_conv_transpose2d_f32(const ecgc_conv_transpose2d_t *p, const float *x, float *y) {
  const int32_t in_per_group = p->in_channels / p->groups, out_per_group = p->out_channels / p->groups;
  const int32_t KH = p->kernel_height, KW = p->kernel_width, plane = p->in_height * p->in_width;
  int32_t co, oh, ow, c, kh, kw;
  for (co = 0; co < p->out_channels; co++) {
    const int32_t first = (co / out_per_group) * in_per_group, column = co % out_per_group;
    for (oh = 0; oh < p->out_height; oh++) {
      for (ow = 0; ow < p->out_width; ow++, y++) {
        float acc = p->bias ? p->bias[co] : 0.0f;
        for (c = first; c < first + in_per_group; c++) {
          const float *w = p->weights + (c * out_per_group + column) * KH * KW, *xc = x + c * plane;
          for (kh = 0; kh < KH; kh++) {
            const int32_t i = source_of(oh + p->pad_top - kh * p->dilation_height, p->stride_height, p->in_height);
            if (i < 0) continue;
            for (kw = 0; kw < KW; kw++) {
              const int32_t j = source_of(ow + p->pad_left - kw * p->dilation_width, p->stride_width, p->in_width);
              if (j >= 0) acc = acc + w[kh * KW + kw] * xc[i * p->in_width + j];
            }
          }
        }
        *y = acc;
      }
    }
  }
}
