/*
 * A streaming Pan-Tompkins QRS detector for 360 Hz ECG in integer arithmetic, so that its
 * TypeScript twin (examples/ecg-patch/qrs.ts) detects exactly the same beats:
 *
 *   band-pass   low-pass  y(n) = 2y(n-1) - y(n-2) + x(n) - 2x(n-10) + x(n-20)   (delay 9), >> 5
 *               high-pass h(n) = 57 l(n-28) - sum_{k<57} l(n-k)                   (delay 28), >> 5
 *   derivative  d(n) = (2h(n) + h(n-1) - h(n-3) - 2h(n-4)) >> 3                   (delay 2)
 *   squaring and moving-window integration over 150 ms (54 samples): m(n) = sum_{k<54} d(n-k)^2
 *   peaks of m: a maximum, emitted once m falls to half of it or 250 ms have passed
 *   decisions: adaptive thresholds SPKI / NPKI, THR1 = NPKI + (SPKI - NPKI) / 4, THR2 = THR1 / 2;
 *   a 200 ms refractory period; T-wave rejection (within 360 ms of a QRS and less than half its
 *   slope); search-back for the largest noise peak above THR2 when 166% of the mean of the last
 *   8 RR intervals pass without a QRS; 0.4 s of filter warm-up, then 2 s of learning (SPKI =
 *   max / 3, NPKI = mean / 2 of the integrated signal; then the learning peaks are decided).
 *   The R peak: the largest |h| in the integration window of the peak, minus the 37-sample
 *   band-pass delay.
 *
 * Shifts of negative values are arithmetic (GCC, and JavaScript's >>), divisions of
 * non-negative values truncate. Memory: 2.6 KB (sizeof qrs_detector_t).
 */
#ifndef QRS_H
#define QRS_H

#include <stdint.h>

#define QRS_SAMPLING_RATE_HZ 360
/* Samples of h and d kept: locating a peak reads 146 back (it is emitted at most 91 samples after its
   maximum, and its R peak is searched for in the 55 before). */
#define QRS_HISTORY 160
#define QRS_MAX_OUT 32 /* R peaks one sample can confirm: 2 per peak (search-back, current), 16 learning peaks at the end of learning */

typedef struct {
  int64_t value;
  int32_t at, r, slope;
} qrs_peak_t;

typedef struct {
  int32_t n;                     /* samples pushed */
  int32_t x[32], l[64], h[QRS_HISTORY], d[QRS_HISTORY];
  int64_t s[64];
  int32_t lp1, lp2, hp_sum;
  int64_t mwi, mwi_previous;
  /* peak finder */
  int32_t falling;
  qrs_peak_t peak;
  /* learning */
  int64_t learn_max, learn_sum;
  int32_t learning, learned_count;
  qrs_peak_t learned[16];
  /* decisions */
  int64_t spki, npki;
  int32_t qrs_count, last_at, last_slope;
  int32_t rr[8], rr_count, rr_next;
  int32_t has_candidate;
  qrs_peak_t candidate;
} qrs_detector_t;

void qrs_init(qrs_detector_t *q);
/* Feeds one sample (ADC units, any offset); writes the R peaks it confirms (sample indices,
   in the order found) to r[QRS_MAX_OUT] and returns how many. */
int32_t qrs_push(qrs_detector_t *q, int32_t x, int32_t *r);

#endif
