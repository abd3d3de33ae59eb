/*
 * ecgc runtime: the kernels generated models call. C99, no malloc, no libc beyond
 * memcpy/memset, no unaligned access (packed streams are read byte by byte). Every kernel
 * computes exactly what its TypeScript twin in src/ops computes, bit for bit; the
 * summation order is stated beside each declaration. Build with -ffp-contract=off.
 */
#ifndef ECGC_H
#define ECGC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Which runtime this is: `ecgc compile` writes here the first 32 bits of the SHA-256 of the
 * runtime-c sources of the ecgc that generated the model (0 in ecgc's own tree). A model's .c
 * refuses to compile (#error) against another runtime's ecgc.h, and ecgc.mk refuses two models
 * from different runtimes in one build: one copy of the runtime serves every model.
 */
#define ECGC_RUNTIME_ID 0x00000000UL

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Encoded weights (src/pack, src/plan/quantize.ts) --------------------------- */

enum { ECGC_F32 = 0, ECGC_DENSE = 1, ECGC_BITMAP = 2, ECGC_DELTA = 3 };                 /* encoding */
enum { ECGC_UNIFORM = 0, ECGC_UNIFORM_LAYER = 1, ECGC_SIGN = 2, ECGC_CODEBOOK = 3, ECGC_FLOAT = 4 }; /* quantizer */

/*
 * A weight tensor as rows (output channels) of row_length weights. ECGC_F32: f32 holds them.
 * Otherwise codes are b-bit fields, least significant bit first (4-bit: CMSIS-NN nibble
 * order); ECGC_BITMAP prefixes one bit per weight (1 = nonzero) and stores only nonzero codes;
 * ECGC_DELTA prefixes per row a uint16 count of nonzeros then index_bits-bit distances
 * between consecutive nonzero positions (the first: position + 1). Dequantized weight:
 * (float)code * scale (uniform, sign: code is +1 or -1, stored as 1 / 0) or levels[code];
 * the scales are float32 (scales) or bfloat16 (scales_bf16: a float32's top 16 bits).
 * ECGC_FLOAT (a pruned float32 layer, BITMAP or DELTA only): f32 holds the nonzero weights in order.
 */
typedef struct {
  uint8_t encoding, quantizer, bits, index_bits;
  int32_t rows, row_length;
  const float *f32;
  const uint8_t *codes, *index;
  const float *scales;
  const uint16_t *scales_bf16;
  const float *levels;
} ecgc_weights_t;

/* Reads rows in order 0, 1, 2, ...: sparse streams are sequential. */
typedef struct {
  const ecgc_weights_t *w;
  int32_t row;
  uint32_t code_bit, index_bit, mask_bit;
  int8_t codes[4]; /* the integer code of each field value of a 1- or 2-bit stream */
} ecgc_row_reader_t;

void ecgc_row_reader_init(ecgc_row_reader_t *reader, const ecgc_weights_t *w);
/* The next row of an F32 or DENSE stream as row_length floats: a pointer into f32, or into `scratch`. */
const float *ecgc_row_dense(ecgc_row_reader_t *reader, float *scratch);
/* The next row of a BITMAP or DELTA stream: its nonzero weights (values, ascending positions); returns their count. */
int32_t ecgc_row_sparse(ecgc_row_reader_t *reader, float *values, int32_t *positions);

/* acc + x . w: acc = acc + x[i] * w[i], i ascending (unrolled by 4; the order of the sum is unchanged). */
static inline float ecgc_dot_f32(const float *x, const float *w, int32_t n, float acc) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    acc = acc + x[i] * w[i];
    acc = acc + x[i + 1] * w[i + 1];
    acc = acc + x[i + 2] * w[i + 2];
    acc = acc + x[i + 3] * w[i + 3];
  }
  for (; i < n; i++) acc = acc + x[i] * w[i];
  return acc;
}

/* The taps k in [first, end) of a window whose tap 0 is input index `start` that lie in [0, length). */
static inline void ecgc_taps_inside(int32_t start, int32_t length, int32_t kernel, int32_t dilation, int32_t *first, int32_t *end) {
  const int32_t last = start >= length ? -1 : (length - 1 - start) / dilation; /* the last tap inside */
  *first = start < 0 ? (-start + dilation - 1) / dilation : 0;
  *end = last + 1 < kernel ? last + 1 : kernel;
}

/* ---- Conv1d ----------------------------------------------------------------------- */

/*
 * x [in_channels, in_length] -> y [out_channels, out_length]. For each output y[co, t]:
 * acc = bias[co] (0 without bias), then acc = acc + w * x over the group's input channels
 * ascending and, within each, taps ascending, each product and sum rounded to float;
 * taps in the padding are skipped. outputs [inner_begin, inner_end) have all taps inside.
 * sparse != 0: only nonzero weights are visited (the same sums: a zero term never changes
 * an accumulator that did not start at -0, and biases are never -0).
 */
