/* An element-wise op on int8 activations as a 256-entry table (ecgc.h; src/ops/table-s8.ts). */
#include "ecgc.h"

void ecgc_table_s8(const int8_t *x, int8_t *y, int32_t n, const int8_t *table) {
  int32_t i;
  for (i = 0; i < n; i++) y[i] = table[(int32_t)x[i] + 128];
}
