/*
 * ECG-patch firmware (Cortex-M4F): ECG samples arrive one at a time, in the units of the
 * front end's ADC, into a ring buffer; a streaming Pan-Tompkins detector (qrs.c) finds each
 * R peak; once the 256 samples around it are in (90 before the R peak, 166 from it), the beat
 * is converted to millivolts, z-scored (the model's preprocessing) and classified by the beat
 * model that `ecgc compile` generated (beat.h); one line is printed per decision.
 *
 * Here the ADC is a host file read through semihosting (a real patch would push samples from
 * its ADC interrupt into on_sample). File: "ECGADC1\0", uint32 sampling rate, int32 ADC zero,
 * float32 ADC units per mV, uint32 sample count, then int16 samples, all little-endian.
 * Its name is the first argument (-semihosting-config ...,arg=firmware,arg=<file>).
 *
 * The TypeScript twin (examples/ecg-patch/pipeline.ts) prints the same lines; every float
 * operation here is float32 in the order written there.
 */
#include <math.h>
#include <string.h>
#include "beat.h"
#include "ecgc_device.h"
#include "qrs.h"

#define BEFORE_R 90 /* samples of the window before the R peak (the training windows') */
#define WINDOW BEAT_INPUT_SIZE
#define RING 1024  /* samples kept (2.8 s): a window plus the detector's delay, search-back included, down to 40 bpm */
#define PENDING 8
#define ZSCORE_EPSILON 1e-3f

#if QRS_SAMPLING_RATE_HZ != 360
#error "the times printed assume 360 Hz"
#endif
#if defined(BEAT_SAMPLING_RATE_HZ) && BEAT_SAMPLING_RATE_HZ != QRS_SAMPLING_RATE_HZ
#error "the beat model expects another sampling rate than the detector's 360 Hz"
#endif
#if WINDOW != 256
#error "the beat model's window is not 256 samples (90 before the R peak)"
#endif

static int16_t ring[RING];
static int32_t pending[PENDING], pending_count;
static qrs_detector_t detector;
static float window[WINDOW], scores[BEAT_OUTPUT_SIZE];
static int32_t adc_zero;
static float adc_per_mv;
static uint32_t beats, skipped, counts[BEAT_OUTPUT_SIZE];

static void print_int(int32_t value) {
  if (value < 0) {
    ecgc_print("-");
    value = -value;
  }
  ecgc_print_uint((uint32_t)value);
}

/* Millivolts, then per-window z-score: float32, sums in index order. */
static void preprocess(int32_t start) {
  float sum = 0.0f, mean, squares = 0.0f, scale;
  int32_t i;
  for (i = 0; i < WINDOW; i++) {
    window[i] = (float)(ring[(start + i) & (RING - 1)] - adc_zero) / adc_per_mv;
    sum += window[i];
  }
  mean = sum / (float)WINDOW;
  for (i = 0; i < WINDOW; i++) {
    const float d = window[i] - mean;
    squares += d * d;
  }
  scale = 1.0f / (sqrtf(squares / (float)WINDOW) + ZSCORE_EPSILON);
  for (i = 0; i < WINDOW; i++) window[i] = (window[i] - mean) * scale;
}

static void classify(int32_t r) {
  int32_t k, best = 0;
  uint32_t bits;
  preprocess(r - BEFORE_R);
  if (beat_run(window, scores) != 0) ecgc_fail("beat_run failed", ECGC_EXIT_MODEL);
  for (k = 1; k < BEAT_OUTPUT_SIZE; k++)
    if (scores[k] > scores[best]) best = k;
  memcpy(&bits, &scores[best], sizeof bits);
  beats++;
  counts[best]++;
  ecgc_print("beat ");
  print_int(r);
  ecgc_print(" ");
  print_int(r / 9 * 25 + r % 9 * 25 / 9); /* r * 1000 / 360 (r >= 0), in 32 bits */
  ecgc_print(" ms class ");
#ifdef BEAT_CLASS_COUNT
  ecgc_print(beat_class_names[best]);
#else
  ecgc_print_uint((uint32_t)best);
#endif
  ecgc_print(" score ");
  ecgc_print_hex(bits);
  ecgc_print("\n");
}

/* One ADC sample: the ring buffer, the detector, and every beat whose window is complete. */
static void on_sample(int32_t n, int16_t adc) {
  int32_t found[QRS_MAX_OUT], count, i, kept = 0;
  ring[n & (RING - 1)] = adc;
  count = qrs_push(&detector, adc, found);
  for (i = 0; i < count; i++) {
    if (pending_count < PENDING) pending[pending_count++] = found[i];
    else skipped++;
  }
  for (i = 0; i < pending_count; i++) {
    const int32_t r = pending[i], start = r - BEFORE_R;
    if (start + WINDOW - 1 > n) pending[kept++] = r; /* not all in yet */
    else if (start < 0 || start <= n - RING) skipped++; /* before the record, or overwritten */
    else classify(r);
  }
  pending_count = kept;
}

static uint32_t u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int main(void) {
  static char arguments[128];
  static uint8_t header[24];
  static int16_t chunk[64];
  const char *file = "record.adc";
  int32_t handle, got, n = 0, i;
  uint32_t rate, count;
  if (ecgc_command_line(arguments, sizeof arguments) > 0) {
    char *space = strchr(arguments, ' ');
    if (space && space[1] != '\0') file = space + 1;
  }
  handle = ecgc_open(file, ECGC_OPEN_READ_BINARY);
  if (handle < 0) ecgc_fail("cannot open the ADC file (the first semihosting argument)", ECGC_EXIT_IO);
  if (ecgc_read(handle, header, sizeof header) != (int32_t)sizeof header || memcmp(header, "ECGADC1", 8) != 0) ecgc_fail("not an ECGADC1 file", ECGC_EXIT_IO);
  rate = u32(header + 8);
  adc_zero = (int32_t)u32(header + 12);
  {
    const uint32_t gain_bits = u32(header + 16);
    memcpy(&adc_per_mv, &gain_bits, sizeof adc_per_mv);
  }
  count = u32(header + 20);
  if (rate != QRS_SAMPLING_RATE_HZ) ecgc_fail("the ADC file is not sampled at 360 Hz", ECGC_EXIT_IO);
  qrs_init(&detector);
  ecgc_print("ecg-patch: ");
  ecgc_print_uint(count);
  ecgc_print(" samples at 360 Hz\n");
  /* The host file stands in for the ADC: read in chunks, delivered one sample at a time. */
  while ((got = ecgc_read(handle, chunk, sizeof chunk)) > 0) {
    for (i = 0; i < got / 2; i++) on_sample(n++, chunk[i]);
  }
  ecgc_close(handle);
  ecgc_print("done: ");
  ecgc_print_uint((uint32_t)n);
  ecgc_print(" samples, ");
  ecgc_print_uint(beats);
  ecgc_print(" beats, ");
  ecgc_print_uint(skipped);
  ecgc_print(" skipped; per class");
  for (i = 0; i < BEAT_OUTPUT_SIZE; i++) {
    ecgc_print(" ");
    ecgc_print_uint(counts[i]);
  }
  ecgc_print("; stack peak ");
  ecgc_print_uint(ecgc_stack_peak());
  ecgc_print(" B\n");
  return (uint32_t)n == count ? 0 : ECGC_EXIT_IO;
}