typedef struct {
  int32_t in_channels, out_channels, in_length, out_length;
  int32_t kernel, stride, dilation, pad_begin, groups, inner_begin, inner_end, sparse;
  ecgc_weights_t weights;
  const float *bias;
} ecgc_conv1d_t;

size_t ecgc_conv1d_f32_get_buffer_size(const ecgc_conv1d_t *p); /* scratch bytes */
void ecgc_conv1d_f32(const ecgc_conv1d_t *p, const float *x, float *y, void *scratch);

/* ---- Conv2d ----------------------------------------------------------------------- */

/*
 * x [in_channels, in_height, in_width] -> y [out_channels, out_height, out_width]. For each
 * output y[co, i, j]: acc = bias[co] (0 without bias), then acc = acc + w * x over the group's
 * input channels ascending and, within each, kernel rows then columns ascending (the weight
 * row's order), each product and sum rounded to float; taps in the padding are skipped.
 * Outputs [inner_left, inner_right) of a row have all their column taps inside. sparse: as
 * ecgc_conv1d_t.
 */
typedef struct {
  int32_t in_channels, out_channels, in_height, in_width, out_height, out_width;
  int32_t kernel_height, kernel_width, stride_height, stride_width, dilation_height, dilation_width;
  int32_t pad_top, pad_left, groups, inner_left, inner_right, sparse;
  ecgc_weights_t weights;
  const float *bias;
} ecgc_conv2d_t;

size_t ecgc_conv2d_f32_get_buffer_size(const ecgc_conv2d_t *p); /* scratch bytes */
void ecgc_conv2d_f32(const ecgc_conv2d_t *p, const float *x, float *y, void *scratch);

/* ---- ConvTranspose ------------------------------------------------------------------- */

/*
 * x [in_channels, in_height, in_width] -> y [out_channels, out_height, out_width], weights
 * [in_channels, out_channels / groups, kernel_height, kernel_width] float32; 1-D as one row.
 * For each output y[co, i, j]: acc = bias[co] (0 without bias), then acc = acc + w * x over
 * the group's input channels ascending and, within each, kernel rows then columns ascending,
 * taking the taps whose input position (i + pad_top - kh * dilation_height) / stride_height
 * (and the same along the width) is whole and inside; each product and sum rounded.
 */
typedef struct {
  int32_t in_channels, out_channels, in_height, in_width, out_height, out_width;
  int32_t kernel_height, kernel_width, stride_height, stride_width, dilation_height, dilation_width;
  int32_t pad_top, pad_left, groups;
  const float *weights, *bias;
} ecgc_conv_transpose2d_t;

void ecgc_conv_transpose2d_f32(const ecgc_conv_transpose2d_t *p, const float *x, float *y);

/* ---- Element-wise, one input (ecgc_unary.c) ------------------------------------------- */

/* y = op(x); a, b: alpha (LeakyRelu), min/max (Clip), integer exponent or 0.5 (Pow, in a);
   the other ops ignore them. */
typedef void (*ecgc_unary_f32_t)(const float *x, float *y, int32_t n, float a, float b);
void ecgc_relu_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_leaky_relu_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_clip_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_sigmoid_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_tanh_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_erf_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_gelu_f32(const float *x, float *y, int32_t n, float a, float b);       /* a: 1 for the tanh form */
void ecgc_sqrt_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_reciprocal_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_neg_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_pow_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_abs_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_sign_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_exp_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_elu_f32(const float *x, float *y, int32_t n, float a, float b);         /* a: alpha */
void ecgc_selu_f32(const float *x, float *y, int32_t n, float a, float b);        /* a: alpha, b: gamma */
void ecgc_hard_sigmoid_f32(const float *x, float *y, int32_t n, float a, float b); /* a: alpha, b: beta */
void ecgc_hard_swish_f32(const float *x, float *y, int32_t n, float a, float b);  /* a = 1/6, b = 1/2 */
void ecgc_softsign_f32(const float *x, float *y, int32_t n, float a, float b);
void ecgc_log_f32(const float *x, float *y, int32_t n, float a, float b);      /* log(x < 0): the NaN 0x7fc00000 */
void ecgc_softplus_f32(const float *x, float *y, int32_t n, float a, float b); /* max(x, 0) + log1p(exp(-|x|)) */
void ecgc_floor_f32(const float *x, float *y, int32_t n, float a, float b);    /* floor, ceil, round half to even: */
void ecgc_ceil_f32(const float *x, float *y, int32_t n, float a, float b);     /* exact, keeping x's sign */
void ecgc_round_f32(const float *x, float *y, int32_t n, float a, float b);

/* ---- A chain of conv1d layers, depth first (ecgc_stream.c) ---------------------------- */

