/*
 * ECG-patch firmware (Cortex-M4F): ECG samples arrive one at a time, in the units of the
 * front end's ADC, into a ring buffer; a streaming Pan-Tompkins detector (qrs.c) finds each
 * R peak; once the 256 samples around it are in (90 before the R peak, 166 from it), the beat
 * is converted to millivolts, z-scored (the model's preprocessing) and classified by the beat
 * model that `ecgc compile` generated (beat.h). A beat model that also takes the beat's RR
 * features (an input 'rr': previous, next and local mean RR interval, their ratios, and the
 * ratios to a long mean, as src/data/beats.ts's rrFeatures defines them) gets them from the
 * detected R peaks, so it waits for the next beat. Each sample, in millivolts, also goes straight
 * into the rhythm model (rhythm.h), which classifies each window (30 s for the shipped AF model) as it ends. One line is
 * printed per decision.
 *
 * Both models run depth first (ecgc compile --schedule stream) and take their input a sample
 * at a time (<name>_begin / _push / _end): neither window is ever stored.
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
#include "rhythm.h"

#define BEFORE_R 90 /* samples of the window before the R peak (the training windows') */
#define WINDOW BEAT_INPUT_LENGTH
#define RING 1024  /* samples kept (2.8 s): a window plus the detector's delay, search-back included, down to 40 bpm */
#define PENDING 8
#define ZSCORE_EPSILON 1e-3f

#if QRS_SAMPLING_RATE_HZ != 360
#error "the times printed assume 360 Hz"
#endif
#if !defined(BEAT_CLASS_COUNT) || !defined(RHYTHM_CLASS_COUNT)
#error "both models must carry their dataset definition (ONNX metadata 'ecgc.dataset': class names, rate)"
#endif
#if BEAT_SAMPLING_RATE_HZ != QRS_SAMPLING_RATE_HZ || RHYTHM_SAMPLING_RATE_HZ != QRS_SAMPLING_RATE_HZ
#error "a model expects another sampling rate than the detector's 360 Hz"
#endif
#if !defined(BEAT_INPUT_LENGTH) || !defined(RHYTHM_INPUT_LENGTH) || BEAT_INPUT_CHANNELS != 1 || RHYTHM_INPUT_CHANNELS != 1
#error "both models must take one lead a sample at a time (ecgc compile --schedule stream)"
#endif
#if WINDOW != 256
#error "the beat model's window is not 256 samples (90 before the R peak)"
#endif
#if defined(BEAT_INPUT_RR_SIZE) && BEAT_INPUT_RR_SIZE != 9
#error "the beat model's input 'rr' is not the 9 RR features of src/data/beats.ts"
#endif

static int16_t ring[RING];
static int32_t pending[PENDING], pending_count;
static qrs_detector_t detector;
static float scores[BEAT_OUTPUT_SIZE], rhythm_scores[RHYTHM_OUTPUT_SIZE];
static int32_t adc_zero, rhythm_pushed;
static float adc_per_mv;
static uint32_t beats, skipped, counts[BEAT_OUTPUT_SIZE], rhythms, rhythm_counts[RHYTHM_OUTPUT_SIZE];

#ifdef BEAT_INPUT_RR_SIZE
#define RR_LOCAL 10 /* intervals in the local mean */
#define RR_LONG_WEIGHT (1.0f / 64.0f) /* of each previous interval in the long mean */
static int32_t history[RR_LOCAL], history_count; /* the last R peaks taken, oldest first */
static float rr[BEAT_INPUT_RR_SIZE], rr_long;

/* Seconds per interval over `intervals` RR intervals: one float32 division of exact integers. */
static float seconds(int32_t samples, int32_t intervals) {
  return (float)samples / (float)(QRS_SAMPLING_RATE_HZ * intervals);
}

/* The beat at r's RR features (rrFeatures in src/data/beats.ts), and the long mean moved on by
   its previous interval; next < 0 at the record's end. The first beat borrows its next interval,
   the last its previous one. */
