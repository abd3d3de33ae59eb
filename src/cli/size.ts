import { fail } from '../errors.js';

/** A size flag: plain bytes, or K / M suffixes (1024, 1024^2), optionally followed by B. */
export function parseSize(value: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)[bB]?\s*$/.exec(value);
  if (!match) fail(`${flag} '${value}' is not a size (bytes, or with a K or M suffix: 64K, 1.5M)`);
  const bytes = Number(match[1]) * (match[2] === '' ? 1 : match[2].toLowerCase() === 'k' ? 1024 : 1024 * 1024);
  if (!Number.isFinite(bytes) || bytes <= 0) fail(`${flag} '${value}' must be a positive size`);
  return Math.floor(bytes);
}

/** A number flag within [min, max]. */
export function parseNumber(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) fail(`${flag} must be a number in [${min}, ${max}], got '${value}'`);
  return number;
}

/** parseNumber for a count, a number of epochs or a seed. */
export function parseWholeNumber(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  const number = parseNumber(value, flag, fallback, min, max);
  if (!Number.isInteger(number)) fail(`${flag} must be a whole number, got '${value}'`);
  return number;
}
