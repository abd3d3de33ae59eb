/**
 * Helpers of the synthetic ECG generator (synthetic.ts): a seeded pseudo-random generator
 * and the RR-interval tachogram of McSharry et al. 2003 (ECGSYN): a bimodal power spectrum
 * (Mayer waves around 0.1 Hz, respiratory sinus arrhythmia around 0.25 Hz, in the ratio
 * LF/HF), random phases, an inverse FFT, then scaled to the requested mean and standard
 * deviation.
 */

/**
 * A small counter-based generator: a Weyl sequence (step 0x9e3779b9) through a 32-bit
 * integer hash (two xor-shift-multiply rounds). Period 2^32, which is plenty here; every
 * purpose (RR process, beat kinds, morphology, noise) gets its own stream so that changing
 * one option (e.g. the noise level) leaves the others' draws as they were.
 */
export class Rng {
  private state: number;
  private spare = NaN;

  constructor(seed: number, stream: number) {
    // Mix every bit of the (double) seed and the stream number into the 32-bit state.
    const words = new Uint32Array(new Float64Array([seed]).buffer);
    let h = mix32((stream + 1) * 0x85ebca6b);
    h = mix32(h ^ words[0]);
    h = mix32(h ^ words[1]);
    this.state = h;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    return mix32(this.state);
  }

  /** Uniform in (0, 1): never 0 and never 1. */
  uniform(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  gaussian(): number {
    if (!Number.isNaN(this.spare)) {
      const value = this.spare;
      this.spare = NaN;
      return value;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const phi = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  }
}

function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** In-place iterative radix-2 complex FFT (sign -1 forward, +1 inverse, unnormalised). */
export function fft(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
  const n = re.length;
  if (n !== im.length || (n & (n - 1)) !== 0) throw new Error(`fft: length ${n} is not a power of two`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    const half = len >> 1;
    for (let start = 0; start < n; start += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = start + k;
        const b = a + half;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

export interface TachogramOptions {
  /** Seconds of tachogram to produce. */
  seconds: number;
  /** Mean RR interval, s. */
  meanRr: number;
  /** Standard deviation of the RR interval, s. */
  stdRr: number;
  /** Ratio of the power in the LF (Mayer) peak to the power in the HF (RSA) peak. */
  lfHfRatio: number;
}

/** ECGSYN's defaults: peak frequencies and widths (standard deviations) of the two modes, Hz. */
export const MAYER_HZ = 0.1;
export const RSA_HZ = 0.25;
const MAYER_WIDTH_HZ = 0.01;
const RSA_WIDTH_HZ = 0.01;
/** Sampling rate of the tachogram, Hz (its spectrum is negligible above 0.35 Hz). */
export const TACHOGRAM_RATE = 4;

/**
 * RR(t), the sinus cycle length as a continuous process of time, sampled at TACHOGRAM_RATE:
 * S(f) = s1^2 G(f; 0.1, 0.01) + s2^2 G(f; 0.25, 0.01) with s1^2 / s2^2 = LF/HF, amplitudes
 * sqrt(S(f)), phases uniform in [0, 2 pi), inverse FFT, then shifted and scaled so that the
 * samples have exactly the requested mean and standard deviation.
 */
export function rrTachogram(rng: Rng, options: TachogramOptions): Float64Array {
  const wanted = Math.ceil(options.seconds * TACHOGRAM_RATE) + 2;
  let n = 256;
  while (n < wanted) n <<= 1;
  const out = new Float64Array(wanted);
  if (!(options.stdRr > 0)) return out.fill(options.meanRr);

  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const lf = options.lfHfRatio / (1 + options.lfHfRatio);
  const hf = 1 / (1 + options.lfHfRatio);
  const mode = (f: number, centre: number, width: number) => Math.exp(-((f - centre) ** 2) / (2 * width * width)) / (Math.sqrt(2 * Math.PI) * width);
  for (let k = 1; k < n / 2; k++) {
    const f = (k * TACHOGRAM_RATE) / n;
    const power = lf * mode(f, MAYER_HZ, MAYER_WIDTH_HZ) + hf * mode(f, RSA_HZ, RSA_WIDTH_HZ);
    const amplitude = Math.sqrt(power);
    const phase = 2 * Math.PI * rng.uniform();
    re[k] = amplitude * Math.cos(phase);
    im[k] = amplitude * Math.sin(phase);
    // Hermitian symmetry: a real series.
    re[n - k] = re[k];
    im[n - k] = -im[k];
  }
  fft(re, im, 1);

  let mean = 0;
  for (let i = 0; i < wanted; i++) mean += re[i];
  mean /= wanted;
  let variance = 0;
  for (let i = 0; i < wanted; i++) variance += (re[i] - mean) ** 2;
  const std = Math.sqrt(variance / wanted);
  const scale = std > 0 ? options.stdRr / std : 0;
  for (let i = 0; i < wanted; i++) out[i] = options.meanRr + (re[i] - mean) * scale;
  return out;
}

/** The tachogram at time t (seconds from its first sample), linearly interpolated, clamped at the ends. */
export function tachogramAt(tachogram: Float64Array, t: number): number {
  const position = t * TACHOGRAM_RATE;
  if (position <= 0) return tachogram[0];
  const last = tachogram.length - 1;
  if (position >= last) return tachogram[last];
  const i = Math.floor(position);
  const frac = position - i;
  return tachogram[i] + frac * (tachogram[i + 1] - tachogram[i]);
}