static void rr_features(int32_t r, int32_t next) {
  const float previous = history_count > 0 ? seconds(r - history[history_count - 1], 1) : seconds(next - r, 1);
  const float following = next >= 0 ? seconds(next - r, 1) : previous;
  const float local = history_count > 0 ? seconds(r - history[0], history_count) : previous;
  rr_long = rr_long > 0.0f ? rr_long + (previous - rr_long) * RR_LONG_WEIGHT : previous; /* 0: no beat yet */
  rr[0] = previous;
  rr[1] = following;
  rr[2] = local;
  rr[3] = previous / local;
  rr[4] = following / local;
  rr[5] = previous / following;
  rr[6] = previous / rr_long;
  rr[7] = following / rr_long;
  rr[8] = local / rr_long;
}

static void remember(int32_t r) {
  if (history_count == RR_LOCAL) {
    memmove(history, history + 1, (RR_LOCAL - 1) * sizeof history[0]);
    history_count--;
  }
  history[history_count++] = r;
}
#endif

static void print_int(int32_t value) {
  if (value < 0) {
    ecgc_print("-");
    value = -value;
  }
  ecgc_print_uint((uint32_t)value);
}

static float millivolts(int16_t adc) {
  return (float)(adc - adc_zero) / adc_per_mv;
}

/* The beat window from the ring in millivolts, z-scored (float32, sums in index order), pushed
   into the beat model sample by sample. Each pass converts the ring's samples again: 768
   divisions a beat instead of a 1 KB window buffer. */
static int beat_classify(int32_t start, float *out) {
  float sum = 0.0f, mean, squares = 0.0f, scale, x;
  int32_t i;
  for (i = 0; i < WINDOW; i++) sum += millivolts(ring[(start + i) & (RING - 1)]);
  mean = sum / (float)WINDOW;
  for (i = 0; i < WINDOW; i++) {
    const float d = millivolts(ring[(start + i) & (RING - 1)]) - mean;
    squares += d * d;
  }
  scale = 1.0f / (sqrtf(squares / (float)WINDOW) + ZSCORE_EPSILON);
  beat_begin();
  for (i = 0; i < WINDOW; i++) {
    x = (millivolts(ring[(start + i) & (RING - 1)]) - mean) * scale;
    if (beat_push(&x) != 0) return -1;
  }
#ifdef BEAT_INPUT_RR_SIZE
  return beat_end(rr, out);
#else
  return beat_end(out);
#endif
}

static int32_t argmax(const float *values, int32_t count) {
  int32_t k, best = 0;
  for (k = 1; k < count; k++)
    if (values[k] > values[best]) best = k;
  return best;
}

/* " <sample> <ms> ms class <name> score 0x<bits>" */
static void print_decision(int32_t sample, const char *name, float score) {
  uint32_t bits;
  memcpy(&bits, &score, sizeof bits);
  ecgc_print(" ");
  print_int(sample);
  ecgc_print(" ");
  print_int(sample / 9 * 25 + sample % 9 * 25 / 9); /* sample * 1000 / 360 (sample >= 0), in 32 bits */
  ecgc_print(" ms class ");
  ecgc_print(name);
  ecgc_print(" score ");
  ecgc_print_hex(bits);
  ecgc_print("\n");
}

static void classify(int32_t r) {
  int32_t best;
  if (beat_classify(r - BEFORE_R, scores) != 0) ecgc_fail("the beat model refused its window", ECGC_EXIT_MODEL);
  best = argmax(scores, BEAT_OUTPUT_SIZE);
  beats++;
  counts[best]++;
  ecgc_print("beat");
  print_decision(r, beat_class_names[best], scores[best]);
}

/* Sample n into the rhythm model; when it ends a window, that window's decision. */
static void rhythm_sample(int32_t n, int16_t adc) {
  const float x = millivolts(adc);
  int32_t best;
  if (rhythm_pushed == 0) rhythm_begin();
  if (rhythm_push(&x) != 0) ecgc_fail("the rhythm model refused a sample", ECGC_EXIT_MODEL);
  if (++rhythm_pushed < RHYTHM_INPUT_LENGTH) return;
  rhythm_pushed = 0;
  if (rhythm_end(rhythm_scores) != 0) ecgc_fail("the rhythm model's window is incomplete", ECGC_EXIT_MODEL);
  best = argmax(rhythm_scores, RHYTHM_OUTPUT_SIZE);
  rhythms++;
  rhythm_counts[best]++;
  ecgc_print("rhythm");
  print_decision(n + 1 - RHYTHM_INPUT_LENGTH, rhythm_class_names[best], rhythm_scores[best]);
}

