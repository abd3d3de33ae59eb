/**
 * Float32 approximations of exp, log, tanh, sigmoid and erf with a fixed operation sequence.
 *
 * libm differs between glibc and newlib, so the reference never calls Math.exp and friends
 * in a path the generated C must match. Every + - * / below is rounded to float32
 * (Math.fround), and runtime-c/ecgc_approx.h performs the same operations in the same
 * order, so both produce the same bits. Coefficients come from src/ops/fit_approximations.py.
 * Accuracy (measured by test/ref/approx.test.ts): a few float32 ulps.
 */
const f = Math.fround;

// Inputs are clamped so that 2^n stays a normal float32: exp(-87) > FLT_MIN, exp(88) < FLT_MAX.
export const EXP_MIN_INPUT = -87;
export const EXP_MAX_INPUT = 88;
const LOG2E = f(1.4426950408889634);
// ln 2 split in two: LN2_HI has trailing zero bits, so n * LN2_HI is exact for |n| < 512.
const LN2_HI = f(0.693145751953125);
const LN2_LO = f(1.428606765330187e-6);
const EXP_C = [0.5, 0.1666666716337204, 0.041666463017463684, 0.0083332983776927, 0.0013933656737208366, 0.0001989927259273827].map(f);

/** 2^n for n in [-126, 127] as exact float32 powers of two (the C builds them from bits). */
const POW2 = new Float32Array(254);
for (let n = -126; n <= 127; n++) POW2[n + 126] = 2 ** n;

/** Round half away from zero, as the C does with a truncating (int) cast. */
function roundToInt(t: number): number {
  return Math.trunc(t >= 0 ? f(t + 0.5) : f(t - 0.5));
}

/**
 * exp(x) = 2^n * e^r with n = round(x / ln2) and r = x - n ln2 (Cody-Waite, two steps);
 * e^r = 1 + r + r^2 * P(r), P evaluated by Horner from the highest coefficient.
 */
export function expF32(x: number): number {
  x = x < EXP_MIN_INPUT ? EXP_MIN_INPUT : x > EXP_MAX_INPUT ? EXP_MAX_INPUT : x;
  const n = roundToInt(f(x * LOG2E));
  let r = f(x - f(n * LN2_HI));
  r = f(r - f(n * LN2_LO));
  let p = EXP_C[5];
  p = f(f(p * r) + EXP_C[4]);
  p = f(f(p * r) + EXP_C[3]);
  p = f(f(p * r) + EXP_C[2]);
  p = f(f(p * r) + EXP_C[1]);
  p = f(f(p * r) + EXP_C[0]);
  const er = f(f(f(f(r * r) * p) + r) + 1);
  return f(er * POW2[n + 126]);
}

const TANH_C = [-0.3333333134651184, 0.1333288997411728, -0.05386392027139664, 0.02104569412767887, -0.006155206821858883].map(f);
/** Above this |x|, tanh(x) rounds to +-1 in float32. */
const TANH_SATURATION = 9;

/** tanh: odd polynomial below |x| = 0.625, else 1 - 2 / (e^{2|x|} + 1) with the sign restored. */
export function tanhF32(x: number): number {
  const a = x < 0 ? -x : x;
  if (a < 0.625) {
    const s = f(x * x);
    let p = TANH_C[4];
    p = f(f(p * s) + TANH_C[3]);
    p = f(f(p * s) + TANH_C[2]);
    p = f(f(p * s) + TANH_C[1]);
    p = f(f(p * s) + TANH_C[0]);
    return f(f(f(p * s) * x) + x);
  }
  const t = a > TANH_SATURATION ? 1 : f(1 - f(2 / f(expF32(f(2 * a)) + 1)));
  return x < 0 ? -t : t;
}

/** sigmoid(x) = 1 / (1 + e^-x). */
export function sigmoidF32(x: number): number {
  return f(1 / f(1 + expF32(-x)));
}

const ERF_C = [1.128379225730896, -0.3761262893676758, 0.11283625662326813, -0.02685539983212948, 0.0051912181079387665, -0.0008034844067879021, 7.933485903777182e-5].map(f);
const ERFC_C = [0.0002749467676039785, 0.5589597225189209, 0.04260820895433426, -0.4739520251750946, 0.5021969676017761, -0.2492048144340515, 0.029908312484622, 0.025662770494818687, -0.008870569989085197].map(f);
/** Above this |x|, erf(x) rounds to +-1 in float32 (erfc(4) = 1.5e-8). */
const ERF_SATURATION = 4;

/**
 * erf: x * P(x^2) below |x| = 1; else 1 - e^{-x^2} * Q(1/|x|) (erfc scaled by e^{x^2} is
 * smooth in 1/x) with the sign restored; +-1 beyond |x| = 4.
 */
