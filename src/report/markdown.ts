/** Markdown reports of a plan (plan.md beside plan.json) and of a sweep (table.md). */
import type { Figures, Plan, PlanMethod } from '../plan/plan.js';
import type { Sensitivity } from '../compress/sensitivity.js';
import type { Sweep } from '../compress/sweep.js';
import { scoreName } from '../compress/constraints.js';
import { classRecallTable, omittedClasses, pct } from './classes.js';

const snr = (f: Figures) => (f.snrDb === null ? 'exact' : `${f.snrDb.toFixed(1)} dB`);
/** Markdown table cells: pipes and line breaks from model names would break the table. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** A Markdown table; the body's cells escaped (cell). */
export function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

function figureRows(label: string, f: Figures): string[] {
  return [label, pct(f.accuracy), pct(f.macroPrecision), pct(f.macroRecall), pct(f.macroF1), pct(f.agreement), snr(f)];
}

const FIGURE_HEADER = ['', 'accuracy %', 'macro precision %', 'macro recall %', 'macro F1 %', 'agreement %', 'output SNR'];

function finetuneLines(plan: Plan): string[] {
  const f = plan.finetune;
  if (!f) return [];
  return [
    `Fine-tuned (\`ecgc finetune\`, quantization-aware) from ${cell(f.from.file)} (sha256 \`${f.from.sha256}\`): ${f.train.windows} training windows from ${f.train.dir ?? 'memory'}${f.train.labelled ? ' (distillation and cross-entropy)' : ' (distillation only)'}, ${f.epochs} epochs, the best on the validation windows kept (epoch ${f.epochKept}), Adam lr ${f.lr}, batch ${f.batch}, seed ${f.seed}, ${f.seconds} s. The weights of ${cell(plan.model.file)} are the quantized values; the full model in the figures is ${cell(f.from.file)}.`,
    '',
  ];
}

/** The constraints a plan was held to, as applied (older plans: as recorded). */
export function constraintsLine(m: PlanMethod): string {
  const score = scoreName(m.labelFree, m.metric);
  const parts = [m.maxDrop === null ? `no ${score} constraint` : `${score} at most ${m.maxDrop} points below the full model's`];
  if (m.maxClassDrop != null) parts.push(`each class's ${m.labelFree ? 'agreement' : 'recall'} at most ${m.maxClassDrop} points below the full model's`);
  if (m.labelFree && m.minSnrDb !== null) parts.push(`output SNR >= ${m.minSnrDb} dB`);
  if (m.maxExplanationDrift != null) parts.push(`explanations' rank correlation with the full model's >= ${1 - m.maxExplanationDrift} (--max-explanation-drift ${m.maxExplanationDrift})`);
  if (m.flash) parts.push(`flash budget ${m.flash} bytes`);
  return `constraints: ${parts.join(', ')}`;
}

/** An int8 plan's activations: how they were calibrated (the figures below are the integer reference's). */
function activationLines(plan: Plan): string[] {
  const a = plan.activations;
  if (!a) return [];
  const scores = Object.entries(a.calibration.scores).map(([rule, score]) => `${rule} ${(100 * score).toFixed(2)}%`).join(', ');
  return [
    `Activations int8 (the integer mode): ${a.tensors.length} values quantized per tensor, calibrated on ${a.calibration.windows} windows of the search data; rule \`${a.calibration.rule}\` kept by ${a.calibration.metric} (${scores}). Layer bytes count the Q31 multiplier, shift and int32 bias of each row; the figures are the integer reference's, which the device computes bit for bit.`,
    '',
  ];
}

