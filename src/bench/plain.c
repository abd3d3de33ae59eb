/*
 * Plain C float32 for the benchmark: the "same computation" the TypeScript reference does,
 * written the obvious way (output-stationary loops, the reference's summation order), built
 * with gcc -O2 -ffp-contract=off. It reads a program of ops and a weight file written by
 * src/bench/main.ts, runs it `repeats` times, and prints the seconds per inference and the
 * output's bits so the bench can check them against the reference.
 *
 * usage: plain program.txt weights.bin input.bin repeats
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_OPS = 256, MAX_BUFFERS = 256 };

typedef struct {
  char kind[8];
  int a, b, out;            /* buffer indices (b unused by most ops) */
  int p[9];                 /* shape parameters */
  long weights, bias;       /* float offsets into the weight file, -1 if none */
} op_t;

static float *buffers[MAX_BUFFERS];
static float *weights;
static op_t ops[MAX_OPS];
static int op_count;

/* y[co,t] = bias[co] + sum over ci (group), k of w*x, padded taps skipped. */
static void conv1d(const op_t *o) {
  const int cin = o->p[0], cout = o->p[1], T = o->p[2], To = o->p[3], K = o->p[4];
  const int stride = o->p[5], dilation = o->p[6], pad = o->p[7], group = o->p[8];
  const float *x = buffers[o->a], *w = weights + o->weights;
  float *y = buffers[o->out];
  const int in_per_group = cin / group, out_per_group = cout / group;
  for (int co = 0; co < cout; co++) {
    const int ci0 = (co / out_per_group) * in_per_group;
    for (int t = 0; t < To; t++) {
      float acc = o->bias >= 0 ? weights[o->bias + co] : 0.0f;
      for (int ci = 0; ci < in_per_group; ci++) {
        const float *wk = w + (co * in_per_group + ci) * K;
        const float *xc = x + (ci0 + ci) * T;
        for (int k = 0; k < K; k++) {
          const int i = t * stride + k * dilation - pad;
          if (i >= 0 && i < T) acc = acc + wk[k] * xc[i];
        }
      }
      y[co * To + t] = acc;
    }
  }
}

static void run_op(const op_t *o) {
  float *y = buffers[o->out];
  const float *x = buffers[o->a];
  if (!strcmp(o->kind, "conv")) {
    conv1d(o);
  } else if (!strcmp(o->kind, "relu")) {
    for (int i = 0; i < o->p[0]; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
  } else if (!strcmp(o->kind, "add")) {
    for (int i = 0; i < o->p[0]; i++) y[i] = x[i] + buffers[o->b][i];
  } else if (!strcmp(o->kind, "gap")) {
    for (int c = 0; c < o->p[0]; c++) {
      float sum = 0.0f;
      for (int t = 0; t < o->p[1]; t++) sum = sum + x[c * o->p[1] + t];
      y[c] = sum / (float)o->p[1];
    }
  } else if (!strcmp(o->kind, "gemm")) { /* y = x W^T + b (transB = 1) */
    const int K = o->p[0], N = o->p[1];
    for (int n = 0; n < N; n++) {
      float acc = weights[o->bias + n];
      for (int k = 0; k < K; k++) acc = acc + x[k] * weights[o->weights + n * K + k];
      y[n] = acc;
    }
  }
}

static float *read_floats(const char *path, long *count) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(1); }
  fseek(f, 0, SEEK_END);
  *count = ftell(f) / 4;
  fseek(f, 0, SEEK_SET);
  float *data = malloc(*count * 4 + 4);
  if (fread(data, 4, *count, f) != (size_t)*count) { perror(path); exit(1); }
  fclose(f);
  return data;
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: plain program.txt weights.bin input.bin repeats\n"); return 1; }
  FILE *program = fopen(argv[1], "r");
  if (!program) { perror(argv[1]); return 1; }
  int buffer_count, input, output;
  if (fscanf(program, "buffers %d input %d output %d", &buffer_count, &input, &output) != 3) return 1;
  int sizes[MAX_BUFFERS];
  for (int i = 0; i < buffer_count; i++) {
    if (fscanf(program, "%d", &sizes[i]) != 1) return 1;
    buffers[i] = calloc(sizes[i] + 1, sizeof(float));
  }
  while (op_count < MAX_OPS) {
    op_t *o = &ops[op_count];
    if (fscanf(program, "%7s %d %d %d %ld %ld", o->kind, &o->a, &o->b, &o->out, &o->weights, &o->bias) != 6) break;
    for (int i = 0; i < 9; i++) if (fscanf(program, "%d", &o->p[i]) != 1) return 1;
    op_count++;
  }
  long count;
  weights = read_floats(argv[2], &count);
  float *x = read_floats(argv[3], &count);
  memcpy(buffers[input], x, sizes[input] * sizeof(float));
  const int repeats = atoi(argv[4]);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int r = 0; r < repeats; r++)
    for (int i = 0; i < op_count; i++) run_op(&ops[i]);
  clock_gettime(CLOCK_MONOTONIC, &end);
  printf("%.9f\n", ((end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) * 1e-9) / repeats);
  for (int i = 0; i < sizes[output]; i++) {
    uint32_t bits;
    memcpy(&bits, &buffers[output][i], 4);
    printf("%08x\n", bits);
  }
  return 0;
}
