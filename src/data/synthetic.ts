/**
 * Synthetic single-lead (MLII-like) ECG with beat annotations: the default input of the beat
 * classifiers (N, L, R, A, V) and the calibration data of compressed models when a user has
 * no recordings.
 *
 * The dynamical model of McSharry et al. 2003 ("A dynamical model for generating synthetic
 * electrocardiogram signals", IEEE TBME 50(3), the ECGSYN model): a trajectory (x, y, z)
 * goes round the unit limit cycle of the xy plane, one revolution per beat, and the ECG is z:
 *
 *   dx/dt = alpha x - omega y,   dy/dt = alpha y + omega x,   alpha = 1 - sqrt(x^2 + y^2)
 *   dz/dt = -omega sum_i (a_i / b_i^2) dtheta_i exp(-dtheta_i^2 / (2 b_i^2)) - lambda (z - z0(t))
 *
 * with theta = atan2(y, x), dtheta_i = (theta - theta_i) wrapped to (-pi, pi], and one event
 * (a Gaussian in angle) per wave: P, Q, R, S, T, plus extra ones for bundle branch block
 * morphologies. Two departures from ECGSYN, both so that a beat's parameters mean the same
 * at any rate and for any single beat:
 *  - the event term is multiplied by omega (= dtheta/dt): z then follows
 *    sum_i a_i exp(-dtheta_i^2 / (2 b_i^2)), so a_i is the wave's amplitude in mV and no
 *    rescaling of the output is needed (ECGSYN rescales z to [-0.4, 1.2] mV afterwards);
 *  - omega is not 2 pi / RR over the whole revolution: the QRS turns at a fixed 2 pi rad/s
 *    (so 1 rad is 159 ms and a QRS is as wide at 120 bpm as at 60 bpm), the PR segment and
 *    the ST-T turn faster as the sinus rate rises (QT ~ RR^0.5, Bazett), and diastole (T end
 *    to P onset) takes what is left of the RR interval. A premature beat therefore shortens
 *    diastole, not the previous beat's QT, as in the heart (ECGSYN scales the angles and widths
 *    with the mean heart rate instead, which only works for a rhythm without ectopy).
 *
 * The RR intervals come from the ECGSYN tachogram (synthetic-rr.ts: bimodal spectrum, LF/HF
 * ratio, given mean and standard deviation). Ectopic beats change the timing and the events of
 * single beats: a PVC comes at 55-65% of the sinus RR, without P wave, with a wide large QRS
 * and a discordant T, and the sinus beat after it is blocked (full compensatory pause); an APC
 * comes at 60-75% of the RR with an abnormal (small or inverted) P wave and a normal QRS, and
 * resets the sinus node (no full compensatory pause).
 *
 * Integration: fixed-step fourth-order Runge-Kutta at an internal rate that is a multiple of
 * the output rate (m = ceil(1000 Hz / rate)), then every m-th sample is kept. Each segment of
 * constant omega starts and ends on the internal grid and its omega is set so that it turns by
 * exactly its angle, so the phase never drifts: R peaks (theta = 0) fall exactly on their
 * scheduled grid samples. The baseline z0(t) is ECGSYN's (a sinusoid the leak term lambda
 * follows); measurement noise is white and Gaussian, added to the output samples.
 *
 * Deterministic for a seed: the random draws come from Rng (synthetic-rr.ts), one stream per
 * purpose, so e.g. the noise level does not change the rhythm or the morphology.
 */
import { fail } from '../errors.js';
import { Rng, rrTachogram, tachogramAt } from './synthetic-rr.js';

export type BeatKind = 'N' | 'L' | 'R' | 'A' | 'V'; // MIT-BIH symbols: normal, LBBB, RBBB, APC, PVC

export interface SyntheticOptions {
  seconds: number; // duration
  samplingRate?: number; // Hz, default 360 (MIT-BIH)
  heartRate?: number; // mean, beats per minute, default 70
  heartRateStd?: number; // bpm, default 2
  lfHfRatio?: number; // default 0.5
  noise?: number; // mV, standard deviation of additive white noise, default 0.02
  baselineWander?: number; // mV amplitude of ~0.3 Hz wander, default 0.05
  morphology?: 'N' | 'L' | 'R'; // of the normal beats, default 'N'
  ectopic?: { apc?: number; pvc?: number }; // probability per beat of an APC / PVC, default 0
  seed?: number; // default 1
}