export function erfF32(x: number): number {
  const a = x < 0 ? -x : x;
  if (a < 1) {
    const s = f(x * x);
    let p = ERF_C[6];
    for (let i = 5; i >= 0; i--) p = f(f(p * s) + ERF_C[i]);
    return f(p * x);
  }
  let t = 1;
  if (a < ERF_SATURATION) {
    const u = f(1 / a);
    let q = ERFC_C[8];
    for (let i = 7; i >= 0; i--) q = f(f(q * u) + ERFC_C[i]);
    t = f(1 - f(expF32(-f(a * a)) * q));
  }
  return x < 0 ? -t : t;
}

// log: musl's logf (from FreeBSD's e_logf.c); its Lg coefficients give |error| < 2^-34.24 on the reduced range.
const LOG_LN2_HI = f(6.9313812256e-1);
const LOG_LN2_LO = f(9.0580006145e-6);
const LG = [0xaaaaaa * 2 ** -24, 0xccce13 * 2 ** -25, 0x91e9ee * 2 ** -25, 0xf89e26 * 2 ** -26].map(f);
const SQRT_HALF_BITS = 0x3f3504f3;
const bitsView = new Uint32Array(1);
const floatView = new Float32Array(bitsView.buffer);

/**
 * log(x) = k ln2 + log(m) with x = m 2^k, m in [sqrt(1/2), sqrt(2)) taken from the bits
 * (subnormals scaled by 2^25 first); log(m) = log((1+s)/(1-s)) for s = f / (2 + f), f = m - 1,
 * as f - hfsq + s (hfsq + R(s^2)). log(0) = -inf, log(inf) = inf, log(x < 0) = NaN (0x7fc00000).
 */
export function logF32(x: number): number {
  floatView[0] = x;
  let ix = bitsView[0];
  let k = 0;
  if (ix < 0x00800000 || ix >>> 31) {
    if ((ix & 0x7fffffff) === 0) return -Infinity;
    if (ix >>> 31) return NaN;
    k -= 25;
    floatView[0] = f(x * 2 ** 25);
    ix = bitsView[0];
  } else if (ix >= 0x7f800000) {
    return x;
  } else if (ix === 0x3f800000) {
    return 0;
  }
  ix = (ix + (0x3f800000 - SQRT_HALF_BITS)) >>> 0;
  k += (ix >>> 23) - 0x7f;
  bitsView[0] = (ix & 0x007fffff) + SQRT_HALF_BITS;
  const m = floatView[0];
  const fm = f(m - 1);
  const s = f(fm / f(2 + fm));
  const z = f(s * s);
  const w = f(z * z);
  const t1 = f(w * f(LG[1] + f(w * LG[3])));
  const t2 = f(z * f(LG[0] + f(w * LG[2])));
  const r = f(t2 + t1);
  const hfsq = f(f(0.5 * fm) * fm);
  const dk = k;
  return f(f(f(f(f(s * f(hfsq + r)) + f(dk * LOG_LN2_LO)) - hfsq) + fm) + f(dk * LOG_LN2_HI));
}

/** log(1 + u) for u >= 0, accurate for small u: log(w) * u / (w - 1) with w = 1 + u corrects w's rounding (Goldberg). */
export function log1pF32(u: number): number {
  const w = f(1 + u);
  if (w === 1) return u;
  return f(f(logF32(w) * u) / f(w - 1));
}

/** softplus(x) = log(1 + e^x), as max(x, 0) + log1p(e^-|x|) so that neither end loses precision or overflows. */
export function softplusF32(x: number): number {
  return f((x > 0 ? x : 0) + log1pF32(expF32(-(x < 0 ? -x : x))));
}

/** float32 NaN with one bit pattern on every target (0x7fc00000), as logF32 gives. */
const NAN_F32 = NaN;
const TWO_POW_24 = 2 ** 24;

/**
 * x^y for any float32 x and y: 1 when y = 0 or x = 1; integer exponents |y| <= 8 by
 * repeated multiplication left to right (x^3 = (x * x) * x), 1 / x^|y| when negative; y = 0.5
 * as the correctly rounded sqrt; otherwise e^(y log|x|), negated for a negative x and an odd
 * integer y, NaN for a negative x and a non-integer y. e^t is 0 below t = -87 (the result
 * underflows: below 1.7e-38) and +inf above t = 88 (results from e^88 = 1.65e38 to FLT_MAX round to inf).
 */
export function powF32(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (Number.isNaN(x) || Number.isNaN(y)) return NAN_F32;
  const a = y < 0 ? -y : y;
  // every float32 from 2^24 on is an even integer
  const integer = a < TWO_POW_24 ? Math.trunc(a) === a : a !== Infinity;
  if (integer && a <= 8) {
    let r = x;
    for (let i = 1; i < a; i++) r = f(r * x);
    return y < 0 ? f(1 / r) : r;
  }
  if (x < 0 && !integer) return NAN_F32;
  if (y === 0.5) return f(Math.sqrt(x));
  const t = f(y * logF32(x < 0 ? -x : x));
  const r = t > EXP_MAX_INPUT ? Infinity : t >= EXP_MIN_INPUT ? expF32(t) : 0;
  const odd = integer && a < TWO_POW_24 && a % 2 === 1;
  return x < 0 && odd ? -r : r;
}
