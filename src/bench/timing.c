/*
 * Times a generated model on the host: runs it `repeats` times on one input and prints the
 * seconds per inference. MODEL_HEADER, MODEL_RUN, MODEL_INPUT and MODEL_OUTPUT come from -D.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include MODEL_HEADER

int main(int argc, char **argv) {
  static float x[MODEL_INPUT], y[MODEL_OUTPUT];
  struct timespec start, end;
  const int repeats = argc > 1 ? atoi(argv[1]) : 100;
  int i;
  for (i = 0; i < MODEL_INPUT; i++) x[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
  MODEL_RUN(x, y);
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (i = 0; i < repeats; i++) MODEL_RUN(x, y);
  clock_gettime(CLOCK_MONOTONIC, &end);
  printf("%.9f\n", ((double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) * 1e-9) / repeats);
  return y[0] != y[0];
}