/* The pending beats, oldest first, whose windows are in by sample n (and, for RR features,
   whose next beat is known, or all of them at the record's end). */
static void take_beats(int32_t n, int end) {
  int32_t i, kept = 0;
  for (i = 0; i < pending_count; i++) {
    const int32_t r = pending[i], start = r - BEFORE_R;
#ifdef BEAT_INPUT_RR_SIZE
    const int32_t next = i + 1 < pending_count ? pending[i + 1] : -1;
    if (start + WINDOW - 1 > n || (next < 0 && !end)) break; /* not all in yet: nor the later ones */
    if (next < 0 && history_count == 0) skipped++; /* a lone beat has no RR interval */
    else {
      rr_features(r, next); /* every beat moves the long mean on, a skipped one too */
      if (start < 0 || start <= n - RING) skipped++; /* before the record, or overwritten */
      else classify(r);
    }
    remember(r);
#else
    if (start + WINDOW - 1 > n) break; /* not all in yet: nor the later ones */
    if (start < 0 || start <= n - RING) skipped++; /* before the record, or overwritten */
    else classify(r);
    (void)end;
#endif
  }
  for (; i < pending_count; i++) pending[kept++] = pending[i];
  pending_count = kept;
}

/* One ADC sample: the ring buffer, the detector, every beat ready, the rhythm model. */
static void on_sample(int32_t n, int16_t adc) {
  int32_t found[QRS_MAX_OUT], count, i;
  ring[n & (RING - 1)] = adc;
  count = qrs_push(&detector, adc, found);
  for (i = 0; i < count; i++) {
    if (pending_count < PENDING) pending[pending_count++] = found[i];
    else skipped++;
  }
  take_beats(n, 0);
  rhythm_sample(n, adc);
}

static void print_counts(const uint32_t *values, int32_t count) {
  int32_t i;
  for (i = 0; i < count; i++) {
    ecgc_print(" ");
    ecgc_print_uint(values[i]);
  }
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
    for (i = 0; arguments[i] != '\0' && arguments[i] != ' '; i++) continue;
    if (arguments[i] == ' ' && arguments[i + 1] != '\0') file = &arguments[i + 1];
  }
  handle = ecgc_open(file, ECGC_OPEN_READ_BINARY);
  if (handle < 0) ecgc_fail("cannot open the ADC file (the first semihosting argument)", ECGC_EXIT_IO);
  if (ecgc_read(handle, header, sizeof header) != (int32_t)sizeof header) ecgc_fail("not an ECGADC1 file", ECGC_EXIT_IO);
  for (i = 0; i < 8; i++)
    if (header[i] != (uint8_t)"ECGADC1"[i]) ecgc_fail("not an ECGADC1 file", ECGC_EXIT_IO);
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
  if (n > 0) take_beats(n - 1, 1);
  ecgc_print("done: ");
  ecgc_print_uint((uint32_t)n);
  ecgc_print(" samples, ");
  ecgc_print_uint(beats);
  ecgc_print(" beats, ");
  ecgc_print_uint(skipped);
  ecgc_print(" skipped; per class");
  print_counts(counts, BEAT_OUTPUT_SIZE);
  ecgc_print("; ");
  ecgc_print_uint(rhythms);
  ecgc_print(" rhythm windows; per class");
  print_counts(rhythm_counts, RHYTHM_OUTPUT_SIZE);
  ecgc_print("; stack peak ");
  ecgc_print_uint(ecgc_stack_peak());
  ecgc_print(" B\n");
  return (uint32_t)n == count ? 0 : ECGC_EXIT_IO;
}
