/**
 * The beat models' explanations, as their cards show them: `ecgc explain` on the test split
 * of each model's task, for the float model and its shipped compressed one. Writes
 * examples/<model>/explain/<method>.svg (the per-class plots) and the `explanations` figures
 * of its card.json; npm test runs the same commands and checks both
 * (test/examples/explanations.test.ts):
 *
 *   npm run build && npx tsx examples/common/explanations.ts ../shared/data
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeDataset } from '../../src/data/dataset.js';
import { TASKS, buildDataset } from '../../src/data/tasks.js';
import type { ExplainReport } from '../../src/explain/explain.js';
import { pct } from '../../src/report/explain.js';

export const EXAMPLES = join(import.meta.dirname, '..');
const CLI = join(EXAMPLES, '..', 'dist', 'cli', 'main.js');

export interface ExplanationRun {
  example: string;
  method: 'gradcam' | 'shap' | 'cam';
  task: string;
  split: string;
  /** Windows per class. */
  count: number;
  model: string;
  plan?: string;
  /** The model the plan compresses, when another (a fine-tuned one). */
  planModel?: string;
}

/** Grad-CAM of every beat model, float beside its shipped compressed build; SHAP of the ECG patch's. */
export const RUNS: ExplanationRun[] = [
  { example: 'arrhythminet-v1', method: 'gradcam', task: 'beats-nlrav', split: 'random-test', count: 20, model: 'model.onnx', plan: 'plan-qat.json', planModel: 'model-qat.onnx' },
  { example: 'arrhythminet-v2', method: 'gradcam', task: 'beats-nlrav', split: 'random-test', count: 20, model: 'model.onnx', plan: 'plan-int8.json' },
  { example: 'arrhythminet-v2-aami', method: 'gradcam', task: 'beats-aami', split: 'ds2-test', count: 20, model: 'model.onnx' },
  { example: 'patch-beats', method: 'gradcam', task: 'beats-aami', split: 'ds2-test', count: 20, model: 'model.onnx', plan: 'plan-int8.json' },
  { example: 'patch-beats', method: 'shap', task: 'beats-aami', split: 'ds2-test', count: 6, model: 'model.onnx', plan: 'plan-int8.json' },
];

/** The `ecgc explain` arguments of a run, on the dataset in `data`, writing to `out`. */
export function explainArgs(run: ExplanationRun, data: string, out: string): string[] {
  const dir = join(EXAMPLES, run.example);
  return [
    'explain', join(dir, run.model), '--data', data, '--method', run.method, '--count', String(run.count), '--out', out, '--json',
    ...(run.plan ? ['--plan', join(dir, run.plan)] : []),
    ...(run.planModel ? ['--plan-model', join(dir, run.planModel)] : []),
  ];
}

/** What a card keeps of a report: the figures per class, and what each region would get of a uniform saliency. */
export function cardFigures(run: ExplanationRun, report: ExplainReport) {
  const regions = report.regions!;
  const uniform = Object.fromEntries((['p', 'qrs', 't'] as const).map((r) => [r, (regions[r][1] - regions[r][0]) / report.samples]));
  return {
    method: run.method, task: run.task, split: run.split, countPerClass: run.count, model: run.model, plan: run.plan ?? null, planModel: run.planModel ?? null,
    figure: `explain/${run.method}.svg`,
    uniformShares: uniform,
    perClass: report.perClass.map((c) => ({ class: c.class, windows: c.windows, shares: c.shares, ...(c.compressed ? { compressed: { shares: c.compressed.shares, agreement: c.compressed.agreement } } : {}) })),
    agreement: report.agreement,
  };
}

/** The Markdown table a card's README shows of an entry of its card.json explanations (the test checks it is there). */
export function explanationTable(entry: ReturnType<typeof cardFigures>): string {
  const compressed = entry.plan !== null;
  const header = ['class', 'beats', 'QRS %', 'P %', 'T %', ...(compressed ? ['compressed QRS %', 'P %', 'T %', 'rank corr.', 'top-20% overlap %'] : [])];
  const rows = entry.perClass.map((c) => [
    c.class, String(c.windows), pct(c.shares!.qrs), pct(c.shares!.p), pct(c.shares!.t),
    ...(c.compressed ? [pct(c.compressed.shares!.qrs), pct(c.compressed.shares!.p), pct(c.compressed.shares!.t), c.compressed.agreement!.rank.toFixed(3), pct(c.compressed.agreement!.top20)] : []),
  ]);
  const u = entry.uniformShares;
  rows.push(['(a flat saliency)', '', pct(u.qrs), pct(u.p), pct(u.t), ...(compressed ? [pct(u.qrs), pct(u.p), pct(u.t), '', ''] : [])]);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Runs `ecgc explain` for `run` on a dataset directory; the report and its saliency.svg. */
export async function explainRun(run: ExplanationRun, data: string): Promise<{ report: ExplainReport; svg: string }> {
  const out = mkdtempSync(join(tmpdir(), 'ecgc-card-explain-'));
  try {
    const r = await execa(process.execPath, [CLI, ...explainArgs(run, data, join(out, 'x'))], { reject: false });
    if (r.exitCode !== 0) throw new Error(`ecgc explain failed: ${r.stderr}`);
    return { report: JSON.parse(r.stdout) as ExplainReport, svg: readFileSync(join(out, 'x', 'saliency.svg'), 'utf8') };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The test split of a task, written where `ecgc explain --data` reads it. */
export function writeSplit(shared: string, task: string, split: string, dir: string): string {
  const data = join(dir, `${task}-${split}`);
  writeDataset(data, buildDataset(join(shared, TASKS[task].folder!), task, split));
  return data;
}

async function main(shared: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ecgc-card-data-'));
  try {
    const splits = new Map<string, string>();
    const figures = new Map<string, ReturnType<typeof cardFigures>[]>();
    for (const run of RUNS) {
      const key = `${run.task} ${run.split}`;
      if (!splits.has(key)) splits.set(key, writeSplit(shared, run.task, run.split, dir));
      const { report, svg } = await explainRun(run, splits.get(key)!);
      mkdirSync(join(EXAMPLES, run.example, 'explain'), { recursive: true });
      writeFileSync(join(EXAMPLES, run.example, 'explain', `${run.method}.svg`), svg);
      figures.set(run.example, [...(figures.get(run.example) ?? []), cardFigures(run, report)]);
      process.stderr.write(`${run.example} ${run.method}: ${report.windows.length} windows\n`);
    }
    for (const [example, entries] of figures) {
      const file = join(EXAMPLES, example, 'card.json');
      const card = JSON.parse(readFileSync(file, 'utf8'));
      card.explanations = entries;
      writeFileSync(file, JSON.stringify(card, null, 2) + '\n');
      for (const entry of entries) process.stdout.write(`${example} ${entry.method}:\n${explanationTable(entry)}\n\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main(process.argv[2] ?? join(EXAMPLES, '..', '..', 'shared', 'data'));
