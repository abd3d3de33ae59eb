/**
 * The static memory plan (TensorFlow Lite Micro's greedy planner, on its own): every buffer
 * (a run-time value, with its views, or a kernel's scratch) has a lifetime [first step, last
 * step]; buffers are placed largest first at the lowest offset of one arena where they
 * overlap no placed buffer alive at the same time. In-place kernels (element-wise ops whose
 * input dies at that step) reuse their input's buffer. The lower bound is the largest total
 * of buffers alive at one step: no plan of separate buffers can use less.
 */
import type { Step } from './lower.js';

/** What the planner reads of a step. */
export type PlannedStep = Pick<Step, 'inputs' | 'output' | 'moreOutputs' | 'inPlace' | 'scratch'>;

export interface Placement {
  name: string;
  bytes: number;
  offset: number;
  first: number;
  last: number;
}

export interface MemoryPlan {
  /** Arena offset in bytes of each value's buffer (graph inputs are read in place: absent). */
  offsets: Map<string, number>;
  /** Scratch offset of each step (-1 without scratch). */
  scratch: number[];
  arenaBytes: number;
  lowerBound: number;
  scratchBytes: number;
  placements: Placement[];
}

/** Every buffer's offset and size are multiples of it, so the arena must be aligned to it. */
export const ARENA_ALIGN = 8;
const align = (n: number) => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

export function planMemory(steps: PlannedStep[], sizes: Map<string, number>, views: Map<string, string>, graphInputs: string[], graphOutputs: string[]): MemoryPlan {
  // Views and in-place outputs share their source's buffer: resolve each value to its root.
  const root = new Map<string, string>();
  const rootOf = (name: string): string => {
    const source = views.get(name) ?? root.get(name);
    return source === undefined ? name : rootOf(source);
  };
  const inputs = new Set(graphInputs);
  const buffers = new Map<string, Placement>();
  steps.forEach((step, i) => {
    const source = step.inputs[0] === undefined ? undefined : rootOf(step.inputs[0]);
    const usedLater = (buffer: string) =>
      graphOutputs.some((o) => rootOf(o) === buffer) || steps.slice(i + 1).some((s) => s.inputs.some((v) => rootOf(v) === buffer));
    const fits = source !== undefined && (sizes.get(step.output) ?? 0) <= (buffers.get(source)?.bytes ?? 0);
    if (step.inPlace && source !== undefined && !inputs.has(source) && buffers.has(source) && fits && !usedLater(source)) {
      root.set(step.output, source);
    } else {
      buffers.set(step.output, { name: step.output, bytes: align(sizes.get(step.output)!), offset: 0, first: i, last: i });
    }
    for (const name of step.moreOutputs ?? []) buffers.set(name, { name, bytes: align(sizes.get(name)!), offset: 0, first: i, last: i });
  });
  // Lifetimes: from production to the last read of the buffer or of anything sharing it.
  steps.forEach((step, i) => step.inputs.forEach((v) => {
    const b = buffers.get(rootOf(v));
    if (b) b.last = Math.max(b.last, i);
  }));
  for (const o of graphOutputs) {
    const b = buffers.get(rootOf(o));
    if (b) b.last = steps.length;
  }
  const scratch: Placement[] = [];
  steps.forEach((s, i) => {
    const bytes = s.scratch?.bytes ?? 0;
    if (bytes > 0) scratch.push({ name: `scratch:${i}`, bytes: align(bytes), offset: 0, first: i, last: i });
  });

  const placed = bestPlacement([...buffers.values(), ...scratch]);
  const offsets = new Map<string, number>();
  const placedByName = new Map(placed.map((p) => [p.name, p]));
  for (const step of steps) for (const output of [step.output, ...(step.moreOutputs ?? [])]) offsets.set(output, placedByName.get(rootOf(output))!.offset);
  const scratchOffsets = steps.map((_, i) => placedByName.get(`scratch:${i}`)?.offset ?? -1);
  let lowerBound = 0;
  for (let i = 0; i <= steps.length; i++) lowerBound = Math.max(lowerBound, placed.filter((p) => p.first <= i && i <= p.last).reduce((sum, p) => sum + p.bytes, 0));
  return {
    offsets,
    scratch: scratchOffsets,
    arenaBytes: placed.reduce((max, p) => Math.max(max, p.offset + p.bytes), 0),
    lowerBound,
    scratchBytes: scratch.reduce((max, p) => Math.max(max, p.bytes), 0),
    placements: placed,
  };
}

/**
 * Greedy placement: each buffer at the lowest offset free during its lifetime. The order
 * decides the result, so several orders are tried (largest first, as TFLite Micro; longest
 * lived first; earliest first; largest area first) and the smallest arena is kept.
 */
function bestPlacement(buffers: Placement[]): Placement[] {
  const orders: ((a: Placement, b: Placement) => number)[] = [
    (a, b) => b.bytes - a.bytes || a.first - b.first,
    (a, b) => b.last - b.first - (a.last - a.first) || b.bytes - a.bytes || a.first - b.first,
    (a, b) => a.first - b.first || b.bytes - a.bytes,
    (a, b) => b.bytes * (b.last - b.first + 1) - a.bytes * (a.last - a.first + 1) || a.first - b.first,
  ];
  let best: Placement[] = [];
  let bestSize = Infinity;
  for (const order of orders) {
    const placed: Placement[] = [];
    for (const buffer of [...buffers].sort(order)) {
      const b = { ...buffer };
      const overlapping = placed.filter((p) => p.first <= b.last && b.first <= p.last).sort((p, q) => p.offset - q.offset);
      b.offset = 0;
      for (const p of overlapping) {
        if (b.offset + b.bytes <= p.offset) break;
        b.offset = Math.max(b.offset, p.offset + p.bytes);
      }
      placed.push(b);
    }
    const size = placed.reduce((max, p) => Math.max(max, p.offset + p.bytes), 0);
    if (size < bestSize) [best, bestSize] = [placed, size];
  }
  return best;
}

/** The buffer a value lives in, following views (for emission). */
export function resolveView(name: string, views: Map<string, string>): string {
  const source = views.get(name);
  return source === undefined ? name : resolveView(source, views);
}
