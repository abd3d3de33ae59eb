/**
 * Flash and RAM of a linked image: totals from arm-none-eabi-size (flash = text + data, RAM =
 * data + bss, where bss includes the stack the linker script reserves), and what takes the
 * space from the linker's map file (every input section kept after --gc-sections, by object):
 * the weights, the model's code and constants, the runtime kernels, the C library members the
 * model pulls in, ecgc's harness (start-up, semihosting, test I/O, and the library members
 * only it pulls in: not part of the model), the arena and the stack. Budgets count the model
 * (everything but the harness; the stack reserved included). Beside it, the compiler's
 * estimate before linking, and the --flash / --ram budget checks (exit 3).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { runChild } from '../util/child.js';
import { EXIT_BUDGET, EcgcError } from '../errors.js';

export const CROSS_SIZE = 'arm-none-eabi-size';

export type Group = 'weights' | 'model' | 'kernels' | 'library' | 'harness' | 'padding' | 'stack';
export type Kind = 'code' | 'constants' | 'data' | 'bss' | 'stack';

export interface Part {
  group: Group;
  kind: Kind;
  bytes: number;
}

export interface ImageSizes {
  /** arm-none-eabi-size (Berkeley): text includes .rodata (so the weights). */
  text: number;
  data: number;
  bss: number;
  flash: number;
  ram: number;
  /** Allocated sections (arm-none-eabi-size -A), bytes. */
  sections: { name: string; bytes: number }[];
  /** Attribution from the map file; sums to flash + ram (data counted in both). */
  parts: Part[];
  stackReserved: number;
}

export interface Budget {
  flash?: number;
  ram?: number;
}

/** Which group an object of the link belongs to. */
export interface Origins {
  /** The model's C prefix: <name>.o is the schedule, <name>_weights.o the weights. */
  model: string;
  /** Object base names of the runtime kernels. */
  kernels: Set<string>;
}

const ALLOCATED = new Set(['.vectors', '.text', '.rodata', '.ARM.exidx', '.data', '.bss', '.stack']);

export async function imageSizes(elf: string, map: string, origins: Origins): Promise<ImageSizes> {
  const berkeley = await runChild(CROSS_SIZE, [elf]);
  const [text, data, bss] = berkeley.stdout.split('\n')[1].trim().split(/\s+/).map(Number);
  const sysv = await runChild(CROSS_SIZE, ['-A', elf]);
  const sections = sysv.stdout
    .split('\n')
    .map((line) => /^(\.\S+)\s+(\d+)\s+\d+/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && ALLOCATED.has(m[1]) && Number(m[2]) > 0)
    .map((m) => ({ name: m[1], bytes: Number(m[2]) }));
  const parts = mapParts(readFileSync(map, 'utf8'), origins);
  const stackReserved = sections.find((s) => s.name === '.stack')?.bytes ?? 0;
  return { text, data, bss, flash: text + data, ram: data + bss, sections, parts, stackReserved };
}

/** Input sections of the allocated output sections, summed by group and kind. */
export function mapParts(map: string, origins: Origins): Part[] {
  const pulledBy = archiveReferences(map);
  const lines = map.slice(Math.max(0, map.indexOf('Linker script and memory map'))).split('\n');
  const totals = new Map<string, Part>();
  const add = (group: Group, kind: Kind, bytes: number) => {
    const key = `${group}/${kind}`;
    const part = totals.get(key) ?? { group, kind, bytes: 0 };
    part.bytes += bytes;
    totals.set(key, part);
  };
  let output = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const top = /^(\.\S+)/.exec(line);
    if (top) {
      output = top[1];
      continue;
    }
    if (!ALLOCATED.has(output)) continue;
    let entry = /^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)(?:\s+(\S.*?))?\s*$/.exec(line);
    if (!entry && /^ \S+$/.test(line)) {
      const next = /^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*?)\s*$/.exec(lines[i + 1] ?? '');
      if (next) {
        entry = [line, line.trim(), next[1], next[2], next[3]] as unknown as RegExpExecArray;
        i++;
      }
    }
    if (!entry) continue;
    const bytes = parseInt(entry[3], 16);
    if (bytes === 0) continue;
    const kind: Kind = output === '.stack' ? 'stack' : output === '.data' ? 'data' : output === '.bss' ? 'bss' : output === '.rodata' ? 'constants' : 'code';
    if (output === '.stack') add('stack', 'stack', bytes);
    else if (entry[1] === '*fill*') add('padding', kind, bytes);
    else add(groupOf(entry[4] ?? '', origins, pulledBy), kind, bytes);
  }
  return [...totals.values()];
}