export interface SyntheticEcg {
  samplingRate: number;
  signal: Float32Array; // mV, one lead (MLII-like: positive R waves)
  beats: { sample: number; kind: BeatKind }[]; // the R-peak sample of every beat, with its kind (like a WFDB annotation)
}

/** One event of the model: a Gaussian in angle (rad, R peak at 0) of amplitude a (mV) and width b (rad). */
export interface Wave {
  name: string;
  theta: number;
  a: number;
  b: number;
}

/**
 * A beat's events and the angles that bound its QRS: the QRS (qon to j) turns at 2 pi rad/s,
 * so at 60 bpm-like speed 1 rad = 159 ms. The P onset and the T end, which bound diastole, are
 * derived from the P and T events (2.5 widths from their centres).
 */
export interface Shape {
  waves: Wave[];
  /** QRS onset, rad (< 0). */
  qon: number;
  /** J point (QRS end), rad (> 0). */
  j: number;
}

/**
 * The templates, before the per-recording and per-beat variation. Angles and widths in rad
 * (x 159 ms at the QRS speed; the P and T move with the rate), amplitudes in mV.
 * Normal: PR ~160 ms, QRS ~80-90 ms, R 1.2 mV, T 0.3 mV peaking ~265 ms after R at 60 bpm.
 * LBBB: no septal q, broad notched R (R1 then the main R2 at 0), QRS ~160 ms, discordant
 * (negative) T. RBBB: qRS then a broad terminal R' (rSR'-like), QRS ~150 ms, small T.
 * PVC: no P, one broad large R (QRS ~150 ms) with a small S, large discordant T.
 */
export const SHAPES: Record<'N' | 'L' | 'R' | 'V', Shape> = {
  N: {
    waves: [
      { name: 'P', theta: -1.0, a: 0.15, b: 0.2 },
      { name: 'Q', theta: -0.19, a: -0.16, b: 0.05 },
      { name: 'R', theta: 0, a: 1.2, b: 0.09 },
      { name: 'S', theta: 0.17, a: -0.3, b: 0.065 },
      { name: 'T', theta: 1.65, a: 0.3, b: 0.3 },
    ],
    qon: -0.38,
    j: 0.4,
  },
  L: {
    waves: [
      { name: 'P', theta: -1.1, a: 0.14, b: 0.2 },
      { name: 'R1', theta: -0.32, a: 0.8, b: 0.1 },
      { name: 'R', theta: 0, a: 1.05, b: 0.12 },
      { name: 'S', theta: 0.38, a: -0.12, b: 0.09 },
      { name: 'T', theta: 1.85, a: -0.3, b: 0.33 },
    ],
    qon: -0.6,
    j: 0.64,
  },
  R: {
    waves: [
      { name: 'P', theta: -1.0, a: 0.15, b: 0.2 },
      { name: 'Q', theta: -0.17, a: -0.1, b: 0.055 },
      { name: 'R', theta: 0, a: 1.1, b: 0.085 },
      { name: 'S', theta: 0.2, a: -0.45, b: 0.07 },
      { name: "R'", theta: 0.45, a: 0.5, b: 0.11 },
      { name: 'T', theta: 1.95, a: 0.18, b: 0.32 },
    ],
    qon: -0.38,
    j: 0.75,
  },
  V: {
    waves: [
      { name: 'R', theta: 0, a: 1.7, b: 0.16 },
      { name: 'S', theta: 0.34, a: -0.3, b: 0.09 },
      { name: 'T', theta: 1.45, a: -0.45, b: 0.45 },
    ],
    qon: -0.45,
    j: 0.65,
  },
};

/**
 * APC: the P wave moved 0.15 rad towards the QRS (ectopic atrial focus, shorter PR) and
 * narrower; per recording, inverted (amplitude -0.05 to -0.12 mV) or small (0.04 to 0.08 mV).
 */