export function planMarkdown(plan: Plan, sensitivity?: Sensitivity): string {
  const m = plan.method;
  const t = plan.totals;
  const lines = [
    `# Compression plan: ${cell(plan.model.file)}`,
    '',
    `Method \`${m.name}\`${m.laqRule ? ` (LAQ rule: ${m.laqRule}, gamma ${m.gamma?.toPrecision(4)})` : ''}, metric ${m.metric}; ${constraintsLine(m)}${m.ram ? `; RAM budget ${m.ram} bytes (checked by the C backend)` : ''}; quantizer ${m.quantizer}, ${m.scaleFormat ?? 'float32'} scales, ${m.rounding === 'gptq' ? 'error-compensating (GPTQ) rounding' : 'rounded to nearest'}; alpha ${m.alpha}, beta ${m.beta}${m.labelFree ? '; label-free (fidelity to the full model)' : ''}.`,
    '',
    `Model sha256 \`${plan.model.sha256}\`. Searched on ${plan.figures.data.dir ?? 'synthetic ECG windows'} (${plan.figures.data.windows} windows)${plan.figures.test ? `; reported on ${plan.figures.test.dir} (${plan.figures.test.windows} windows, never searched on)` : ''}.`,
    '',
    ...finetuneLines(plan),
    ...activationLines(plan),
    '## Layers',
    '',
    mdTable(
      ['layer', 'op', 'weights', 'bits', 'quantizer', 'pruned (asked) %', 'sparsity %', 'encoding', 'bytes', 'float32 bytes', 'rho', 'delta', 'importance'],
      plan.layers.map((l) => [
        l.node,
        l.op,
        String(l.rows * l.rowLength),
        l.bits === 32 ? 'float32' : String(l.bits),
        l.quantizer,
        (100 * l.prune).toFixed(1),
        (100 * l.sparsity).toFixed(1),
        l.encoding,
        String(l.bytes.total),
        String(l.float32Bytes),
        l.importance.rho.toFixed(3),
        l.importance.delta.toFixed(3),
        l.importance.importance.toFixed(3),
      ]),
    ),
    '',
    '## Size',
    '',
    mdTable(
      ['', 'parameters', 'float32 bytes', 'bytes', 'compression'],
      [
        ['weight-bearing layers (weights + biases)', String(t.layers.params), String(t.layers.float32Bytes), String(t.layers.bytes), `${t.layers.compressionRatio.toFixed(2)}x`],
        ['whole model', String(t.model.params), String(t.model.float32Bytes), String(t.model.bytes), `${t.model.compressionRatio.toFixed(2)}x`],
      ],
    ),
    '',
    '## Figures',
    '',
    mdTable(FIGURE_HEADER, [
      figureRows('full model, search data', plan.figures.data.baseline),
      figureRows('plan, search data', plan.figures.data.final),
      ...(plan.figures.test ? [figureRows('full model, test', plan.figures.test.baseline), figureRows('plan, test', plan.figures.test.final)] : []),
    ]),
    '',
    ...explanationLines(plan),
    ...classRecallSection(plan),
    `Search: ${plan.search.candidates} candidates, ${plan.search.evaluations} full-model-equivalent evaluations, ${plan.search.seconds} s.`,
  ];
  if (sensitivity) lines.push('', sensitivityMarkdown(sensitivity));
  return lines.join('\n') + '\n';
}

/** With --max-explanation-drift: how far the plan's explanations agree with the full model's. */
function explanationLines(plan: Plan): string[] {
  const data = plan.figures.data.final.explanationAgreement;
  if (data === undefined) return [];
  const test = plan.figures.test?.final.explanationAgreement;
  return [`Explanations (CAM, or Grad-CAM where the head is not linear): mean rank correlation with the full model's ${data.toFixed(3)} on up to 128 windows of the search data${test === undefined ? '' : `, ${test.toFixed(3)} on the test data`}.`, ''];
}

function classRecallSection(plan: Plan): string[] {
  const recall = classRecallTable(plan.figures);
  if (!recall) return [];
  const note = plan.figures.labelFree ? ' On the unlabelled search data the labels are the full model\'s classes: recall there is per-class top-1 agreement.' : '';
  const omitted = omittedClasses(recall.omitted);
  return ['## Per-class recall', '', `Each class's recall, the full model's and the plan's, and the change in points.${note}`, '', mdTable(recall.header, recall.rows), '', ...(omitted ? [omitted, ''] : [])];
}

