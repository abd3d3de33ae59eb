/**
 * The TypeScript twin of firmware/qrs.c (read its header for the algorithm): a streaming
 * Pan-Tompkins QRS detector for 360 Hz ECG in integer arithmetic, so both find exactly the
 * same R peaks. Values that are int64 in C stay far below 2^53 here; divisions mirror C's
 * truncation, shifts are JavaScript's arithmetic >> on int32 values, as GCC's on ARM.
 */

export const QRS_SAMPLING_RATE_HZ = 360;
/** Samples of h and d kept (QRS_HISTORY in qrs.h): locating a peak reads 146 back. */
const HISTORY = 160;
const MWI = 54;
const REFRACTORY = 72;
const T_WAVE = 130;
const PEAK_TIMEOUT = 90;
/** The filters' start-up transient (their histories fill after 20 + 57 + 4 + 54 samples) is neither learnt nor detected. */
const WARMUP = 144;
const LEARN = WARMUP + 720;
const DELAY = 37;

interface Peak {
  value: number;
  at: number;
  r: number;
  slope: number;
}

export class QrsDetector {
  private n = 0;
  private readonly x = new Int32Array(32);
  private readonly l = new Int32Array(64);
  private readonly h = new Int32Array(HISTORY);
  private readonly d = new Int32Array(HISTORY);
  private readonly s = new Float64Array(64);
  private lp1 = 0;
  private lp2 = 0;
  private hpSum = 0;
  private mwi = 0;
  private mwiPrevious = 0;
  private falling = false;
  private peak: Peak = { value: 0, at: 0, r: 0, slope: 0 };
  private learnMax = 0;
  private learnSum = 0;
  private learning = true;
  private readonly learned: Peak[] = [];
  private spki = 0;
  private npki = 0;
  private qrsCount = 0;
  private lastAt = 0;
  private lastSlope = 0;
  private readonly rr: number[] = [];
  private rrNext = 0;
  private candidate: Peak | undefined;

  /** Feeds one sample (ADC units); returns the R peaks it confirms, in the order found. */
  push(x: number): number[] {
    const n = this.n++;
    const out: number[] = [];
    const back = (ring: Int32Array, k: number) => (n >= k ? ring[(n - k) % ring.length] : 0);
    this.x[n & 31] = x;
    const lp = 2 * this.lp1 - this.lp2 + x - 2 * back(this.x, 10) + back(this.x, 20);
    this.lp2 = this.lp1;
    this.lp1 = lp;
    const l = lp >> 5;
    this.l[n & 63] = l;
    this.hpSum += l - back(this.l, 57);
    const hp = 57 * back(this.l, 28) - this.hpSum;
    const h = hp >> 5;
    this.h[n % HISTORY] = h;
    const d = (2 * h + back(this.h, 1) - back(this.h, 3) - 2 * back(this.h, 4)) >> 3;
    this.d[n % HISTORY] = d;
    const s = d * d;
    this.mwi += s - (n >= MWI ? this.s[(n - MWI) & 63] : 0);
    this.s[n & 63] = s;

    if (n < WARMUP) {
      this.mwiPrevious = this.mwi;
      return out;
    }
    if (this.learning) {
      if (this.mwi > this.learnMax) this.learnMax = this.mwi;
      this.learnSum += this.mwi;
    }
    if (this.falling) {
      if (this.mwi > this.mwiPrevious) {
        this.falling = false;
        this.peak = { value: this.mwi, at: n, r: 0, slope: 0 };
      }
    } else if (this.mwi > this.peak.value) {
      this.peak = { value: this.mwi, at: n, r: 0, slope: 0 };
    } else if (this.peak.value > 0 && (this.mwi <= Math.floor(this.peak.value / 2) || n - this.peak.at > PEAK_TIMEOUT)) {
      const p = this.locate(this.peak);
      this.falling = true;
      this.peak = { value: 0, at: this.peak.at, r: 0, slope: 0 };
      if (this.learning) {
        if (this.learned.length < 16) this.learned.push(p);
      } else {
        this.decide(p, out);
      }
    }
    this.mwiPrevious = this.mwi;

    if (this.learning && n + 1 === LEARN) {
      this.learning = false;
      this.spki = Math.floor(this.learnMax / 3);
      this.npki = Math.floor(Math.floor(this.learnSum / (LEARN - WARMUP)) / 2);
      for (const p of this.learned) this.decide(p, out);
    }
    return out;
  }

