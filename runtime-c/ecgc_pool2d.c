/* MaxPool, AveragePool and LpPool over two spatial axes, and LpPool over one as a single row (src/ops/max-pool.ts, average-pool.ts, lp-pool.ts). */
#include "ecgc.h"
#include "ecgc_approx.h"

enum { POOL_SUM, POOL_ABS_SUM, POOL_SQUARE_SUM };

/* ecgc_taps_inside, without its divisions where the whole window lies inside. */
static inline void pool2d_taps(int32_t start, int32_t length, int32_t kernel, int32_t dilation, int32_t *first, int32_t *end) {
  if (start >= 0 && start + (kernel - 1) * dilation < length) {
    *first = 0, *end = kernel;
    return;
  }
  ecgc_taps_inside(start, length, kernel, dilation, first, end);
}

/* acc = acc + term over the window's taps inside the input, kernel rows then columns ascending. */
static float pool2d_sum(const ecgc_pool2d_t *p, const float *x, int32_t top, int32_t left, int32_t term) {
  int32_t kh, kw, first_h, end_h, first_w, end_w;
  float acc = 0.0f;
  pool2d_taps(top, p->in_height, p->kernel_height, p->dilation_height, &first_h, &end_h);
  pool2d_taps(left, p->in_width, p->kernel_width, p->dilation_width, &first_w, &end_w);
  for (kh = first_h; kh < end_h; kh++) {
    const float *xr = x + (top + kh * p->dilation_height) * p->in_width + left;
    for (kw = first_w; kw < end_w; kw++) {
      const float v = xr[kw * p->dilation_width];
      if (term == POOL_SUM) acc = acc + v;
      else if (term == POOL_ABS_SUM) acc = acc + (v < 0.0f ? -v : v);
      else acc = acc + v * v;
    }
  }
  return acc;
}

/* Every output of every channel: y = finish(sum) (0: sum / divisor, 1: the sum itself, 2: its square root). */
static void pool2d_sums(const ecgc_pool2d_t *p, const float *x, float *y, int32_t term, int32_t finish) {
  int32_t c, i, j;
  for (c = 0; c < p->channels; c++, x += p->in_height * p->in_width) {
    for (i = 0; i < p->out_height; i++) {
      for (j = 0; j < p->out_width; j++, y++) {
        const float sum = pool2d_sum(p, x, i * p->stride_height - p->pad_top, j * p->stride_width - p->pad_left, term);
        *y = finish == 0 ? sum / p->divisor[i * p->out_width + j] : finish == 1 ? sum : __builtin_sqrtf(sum); /* correctly rounded, no libm */
      }
    }
  }
}

void ecgc_maxpool2d_f32(const ecgc_pool2d_t *p, const float *x, float *y) {
  const int32_t H = p->in_height, W = p->in_width, KH = p->kernel_height, KW = p->kernel_width, DH = p->dilation_height, DW = p->dilation_width;
  int32_t c, i, j, kh, kw, first_h, end_h, first_w, end_w;
  for (c = 0; c < p->channels; c++, x += H * W) {
    for (i = 0; i < p->out_height; i++) {
      const int32_t top = i * p->stride_height - p->pad_top;
      pool2d_taps(top, H, KH, DH, &first_h, &end_h);
      for (j = 0; j < p->out_width; j++, y++) {
        const int32_t left = j * p->stride_width - p->pad_left;
        float max = -__builtin_inff();
        pool2d_taps(left, W, KW, DW, &first_w, &end_w);
        for (kh = first_h; kh < end_h; kh++) {
          const float *xr = x + (top + kh * DH) * W + left;
          for (kw = first_w; kw < end_w; kw++) if (xr[kw * DW] > max) max = xr[kw * DW];
        }
        *y = max;
      }
    }
  }
}

void ecgc_avgpool2d_f32(const ecgc_pool2d_t *p, const float *x, float *y) { pool2d_sums(p, x, y, POOL_SUM, 0); }
void ecgc_lppool2d_p1_f32(const ecgc_pool2d_t *p, const float *x, float *y) { pool2d_sums(p, x, y, POOL_ABS_SUM, 1); }
void ecgc_lppool2d_p2_f32(const ecgc_pool2d_t *p, const float *x, float *y) { pool2d_sums(p, x, y, POOL_SQUARE_SUM, 2); }

/* LpPool for any p: as pool2d_sums with the term |x|^p and the root sum^(1/p), both through ecgc_powf. */
void ecgc_lppool2d_f32(const ecgc_pool2d_t *p, const float *x, float *y) {
  const float root = 1.0f / p->p;
  int32_t c, i, j, kh, kw, first_h, end_h, first_w, end_w;
  for (c = 0; c < p->channels; c++, x += p->in_height * p->in_width) {
    for (i = 0; i < p->out_height; i++) {
      const int32_t top = i * p->stride_height - p->pad_top;
      pool2d_taps(top, p->in_height, p->kernel_height, p->dilation_height, &first_h, &end_h);
      for (j = 0; j < p->out_width; j++, y++) {
        const int32_t left = j * p->stride_width - p->pad_left;
        float sum = 0.0f;
        pool2d_taps(left, p->in_width, p->kernel_width, p->dilation_width, &first_w, &end_w);
        for (kh = first_h; kh < end_h; kh++) {
          const float *xr = x + (top + kh * p->dilation_height) * p->in_width + left;
          for (kw = first_w; kw < end_w; kw++) sum = sum + ecgc_powf(__builtin_fabsf(xr[kw * p->dilation_width]), p->p);
        }
        *y = ecgc_powf(sum, root);
      }
    }
  }
}