export function sensitivityMarkdown(s: Sensitivity): string {
  const r = (v: number | null) => (v === null ? 'undefined' : v.toFixed(3));
  return [
    `## Measured sensitivity (${s.quantizer})`,
    '',
    'Score drop in points when only this layer is quantized to b bits (every other layer float32).',
    '',
    mdTable(['layer', 'importance', ...s.bits.map((b) => `${b} bit`), 'mean'], s.layers.map((l) => [l.node, l.importance.toFixed(3), ...l.drops.map((d) => d.toFixed(2)), l.meanDrop.toFixed(2)])),
    '',
    `Spearman rank correlation of importance with the mean drop: ${r(s.spearman)}; per bit-width: ${s.bits.map((b, k) => `${b} bit ${r(s.spearmanByBits[k])}`).join(', ')}.`,
  ].join('\n');
}

/** Per-class recall of every row (on the figures' data), when the sweep has it. */
function sweepClassRecall(sweep: Sweep, shown: (row: Sweep['rows'][number]) => Figures): string[] {
  const classes = shown(sweep.rows[0]).perClass;
  if (!classes || sweep.rows.some((row) => !shown(row).perClass)) return [];
  const unlabelled = sweep.test === null && sweep.data.labelFree;
  return [
    '## Per-class recall',
    '',
    `Each class's ${unlabelled ? 'top-1 agreement with the full model' : 'recall'} (%) ${sweep.test !== null ? 'on the test data' : 'on the search data'}; support in the header.`,
    '',
    mdTable(['method', ...classes.map((c) => `${c.name} (${c.support})`)], sweep.rows.map((row) => [row.name, ...shown(row).perClass!.map((c) => pct(c.recall))])),
    '',
  ];
}

