/**
 * The synthetic ECG generator (src/data/synthetic.ts): determinism, rhythm (rate, variability,
 * ectopic timing and rates), morphology (R peaks, QRS widths, P waves) measured on the signal
 * itself, sampling rates and the isoelectric baseline. Every threshold comes from the model
 * (requested rate, coupling intervals, event widths), never from a stored output.
 */
import { describe, expect, it } from 'vitest';
import { type BeatKind, type SyntheticEcg, type SyntheticOptions, syntheticEcg } from '../../src/data/synthetic.js';
import { expectBitExact } from '../helpers/bit-exact.js';

type Beats = SyntheticEcg['beats'];

const mean = (values: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
};
const std = (values: number[]): number => {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
};

/** RR intervals (s) between consecutive annotations, with the kinds of both beats. */
function intervals(ecg: SyntheticEcg): { rr: number; from: BeatKind; to: BeatKind }[] {
  const out = [];
  for (let i = 1; i < ecg.beats.length; i++) {
    out.push({ rr: (ecg.beats[i].sample - ecg.beats[i - 1].sample) / ecg.samplingRate, from: ecg.beats[i - 1].kind, to: ecg.beats[i].kind });
  }
  return out;
}

/** Mean heart rate (bpm) from beat positions: beats per minute between the first and the last. */
function meanRate(samples: number[], samplingRate: number): number {
  return (60 * (samples.length - 1) * samplingRate) / (samples[samples.length - 1] - samples[0]);
}

/**
 * A simple R-peak detector, independent of the annotations: threshold at half the 99.5th
 * percentile of the signal, then the largest sample of each run of local maxima above it,
 * with a 250 ms refractory period.
 */
function detectRPeaks(signal: Float32Array, samplingRate: number): number[] {
  const sorted = Float32Array.from(signal).sort();
  const threshold = 0.5 * sorted[Math.floor(0.995 * (sorted.length - 1))];
  const refractory = Math.round(0.25 * samplingRate);
  const peaks: number[] = [];
  for (let i = 1; i < signal.length - 1; i++) {
    if (signal[i] < threshold || signal[i] < signal[i - 1] || signal[i] < signal[i + 1]) continue;
    const last = peaks[peaks.length - 1];
    if (last !== undefined && i - last < refractory) {
      if (signal[i] > signal[last]) peaks[peaks.length - 1] = i;
      continue;
    }
    peaks.push(i);
  }
  return peaks;
}

/** Index of the largest sample of signal in [from, to]. */
function argmax(signal: Float32Array, from: number, to: number): number {
  let best = from;
  for (let i = from; i <= to; i++) if (signal[i] > signal[best]) best = i;
  return best;
}

/** The test's QRS width (s): how long |signal| stays above 50% of the beat's peak around the R peak. */
function halfPeakWidth(signal: Float32Array, samplingRate: number, r: number): number {
  const peak = signal[r];
  let lo = r;
  let hi = r;
  while (lo > 0 && Math.abs(signal[lo - 1]) > peak / 2) lo--;
  while (hi < signal.length - 1 && Math.abs(signal[hi + 1]) > peak / 2) hi++;
  return (hi - lo + 1) / samplingRate;
}

/**
 * QRS duration (s) from the slope, as delineators do: first to last sample within
 * [R - 150 ms, R + 150 ms] where the central difference exceeds 10% of its maximum there
 * (P and T waves are far slower than the QRS and stay under that).
 */
function slopeDuration(signal: Float32Array, samplingRate: number, r: number): number {
  const half = Math.round(0.15 * samplingRate);
  const slopes: number[] = [];
  for (let i = r - half; i <= r + half; i++) slopes.push(Math.abs(signal[i + 1] - signal[i - 1]));
  const threshold = 0.1 * Math.max(...slopes);
  const first = slopes.findIndex((s) => s > threshold);
  let last = slopes.length - 1;
  while (slopes[last] <= threshold) last--;
  return (last - first) / samplingRate;
}