/* An element-wise op on each output column: op(a, b), or, when scale is set, y = x * scale[c] + shift[c]. */
typedef struct {
  ecgc_unary_f32_t op;
  float a, b;
  const float *scale, *shift;
} ecgc_stream_post_t;

/* block: output columns computed per decoding of the weights (1 .. ECGC_STREAM_MAX_BLOCK). */
#define ECGC_STREAM_MAX_BLOCK 16
typedef struct {
  const ecgc_conv1d_t *conv;
  int32_t post_count;
  const ecgc_stream_post_t *post;
  int32_t block;
} ecgc_stream_stage_t;

enum { ECGC_STREAM_NONE, ECGC_STREAM_MEAN, ECGC_STREAM_MAX };
/*
 * x [in_channels, in_length] of the first stage -> y: the last stage's output [C, T]
 * (ECGC_STREAM_NONE) or its mean or max over time [C] (GlobalAveragePool, GlobalMaxPool:
 * the sum ascending from 0 then / T; a later maximum wins only when greater). Each stage
 * keeps its last (kernel-1)*dilation+(block-1)*stride+1 input columns (a ring and a shared
 * hand-off column); outputs are ecgc_conv1d_f32's, bit for bit.
 */
typedef struct {
  int32_t stage_count;
  const ecgc_stream_stage_t *stages;
  int32_t reduce;
} ecgc_stream_t;

size_t ecgc_stream_f32_get_buffer_size(const ecgc_stream_t *s);
void ecgc_stream_f32(const ecgc_stream_t *s, const float *x, float *y, void *scratch);
/*
 * The same, a column x[in_channels] at a time as it arrives: begin, in_length pushes, end
 * (which completes y). The scratch keeps the state between calls. push returns -1 once
 * in_length columns are in, end -1 before they are; both 0 otherwise.
 */
void ecgc_stream_f32_begin(const ecgc_stream_t *s, void *scratch);
int ecgc_stream_f32_push(const ecgc_stream_t *s, const float *column, float *y, void *scratch);
int ecgc_stream_f32_end(const ecgc_stream_t *s, float *y, void *scratch);

/* ---- Linear (Gemm / MatMul with constant weights) ------------------------------------ */

/*
 * x [m, k] -> y [m, n], weights rows = n rows of k. acc = bias[n] (0 without), then
 * acc = acc + x[m, i] * w[n, i] for i ascending.
 */
typedef struct {
  int32_t m, k, n, sparse;
  ecgc_weights_t weights;
  const float *bias;
} ecgc_linear_t;

size_t ecgc_linear_f32_get_buffer_size(const ecgc_linear_t *p);
void ecgc_linear_f32(const ecgc_linear_t *p, const float *x, float *y, void *scratch);

/* ---- Recurrent layers: LSTM, GRU, RNN (ecgc_recurrent.c) ------------------------------- */

/*
 * x [seq_length, batch, input_size] (batch_first: [batch, seq_length, input_size]) ->
 * y [seq_length, directions, batch, hidden_size] ([batch, seq_length, directions, hidden_size]),
 * y_h and y_c [directions, batch, hidden_size] ([batch, directions, hidden_size]); any output
 * and initial state may be NULL (initial states: zeros). Directions: forward, or reverse
 * (reverse = 1), or both (directions = 2: forward then reverse). weights: rows
 * directions x gates x hidden_size, each W's row (input_size) then R's (hidden_size), gates
 * in ONNX's order; bias [directions, 2 x gates x hidden_size] (Wb then Rb) or NULL. For
 * gate row r: gx = Wb[r] + x . W[r] and gh = Rb[r] + h . R[r], each in ascending order,
 * every product and sum rounded (0 without bias); the cells as src/ops/lstm.ts, gru.ts and
 * rnn.ts, sigmoid and tanh as ecgc_approx.h. sparse: only nonzero weights are visited.
 */
typedef struct {
  int32_t seq_length, batch, input_size, hidden_size, directions, reverse, batch_first;
  int32_t linear_before_reset; /* GRU: 1 = r * (h . R + Rb), 0 = (r * h) . R + Rb */
  int32_t sparse;
  ecgc_weights_t weights;
  const float *bias;
} ecgc_recurrent_t;

size_t ecgc_lstm_f32_get_buffer_size(const ecgc_recurrent_t *p);
void ecgc_lstm_f32(const ecgc_recurrent_t *p, const float *x, const float *initial_h, const float *initial_c, float *y, float *y_h, float *y_c, void *scratch);
size_t ecgc_gru_f32_get_buffer_size(const ecgc_recurrent_t *p);
void ecgc_gru_f32(const ecgc_recurrent_t *p, const float *x, const float *initial_h, float *y, float *y_h, void *scratch);
size_t ecgc_rnn_f32_get_buffer_size(const ecgc_recurrent_t *p);
void ecgc_rnn_f32(const ecgc_recurrent_t *p, const float *x, const float *initial_h, float *y, float *y_h, void *scratch);