/**
 * The map's first section, "Archive member included to satisfy reference by file (symbol)":
 * which object made the linker take each library member. Objects are linked model first, so a
 * member both need is the model's.
 */
export function archiveReferences(map: string): Map<string, string> {
  const start = map.indexOf('Archive member included');
  if (start < 0) return new Map();
  const end = map.indexOf('Discarded input sections', start);
  const text = map.slice(start, end < 0 ? map.length : end);
  const references = new Map<string, string>();
  for (const m of text.matchAll(/^(\S+\.a\([^)]+\))\s+(\S.*?) \([^()]*\)$/gm)) references.set(m[1], m[2]);
  return references;
}

function groupOf(object: string, origins: Origins, pulledBy: Map<string, string>): Group {
  if (object === 'linker stubs') return 'library';
  if (/\.a\(/.test(object)) {
    // Follow members pulled in by other members up to the object that needed the first.
    const seen = new Set<string>();
    let by = pulledBy.get(object);
    while (by !== undefined && /\.a\(/.test(by) && !seen.has(by)) {
      seen.add(by);
      by = pulledBy.get(by);
    }
    return by !== undefined && !/\.a\(/.test(by) && groupOf(by, origins, pulledBy) === 'harness' ? 'harness' : 'library';
  }
  const file = basename(object);
  if (file === `${origins.model}_weights.o`) return 'weights';
  if (file === `${origins.model}.o`) return 'model';
  if (origins.kernels.has(file)) return 'kernels';
  return 'harness';
}

const KIND_TEXT: Record<Kind, string> = { code: 'code', constants: 'constants', data: 'data', bss: 'RAM', stack: 'reserved' };

export function sumParts(parts: Part[], where: (p: Part) => boolean): number {
  return parts.filter(where).reduce((sum, p) => sum + p.bytes, 0);
}

const inFlash = (p: Part) => p.kind === 'code' || p.kind === 'constants' || p.kind === 'data';
const inRam = (p: Part) => p.kind === 'data' || p.kind === 'bss' || p.kind === 'stack';

/**
 * "model: flash 12.3 KB = weights 8.1 KB + kernels code 2.0 KB + ...", then its RAM, largest
 * first: the model's parts by kind, the C library it pulls in and alignment each as one item;
 * then ecgc's harness, which budgets do not count.
 */
export function breakdown(sizes: ImageSizes, stackPeak?: number): string[] {
  const describe = (where: (p: Part) => boolean) => {
    const items = new Map<string, number>();
    for (const p of sizes.parts.filter((part) => part.group !== 'harness' && where(part))) {
      const label =
        p.group === 'weights' ? 'weights'
        : p.group === 'stack' ? `stack${stackPeak === undefined ? '' : ` (peak ${formatSize(stackPeak)} measured)`}`
        : p.group === 'model' ? (p.kind === 'bss' ? 'arena' : `model ${KIND_TEXT[p.kind]}`)
        : p.group === 'kernels' ? `kernels ${KIND_TEXT[p.kind]}`
        : p.group === 'library' ? 'libc/libm/libgcc'
        : 'alignment';
      items.set(label, (items.get(label) ?? 0) + p.bytes);
    }
    return [...items].sort((a, b) => b[1] - a[1]).map(([label, bytes]) => (label.startsWith('stack') ? `${formatSize(bytes)} ${label.replace(/^stack/, 'stack reserved')}` : `${label} ${formatSize(bytes)}`)).join(' + ');
  };
  const model = modelFootprint(sizes);
  const harness = harnessFootprint(sizes);
  return [
    `model: flash ${formatSize(model.flash)} = ${describe(inFlash)}`,
    `model: RAM ${formatSize(model.ram)} = ${describe(inRam)}`,
    `ecgc harness (start-up, semihosting, test I/O; not counted in --flash / --ram): flash ${formatSize(harness.flash)}, RAM ${formatSize(harness.ram)}`,
  ];
}

export interface Footprint {
  flash: number;
  ram: number;
}

/** Flash and RAM of ecgc's harness in the image: start-up, semihosting, test I/O and the library members only they need. */
export function harnessFootprint(sizes: ImageSizes): Footprint {
  const harness = (p: Part) => p.group === 'harness';
  return { flash: sumParts(sizes.parts, (p) => harness(p) && inFlash(p)), ram: sumParts(sizes.parts, (p) => harness(p) && inRam(p)) };
}

/** Flash and RAM the model itself takes in the image (what budgets count): everything but ecgc's harness. */
export function modelFootprint(sizes: ImageSizes): Footprint {
  const harness = harnessFootprint(sizes);
  return { flash: sizes.flash - harness.flash, ram: sizes.ram - harness.ram };
}

export function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** Exact bytes beside the rounded size, where a budget is compared. */
const exactSize = (bytes: number) => `${formatSize(bytes)} (${bytes.toLocaleString('en-US')} B)`;

/** Exit 3 when the model in the linked image exceeds a budget, with what takes the space. */
export function checkImageBudget(sizes: ImageSizes, budget: Budget, what: string): void {
  const model = modelFootprint(sizes);
  const over = [
    budget.flash !== undefined && model.flash > budget.flash ? `the model takes flash ${exactSize(model.flash)} > --flash ${exactSize(budget.flash)}` : '',
    budget.ram !== undefined && model.ram > budget.ram ? `the model takes RAM ${exactSize(model.ram)} > --ram ${exactSize(budget.ram)}` : '',
  ].filter(Boolean);
  if (over.length > 0) throw new EcgcError([`over budget: ${what}, linked image: ${over.join(', ')}`, ...breakdown(sizes).map((line) => `  ${line}`)].join('\n'), EXIT_BUDGET);
}

/**
 * The linker script's MEMORY for a budget: the budget plus the harness's measured share (the
 * harness is linked in but not counted), within the board's memory, so the linker's own
 * overflow check still guards the budget.
 */
export function budgetMemory(budget: Budget, harness: Footprint, board: { flash: number; ram: number }): { flashBytes: number; ramBytes: number } {
  return {
    flashBytes: Math.min(board.flash, budget.flash === undefined ? Infinity : budget.flash + harness.flash),
    ramBytes: Math.min(board.ram, budget.ram === undefined ? Infinity : budget.ram + harness.ram),
  };
}

export interface Estimate {
  /** Flash the model needs at least: its weight arrays (code is only known after linking). */
  weightBytes: number;
  arenaBytes: number;
  stackBytes: number;
  /** Largest weight arrays, for the breakdown. */
  layers: { node: string; bytes: number }[];
}

/** Exit 3 when the estimate before linking already exceeds a budget. */
export function checkEstimateBudget(estimate: Estimate, budget: Budget, what: string): void {
  const ram = estimate.arenaBytes + estimate.stackBytes;
  const over = [
    budget.flash !== undefined && estimate.weightBytes > budget.flash ? `the weights alone take ${formatSize(estimate.weightBytes)} > --flash ${formatSize(budget.flash)}` : '',
    budget.ram !== undefined && ram > budget.ram ? `the arena and the stack take ${formatSize(ram)} > --ram ${formatSize(budget.ram)}` : '',
  ].filter(Boolean);
  if (over.length === 0) return;
  const largest = [...estimate.layers].sort((a, b) => b.bytes - a.bytes);
  const shown = largest.slice(0, 5).map((l) => `${l.node} ${formatSize(l.bytes)}`);
  if (largest.length > 5) shown.push(`${largest.length - 5} more ${formatSize(largest.slice(5).reduce((s, l) => s + l.bytes, 0))}`);
  throw new EcgcError(
    [
      `over budget: ${what}, estimate before linking: ${over.join('; ')}`,
      `  flash >= weights ${formatSize(estimate.weightBytes)}${shown.length ? ` = ${shown.join(' + ')}` : ''} (+ code, known after linking)`,
      `  RAM >= arena ${formatSize(estimate.arenaBytes)} (activations and scratch, from the memory planner) + stack ${formatSize(estimate.stackBytes)} reserved (--stack)`,
    ].join('\n'),
    EXIT_BUDGET,
  );
}
