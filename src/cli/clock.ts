/**
 * --clock: instructions per inference (counted under QEMU) as a time at a core clock. QEMU has
 * no cycle model, so this is a lower bound: a single-issue core (M0, M3, M4, M33) needs at least
 * one cycle per instruction; M7 and M55 can issue two per cycle, so the bound halves there.
 * Wait states, multi-cycle instructions and pipeline stalls only add to it.
 */
import { fail } from '../errors.js';

/** Most instructions each core issues per cycle. */
const ISSUE_WIDTH: Record<string, number> = { 'cortex-m7': 2, 'cortex-m55': 2 };

/** A clock: Hz, or with a k / M / G suffix (64M, 64MHz, 64000000, 1.5G). */
export function parseClock(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)(?:[hH][zZ])?\s*$/.exec(value);
  if (!match) fail(`--clock '${value}' is not a frequency (Hz, or with a k, M or G suffix: 64M, 64MHz, 64000000)`);
  const hz = Number(match[1]) * { '': 1, k: 1e3, m: 1e6, g: 1e9 }[match[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  if (!(hz >= 1 && Number.isFinite(hz))) fail(`--clock '${value}' must be at least 1 Hz`);
  return Math.round(hz);
}

export interface ClockTime {
  hz: number;
  issueWidth: number;
  /** instructions / (issue width x clock): no run on the device can be faster. */
  secondsLowerBound: number;
  note: string;
}

export function timeAtClock(instructions: number, hz: number, target: string): ClockTime {
  const issueWidth = ISSUE_WIDTH[target] ?? 1;
  const perCycle = issueWidth === 1 ? 'at least one cycle per instruction' : `at most ${issueWidth} instructions issued per cycle`;
  return {
    hz,
    issueWidth,
    secondsLowerBound: instructions / (issueWidth * hz),
    note: `a lower bound: QEMU counts instructions, not cycles; ${target}: ${perCycle}, and wait states and multi-cycle instructions add to it`,
  };
}

function formatHz(hz: number): string {
  return hz >= 1e9 ? `${hz / 1e9} GHz` : hz >= 1e6 ? `${hz / 1e6} MHz` : hz >= 1e3 ? `${hz / 1e3} kHz` : `${hz} Hz`;
}

function formatSeconds(seconds: number): string {
  return seconds >= 1 ? `${seconds.toFixed(3)} s` : seconds >= 1e-3 ? `${(seconds * 1e3).toFixed(3)} ms` : `${(seconds * 1e6).toFixed(1)} us`;
}

/** "at least 78.75 ms per inference at 64 MHz (a lower bound: ...)" */
export function clockLine(time: ClockTime): string {
  return `at ${formatHz(time.hz)}: at least ${formatSeconds(time.secondsLowerBound)} per inference (${time.note})`;
}