const APC_P = { shift: 0.15, b: 0.17, inverted: [-0.12, -0.05], small: [0.04, 0.08] } as const;
/** Coupling interval of ectopic beats, fraction of the sinus RR. */
const PVC_COUPLING = [0.55, 0.65] as const;
const APC_COUPLING = [0.6, 0.75] as const;
/** After an APC the sinus node restarts: next RR = sinus RR x this (slight overdrive suppression). */
const APC_RESET = [1.0, 1.08] as const;

/** Angular speed of the QRS, rad/s. */
const OMEGA_QRS = 2 * Math.PI;
/** Exponents of the sinus RR (s) in the speed of the PR segment and of the ST-T. */
const PR_EXPONENT = 0.3;
const QT_EXPONENT = 0.5;
/** Shortest diastole before the ST-T and PR themselves are compressed, s. */
const MIN_DIASTOLE = 0.03;
/** Leak of z towards the baseline z0, 1/s (ECGSYN's). */
const LAMBDA = 1;
/** Per-beat relative jitter (standard deviation) of every amplitude. */
const BEAT_JITTER = 0.03;
/** Internal rate at least this, Hz. */
const MIN_INTERNAL_RATE = 1000;
/** Seconds integrated before the output starts, so that z has settled (leak time constant 1 s). */
const WARM_UP = 6;
/** Extent of a wave for the P onset and T end, in widths. */
const WAVE_EXTENT = 2.5;
/** Shortest RR interval the schedule produces, s. */
const MIN_RR = 0.2;

const TWO_PI = 2 * Math.PI;

// Random streams.
const STREAM_RR = 1;
const STREAM_RHYTHM = 2;
const STREAM_SHAPE = 3;
const STREAM_WANDER = 4;
const STREAM_NOISE = 5;

interface Beat {
  kind: BeatKind;
  /** Internal sample of the R peak (theta = 0). */
  n: number;
  /** Sinus cycle length at the beat, s: sets the speed of its PR and ST-T. */
  rrs: number;
  /** Per event: theta, a / b^2, 1 / (2 b^2), extent (6 b). */
  events: Float64Array;
  count: number;
  on: number;
  qon: number;
  j: number;
  off: number;
}

export function syntheticEcg(options: SyntheticOptions): SyntheticEcg {
  const o = validate(options);
  const m = Math.max(1, Math.ceil(MIN_INTERNAL_RATE / o.samplingRate));
  const rate = o.samplingRate * m;
  const h = 1 / rate;
  const length = Math.round(o.seconds * o.samplingRate);
  const warmOut = Math.ceil(WARM_UP * o.samplingRate);
  const firstOut = warmOut * m; // internal sample of output sample 0
  const lastOut = firstOut + (length - 1) * m;

  const beats = schedule(o, rate, lastOut);
  const shapeRng = new Rng(o.seed, STREAM_SHAPE);
  const recordingShapes = variants(o.morphology, shapeRng);
  for (const beat of beats) instantiate(beat, recordingShapes, shapeRng);

  // Baseline: z0(t) = A' sin(2 pi f t + phi), A' such that z (which follows z0 through the leak
  // lambda, a first-order low-pass) wanders with amplitude baselineWander.
  const wanderRng = new Rng(o.seed, STREAM_WANDER);
  const wanderHz = wanderRng.between(0.27, 0.33);
  const wanderPhase = wanderRng.between(0, TWO_PI);
  const wanderOmega = TWO_PI * wanderHz;
  const wanderDrive = o.baselineWander * Math.sqrt(1 + (wanderOmega / LAMBDA) ** 2);

  const signal = new Float32Array(length);
  integrate(beats, h, firstOut, m, length, wanderDrive, wanderOmega, wanderPhase, signal);

  if (o.noise > 0) {
    const noiseRng = new Rng(o.seed, STREAM_NOISE);
    for (let i = 0; i < length; i++) signal[i] += o.noise * noiseRng.gaussian();
  }

  const annotations: SyntheticEcg['beats'] = [];
  for (const beat of beats) {
    if (beat.n < firstOut) continue;
    const sample = Math.round((beat.n - firstOut) / m);
    if (sample >= length) break;
    annotations.push({ sample, kind: beat.kind });
  }
  return { samplingRate: o.samplingRate, signal, beats: annotations };
}