/** Beats far enough from both ends of the signal for windows of `margin` seconds. */
function inner(ecg: SyntheticEcg, margin: number): Beats {
  const m = Math.round(margin * ecg.samplingRate);
  return ecg.beats.filter((b) => b.sample >= m && b.sample < ecg.signal.length - m);
}

/** Beats of a kind whose neighbours are both sinus beats (the kind of the recording's normal beats). */
function isolated(ecg: SyntheticEcg, kind: BeatKind, sinus: BeatKind = 'N'): number[] {
  const out = [];
  for (let i = 1; i < ecg.beats.length - 1; i++) {
    if (ecg.beats[i].kind === kind && ecg.beats[i - 1].kind === sinus && ecg.beats[i + 1].kind === sinus) out.push(i);
  }
  return out;
}

const clean: Partial<SyntheticOptions> = { noise: 0, baselineWander: 0 };

describe('syntheticEcg: determinism and shape of the output', () => {
  it('gives identical bits for identical options and a different signal for another seed', () => {
    const options: SyntheticOptions = { seconds: 30, ectopic: { apc: 0.05, pvc: 0.05 }, seed: 7 };
    const a = syntheticEcg(options);
    const b = syntheticEcg({ ...options, ectopic: { ...options.ectopic } });
    expectBitExact(a.signal, b.signal, 'signal');
    expect(a.beats).toEqual(b.beats);

    const c = syntheticEcg({ ...options, seed: 8 });
    let differing = 0;
    for (let i = 0; i < a.signal.length; i++) if (Math.abs(a.signal[i] - c.signal[i]) > 1e-3) differing++;
    expect(differing).toBeGreaterThan(a.signal.length / 2);
    expect(c.beats.map((x) => x.sample)).not.toEqual(a.beats.map((x) => x.sample));
  });

  it('keeps the rhythm and the morphology when only the noise changes (separate random streams)', () => {
    const quiet = syntheticEcg({ seconds: 20, ...clean, ectopic: { pvc: 0.1 } });
    const noisy = syntheticEcg({ seconds: 20, noise: 0.05, baselineWander: 0, ectopic: { pvc: 0.1 } });
    expect(noisy.beats).toEqual(quiet.beats);
    const residual: number[] = [];
    for (let i = 0; i < quiet.signal.length; i++) residual.push(noisy.signal[i] - quiet.signal[i]);
    expect(Math.abs(mean(residual))).toBeLessThan(0.01);
    expect(std(residual)).toBeGreaterThan(0.045);
    expect(std(residual)).toBeLessThan(0.055);
  });

  it.each([250, 360, 500])('works at %i Hz: length seconds * rate, the same rhythm in seconds', (rate) => {
    const seconds = 20;
    const ecg = syntheticEcg({ seconds, samplingRate: rate, seed: 3 });
    expect(ecg.samplingRate).toBe(rate);
    expect(ecg.signal.length).toBe(seconds * rate);
    expect(ecg.signal.every((v) => Number.isFinite(v))).toBe(true);
    // The beat times do not depend on the sampling rate (only their rounding to samples does).
    const reference = syntheticEcg({ seconds, samplingRate: 360, seed: 3 });
    expect(ecg.beats.length).toBe(reference.beats.length);
    ecg.beats.forEach((b, i) => {
      expect(b.kind).toBe(reference.beats[i].kind);
      expect(Math.abs(b.sample / rate - reference.beats[i].sample / 360)).toBeLessThanOrEqual(1 / rate + 1 / 360);
    });
    // And the waveform is the same: at every annotated R, the same amplitude within 5%.
    const clean1 = syntheticEcg({ seconds, samplingRate: rate, seed: 3, ...clean });
    const clean2 = syntheticEcg({ seconds, samplingRate: 360, seed: 3, ...clean });
    clean1.beats.forEach((b, i) => {
      const peak1 = clean1.signal[argmax(clean1.signal, b.sample - 3, b.sample + 3)];
      const peak2 = clean2.signal[argmax(clean2.signal, clean2.beats[i].sample - 3, clean2.beats[i].sample + 3)];
      expect(Math.abs(peak1 - peak2)).toBeLessThan(0.05 * peak2);
    });
  });

  it('rejects options outside the model', () => {
    expect(() => syntheticEcg({ seconds: 0 })).toThrow(/seconds/);
    expect(() => syntheticEcg({ seconds: 10, heartRate: 400 })).toThrow(/heartRate/);
    expect(() => syntheticEcg({ seconds: 10, ectopic: { pvc: 0.7, apc: 0.5 } })).toThrow(/ectopic/);
    expect(() => syntheticEcg({ seconds: 10, morphology: 'X' as 'N' })).toThrow(/morphology/);
  });
});