/* ---- Element-wise, two inputs --------------------------------------------------------- */

enum { ECGC_ADD, ECGC_SUB, ECGC_MUL, ECGC_DIV };
/*
 * y = a op b over an output of `rank` dims (up to 6), with per-dim element strides of a and
 * b (0 where broadcast). Row-major over the output.
 */
void ecgc_binary_f32(int32_t op, const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, float *y, const int32_t *shape, int32_t rank);

/*
 * The same walk (ecgc_broadcast.c), one function per op: comparisons of floats and logic of
 * bools into bool (uint8_t, 0 or 1); Max/Min (b wins only when greater / smaller, so ties
 * keep a), PRelu (a = x, b = slope: a < 0 ? b * a : a), Pow (a^b as ecgc_approx.h's ecgc_powf). Variadic Max/Min/Sum/Mean fold their
 * inputs in order, one call per input after the first (Sum and Mean through ecgc_binary_f32).
 */
void ecgc_less_f32(const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, uint8_t *y, const int32_t *shape, int32_t rank);
void ecgc_less_or_equal_f32(const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, uint8_t *y, const int32_t *shape, int32_t rank);
void ecgc_greater_f32(const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, uint8_t *y, const int32_t *shape, int32_t rank);
void ecgc_greater_or_equal_f32(const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, uint8_t *y, const int32_t *shape, int32_t rank);
void ecgc_equal_f32(const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, uint8_t *y, const int32_t *shape, int32_t rank);
void ecgc_equal_bool(const uint8_t *a, const int32_t *a_strides, const uint8_t *b, const int32_t *b_strides, uint8_t *y, const int32_t *shape, int32_t rank);
void ecgc_and_bool(const uint8_t *a, const int32_t *a_strides, const uint8_t *b, const int32_t *b_strides, uint8_t *y, const int32_t *shape, int32_t rank);
void ecgc_or_bool(const uint8_t *a, const int32_t *a_strides, const uint8_t *b, const int32_t *b_strides, uint8_t *y, const int32_t *shape, int32_t rank);
void ecgc_xor_bool(const uint8_t *a, const int32_t *a_strides, const uint8_t *b, const int32_t *b_strides, uint8_t *y, const int32_t *shape, int32_t rank);
void ecgc_max_f32(const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, float *y, const int32_t *shape, int32_t rank);
void ecgc_min_f32(const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, float *y, const int32_t *shape, int32_t rank);
void ecgc_prelu_f32(const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, float *y, const int32_t *shape, int32_t rank);
void ecgc_pow_broadcast_f32(const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, float *y, const int32_t *shape, int32_t rank);
/* out = condition ? x : y, the three broadcast to `shape`. */
void ecgc_where_f32(const uint8_t *condition, const int32_t *condition_strides, const float *x, const int32_t *x_strides, const float *y, const int32_t *y_strides, float *out, const int32_t *shape, int32_t rank);
/* Not; Cast float -> bool (x != 0) and bool -> float (1.0f or 0.0f). */
void ecgc_not_bool(const uint8_t *x, uint8_t *y, int32_t n);
void ecgc_cast_to_bool_f32(const float *x, uint8_t *y, int32_t n);
void ecgc_cast_to_f32_bool(const uint8_t *x, float *y, int32_t n);

/* y[c, i] = x[c, i] * scale[c] + shift[c] (each operation rounded), c over `channels`, i over `inner`. */
void ecgc_channel_affine_f32(const float *x, const float *scale, const float *shift, float *y, int32_t channels, int32_t inner);

/* ---- Pooling and reductions ---------------------------------------------------------- */

/* Max over the window's taps inside the input, ascending, a later tap wins only when greater. */
void ecgc_maxpool1d_f32(const float *x, float *y, int32_t channels, int32_t in_length, int32_t out_length, int32_t kernel, int32_t stride, int32_t dilation, int32_t pad_begin);
/* Sum of the taps inside the input (ascending), then sum / divisor[t] (precomputed per output). */
void ecgc_avgpool1d_f32(const float *x, float *y, int32_t channels, int32_t in_length, int32_t out_length, int32_t kernel, int32_t stride, int32_t pad_begin, const float *divisor);
/*
 * Pooling over two spatial axes: x [channels, in_height, in_width] -> y [channels, out_height,
 * out_width]; a 1-D pool is one row (in_height = out_height = kernel_height = 1). Taps inside
 * the input only, kernel rows then columns ascending. Max: from -inf, a later tap wins only
 * when greater. Average: sum (each add rounded) / divisor[output]. LpPool: p = 1, the sum of
 * |x|; p = 2, sqrt of the sum of x * x (correctly rounded); any other p, the sum of
 * ecgc_powf(|x|, p) then ecgc_powf(sum, 1 / p) (ecgc_approx.h).
 */