interface Resolved {
  seconds: number;
  samplingRate: number;
  heartRate: number;
  heartRateStd: number;
  lfHfRatio: number;
  noise: number;
  baselineWander: number;
  morphology: 'N' | 'L' | 'R';
  apc: number;
  pvc: number;
  seed: number;
}

function validate(options: SyntheticOptions): Resolved {
  const finite = (name: string, value: number, ok: (v: number) => boolean, what: string) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) fail(`synthetic ECG: ${name} must be ${what}, got ${value}`);
    return value;
  };
  const o: Resolved = {
    seconds: finite('seconds', options.seconds, (v) => v > 0, 'a positive number'),
    samplingRate: finite('samplingRate', options.samplingRate ?? 360, (v) => v >= 50 && v <= 20000, 'between 50 and 20000 Hz'),
    heartRate: finite('heartRate', options.heartRate ?? 70, (v) => v >= 25 && v <= 220, 'between 25 and 220 bpm'),
    heartRateStd: finite('heartRateStd', options.heartRateStd ?? 2, (v) => v >= 0 && v <= 30, 'between 0 and 30 bpm'),
    lfHfRatio: finite('lfHfRatio', options.lfHfRatio ?? 0.5, (v) => v >= 0 && v <= 100, 'between 0 and 100'),
    noise: finite('noise', options.noise ?? 0.02, (v) => v >= 0, 'a non-negative number (mV)'),
    baselineWander: finite('baselineWander', options.baselineWander ?? 0.05, (v) => v >= 0, 'a non-negative number (mV)'),
    morphology: options.morphology ?? 'N',
    apc: finite('ectopic.apc', options.ectopic?.apc ?? 0, (v) => v >= 0 && v <= 1, 'a probability'),
    pvc: finite('ectopic.pvc', options.ectopic?.pvc ?? 0, (v) => v >= 0 && v <= 1, 'a probability'),
    seed: finite('seed', options.seed ?? 1, () => true, 'a finite number'),
  };
  if (!['N', 'L', 'R'].includes(o.morphology)) fail(`synthetic ECG: morphology must be 'N', 'L' or 'R', got ${String(o.morphology)}`);
  if (o.apc + o.pvc > 1) fail(`synthetic ECG: ectopic.apc + ectopic.pvc must be at most 1, got ${o.apc + o.pvc}`);
  if (Math.round(o.seconds * o.samplingRate) < 1) fail('synthetic ECG: seconds * samplingRate must be at least one sample');
  return o;
}

/**
 * Beat times and kinds. The sinus node fires at s, s + RR(s), ... (RR from the tachogram).
 * Ectopic beats are isolated (the beat after an ectopic one is always sinus); so that the
 * fraction of APCs and PVCs still equals the requested probabilities, the draw after a sinus
 * beat uses p / (1 - pApc - pPvc) (capped: at a total of 0.5 or more, bigeminy).
 */
