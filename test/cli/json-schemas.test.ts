/**
 * Every --json output against docs/json.md (each field printed is documented, each documented
 * field is printed by one of the runs below); compile --report (JSON and Markdown) and
 * --measure / --clock; bench measures what compile ships (same flags, same schedule, same
 * instructions).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ecgc } from '../helpers/cli.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { fixturePath } from '../helpers/fixtures.js';

const available = await cortexToolsAvailable('--json schema');
const model = fixturePath('mobilenet1d', 'model.onnx');
const dir = mkdtempSync(join(tmpdir(), 'ecgc-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The documented paths of each schema in docs/json.md: "- `path`" lines under "## <schema>". */
function documented(): Map<string, string[]> {
  const schemas = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of readFileSync(join(ROOT, 'docs', 'json.md'), 'utf8').split('\n')) {
    const heading = /^## (ecgc\.\S+)$/.exec(line);
    if (heading) schemas.set(heading[1], (current = []));
    const field = /^- `([^`]+)`/.exec(line);
    if (field && current) current.push(field[1]);
  }
  return schemas;
}

/** Every path in a JSON value: a.b for fields, a[] for array elements. */
function paths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [`${prefix}[]`, ...value.flatMap((v) => paths(v, `${prefix}[]`))];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...paths(v, path)];
  });
}

const pattern = (path: string) => new RegExp(`^${path.replace(/[.[\]]/g, '\\$&').replace(/\*/g, '[^.[\\]]+')}$`);

function checkAgainstDocs(schema: string, outputs: unknown[]): void {
  const fields = documented().get(schema);
  expect(fields, `docs/json.md documents ${schema}`).toBeDefined();
  // A field, or an object or array on the way to one ("device" for "device.target").
  const prefixes = fields!.flatMap((f) => f.split(/(?=[.[])/).map((_, i, parts) => pattern(parts.slice(0, i + 1).join(''))));
  const covered = (path: string) => prefixes.some((p) => p.test(path));
  const printed = outputs.flatMap((o) => paths(o));
  expect(printed.filter((path) => !covered(path)), `printed by ${schema} but not documented`).toEqual([]);
  expect(fields!.filter((f) => !printed.some((path) => pattern(f).test(path))), `documented for ${schema} but never printed`).toEqual([]);
}

const json = async (args: string[]) => {
  const r = await ecgc([...args, '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe.skipIf(!available)('--json outputs and compile --report', () => {
  let compiled: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  let benched: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  let explained: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  beforeAll(async () => {
    // --ram 16K: the layer-by-layer arena (17.6 KB) does not fit, so auto picks stream
    compiled = await json(['compile', model, '--target', 'cortex-m4f', '--out', join(dir, 'c'), '--ram', '16K', '--clock', '64M', '--report', join(dir, 'report')]);
    benched = await json(['bench', model, '--target', 'cortex-m4f', '--count', '1', '--ram', '16K', '--clock', '64M', '--break-even', '--shape', '4x4x3x16']);
    explained = await json(['bench', model, '--target', 'cortex-m4f', '--count', '1', '--explain']);
  }, 120_000);

  it("bench --explain prices <name>_explain: instructions after a run, and the class weights' flash", () => {
    const cost = explained.model.float32.explain;
    expect(benched.model.float32.explain).toBeNull();
    expect(cost.instructions).toBeGreaterThan(0);
    expect(cost.instructions).toBeLessThan(explained.model.float32.instructionsPerInference);
    expect(cost.weightBytes).toBe(4 * 5 * 24); // 5 classes x 24 channels, float32
    expect(cost.flash).toBeGreaterThanOrEqual(cost.weightBytes);
  });

  it('bench measures what compile ships with the same flags', () => {
    expect(compiled.schedule.name).toBe('stream');
    expect(benched.model.schedule).toEqual(compiled.schedule);
    expect(benched.model.float32.layers.map((l: { op: string }) => l.op)).toEqual(['Stream', 'Gemm']);
    expect(benched.model.float32.instructionsPerInference).toBe(compiled.measured.instructionsPerInference);
    // the same model; compile's image also calls the column-at-a-time API (its check), so it keeps that code too
    expect(benched.model.float32.model.ram).toBe(compiled.device.images[0].model.ram);
    expect(benched.model.float32.model.flash).toBeLessThanOrEqual(compiled.device.images[0].model.flash);
  });

  it('compile --measure prints the schedule, why, and what the other one costs', async () => {
    const m = compiled.measured;
    expect(compiled.schedule.ram.layers).toBeGreaterThan(16 * 1024);
    expect(compiled.schedule.ram.stream).toBeLessThanOrEqual(16 * 1024);
    expect(m.otherSchedule.name).toBe('layers');
    expect(m.otherSchedule.instructionsPerInference).toBeLessThan(m.instructionsPerInference);
    expect(m.clock.secondsLowerBound).toBe(m.instructionsPerInference / 64e6);
    expect(m.layers.reduce((s: number, l: { macs: number }) => s + l.macs, 0)).toBe(compiled.macs);
    // auto traded instructions for RAM: compile measures that price without being asked
    const text = await ecgc(['compile', model, '--target', 'cortex-m4f', '--out', join(dir, 't'), '--ram', '16K']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^schedule stream \(Conv chains depth first, one time step at a time\): auto: the layer-by-layer arena and stack \(19\.6 KB\) exceed --ram 16\.0 KB; depth first they take 3\.3 KB/m);
    const line = /^measured \(-O2, qemu-system-arm -M mps2-an386; instructions, not cycles\): ([\d,]+) instructions per inference \([\d.]+ M\), schedule stream; the layers schedule would take [\d.]+ M \(this one costs ([\d.]+)x that\)$/m.exec(text.stdout);
    expect(line, text.stdout).not.toBeNull();
    expect(Number(line![1].replace(/,/g, ''))).toBe(m.instructionsPerInference);
    expect(line![2]).toBe((m.instructionsPerInference / m.otherSchedule.instructionsPerInference).toFixed(2)); // printed with toFixed(2)
    // without --measure, compile says where the figure comes from
    const unmeasured = await ecgc(['compile', model, '--target', 'cortex-m4f', '--out', join(dir, 'u')]);
    expect(unmeasured.stdout).toMatch(/^schedule layers \(layer by layer\): auto: no --ram budget/m);
    expect(unmeasured.stdout).toMatch(/^instructions per inference: not measured \(--measure, or ecgc bench with the same flags\)$/m);
  }, 60_000);

  it('--report writes the JSON compile prints and a Markdown report with the same figures', () => {
    const written = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(written).toEqual(compiled);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain(`- schedule **stream**: ${compiled.schedule.reason}`);
    expect(md).toContain(`| /fc/Gemm | Gemm | 120 | 125 | float32 | ${compiled.layers.at(-1).weightBytes} | ${compiled.layers.at(-1).activationBytes} |`);
    expect(md).toContain(`| the model (counted in budgets) | ${compiled.device.images[0].model.flash.toLocaleString('en-US')} |`);
    expect(md).toContain(`- ${compiled.measured.instructionsPerInference.toLocaleString('en-US')} instructions per inference`);
    expect(md).toMatch(/at least [\d.]+ ms per inference \(a lower bound: QEMU counts instructions, not cycles/);
  });

  it('refuses an existing report without --force, and --measure on the host', async () => {
    const again = await ecgc(['compile', model, '--target', 'cortex-m4f', '--out', join(dir, 'c2'), '--report', join(dir, 'report.json')]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr.trim()).toBe(`ecgc: ${join(dir, 'report.json')}: exists; pass --force to replace it`);
    expect(existsSync(join(dir, 'c2'))).toBe(false);
    const host = await ecgc(['compile', model, '--target', 'host', '--out', join(dir, 'h'), '--clock', '64M']);
    expect(host.exitCode).toBe(1);
    expect(host.stderr.trim()).toBe('ecgc: --clock: only for Cortex-M targets (instructions counted under QEMU), not --target host');
    const clock = await ecgc(['bench', model, '--target', 'cortex-m4f', '--clock', 'fast']);
    expect(clock.exitCode).toBe(1);
    expect(clock.stderr).toMatch(/^ecgc: --clock 'fast' is not a frequency/);
  });

  it('compile, verify and bench print exactly the fields docs/json.md documents', async () => {
    const host = await json(['compile', model, '--target', 'host', '--out', join(dir, 'host')]);
    expect(host.device).toBeNull();
    expect(host.measured).toBeNull();
    checkAgainstDocs('ecgc.compile/1', [compiled, host]);
    const verifyHost = await json(['verify', model, '--target', 'host', '--count', '2']);
    const verifyDevice = await json(['verify', model, '--target', 'cortex-m4f', '--count', '1', '--opt', '-O2', '--ram', '16K']);
    expect(verifyDevice.device.images[0].stackPeak).toBeGreaterThan(0);
    checkAgainstDocs('ecgc.verify/1', [verifyHost, verifyDevice]);
    checkAgainstDocs('ecgc.bench/1', [benched, explained]);
  }, 60_000);
});