typedef struct {
  int32_t channels, in_height, in_width, out_height, out_width, kernel_height, kernel_width;
  int32_t stride_height, stride_width, dilation_height, dilation_width, pad_top, pad_left;
  const float *divisor; /* average only */
  float p;              /* ecgc_lppool2d_f32 only */
} ecgc_pool2d_t;

void ecgc_maxpool2d_f32(const ecgc_pool2d_t *p, const float *x, float *y);
void ecgc_avgpool2d_f32(const ecgc_pool2d_t *p, const float *x, float *y);
void ecgc_lppool2d_p1_f32(const ecgc_pool2d_t *p, const float *x, float *y);
void ecgc_lppool2d_p2_f32(const ecgc_pool2d_t *p, const float *x, float *y);
void ecgc_lppool2d_f32(const ecgc_pool2d_t *p, const float *x, float *y);
/*
 * For each of `outer` x `inner` outputs, reduce `n` elements spaced `inner` apart (the middle
 * axis): mean = (sum ascending, each add rounded) / n, or max (a later element wins only when greater).
 */
void ecgc_reduce_mean_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner);
void ecgc_reduce_max_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner);
/* The same shape of loop, acc = init then acc = step(acc, v) in order, y = finish(acc):
   sum (0, acc + v), min (+inf, v < acc ? v : acc), prod (1, acc * v), l1 (0, acc + |v|),
   l2 (0, acc + v * v, then sqrt), sum_square (0, acc + v * v), log_sum_exp (0, acc + exp(v), then log;
   ecgc_approx.h's, without subtracting the maximum first). */
void ecgc_reduce_sum_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner);
void ecgc_reduce_min_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner);
void ecgc_reduce_prod_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner);
void ecgc_reduce_l1_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner);
void ecgc_reduce_l2_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner);
void ecgc_reduce_sum_square_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner);
void ecgc_reduce_log_sum_exp_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner);

/* ---- Normalisation --------------------------------------------------------------------- */

/* Softmax over the middle axis: max, e = exp(x - max), sum ascending, y = e / sum. */
void ecgc_softmax_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner);
/* LayerNorm over rows of n: mean, d = x - mean, var = sum(d*d)/n, y = d / sqrt(var + eps) * scale + bias. */
void ecgc_layer_norm_f32(const float *x, const float *scale, const float *bias, float *y, int32_t rows, int32_t n, float epsilon);

/* ---- The input's preprocessing (ecgc_preprocess.c; <name>_preprocess calls it) ------------ */

/* sqrt(x), correctly rounded (as IEEE 754 and JS Math.sqrt), in integer arithmetic: no libm. */
double ecgc_sqrt_f64(double x);
/* In place: x = (x - mean) / (std + epsilon), mean and variance accumulated in double, in order. */
void ecgc_zscore_f32(float *x, int32_t n, double epsilon);

/* ---- MatMul of two run-time operands --------------------------------------------------- */

/* y[p] = a[p] (m x k) times b[p] (k x n); a_step, b_step: elements between batches (0 = broadcast). acc = 0, k ascending. */
void ecgc_matmul_f32(const float *a, const float *b, float *y, int32_t batch, int32_t m, int32_t k, int32_t n, int32_t a_step, int32_t b_step);

/* ---- Data movement --------------------------------------------------------------------- */

/*
 * For each index i over `shape` (rank up to 6, row-major): y[y_offset + i . y_strides] =
 * x[x_offset + i . x_strides]. Transpose, Slice, Expand and Gather read with strides into a
 * contiguous output; Concat writes each input into its strided region of the output.
 */
void ecgc_copy_f32(const float *x, int32_t x_offset, const int32_t *x_strides, float *y, int32_t y_offset, const int32_t *y_strides, const int32_t *shape, int32_t rank);

/* Dropout without dropping (inference, or training with ratio 0): y = x and mask all 1 (either may be NULL). */
void ecgc_dropout_f32(const float *x, float *y, uint8_t *mask, int32_t n);

enum { ECGC_PAD_CONSTANT, ECGC_PAD_EDGE, ECGC_PAD_REFLECT };
/* y[i] = x at the source of output index i: constant `value` outside (constant mode), the nearest
   edge (edge), or the mirror image without repeating the edge (reflect); begin[d] may be negative (crop). */
void ecgc_pad_f32(const float *x, const int32_t *in_shape, float *y, const int32_t *out_shape, const int32_t *begin, int32_t rank, int32_t mode, float value);

