/**
 * The memory planner on schedules small enough to plan by hand: lifetimes, 8-byte alignment,
 * in-place reuse (and when it is refused), views, scratch, and the lower bound (the most bytes
 * alive at one step).
 */
import { describe, expect, it } from 'vitest';
import { type PlannedStep, planMemory } from '../../src/codegen/planner.js';

function step(inputs: string[], output: string, options: { inPlace?: boolean; scratchBytes?: number } = {}): PlannedStep {
  return { inputs, output, inPlace: options.inPlace ?? false, scratch: { bytes: options.scratchBytes ?? 0, check: '' } };
}

const plan = (steps: PlannedStep[], sizes: Record<string, number>, outputs: string[], views: Record<string, string> = {}) =>
  planMemory(steps, new Map(Object.entries(sizes)), new Map(Object.entries(views)), ['x'], outputs);

describe('planMemory', () => {
  it('a chain: a [0,1] 104 B at 0, b [1,2] 64 B beside it, c [2,end] back at 0; arena = lower bound = 168', () => {
    // sizes round up to 8 bytes: a 100 -> 104, b 60 -> 64, c 40
    const m = plan([step(['x'], 'a'), step(['a'], 'b'), step(['b'], 'c')], { x: 400, a: 100, b: 60, c: 40 }, ['c']);
    expect(Object.fromEntries(m.offsets)).toEqual({ a: 0, b: 104, c: 0 });
    expect(m.arenaBytes).toBe(168);
    expect(m.lowerBound).toBe(168);
    expect(m.placements.map((p) => [p.name, p.first, p.last])).toEqual(expect.arrayContaining([['a', 0, 1], ['b', 1, 2], ['c', 2, 3]]));
    expect(m.scratch).toEqual([-1, -1, -1]);
  });

  it('an in-place step takes its input buffer when that is the input last use: 104 + 24 = 128 B', () => {
    const m = plan([step(['x'], 'a'), step(['a'], 'r', { inPlace: true }), step(['r'], 'y')], { x: 400, a: 100, r: 100, y: 20 }, ['y']);
    expect(m.offsets.get('r')).toBe(m.offsets.get('a'));
    expect(m.placements.find((p) => p.name === 'a')).toMatchObject({ first: 0, last: 2 });
    expect(m.arenaBytes).toBe(128);
    expect(m.lowerBound).toBe(128);
  });

  it('refuses in place when the input is read later, and never writes over the graph input', () => {
    const later = plan([step(['x'], 'a'), step(['a'], 'r', { inPlace: true }), step(['a', 'r'], 'y')], { x: 400, a: 96, r: 96, y: 8 }, ['y']);
    expect(later.offsets.get('r')).not.toBe(later.offsets.get('a'));
    // a and r alive together at step 2, with y: 96 + 96 + 8
    expect(later.arenaBytes).toBe(200);
    expect(later.lowerBound).toBe(200);
    const input = plan([step(['x'], 'r', { inPlace: true })], { x: 64, r: 64 }, ['r']);
    expect(input.offsets.get('r')).toBe(0);
    expect(input.arenaBytes).toBe(64);
  });

  it("a view keeps its source alive until the view's last read", () => {
    // v is a view of a (a Reshape): b reads v at step 1, so a lives [0,1] and c reuses offset 0
    const m = plan([step(['x'], 'a'), step(['v'], 'b'), step(['b'], 'c')], { x: 64, a: 64, v: 64, b: 64, c: 64 }, ['c'], { v: 'a' });
    expect(m.placements.find((p) => p.name === 'a')).toMatchObject({ first: 0, last: 1 });
    expect(Object.fromEntries(m.offsets)).toEqual({ a: 0, b: 64, c: 0 });
    expect(m.arenaBytes).toBe(128);
  });

  it("places a step's scratch for that step only: 104 + 32 at step 0, then b where the scratch was", () => {
    const m = plan([step(['x'], 'a', { scratchBytes: 30 }), step(['a'], 'b')], { x: 64, a: 100, b: 16 }, ['b']);
    expect(m.scratch).toEqual([104, -1]);
    expect(m.offsets.get('b')).toBe(104);
    expect(m.scratchBytes).toBe(32);
    expect(m.arenaBytes).toBe(136);
    expect(m.lowerBound).toBe(136);
  });
});
