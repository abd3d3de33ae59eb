/**
 * Self-contained HTML pages (inline CSS and SVG, no scripts, nothing fetched) for a plan and
 * a sweep: the Markdown report's tables plus the charts: per-layer bits, sparsity and
 * importance, and the score against compression ratio with its Pareto front.
 */
import { scoreName } from '../compress/constraints.js';
import type { Plan } from '../plan/plan.js';
import type { TracePoint } from '../compress/search.js';
import type { Sensitivity } from '../compress/sensitivity.js';
import type { Sweep } from '../compress/sweep.js';
import { sensitivityMarkdown, planMarkdown, sweepMarkdown } from './markdown.js';
import { type ScatterPoint, barChart, escapeXml, scatterChart } from './svg.js';

const STYLE = `body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}h1{font-size:22px}h2{font-size:17px;margin-top:1.6em}
.charts{display:flex;flex-wrap:wrap;gap:1em}code{background:#f3f3f3;padding:0 3px}`;

/** The score charts show this many points below the full model's score; lower candidates sit on the bottom edge. */
const FOCUS_POINTS = 5;

/** A minimal Markdown to HTML for the reports' own Markdown: headings, paragraphs, tables. */
function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.split('\n');
  const inline = (text: string) =>
    escapeXml(text)
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/`(.+?)`/g, '<code>$1</code>');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].startsWith('|')) {
        rows.push(lines[i].slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|')));
        i++;
      }
      i--;
      const [header, , ...body] = rows;
      out.push(`<table><thead><tr>${header.map((h) => `<th>${inline(h)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    } else if (line.startsWith('## ')) out.push(`<h2>${inline(line.slice(3))}</h2>`);
    else if (line.startsWith('# ')) out.push(`<h1>${inline(line.slice(2))}</h1>`);
    else if (line.trim() !== '') out.push(`<p>${inline(line)}</p>`);
  }
  return out.join('\n');
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head><body>\n${body}\n</body></html>\n`;
}

function layerCharts(labels: string[], bits: number[], sparsity: number[], importance: number[]): string {
  return `<div class="charts">
${barChart({ title: 'bits per layer (f32: left float32)', labels, values: bits.map((b) => (b === 32 ? 8 : b)), max: 8, format: (_, i) => (bits[i] === 32 ? 'f32' : String(bits[i])), color: '#4a78b5' })}
${barChart({ title: 'sparsity per layer (%)', labels, values: sparsity.map((s) => 100 * s), max: 100, format: (v) => v.toFixed(0), color: '#6aa35b' })}
${barChart({ title: 'importance I per layer', labels, values: importance, max: Math.max(1, ...importance), format: (v) => v.toFixed(2), color: '#b5834a' })}
</div>`;
}

export function planHtml(plan: Plan, trace: TracePoint[], sensitivity?: Sensitivity): string {
  const float = plan.totals.layers.float32Bytes;
  const metric = `${scoreName(plan.figures.labelFree, plan.method.metric)}${plan.figures.labelFree ? ' with the full model (%)' : ' (%) on the search data'}`;
  const points: ScatterPoint[] = trace.map((p) => ({ x: float / p.bytes, y: p.score, label: p.label }));
  const final = plan.figures.data.final;
  const finalScore = 100 * ((plan.figures.labelFree ? final.agreement : plan.method.metric === 'f1' ? final.macroF1 : final.accuracy) ?? 0);
  const baseline = plan.figures.data.baseline;
  const baselineScore = 100 * ((plan.figures.labelFree ? baseline.agreement : plan.method.metric === 'f1' ? baseline.macroF1 : baseline.accuracy) ?? 0);
  points.push({ x: 1, y: baselineScore, label: 'full model', highlight: true });
  points.push({ x: plan.totals.layers.compressionRatio, y: finalScore, label: `plan (${plan.method.name})`, highlight: true });
  const body = [
    markdownToHtml(planMarkdown(plan).split('\n## Figures')[0]),
    '<h2>Charts</h2>',
    layerCharts(plan.layers.map((l) => l.node), plan.layers.map((l) => l.bits), plan.layers.map((l) => l.sparsity), plan.layers.map((l) => l.importance.importance)),
    scatterChart(`${metric} against compression ratio: candidates evaluated in full, and their Pareto front`, 'compression ratio (float32 bytes / bytes) of the weight-bearing layers', metric, points, baselineScore - FOCUS_POINTS),
    markdownToHtml('## Figures' + planMarkdown(plan).split('\n## Figures')[1].split('\n## Measured sensitivity')[0]),
    sensitivity ? markdownToHtml(sensitivityMarkdown(sensitivity)) : '',
  ];
  return page(`ecgc plan: ${plan.model.file}`, body.join('\n'));
}

export function sweepHtml(sweep: Sweep): string {
  const onTest = sweep.test !== null;
  const metricName = sweep.data.labelFree ? 'agreement' : 'accuracy';
  const score = (r: Sweep['rows'][number]) => {
    const f = onTest ? r.test! : r.data;
    return 100 * (f.accuracy ?? f.agreement);
  };
  const points: ScatterPoint[] = sweep.rows.map((r) => ({ x: r.totals.layers.compressionRatio, y: score(r), label: r.name, highlight: r.laqRule !== null || r.method === 'float32' }));
  // The full-precision row (runSweep's first): the chart shows the scores down to FOCUS_POINTS below it.
  const full = sweep.rows.find((r) => r.method === 'float32') ?? sweep.rows[0];
  const best = sweep.rows.find((r) => r.method === 'laq+lap') ?? sweep.rows[0];
  const layerBits = best.bits;
  const body = [
    markdownToHtml(sweepMarkdown(sweep).split('\n## Layers')[0]),
    scatterChart(`${metricName} (%) ${onTest ? 'on the test data' : 'on the search data'} against compression ratio, with the Pareto front`, 'compression ratio of the weight-bearing layers', `${metricName} (%)`, points, score(full) - FOCUS_POINTS),
    `<h2>${escapeXml(best.name)}: per layer</h2>`,
    layerCharts(sweep.layers.map((l) => l.node), layerBits, best.sparsity, sweep.layers.map((l) => l.importance)),
    markdownToHtml('## Layers' + sweepMarkdown(sweep).split('\n## Layers')[1]),
  ];
  return page(`ecgc sweep: ${sweep.model.file}`, body.join('\n'));
}