/*
 * Indices are int64 (constant, or computed at run time by ArgMax); a negative one counts from
 * the end; one still out of range gives 0.0f (the reference refuses it), never a stray read.
 * Gather: y[o, j, i] = x[o, indices[j], i] over (outer, axis_size, inner), `count` indices.
 * GatherElements: over the indices' `shape` (rank up to 6), y[i] = x at i with indices[i] in
 * place of the index along `axis`; x_strides are the data's, whose shape may be larger.
 */
void ecgc_gather_f32(const float *x, const int64_t *indices, float *y, int32_t outer, int32_t axis_size, int32_t count, int32_t inner);
void ecgc_gather_elements_f32(const float *x, const int32_t *x_strides, const int64_t *indices, float *y, const int32_t *shape, int32_t rank, int32_t axis, int32_t axis_size);

/* The index of the largest (argmax) or smallest (argmin) of `n` elements spaced `inner` apart, per
   (outer, inner): the first of equal ones, or the last with select_last. */
void ecgc_argmax_f32(const float *x, int64_t *y, int32_t outer, int32_t n, int32_t inner, int32_t select_last);
void ecgc_argmin_f32(const float *x, int64_t *y, int32_t outer, int32_t n, int32_t inner, int32_t select_last);

/*
 * Resize. Nearest: over out_shape (rank up to 6), y[i] = x[sum over axes d of sources[d][i_d]],
 * sources holding each axis's input offsets (index times stride), one axis after the other.
 * Linear along rows of in_length: y[t] = weights[2t] * x[taps[2t]] + weights[2t+1] * x[taps[2t+1]],
 * each product rounded, then the sum. Linear over the axes set in the linear_axes bitmask (rank up
 * to 6): taps and weights hold two per output index of each axis, one axis after the other (taps
 * as input offsets); for each of the 2^k corners (the first axis's tap the most significant bit),
 * w = the product of its axes' weights in axis order, y = w * x[corner] for the first, then
 * y = y + w * x[corner], each operation rounded; an axis not interpolated reads its first tap.
 * Weighted (cubic, antialias, tf_crop_and_resize) over out_shape (rank up to 6): taps and weights
 * hold counts[d] per output index of each axis d, one axis after the other (taps as input
 * offsets); an output whose first tap on some axis is -1 is extrapolation_value; otherwise, for
 * each combination of its axes' taps (the first axis's the most significant digit), w = the
 * product in axis order of the weights of the axes of more than one tap (1 without any),
 * y = w * x[tap] for the first, then y = y + w * x[tap], each operation rounded.
 */
void ecgc_resize_nearest_f32(const float *x, float *y, const int32_t *out_shape, int32_t rank, const int32_t *sources);
void ecgc_resize_linear_f32(const float *x, float *y, int32_t rows, int32_t in_length, int32_t out_length, const int32_t *taps, const float *weights);
void ecgc_resize_linear_nd_f32(const float *x, float *y, const int32_t *out_shape, int32_t rank, int32_t linear_axes, const int32_t *taps, const float *weights);
void ecgc_resize_weighted_nd_f32(const float *x, float *y, const int32_t *out_shape, int32_t rank, const int32_t *counts, const int32_t *taps, const float *weights, float extrapolation_value);


/* ---- Integer mode: int8 activations (src/quant; the ops named *S8) -------------------- */

/*
 * A tensor's real value is scale * (q - zero_point). Quantize: v = x * inverse_scale (float),
 * clamped to [-256, 256]; q = (int32_t)(v + 0.5f) for v >= 0, (int32_t)(v - 0.5f) otherwise;
 * then q + zero_point clamped to [-128, 127]. Dequantize: (float)(q - zero_point) * scale.
 */
void ecgc_quantize_s8(const float *x, int8_t *y, int32_t n, float inverse_scale, int32_t zero_point);
void ecgc_dequantize_s8(const int8_t *x, float *y, int32_t n, float scale, int32_t zero_point);

/* The next row of any encoding as row_length int8 codes (0 where pruned; sign codes as +1 / -1): decoded into `codes`, or read in place (dense 8-bit). */
const int8_t *ecgc_row_codes(ecgc_row_reader_t *reader, int8_t *codes);

/*
 * The next row's nonzero codes as int16 at out[map[position]] (zeros may be written too;
 * the caller zeroes out first): how a kernel lays weights out in its own order in one pass.
 * `codes`: row_length bytes of scratch.
 */
void ecgc_row_scatter_s16(ecgc_row_reader_t *reader, const int16_t *map, int16_t *out, int8_t *codes);

/* The next row of a bitmap encoding (uniform or sign codes) times x: the sum of code * x[position] over its nonzero codes, without a dense row. */
int32_t ecgc_row_dot_bitmap_s8(ecgc_row_reader_t *reader, const int8_t *x);