function schedule(o: Resolved, rate: number, lastOut: number): Beat[] {
  const meanRr = 60 / o.heartRate;
  const stdRr = (60 * o.heartRateStd) / (o.heartRate * o.heartRate);
  const endTime = lastOut / rate + 0.5; // a beat after the last output sample closes the integration
  const tachogram = rrTachogram(new Rng(o.seed, STREAM_RR), { seconds: endTime + 2 * (meanRr + 1) + 10, meanRr, stdRr, lfHfRatio: o.lfHfRatio });
  const rr = (t: number) => Math.min(Math.max(tachogramAt(tachogram, t), 0.5 * meanRr, MIN_RR), 2 * meanRr);

  const rhythm = new Rng(o.seed, STREAM_RHYTHM);
  const total = o.apc + o.pvc;
  const eligible = total >= 0.5 ? 1 / total : 1 / (1 - total);
  const pPvc = o.pvc * eligible;
  const pApc = o.apc * eligible;

  const sinusKind: BeatKind = o.morphology;
  const beats: Beat[] = [];
  const add = (kind: BeatKind, t: number) => {
    let n = Math.round(t * rate);
    const previous = beats[beats.length - 1];
    if (previous !== undefined) n = Math.max(n, previous.n + Math.round(MIN_RR * rate));
    beats.push({ kind, n, rrs: rr(t), events: new Float64Array(0), count: 0, on: 0, qon: 0, j: 0, off: 0 });
    return n / rate;
  };

  let last = add(sinusKind, 0);
  let nextSinus = last + rr(last);
  while (last < endTime) {
    const previousKind = beats[beats.length - 1].kind;
    const u = previousKind === 'A' || previousKind === 'V' ? 1 : rhythm.uniform();
    if (u < pPvc) {
      const t = last + rhythm.between(PVC_COUPLING[0], PVC_COUPLING[1]) * rr(last);
      last = add('V', t);
      // The sinus beat due next finds the ventricles refractory: blocked, the one after it conducts.
      while (nextSinus <= last + 0.5 * rr(last)) nextSinus += rr(nextSinus);
    } else if (u < pPvc + pApc) {
      const t = last + rhythm.between(APC_COUPLING[0], APC_COUPLING[1]) * rr(last);
      last = add('A', t);
      nextSinus = last + rhythm.between(APC_RESET[0], APC_RESET[1]) * rr(last);
    } else {
      last = add(sinusKind, nextSinus);
      nextSinus = last + rr(last);
    }
  }
  return beats;
}

interface RecordingShapes {
  sinus: Shape;
  apc: Shape;
  pvc: Shape;
}

/** Per-recording variation of the templates (amplitudes, PVC width, the APC's P wave). */
function variants(morphology: 'N' | 'L' | 'R', rng: Rng): RecordingShapes {
  const base = SHAPES[morphology];
  const pScale = rng.between(0.8, 1.2);
  const qrsScale = rng.between(0.85, 1.15);
  const tScale = rng.between(0.8, 1.2);
  const sinus: Shape = {
    ...base,
    waves: base.waves.map((w) => ({ ...w, a: w.a * (w.name === 'P' ? pScale : w.name === 'T' ? tScale : qrsScale) })),
  };
  const apcRange = rng.uniform() < 0.5 ? APC_P.inverted : APC_P.small;
  const apcP = rng.between(apcRange[0], apcRange[1]);
  const apc: Shape = {
    ...sinus,
    waves: sinus.waves.map((w) => (w.name === 'P' ? { ...w, theta: w.theta + APC_P.shift, a: apcP, b: APC_P.b } : w)),
  };
  const vScale = rng.between(0.85, 1.15);
  const vWidth = rng.between(0.9, 1.12);
  const vT = rng.between(0.8, 1.2);
  const pvc: Shape = {
    ...SHAPES.V,
    waves: SHAPES.V.waves.map((w) => (w.name === 'R' ? { ...w, a: w.a * vScale, b: w.b * vWidth } : w.name === 'T' ? { ...w, a: w.a * vT } : { ...w, a: w.a * vScale })),
  };
  return { sinus, apc, pvc };
}

/** The beat's events: its kind's shape with a small per-beat amplitude jitter. */
function instantiate(beat: Beat, shapes: RecordingShapes, rng: Rng): void {
  const shape = beat.kind === 'V' ? shapes.pvc : beat.kind === 'A' ? shapes.apc : shapes.sinus;
  const events = new Float64Array(shape.waves.length * 4);
  let on = shape.qon;
  let off = shape.j;
  shape.waves.forEach((w, i) => {
    const jitter = 1 + Math.max(-3, Math.min(3, rng.gaussian())) * BEAT_JITTER;
    events[4 * i] = w.theta;
    events[4 * i + 1] = (w.a * jitter) / (w.b * w.b);
    events[4 * i + 2] = 1 / (2 * w.b * w.b);
    events[4 * i + 3] = 6 * w.b;
    if (w.name === 'P') on = Math.min(on, w.theta - WAVE_EXTENT * w.b);
    if (w.name === 'T') off = Math.max(off, w.theta + WAVE_EXTENT * w.b);
  });
  beat.events = events;
  beat.count = shape.waves.length;
  beat.on = on;
  beat.qon = shape.qon;
  beat.j = shape.j;
  beat.off = off;
}