export function sweepMarkdown(sweep: Sweep): string {
  const onTest = sweep.test !== null;
  const classDropHeader = sweep.settings.maxClassDrop != null ? ['meets max class drop'] : [];
  const classDrop = (row: Sweep['rows'][number]) => (row.meetsMaxClassDrop == null ? [] : [row.meetsMaxClassDrop ? 'yes' : 'no']);
  const shown = (row: Sweep['rows'][number]) => (onTest ? row.test! : row.data);
  const weights = sweep.layers.reduce((sum, l) => sum + l.weights, 0);
  const zeros = (row: Sweep['rows'][number]) => ((100 * row.sparsity.reduce((sum, s, i) => sum + s * sweep.layers[i].weights, 0)) / weights).toFixed(1);
  // with --max-explanation-drift each row's explanations were measured: their agreement beside the scores
  const explained = sweep.rows.some((row) => shown(row).explanationAgreement !== undefined);
  const explanationHeader = explained ? ['explanation rank corr.'] : [];
  const explanation = (row: Sweep['rows'][number]) => (explained ? [shown(row).explanationAgreement?.toFixed(3) ?? '-'] : []);
  const lines = [
    `# Sweep: ${cell(sweep.model.file)}`,
    '',
    `The paper's Table 1 for this model. Plans are chosen on ${sweep.data.dir ?? 'synthetic ECG windows'} (${sweep.data.windows} windows)${onTest ? `; the figures below are on ${sweep.test!.dir} (${sweep.test!.windows} windows, never searched on)` : ''}. ` +
      (sweep.data.labelFree
        ? `Constraint (label-free): top-1 agreement with the full model at most ${sweep.settings.maxDrop} points below 100%${sweep.settings.minSnrDb !== null ? ` and output SNR at least ${sweep.settings.minSnrDb} dB` : ''} on the search data. `
        : `Constraint: at most ${sweep.settings.maxDrop} points of ${sweep.settings.metric} lost on the search data. `) +
      (sweep.settings.maxClassDrop != null ? `And no class's ${sweep.data.labelFree ? 'agreement' : 'recall'} more than ${sweep.settings.maxClassDrop} points below the full model's (the searched rows keep it; "meets max class drop" says which rows do). ` : '') +
      'CR: float32 bytes of the weight-bearing layers (weights and biases) over the bytes the C stores for them (packed codes, indices, scales or codebooks, float32 biases); a pruned float32 layer is stored as sparse indices and its nonzero weights when that is smaller, so pruning alone (fixed-p, lap) saves flash from about 50% sparsity on.',
    '',
    sweep.data.labelFree
      ? mdTable(
          ['method', 'top-1 agreement %', 'output SNR', ...explanationHeader, 'CR', 'bytes', 'zero weights %', 'meets the constraint (search data)', ...classDropHeader],
          sweep.rows.map((row) => [row.name, pct(shown(row).agreement), snr(shown(row)), ...explanation(row), `${row.totals.layers.compressionRatio.toFixed(2)}x`, String(row.totals.layers.bytes), zeros(row), row.meetsMaxDrop ? 'yes' : 'no', ...classDrop(row)]),
        )
      : mdTable(
          ['method', 'accuracy %', 'precision %', 'recall %', 'F1 %', ...explanationHeader, 'CR', 'bytes', 'zero weights %', 'meets max drop (search data)', ...classDropHeader],
          sweep.rows.map((row) => {
            const f = shown(row);
            return [row.name, pct(f.accuracy), pct(f.macroPrecision), pct(f.macroRecall), pct(f.macroF1), ...explanation(row), `${row.totals.layers.compressionRatio.toFixed(2)}x`, String(row.totals.layers.bytes), zeros(row), row.meetsMaxDrop ? 'yes' : 'no', ...classDrop(row)];
          }),
        ),
    '',
    `LAQ rule: **${sweep.laqWinner.rule}** wins (${sweep.laqWinner.why}).`,
    '',
    ...sweepClassRecall(sweep, shown),
    '## Layers',
    '',
    mdTable(
      ['layer', 'weights', 'rho', 'delta', 'importance', ...sweep.rows.filter((r) => r.laqRule || r.method === 'lap').map((r) => `${r.name} bits / sparsity %`)],
      sweep.layers.map((l, i) => [
        l.node,
        String(l.weights),
        l.rho.toFixed(3),
        l.delta.toFixed(3),
        l.importance.toFixed(3),
        ...sweep.rows.filter((r) => r.laqRule || r.method === 'lap').map((r) => `${r.bits[i] === 32 ? 'f32' : r.bits[i]} / ${(100 * r.sparsity[i]).toFixed(0)}`),
      ]),
    ),
    '',
    `Sweep: ${sweep.search.candidates} candidates, ${sweep.search.evaluations} full-model-equivalent evaluations, ${sweep.search.seconds} s.`,
  ];
  if (sweep.sensitivity) lines.push('', sensitivityMarkdown(sweep.sensitivity));
  return lines.join('\n') + '\n';
}

export function sweepCsv(sweep: Sweep): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const header = ['method', 'quantizer', 'laq_rule', 'bytes', 'cr_layers', 'cr_model', 'meets_max_drop'];
  const figureColumns = (prefix: string) => ['accuracy', 'macro_precision', 'macro_recall', 'macro_f1', 'agreement', 'snr_db'].map((c) => `${prefix}_${c}`);
  const values = (f: Figures | null) => (f ? [f.accuracy, f.macroPrecision, f.macroRecall, f.macroF1, f.agreement, f.snrDb].map((v) => (v === null ? '' : String(v))) : ['', '', '', '', '', '']);
  const rows = sweep.rows.map((r) => [
    r.name,
    r.quantizer,
    r.laqRule ?? '',
    String(r.totals.layers.bytes),
    r.totals.layers.compressionRatio.toFixed(4),
    r.totals.model.compressionRatio.toFixed(4),
    String(r.meetsMaxDrop),
    ...values(r.data),
    ...values(r.test),
  ]);
  return [[...header, ...figureColumns('data'), ...figureColumns('test')], ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n';
}