/*
 * The layers below: acc = b + sum of w * (x + input_offset) in exact int32 (taps in a
 * convolution's padding add nothing); then y = clamp(requantize(acc, multiplier, shift) +
 * output_offset, act_min, act_max), with requantize as CMSIS-NN's arm_nn_requantize
 * (ecgc_requantize.h). Their `bias` holds b + input_offset * (the sum of the row's codes), so
 * the kernels add plain w * x (a padded tap reads the input's zero point: -input_offset).
 * small_accumulators: 1 when no row's |acc| * 2^max(shift, 0) can reach 2^30 (|bias| +
 * 128 * sum |w| below it), which lets the requantization take a shorter, equal form.
 */
typedef struct {
  int32_t in_channels, out_channels, in_length, out_length;
  int32_t kernel, stride, dilation, pad_begin, groups;
  int32_t input_zero_point, output_offset, act_min, act_max;
  ecgc_weights_t weights;
  const int32_t *bias, *multiplier;
  const int8_t *shift; /* in [-31, 30] */
  int32_t small_accumulators;
  int32_t span;  /* output positions whose input is laid out time-major at a time (not depthwise) */
  int32_t split; /* 1: that copy holds int16 pairs (rows of a multiple of 4 values; twice the bytes) */
} ecgc_conv1d_s8_t;

size_t ecgc_conv1d_s8_get_buffer_size(const ecgc_conv1d_s8_t *p); /* scratch bytes */
void ecgc_conv1d_s8(const ecgc_conv1d_s8_t *p, const int8_t *x, int8_t *y, void *scratch);
/*
 * One span of a layer (groups 1, split 0) for the depth-first schedule: `positions` outputs
 * of every channel into y + channel * y_stride + position, from their input rows time-major
 * in xt (row r: the padded input position the span's first output starts at, plus r; width
 * values a row (the channels, then zeros up to ecgc_conv1d_s8_width); 4 readable bytes past
 * the last row). Every row of weights is decoded once a span.
 */
int32_t ecgc_conv1d_s8_width(const ecgc_conv1d_s8_t *p);
size_t ecgc_conv1d_s8_span_get_buffer_size(const ecgc_conv1d_s8_t *p);
void ecgc_conv1d_s8_span(const ecgc_conv1d_s8_t *p, const int8_t *xt, int32_t positions, int8_t *y, int32_t y_stride, void *scratch);

/*
 * Conv2d on int8 activations: the same sums and output stage as ecgc_conv1d_s8_t over
 * [in_channels, in_height, in_width] (taps in the padding read the input's zero point, which
 * the folded bias cancels), in plain C on every core.
 */
typedef struct {
  int32_t in_channels, out_channels, in_height, in_width, out_height, out_width;
  int32_t kernel_height, kernel_width, stride_height, stride_width, dilation_height, dilation_width;
  int32_t pad_top, pad_left, groups;
  int32_t input_zero_point, output_offset, act_min, act_max;
  ecgc_weights_t weights;
  const int32_t *bias, *multiplier;
  const int8_t *shift; /* in [-31, 30] */
  int32_t small_accumulators;
} ecgc_conv2d_s8_t;

size_t ecgc_conv2d_s8_get_buffer_size(const ecgc_conv2d_s8_t *p); /* scratch bytes: a row of codes */
void ecgc_conv2d_s8(const ecgc_conv2d_s8_t *p, const int8_t *x, int8_t *y, void *scratch);

/* x [m, k] -> y [m, n], weights as n rows of k. */
typedef struct {
  int32_t m, k, n;
  int32_t output_offset, act_min, act_max;
  ecgc_weights_t weights;
  const int32_t *bias, *multiplier;
  const int8_t *shift; /* in [-31, 30] */
} ecgc_linear_s8_t;

size_t ecgc_linear_s8_get_buffer_size(const ecgc_linear_s8_t *p);
void ecgc_linear_s8(const ecgc_linear_s8_t *p, const int8_t *x, int8_t *y, void *scratch);

/*
 * y = a + b, CMSIS-NN's arm_elementwise_add_s8: each input (q + offset) * 2^20 requantized by
 * its multiplier and shift, their sum requantized to the output, offset and clamped.
 */
typedef struct {
  int32_t a_offset, b_offset, output_offset;
  int32_t a_multiplier, a_shift, b_multiplier, b_shift, output_multiplier, output_shift;
  int32_t act_min, act_max;
} ecgc_add_s8_t;

void ecgc_add_s8(const ecgc_add_s8_t *p, const int8_t *a, const int8_t *b, int8_t *y, int32_t n);

/* Per channel of `count` values: acc = sum of (x + input_offset), then the output stage above. */
typedef struct {
  int32_t channels, count;
  int32_t input_offset, output_offset, act_min, act_max;
  int32_t multiplier, shift;
} ecgc_global_pool_s8_t;

void ecgc_global_average_pool_s8(const ecgc_global_pool_s8_t *p, const int8_t *x, int8_t *y);