const prSpeed = (rrs: number) => OMEGA_QRS / rrs ** PR_EXPONENT;
const stSpeed = (rrs: number) => OMEGA_QRS / rrs ** QT_EXPONENT;

/**
 * Segments of constant omega on the internal grid: for each RR interval, from R(k-1):
 * its J point, its T end, the crossing of theta = pi (where the events switch from beat k-1
 * to beat k), P onset of beat k, its QRS onset, R(k). ends[i] is the first sample after
 * segment i.
 */
function segments(beats: Beat[], h: number): { ends: Float64Array; omegas: Float64Array; owners: Int32Array } {
  const capacity = 6 * beats.length;
  const ends = new Float64Array(capacity);
  const omegas = new Float64Array(capacity);
  const owners = new Int32Array(capacity);
  let count = 0;
  const push = (end: number, angle: number, start: number, owner: number) => {
    if (end <= start) {
      if (angle > 1e-12) throw new Error(`synthetic ECG: empty segment of angle ${angle}`);
      return;
    }
    ends[count] = end;
    omegas[count] = angle / ((end - start) * h);
    owners[count] = owner;
    count++;
  };
  for (let k = 1; k < beats.length; k++) {
    const a = beats[k - 1];
    const b = beats[k];
    const rr = (b.n - a.n) * h;
    let dRj = a.j / OMEGA_QRS;
    let dSt = (a.off - a.j) / stSpeed(a.rrs);
    let dPr = (b.qon - b.on) / prSpeed(b.rrs);
    let dQr = -b.qon / OMEGA_QRS;
    const diastoleAngle = Math.PI - a.off + (b.on + Math.PI);
    if (!(diastoleAngle > 0)) throw new Error('synthetic ECG: a shape leaves no diastole');
    if (rr - (dRj + dSt + dPr + dQr) < MIN_DIASTOLE) {
      // Not enough time: compress the ST-T and the PR first, then everything.
      const s = (rr - dRj - dQr - MIN_DIASTOLE) / (dSt + dPr);
      if (s >= 0.5) {
        dSt *= s;
        dPr *= s;
      } else {
        const u = rr / (dRj + dSt + dPr + dQr + MIN_DIASTOLE);
        dRj *= u;
        dSt *= u;
        dPr *= u;
        dQr *= u;
      }
    }
    const perSecond = 1 / h;
    const n0 = a.n;
    const n5 = b.n;
    const n1 = Math.max(n0 + 1, n0 + Math.round(dRj * perSecond));
    const n2 = Math.max(n1 + 1, n0 + Math.round((dRj + dSt) * perSecond));
    const n4 = Math.min(n5 - 1, n5 - Math.round(dQr * perSecond));
    const n3 = Math.min(n4 - (dPr > 0 ? 1 : 0), n5 - Math.round((dPr + dQr) * perSecond));
    if (n3 <= n2) throw new Error(`synthetic ECG: RR interval of ${rr} s too short for the schedule`);
    // theta = pi within diastole (constant omega there).
    const nPi = n2 + Math.round(((Math.PI - a.off) / diastoleAngle) * (n3 - n2));
    const omegaD = diastoleAngle / ((n3 - n2) * h);
    push(n1, a.j, n0, k - 1);
    push(n2, a.off - a.j, n1, k - 1);
    if (nPi > n2) {
      ends[count] = nPi;
      omegas[count] = omegaD;
      owners[count++] = k - 1;
    }
    if (n3 > nPi) {
      ends[count] = n3;
      omegas[count] = omegaD;
      owners[count++] = k;
    }
    push(n4, b.qon - b.on, n3, k);
    push(n5, -b.qon, n4, k);
  }
  return { ends: ends.subarray(0, count), omegas: omegas.subarray(0, count), owners: owners.subarray(0, count) };
}

