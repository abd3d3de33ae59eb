/* Streaming Pan-Tompkins QRS detector: see qrs.h. Twin: examples/ecg-patch/qrs.ts. */
#include <string.h>
#include "qrs.h"

/* WARMUP: the filters' start-up transient (their histories fill after 20 + 57 + 4 + 54 samples) is neither learnt nor detected. */
enum { MWI = 54, REFRACTORY = 72, T_WAVE = 130, PEAK_TIMEOUT = 90, WARMUP = 144, LEARN = WARMUP + 720, DELAY = 37 };

void qrs_init(qrs_detector_t *q) {
  memset(q, 0, sizeof *q);
  q->learning = 1;
}

static int32_t absolute(int32_t v) {
  return v < 0 ? -v : v;
}

/* The R peak and the slope of a peak of the integrated signal at index `at`. */
static void locate(const qrs_detector_t *q, qrs_peak_t *p) {
  int32_t k, best = -1, where = p->at - 2, slope = 0;
  for (k = p->at - MWI + 1; k <= p->at; k++) {
    const int32_t d = absolute(q->d[k % QRS_HISTORY]);
    if (d > slope) slope = d;
  }
  for (k = p->at - 2 - MWI + 1; k <= p->at - 2; k++) {
    const int32_t h = absolute(q->h[k % QRS_HISTORY]);
    if (h > best) {
      best = h;
      where = k;
    }
  }
  p->slope = slope;
  p->r = where - DELAY;
}

/* x / d for x >= 0 and 0 < d < 2^16, by 16-bit long division: no 64-bit division routine (0.7 KB of flash). */
static int64_t divide(int64_t x, uint32_t d) {
  const uint64_t u = (uint64_t)x;
  uint64_t q = 0;
  uint32_t r = 0;
  int32_t shift;
  for (shift = 48; shift >= 0; shift -= 16) {
    const uint32_t part = r << 16 | (uint32_t)(u >> shift & 0xFFFFu); /* r < d, so part < 2^32 */
    q = q << 16 | part / d;
    r = part % d;
  }
  return (int64_t)q;
}

static int64_t threshold1(const qrs_detector_t *q) {
  return q->npki + (q->spki - q->npki) / 4;
}

static int32_t accept(qrs_detector_t *q, const qrs_peak_t *p, int32_t *r, int32_t count) {
  if (q->qrs_count > 0) {
    q->rr[q->rr_next] = p->at - q->last_at;
    q->rr_next = (q->rr_next + 1) & 7;
    if (q->rr_count < 8) q->rr_count++;
  }
  q->qrs_count++;
  q->last_at = p->at;
  q->last_slope = p->slope;
  q->has_candidate = 0;
  if (p->r >= 0) r[count++] = p->r;
  return count;
}

static int32_t rr_mean(const qrs_detector_t *q) {
  int32_t i, sum = 0;
  for (i = 0; i < q->rr_count; i++) sum += q->rr[i];
  return sum / q->rr_count;
}

static int32_t decide(qrs_detector_t *q, const qrs_peak_t *p, int32_t *r, int32_t count) {
  /* Search-back: no QRS for 166% of the mean RR interval; the largest noise peak above THR2 was one. */
  if (q->rr_count > 0 && q->has_candidate && (int64_t)(p->at - q->last_at) * 100 > (int64_t)rr_mean(q) * 166 && q->candidate.value > threshold1(q) / 2) {
    q->spki = (q->candidate.value + 3 * q->spki) / 4;
    count = accept(q, &q->candidate, r, count);
  }
  if (q->qrs_count > 0 && p->at - q->last_at < REFRACTORY) {
    q->npki = (p->value + 7 * q->npki) / 8;
    return count;
  }
  if (p->value > threshold1(q) && !(q->qrs_count > 0 && p->at - q->last_at < T_WAVE && p->slope < q->last_slope / 2)) {
    q->spki = (p->value + 7 * q->spki) / 8;
    return accept(q, p, r, count);
  }
  q->npki = (p->value + 7 * q->npki) / 8;
  if (!q->has_candidate || p->value > q->candidate.value) {
    q->candidate = *p;
    q->has_candidate = 1;
  }
  return count;
}

int32_t qrs_push(qrs_detector_t *q, int32_t x, int32_t *r) {
  const int32_t n = q->n++;
  int32_t lp, l, hp, h, d, count = 0;
  int64_t s;
  q->x[n & 31] = x;
  /* low-pass; before the history fills, missing samples are 0 */
  lp = 2 * q->lp1 - q->lp2 + x - 2 * (n >= 10 ? q->x[(n - 10) & 31] : 0) + (n >= 20 ? q->x[(n - 20) & 31] : 0);
  q->lp2 = q->lp1;
  q->lp1 = lp;
  l = lp >> 5;
  q->l[n & 63] = l;
  /* high-pass: the centre sample minus the 57-sample moving sum */
  q->hp_sum += l - (n >= 57 ? q->l[(n - 57) & 63] : 0);
  hp = 57 * (n >= 28 ? q->l[(n - 28) & 63] : 0) - q->hp_sum;
  h = hp >> 5;
  q->h[n % QRS_HISTORY] = h;
  d = (2 * h + (n >= 1 ? q->h[(n - 1) % QRS_HISTORY] : 0) - (n >= 3 ? q->h[(n - 3) % QRS_HISTORY] : 0) - 2 * (n >= 4 ? q->h[(n - 4) % QRS_HISTORY] : 0)) >> 3;
  q->d[n % QRS_HISTORY] = d;
  s = (int64_t)d * d;
  q->mwi += s - (n >= MWI ? q->s[(n - MWI) & 63] : 0);
  q->s[n & 63] = s;

  if (n < WARMUP) {
    q->mwi_previous = q->mwi;
    return 0;
  }
  if (q->learning) {
    if (q->mwi > q->learn_max) q->learn_max = q->mwi;
    q->learn_sum += q->mwi;
  }
  /* Peaks of the integrated signal. */
  if (q->falling) {
    if (q->mwi > q->mwi_previous) {
      q->falling = 0;
      q->peak.value = q->mwi;
      q->peak.at = n;
    }
  } else if (q->mwi > q->peak.value) {
    q->peak.value = q->mwi;
    q->peak.at = n;
  } else if (q->peak.value > 0 && (q->mwi <= q->peak.value / 2 || n - q->peak.at > PEAK_TIMEOUT)) {
    qrs_peak_t p = q->peak;
    locate(q, &p);
    q->falling = 1;
    q->peak.value = 0;
    if (q->learning) {
      if (q->learned_count < 16) q->learned[q->learned_count++] = p;
    } else {
      count = decide(q, &p, r, count);
    }
  }
  q->mwi_previous = q->mwi;

  if (q->learning && n + 1 == LEARN) {
    int32_t i;
    q->learning = 0;
    q->spki = divide(q->learn_max, 3);
    q->npki = divide(q->learn_sum, 2 * (LEARN - WARMUP));
    for (i = 0; i < q->learned_count; i++) count = decide(q, &q->learned[i], r, count);
  }
  return count;
}