/* ---- A chain of int8 conv1d layers, depth first (ecgc_stream_s8.c) -------------------- */

/* block: output columns computed per decoding of the weights (1 .. ECGC_STREAM_MAX_BLOCK). */
typedef struct {
  const ecgc_conv1d_s8_t *conv;
  int32_t block;
} ecgc_stream_s8_stage_t;

/*
 * x [in_channels, in_length] of the first stage (float32 quantized on arrival as
 * ecgc_quantize_s8 when `quantize`, else int8) -> y: the last stage's output [C, T], or with
 * `mean` its mean over time [C] (ecgc_global_average_pool_s8's). Each stage keeps the
 * (block-1)*stride+(kernel-1)*dilation+1 input rows its next block of outputs reads, time-major;
 * outputs are ecgc_conv1d_s8's, bit for bit (integer sums).
 */
typedef struct {
  int32_t stage_count;
  const ecgc_stream_s8_stage_t *stages;
  int32_t quantize;
  float input_inverse_scale;
  int32_t input_zero_point;
  const ecgc_global_pool_s8_t *mean;
} ecgc_stream_s8_t;

size_t ecgc_stream_s8_get_buffer_size(const ecgc_stream_s8_t *s);
void ecgc_stream_s8(const ecgc_stream_s8_t *s, const void *x, int8_t *y, void *scratch);
/* A float32 column at a time (a chain that quantizes its input), as ecgc_stream_f32_begin / _push / _end. */
void ecgc_stream_s8_begin(const ecgc_stream_s8_t *s, void *scratch);
int ecgc_stream_s8_push(const ecgc_stream_s8_t *s, const float *column, int8_t *y, void *scratch);
int ecgc_stream_s8_end(const ecgc_stream_s8_t *s, int8_t *y, void *scratch);

/* y = clamp(requantize((a + a_offset) * (b + b_offset), multiplier, shift) + output_offset), broadcast as ecgc_binary_f32. */
typedef struct {
  int32_t a_offset, b_offset, output_offset, multiplier, shift, act_min, act_max;
} ecgc_mul_s8_t;

void ecgc_mul_s8(const ecgc_mul_s8_t *p, const int8_t *a, const int32_t *a_strides, const int8_t *b, const int32_t *b_strides, int8_t *y, const int32_t *shape, int32_t rank);

/*
 * ONNX's QuantizeLinear (float32 -> int8 / uint8: round(x / scale), midpoints to even, plus the
 * zero point, saturated) and DequantizeLinear ((x - zero point) * scale), element i using
 * scale[(i / inner) % channels]: one per tensor (channels 1) or one per index along an axis.
 */
typedef struct {
  int32_t n, inner, channels;
  const float *scale;
  const int32_t *zero_point;
} ecgc_linear_quantization_t;

void ecgc_quantize_linear_s8(const ecgc_linear_quantization_t *p, const float *x, int8_t *y);
void ecgc_quantize_linear_u8(const ecgc_linear_quantization_t *p, const float *x, uint8_t *y);
void ecgc_dequantize_linear_s8(const ecgc_linear_quantization_t *p, const int8_t *x, float *y);
void ecgc_dequantize_linear_u8(const ecgc_linear_quantization_t *p, const uint8_t *x, float *y);

/* One input of a Concat: x [outer][block] into columns of y [outer][out_block] (y at the input's first column), requantized as ecgc_output_s8. */
void ecgc_concat_s8(const int8_t *x, int8_t *y, int32_t outer, int32_t block, int32_t out_block, int32_t input_offset, int32_t multiplier, int32_t shift, int32_t output_offset, int32_t act_min, int32_t act_max);

/* MaxPool over int8 values (the input's quantization kept), clamped; a window with no tap inside gives the zero point. */
void ecgc_maxpool1d_s8(const int8_t *x, int8_t *y, int32_t channels, int32_t in_length, int32_t out_length, int32_t kernel, int32_t stride, int32_t dilation, int32_t pad_begin, int32_t zero_point, int32_t act_min, int32_t act_max);

/* AveragePool (1-D, no dilation) over int8 values, the input's quantization kept: the sum of x - zero_point over the taps inside, divided by divisor[t] (midpoints away from zero), clamped. */
void ecgc_avgpool1d_s8(const int8_t *x, int8_t *y, int32_t channels, int32_t in_length, int32_t out_length, int32_t kernel, int32_t stride, int32_t pad_begin, const int32_t *divisor, int32_t zero_point, int32_t act_min, int32_t act_max);

/* y[i] = table[x[i] + 128]: an element-wise op (Sigmoid, Tanh, ...) tabulated over the 256 inputs. In place allowed. */
void ecgc_table_s8(const int8_t *x, int8_t *y, int32_t n, const int8_t *table);

#ifdef __cplusplus
}
#endif

#endif