/** Fixed-step RK4 over the segments; writes z at internal samples firstOut + i * m. */
function integrate(beats: Beat[], h: number, firstOut: number, m: number, length: number, wanderDrive: number, wanderOmega: number, wanderPhase: number, out: Float32Array): void {
  const { ends, omegas, owners } = segments(beats, h);
  const t0 = beats[0].n * h;
  const lastOut = firstOut + (length - 1) * m;

  // Start on the limit cycle at beat 0's R peak, with z at its events' value there.
  let x = 1;
  let y = 0;
  let z = 0;
  {
    const e = beats[0].events;
    for (let i = 0; i < beats[0].count; i++) {
      const th = e[4 * i];
      z += (e[4 * i + 1] / (2 * e[4 * i + 2])) * Math.exp(-th * th * e[4 * i + 2]);
    }
  }

  let n = beats[0].n;
  let nextOut = firstOut;
  let written = 0;
  let omega = 0;
  let events = beats[0].events;
  let count = 0;
  const wander = wanderDrive !== 0;

  const dz = (px: number, py: number, pz: number, base: number): number => {
    const theta = Math.atan2(py, px);
    let sum = 0;
    for (let i = 0, p = 0; i < count; i++, p += 4) {
      let d = theta - events[p];
      if (d > Math.PI) d -= TWO_PI;
      else if (d < -Math.PI) d += TWO_PI;
      const limit = events[p + 3];
      if (d < limit && d > -limit) sum += events[p + 1] * d * Math.exp(-d * d * events[p + 2]);
    }
    return -omega * sum - LAMBDA * (pz - base);
  };

  let base0 = wander ? wanderDrive * Math.sin(wanderOmega * (n * h - t0) + wanderPhase) : 0;
  for (let s = 0; s < ends.length && written < length; s++) {
    const end = ends[s];
    omega = omegas[s];
    const beat = beats[owners[s]];
    events = beat.events;
    count = beat.count;
    const w = omega;
    const hh = h / 2;
    for (; n < end; n++) {
      if (n === nextOut) {
        out[written++] = z;
        nextOut += m;
        if (n >= lastOut) break;
      }
      let baseMid = 0;
      let base1 = 0;
      if (wander) {
        const t = n * h - t0;
        baseMid = wanderDrive * Math.sin(wanderOmega * (t + hh) + wanderPhase);
        base1 = wanderDrive * Math.sin(wanderOmega * (t + h) + wanderPhase);
      }
      // k1
      let r = Math.sqrt(x * x + y * y);
      let alpha = 1 - r;
      const k1x = alpha * x - w * y;
      const k1y = alpha * y + w * x;
      const k1z = dz(x, y, z, base0);
      // k2
      let px = x + hh * k1x;
      let py = y + hh * k1y;
      let pz = z + hh * k1z;
      r = Math.sqrt(px * px + py * py);
      alpha = 1 - r;
      const k2x = alpha * px - w * py;
      const k2y = alpha * py + w * px;
      const k2z = dz(px, py, pz, baseMid);
      // k3
      px = x + hh * k2x;
      py = y + hh * k2y;
      pz = z + hh * k2z;
      r = Math.sqrt(px * px + py * py);
      alpha = 1 - r;
      const k3x = alpha * px - w * py;
      const k3y = alpha * py + w * px;
      const k3z = dz(px, py, pz, baseMid);
      // k4
      px = x + h * k3x;
      py = y + h * k3y;
      pz = z + h * k3z;
      r = Math.sqrt(px * px + py * py);
      alpha = 1 - r;
      const k4x = alpha * px - w * py;
      const k4y = alpha * py + w * px;
      const k4z = dz(px, py, pz, base1);
      x += (h / 6) * (k1x + 2 * k2x + 2 * k3x + k4x);
      y += (h / 6) * (k1y + 2 * k2y + 2 * k3y + k4y);
      z += (h / 6) * (k1z + 2 * k2z + 2 * k3z + k4z);
      base0 = base1;
    }
  }
  if (written < length) throw new Error(`synthetic ECG: integration stopped after ${written} of ${length} samples`);
}