  private locate(peak: Peak): Peak {
    let slope = 0;
    for (let k = peak.at - MWI + 1; k <= peak.at; k++) slope = Math.max(slope, Math.abs(this.d[k % HISTORY]));
    let best = -1;
    let where = peak.at - 2;
    for (let k = peak.at - 2 - MWI + 1; k <= peak.at - 2; k++) {
      const h = Math.abs(this.h[k % HISTORY]);
      if (h > best) {
        best = h;
        where = k;
      }
    }
    return { value: peak.value, at: peak.at, r: where - DELAY, slope };
  }

  private threshold1(): number {
    return this.npki + Math.trunc((this.spki - this.npki) / 4);
  }

  private accept(p: Peak, out: number[]): void {
    if (this.qrsCount > 0) {
      this.rr[this.rrNext] = p.at - this.lastAt;
      this.rrNext = (this.rrNext + 1) & 7;
    }
    this.qrsCount++;
    this.lastAt = p.at;
    this.lastSlope = p.slope;
    this.candidate = undefined;
    if (p.r >= 0) out.push(p.r);
  }

  private decide(p: Peak, out: number[]): void {
    if (this.rr.length > 0 && this.candidate && (p.at - this.lastAt) * 100 > Math.floor(this.rr.reduce((a, b) => a + b, 0) / this.rr.length) * 166 && this.candidate.value > Math.trunc(this.threshold1() / 2)) {
      this.spki = Math.floor((this.candidate.value + 3 * this.spki) / 4);
      this.accept(this.candidate, out);
    }
    if (this.qrsCount > 0 && p.at - this.lastAt < REFRACTORY) {
      this.npki = Math.floor((p.value + 7 * this.npki) / 8);
      return;
    }
    if (p.value > this.threshold1() && !(this.qrsCount > 0 && p.at - this.lastAt < T_WAVE && p.slope < Math.floor(this.lastSlope / 2))) {
      this.spki = Math.floor((p.value + 7 * this.spki) / 8);
      this.accept(p, out);
      return;
    }
    this.npki = Math.floor((p.value + 7 * this.npki) / 8);
    if (!this.candidate || p.value > this.candidate.value) this.candidate = p;
  }
}

/** Every R peak of a whole signal. */
export function detectQrs(adc: ArrayLike<number>): number[] {
  const detector = new QrsDetector();
  const peaks: number[] = [];
  for (let i = 0; i < adc.length; i++) peaks.push(...detector.push(adc[i]));
  return peaks;
}

/** The beats the detector is scored on: src/data/beats.ts's, which the beat datasets' RR features count too. */
export { BEAT_CODES } from '../../src/data/beats.js';

export interface Agreement {
  truePositives: number;
  falseNegatives: number;
  falsePositives: number;
  sensitivity: number;
  positivePredictivity: number;
}

/**
 * Detections against reference beats (both ascending sample indices), each matched at most once
 * within `tolerance` samples (150 ms at 360 Hz, as in ANSI/AAMI EC57), nearest first.
 */
export function matchBeats(detected: number[], reference: number[], tolerance = 54): Agreement {
  const sorted = [...detected].sort((a, b) => a - b);
  let truePositives = 0;
  let j = 0;
  for (const beat of reference) {
    while (j < sorted.length && sorted[j] < beat - tolerance) j++;
    let best = -1;
    for (let k = j; k < sorted.length && sorted[k] <= beat + tolerance; k++) if (best < 0 || Math.abs(sorted[k] - beat) < Math.abs(sorted[best] - beat)) best = k;
    if (best >= 0) {
      truePositives++;
      sorted.splice(best, 1);
    }
  }
  const falseNegatives = reference.length - truePositives;
  const falsePositives = detected.length - truePositives;
  return { truePositives, falseNegatives, falsePositives, sensitivity: truePositives / reference.length, positivePredictivity: truePositives / detected.length };
}