describe('syntheticEcg: rhythm', () => {
  it.each([60, 75, 120])('has a mean rate within 3 bpm of %i bpm, from the annotations and from R-peak detection', (bpm) => {
    const ecg = syntheticEcg({ seconds: 300, heartRate: bpm, seed: bpm });
    const annotated = meanRate(
      ecg.beats.map((b) => b.sample),
      ecg.samplingRate,
    );
    expect(Math.abs(annotated - bpm)).toBeLessThan(3);

    const detected = detectRPeaks(ecg.signal, ecg.samplingRate);
    expect(Math.abs(meanRate(detected, ecg.samplingRate) - bpm)).toBeLessThan(3);
    // The detector finds the annotated beats (one per annotation, a few samples from it).
    expect(Math.abs(detected.length - ecg.beats.length)).toBeLessThanOrEqual(2);
    let matched = 0;
    let j = 0;
    for (const b of ecg.beats) {
      while (j < detected.length && detected[j] < b.sample - 0.05 * ecg.samplingRate) j++;
      if (j < detected.length && Math.abs(detected[j] - b.sample) <= 0.02 * ecg.samplingRate) matched++;
    }
    expect(matched).toBeGreaterThanOrEqual(ecg.beats.length - 2);
  });

  it('has an RR standard deviation that grows with heartRateStd, close to the requested one', () => {
    const measured = [0.5, 2, 5].map((hrStd) => {
      const ecg = syntheticEcg({ seconds: 600, heartRate: 70, heartRateStd: hrStd, seed: 11 });
      const rr = intervals(ecg).map((x) => x.rr);
      const rate = rr.map((x) => 60 / x);
      return { hrStd, rrStd: std(rr), rateStd: std(rate) };
    });
    expect(measured[1].rrStd).toBeGreaterThan(1.5 * measured[0].rrStd);
    expect(measured[2].rrStd).toBeGreaterThan(1.5 * measured[1].rrStd);
    // Requested 2 and 5 bpm: the instantaneous rate varies by that much (RR rounded to samples
    // adds ~0.1 bpm of jitter, which is what dominates at 0.5 bpm).
    for (const m of measured.slice(1)) {
      expect(m.rateStd).toBeGreaterThan(0.75 * m.hrStd);
      expect(m.rateStd).toBeLessThan(1.25 * m.hrStd);
    }
  });

  it('puts the RR variability at the Mayer and respiratory frequencies in the ratio LF/HF', () => {
    // Power of the tachogram (RR at 4 Hz, linearly interpolated) in 0.04-0.15 Hz and 0.15-0.4 Hz.
    const lfHf = (ratio: number) => {
      const ecg = syntheticEcg({ seconds: 600, heartRateStd: 3, lfHfRatio: ratio, seed: 5, noise: 0 });
      const times = ecg.beats.map((b) => b.sample / ecg.samplingRate);
      const rr = intervals(ecg).map((x) => x.rr);
      const series: number[] = [];
      for (let t = times[1], i = 1; t < times[times.length - 1]; t += 0.25) {
        while (times[i + 1] < t) i++;
        series.push(rr[i - 1] + ((rr[i] - rr[i - 1]) * (t - times[i])) / (times[i + 1] - times[i]));
      }
      const m = mean(series);
      const power = (lo: number, hi: number) => {
        let sum = 0;
        for (let k = Math.ceil(lo * series.length * 0.25); k <= hi * series.length * 0.25; k++) {
          let re = 0;
          let im = 0;
          for (let n = 0; n < series.length; n++) {
            const phase = (-2 * Math.PI * k * n) / series.length;
            re += (series[n] - m) * Math.cos(phase);
            im += (series[n] - m) * Math.sin(phase);
          }
          sum += re * re + im * im;
        }
        return sum;
      };
      return power(0.04, 0.15) / power(0.15, 0.4);
    };
    const low = lfHf(0.25);
    const high = lfHf(4);
    expect(high).toBeGreaterThan(4 * low);
    // Within a factor of 2 of the requested ratios (periodogram of one 10-min realisation).
    expect(low).toBeGreaterThan(0.25 / 2);
    expect(low).toBeLessThan(0.25 * 2);
    expect(high).toBeGreaterThan(4 / 2);
    expect(high).toBeLessThan(4 * 2);
  });

  /**
   * The sinus RR and, around each isolated ectopic beat, the intervals before and after it. Little
   * rate variability (0.5 bpm: RR sd 6 ms) so that two sinus cycles are a sharp reference.
   */
  function aroundEctopics(kind: 'V' | 'A', seed: number) {
    const ecg = syntheticEcg({ seconds: 600, ...clean, heartRateStd: 0.5, ectopic: kind === 'V' ? { pvc: 0.1 } : { apc: 0.1 }, seed });
    const all = intervals(ecg);
    const sinusRr = mean(all.filter((x) => x.from === 'N' && x.to === 'N').map((x) => x.rr));
    return { sinusRr, around: isolated(ecg, kind).map((i) => ({ before: all[i - 1].rr, after: all[i].rr })) };
  }

  it('makes PVCs premature, followed by a full compensatory pause', () => {
    const { sinusRr, around } = aroundEctopics('V', 21);
    expect(around.length).toBeGreaterThan(30);
    for (const { before, after } of around) {
      expect(before).toBeLessThan(0.75 * sinusRr); // coupling 55-65% of RR
      expect(after).toBeGreaterThan(sinusRr);
      // Compensatory: the two intervals around the PVC add up to two sinus cycles.
      expect(Math.abs(before + after - 2 * sinusRr)).toBeLessThan(0.04 * 2 * sinusRr);
    }
  });

  it('makes APCs premature, without a full compensatory pause', () => {
    const { sinusRr, around } = aroundEctopics('A', 22);
    expect(around.length).toBeGreaterThan(30);
    for (const { before, after } of around) {
      expect(before).toBeLessThan(0.85 * sinusRr); // coupling 60-75% of RR
      expect(before + after).toBeLessThan(1.9 * sinusRr); // the sinus node is reset
    }
  });

  it('produces ectopic beats at the requested rates', () => {
    const fraction = (ecg: SyntheticEcg, kind: BeatKind) => ecg.beats.filter((b) => b.kind === kind).length / ecg.beats.length;
    const pvc = syntheticEcg({ seconds: 600, ectopic: { pvc: 0.1 }, seed: 31 });
    expect(fraction(pvc, 'V')).toBeGreaterThan(0.06);
    expect(fraction(pvc, 'V')).toBeLessThan(0.14);
    expect(fraction(pvc, 'A')).toBe(0);
    const both = syntheticEcg({ seconds: 600, ectopic: { pvc: 0.05, apc: 0.15 }, seed: 32 });
    expect(fraction(both, 'V')).toBeGreaterThan(0.025);
    expect(fraction(both, 'V')).toBeLessThan(0.075);
    expect(fraction(both, 'A')).toBeGreaterThan(0.1);
    expect(fraction(both, 'A')).toBeLessThan(0.2);
    const none = syntheticEcg({ seconds: 60, seed: 33 });
    expect(none.beats.every((b) => b.kind === 'N')).toBe(true);
  });
});

