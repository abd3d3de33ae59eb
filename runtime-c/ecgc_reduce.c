/* Reductions over the middle axis of (outer, n, inner): the Reduce* ops, GlobalAveragePool, GlobalMaxPool (src/ops/reduce.ts). */
#include "ecgc.h"
#include "ecgc_approx.h"

void ecgc_reduce_mean_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner) {
  int32_t o, i, j;
  for (o = 0; o < outer; o++) {
    for (i = 0; i < inner; i++) {
      const float *xi = x + o * n * inner + i;
      float sum = 0.0f;
      for (j = 0; j < n; j++) sum = sum + xi[j * inner];
      y[o * inner + i] = sum / (float)n;
    }
  }
}

void ecgc_reduce_max_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner) {
  int32_t o, i, j;
  for (o = 0; o < outer; o++) {
    for (i = 0; i < inner; i++) {
      const float *xi = x + o * n * inner + i;
      float max = xi[0];
      for (j = 1; j < n; j++) if (xi[j * inner] > max) max = xi[j * inner];
      y[o * inner + i] = max;
    }
  }
}

/* acc = init, then acc = step for each element v in order (each operation rounded), y = finish. */
#define ECGC_REDUCE(name, init, step, finish)                                      \
  void name(const float *x, float *y, int32_t outer, int32_t n, int32_t inner) {   \
    int32_t o, i, j;                                                               \
    for (o = 0; o < outer; o++) {                                                  \
      for (i = 0; i < inner; i++) {                                                \
        const float *xi = x + o * n * inner + i;                                   \
        float acc = (init);                                                        \
        for (j = 0; j < n; j++) {                                                  \
          const float v = xi[j * inner];                                           \
          acc = (step);                                                            \
        }                                                                          \
        y[o * inner + i] = (finish);                                               \
      }                                                                            \
    }                                                                              \
  }

ECGC_REDUCE(ecgc_reduce_sum_f32, 0.0f, acc + v, acc)
ECGC_REDUCE(ecgc_reduce_min_f32, __builtin_inff(), v < acc ? v : acc, acc)
ECGC_REDUCE(ecgc_reduce_prod_f32, 1.0f, acc * v, acc)
ECGC_REDUCE(ecgc_reduce_l1_f32, 0.0f, acc + (v < 0.0f ? -v : v), acc)
ECGC_REDUCE(ecgc_reduce_l2_f32, 0.0f, acc + v * v, __builtin_sqrtf(acc)) /* correctly rounded, no libm */
ECGC_REDUCE(ecgc_reduce_sum_square_f32, 0.0f, acc + v * v, acc)
ECGC_REDUCE(ecgc_reduce_log_sum_exp_f32, 0.0f, acc + ecgc_expf(v), ecgc_logf(acc)) /* the shared approximations */