describe('syntheticEcg: morphology', () => {
  it.each(['N', 'L', 'R'] as const)('has an R peak at every annotated beat (%s recording with ectopy)', (morphology) => {
    const ecg = syntheticEcg({ seconds: 120, morphology, ectopic: { apc: 0.08, pvc: 0.08 }, seed: 41 });
    const fs = ecg.samplingRate;
    const near = Math.round(0.02 * fs);
    const wide = Math.round(0.06 * fs);
    const kinds = new Set<BeatKind>();
    for (const b of inner(ecg, 0.1)) {
      kinds.add(b.kind);
      // The largest sample within +-60 ms is within +-20 ms of the annotation, and a local maximum.
      const peak = argmax(ecg.signal, b.sample - wide, b.sample + wide);
      expect(Math.abs(peak - b.sample)).toBeLessThanOrEqual(near);
      expect(ecg.signal[peak]).toBeGreaterThanOrEqual(ecg.signal[peak - 1]);
      expect(ecg.signal[peak]).toBeGreaterThanOrEqual(ecg.signal[peak + 1]);
      if (b.kind === morphology) {
        expect(ecg.signal[peak]).toBeGreaterThan(0.6);
        expect(ecg.signal[peak]).toBeLessThan(2.5);
      } else {
        expect(ecg.signal[peak]).toBeGreaterThan(0.4);
        expect(ecg.signal[peak]).toBeLessThan(3);
      }
    }
    expect([...kinds].sort()).toEqual([morphology, 'A', 'V'].sort());
  });

  it('gives PVCs a wide, large QRS and no P wave', () => {
    const ecg = syntheticEcg({ seconds: 600, ...clean, ectopic: { pvc: 0.1 }, seed: 51 });
    const fs = ecg.samplingRate;
    const beats = inner(ecg, 0.5);
    const width = (kind: BeatKind) => mean(beats.filter((b) => b.kind === kind).map((b) => halfPeakWidth(ecg.signal, fs, b.sample)));
    const amplitude = (kind: BeatKind) => mean(beats.filter((b) => b.kind === kind).map((b) => ecg.signal[b.sample]));
    expect(width('V')).toBeGreaterThan(1.4 * width('N'));
    expect(amplitude('V')).toBeGreaterThan(amplitude('N'));
    const duration = (kind: BeatKind) => mean(beats.filter((b) => b.kind === kind).map((b) => slopeDuration(ecg.signal, fs, b.sample)));
    expect(duration('V')).toBeGreaterThan(0.12);
    expect(duration('V')).toBeLessThan(0.17);
    expect(duration('N')).toBeLessThan(0.11);

    // P wave: the ensemble average of [R - 250 ms, R - 120 ms]. A PVC at 60% of the RR lands on
    // the end of the previous T wave, whose downslope fills that window, so the measure is the
    // energy of the average above the chord joining its two ends: a P wave is a bump above it,
    // a T downslope (convex there) stays below it.
    const pEnergy = (kind: BeatKind) => {
      const from = Math.round(0.25 * fs);
      const to = Math.round(0.12 * fs);
      const average = new Float64Array(from - to + 1);
      const chosen = beats.filter((b) => b.kind === kind);
      for (const b of chosen) for (let i = 0; i < average.length; i++) average[i] += ecg.signal[b.sample - from + i] / chosen.length;
      let energy = 0;
      const last = average.length - 1;
      for (let i = 0; i <= last; i++) energy += Math.max(0, average[i] - (average[0] + ((average[last] - average[0]) * i) / last)) ** 2;
      return energy / average.length;
    };
    expect(pEnergy('N')).toBeGreaterThan(1e-3); // a ~0.15 mV P wave
    expect(pEnergy('V')).toBeLessThan(0.05 * pEnergy('N'));
  });

  it('gives APCs a normal QRS', () => {
    const ecg = syntheticEcg({ seconds: 600, ...clean, ectopic: { apc: 0.1 }, seed: 52 });
    const fs = ecg.samplingRate;
    const beats = inner(ecg, 0.5);
    const width = (kind: BeatKind) => mean(beats.filter((b) => b.kind === kind).map((b) => halfPeakWidth(ecg.signal, fs, b.sample)));
    expect(Math.abs(width('A') / width('N') - 1)).toBeLessThan(0.25);
    const duration = (kind: BeatKind) => mean(beats.filter((b) => b.kind === kind).map((b) => slopeDuration(ecg.signal, fs, b.sample)));
    expect(Math.abs(duration('A') / duration('N') - 1)).toBeLessThan(0.25);
  });

  it('widens the QRS for LBBB and RBBB morphologies', () => {
    const measure = (morphology: 'N' | 'L' | 'R') => {
      const ecg = syntheticEcg({ seconds: 60, ...clean, morphology, seed: 61 });
      const beats = inner(ecg, 0.5);
      return {
        halfPeak: mean(beats.map((b) => halfPeakWidth(ecg.signal, ecg.samplingRate, b.sample))),
        duration: mean(beats.map((b) => slopeDuration(ecg.signal, ecg.samplingRate, b.sample))),
      };
    };
    const n = measure('N');
    const l = measure('L');
    const r = measure('R');
    expect(n.duration).toBeLessThan(0.11);
    expect(l.duration).toBeGreaterThan(0.12); // bundle branch block: QRS >= 120 ms
    expect(r.duration).toBeGreaterThan(0.12);
    expect(l.duration).toBeGreaterThan(1.3 * n.duration);
    expect(r.duration).toBeGreaterThan(1.3 * n.duration);
    // LBBB's broad notched R is wide at half its height too; RBBB's R is narrow, its width is the R'.
    expect(l.halfPeak).toBeGreaterThan(1.4 * n.halfPeak);
  });

  it('has an isoelectric baseline without noise and wander', () => {
    for (const morphology of ['N', 'L', 'R'] as const) {
      const ecg = syntheticEcg({ seconds: 60, ...clean, morphology, ectopic: { pvc: 0.05, apc: 0.05 }, seed: 71 });
      const first = ecg.beats[0].sample;
      const last = ecg.beats[ecg.beats.length - 1].sample;
      // Over whole beats (first to last R peak) the signal averages to about 0 mV...
      expect(Math.abs(mean(ecg.signal.subarray(first, last)))).toBeLessThan(0.02);
      // ... and in diastole (350 ms before a sinus beat that follows a sinus beat: after the
      // T wave, before the P wave) it is flat and near 0: slightly below, by the mean of the
      // beat's waves (~0.1 mV), since the model's leak towards z0 makes z zero-mean, as an
      // AC-coupled recorder does.
      let checked = 0;
      for (let i = 1; i < ecg.beats.length; i++) {
        const [previous, beat] = [ecg.beats[i - 1], ecg.beats[i]];
        if (previous.kind !== morphology || beat.kind !== morphology || beat.sample < ecg.samplingRate) continue;
        const at = beat.sample - Math.round(0.35 * ecg.samplingRate);
        expect(Math.abs(ecg.signal[at])).toBeLessThan(0.15);
        expect(Math.abs(ecg.signal[at + 5] - ecg.signal[at - 5])).toBeLessThan(0.02);
        checked++;
      }
      expect(checked).toBeGreaterThan(40);
    }
  });

  it('adds baseline wander of the requested amplitude', () => {
    const wandering = syntheticEcg({ seconds: 60, noise: 0, baselineWander: 0.2, seed: 81 });
    const still = syntheticEcg({ seconds: 60, noise: 0, baselineWander: 0, seed: 81 });
    const difference = wandering.signal.map((v, i) => v - still.signal[i]);
    const max = Math.max(...difference);
    const min = Math.min(...difference);
    expect(max).toBeGreaterThan(0.18);
    expect(max).toBeLessThan(0.22);
    expect(min).toBeLessThan(-0.18);
    expect(min).toBeGreaterThan(-0.22);
  });
});
