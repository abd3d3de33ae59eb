/**
 * explain.html: a self-contained page (inline CSS and SVG, no scripts) of an explain report.
 * Per class, the mean trace with the mean saliency as a heat band behind it (red: evidence
 * for the class, blue: against it), float beside compressed; then typical and misclassified
 * windows. Axes in ms (from the R peak when the task knows it) and in the windows' units.
 */
import type { ExplainReport, Shares, WindowReport } from '../explain/explain.js';
import { REGION_NAMES, type Region } from '../explain/regions.js';
import { escapeXml, niceTicks } from './svg.js';

const STYLE = `body{font-family:sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}h1{font-size:22px}h2{font-size:17px;margin-top:1.6em}h3{font-size:14px}
.plots{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-size:12px;color:#555;max-width:520px}`;

const FONT = 'font-family="sans-serif" font-size="11"';
const [WIDTH, HEIGHT] = [520, 230];
const PLOT = { left: 56, right: 12, top: 26, bottom: 58 };
/** Heat band resolution: at most this many rectangles per plot. */
const BINS = 128;

interface Plot {
  title: string;
  trace: ArrayLike<number>;
  saliency: ArrayLike<number>;
  report: ExplainReport;
}

/** The x axis: ms from the R peak, or from the window's start, or samples without a rate. */
function timeAxis(report: ExplainReport): { at: (sample: number) => number; label: string } {
  const { samplingRate: rate, rPeakAt } = report;
  if (rate === null) return { at: (s) => s, label: 'sample' };
  const origin = rPeakAt ?? 0;
  return { at: (s) => ((s - origin) * 1000) / rate, label: rPeakAt === null ? 'time (ms)' : 'time from the R peak (ms)' };
}

export function saliencyPlot({ title, trace, saliency, report }: Plot): string {
  const n = trace.length;
  const [w, h] = [WIDTH - PLOT.left - PLOT.right, HEIGHT - PLOT.top - PLOT.bottom];
  const axis = timeAxis(report);
  const [t0, t1] = [axis.at(0), axis.at(n - 1)];
  const x = (sample: number) => PLOT.left + ((axis.at(sample) - t0) / (t1 - t0 || 1)) * w;
  let [lo, hi] = [Infinity, -Infinity];
  for (let i = 0; i < n; i++) [lo, hi] = [Math.min(lo, trace[i]), Math.max(hi, trace[i])];
  if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.08;
  [lo, hi] = [lo - pad, hi + pad];
  const y = (v: number) => PLOT.top + (1 - (v - lo) / (hi - lo)) * h;
  let largest = 0;
  for (let i = 0; i < saliency.length; i++) largest = Math.max(largest, Math.abs(saliency[i]));

  const parts: string[] = [];
  // heat band: per bin the mean saliency, red for positive, blue for negative
  const bins = Math.min(BINS, n);
  for (let b = 0; b < bins && largest > 0; b++) {
    const [from, to] = [Math.floor((b * n) / bins), Math.floor(((b + 1) * n) / bins)];
    let sum = 0;
    for (let i = from; i < to; i++) sum += saliency[i];
    const v = sum / (to - from) / largest;
    if (Math.abs(v) < 0.02) continue;
    const left = x(from);
    const right = b === bins - 1 ? PLOT.left + w : x(to);
    parts.push(`<rect x="${left.toFixed(1)}" y="${PLOT.top}" width="${(right - left + 0.3).toFixed(1)}" height="${h}" fill="${v > 0 ? '#d62728' : '#1f77b4'}" fill-opacity="${(0.75 * Math.abs(v)).toFixed(2)}"/>`);
  }
  // regions around the R peak
  if (report.regions) {
    for (const region of ['p', 'qrs', 't'] as Region[]) {
      const [from, to] = report.regions[region];
      if (to <= from) continue;
      parts.push(`<line x1="${x(from).toFixed(1)}" y1="${PLOT.top}" x2="${x(from).toFixed(1)}" y2="${PLOT.top + h}" stroke="#888" stroke-dasharray="3,3"/>`);
      parts.push(`<line x1="${x(to - 1).toFixed(1)}" y1="${PLOT.top}" x2="${x(to - 1).toFixed(1)}" y2="${PLOT.top + h}" stroke="#888" stroke-dasharray="3,3"/>`);
      parts.push(`<text x="${((x(from) + x(to - 1)) / 2).toFixed(1)}" y="${PLOT.top + 11}" text-anchor="middle" ${FONT} fill="#555">${region === 'qrs' ? 'QRS' : region.toUpperCase()}</text>`);
    }
  }
  // the trace
  const points = Array.from({ length: n }, (_, i) => `${x(i).toFixed(1)},${y(trace[i]).toFixed(1)}`).join(' ');
  parts.push(`<polyline class="trace" points="${points}" fill="none" stroke="#111" stroke-width="1.2"/>`);
  // axes, ticks and labels
  parts.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (const tick of niceTicks(t0, t1)) {
    const at = PLOT.left + ((tick - t0) / (t1 - t0 || 1)) * w;
    parts.push(`<line x1="${at.toFixed(1)}" y1="${PLOT.top + h}" x2="${at.toFixed(1)}" y2="${PLOT.top + h + 4}" stroke="#666"/><text class="x-tick" x="${at.toFixed(1)}" y="${PLOT.top + h + 15}" text-anchor="middle" ${FONT}>${tick}</text>`);
  }
  for (const tick of niceTicks(lo, hi)) {
    parts.push(`<line x1="${PLOT.left - 4}" y1="${y(tick).toFixed(1)}" x2="${PLOT.left}" y2="${y(tick).toFixed(1)}" stroke="#666"/><text x="${PLOT.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end" ${FONT}>${tick}</text>`);
  }
  parts.push(`<text class="x-label" x="${PLOT.left + w / 2}" y="${PLOT.top + h + 30}" text-anchor="middle" ${FONT}>${escapeXml(axis.label)}</text>`);
  parts.push(`<text class="y-label" transform="translate(14,${PLOT.top + h / 2}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeXml(`amplitude (${report.units})`)}</text>`);
  parts.push(`<text x="${PLOT.left}" y="16" ${FONT} font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(legend(PLOT.left, PLOT.top + h + 40, report.method !== 'gradcam'));
  return `<svg class="saliency-plot" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}">${parts.join('')}</svg>`;
}

/** The colour key: the trace, and the band's colours (blue only for signed methods). */
function legend(left: number, top: number, signed: boolean): string {
  const key = (at: number, colour: string, text: string) =>
    `<rect x="${at}" y="${top}" width="14" height="9" fill="${colour}" fill-opacity="0.6"/><text x="${at + 18}" y="${top + 8}" ${FONT}>${escapeXml(text)}</text>`;
  return `<g class="legend"><line x1="${left}" y1="${top + 4}" x2="${left + 16}" y2="${top + 4}" stroke="#111" stroke-width="1.2"/><text x="${left + 20}" y="${top + 8}" ${FONT}>ECG (mean of lead 1)</text>${key(left + 150, '#d62728', 'saliency for the class (darker: more)')}${signed ? key(left + 365, '#1f77b4', 'against the class') : ''}</g>`;
}

/** A fraction as percent, one decimal (the explain report's tables). */
export const pct = (v: number) => (100 * v).toFixed(1);
const sharesCells = (s: Shares | undefined): string[] => (s ? [pct(s.qrs), pct(s.p), pct(s.t)] : ['-', '-', '-']);

function summaryTable(report: ExplainReport): string {
  const compressed = report.plan !== null;
  const header = ['class', 'windows', 'QRS %', 'P %', 'T %', ...(compressed ? ['compressed QRS %', 'P %', 'T %', 'rank correlation', 'top-20% overlap'] : [])];
  const rows = report.perClass.map((c) => [
    c.class,
    String(c.windows),
    ...sharesCells(c.shares ?? undefined),
    ...(compressed ? [...sharesCells(c.compressed?.shares ?? undefined), c.compressed?.agreement ? c.compressed.agreement.rank.toFixed(3) : '-', c.compressed?.agreement ? pct(c.compressed.agreement.top20) : '-'] : []),
  ]);
  return `<table><thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v) => `<td>${escapeXml(v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** explain.json: indented, each array of numbers (a saliency, a trace) on one line. */
export function explainJson(report: ExplainReport): string {
  return JSON.stringify(report, null, 1).replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, numbers: string) => `[${numbers.replace(/\s+/g, '')}]`) + '\n';
}

/** saliency.svg: the per-class plots of explain.html in one image (a card embeds it), float left, compressed right. */
export function saliencyFigure(report: ExplainReport): string {
  const columns = report.plan !== null ? 2 : 1;
  const cells = report.perClass.flatMap((c, row) => {
    const plots = [saliencyPlot({ title: `${c.class}: ${report.plan ? 'float model' : METHOD_NAMES[report.method]} (${c.windows} windows)`, trace: c.trace, saliency: c.saliency, report })];
    if (c.compressed) plots.push(saliencyPlot({ title: `${c.class}: compressed model`, trace: c.trace, saliency: c.compressed.saliency, report }));
    return plots.map((svg, column) => svg.replace('<svg ', `<svg x="${column * WIDTH}" y="${row * HEIGHT}" `));
  });
  const [width, height] = [columns * WIDTH, report.perClass.length * HEIGHT];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="${width}" height="${height}" fill="#fff"/>${cells.join('')}</svg>\n`;
}

const METHOD_NAMES = { gradcam: 'Grad-CAM', cam: 'CAM', shap: 'SHAP (permutation, time segments)' } as const;

/** `windows`: the explained windows back to back as the report lists them (each every graph input's values; the first lead first). */
export function explainHtml(report: ExplainReport, windows: Float32Array): string {
  const windowSize = windows.length / report.windows.length;
  const traceOf = (w: number) => windows.subarray(w * windowSize, w * windowSize + report.samples);
  const method = METHOD_NAMES[report.method];
  const sections: string[] = [];
  sections.push(`<h1>${escapeXml(`${method} of ${report.model}`)}</h1>`);
  sections.push(`<p>${escapeXml(`${report.windows.length} windows of ${report.source}${report.plan ? `; compressed: ${report.planModel !== report.model ? `${report.planModel} with ` : ''}${report.plan}` : ''}${report.layer ? `; map: ${report.layer}` : ''}.`)} ${report.regions ? escapeXml(`Shares: the positive saliency within ${Object.entries(REGION_NAMES).map(([r, name]) => `${name} [${report.regions!.ms[r as Region].join(', ')}] ms`).join(', ')} of the R peak.`) : ''}</p>`);
  sections.push(summaryTable(report));
  if (report.agreement) sections.push(`<p>${escapeXml(`Agreement of the compressed model's explanations with the float model's, mean over the windows: rank correlation ${report.agreement.rank.toFixed(3)}, top-20% overlap ${pct(report.agreement.top20)}%.`)}</p>`);

  sections.push('<h2>Per class: the mean saliency</h2>');
  for (const c of report.perClass) {
    const plots = [saliencyPlot({ title: `${c.class}: float model (${c.windows} windows)`, trace: c.trace, saliency: c.saliency, report })];
    if (c.compressed) plots.push(saliencyPlot({ title: `${c.class}: compressed model`, trace: c.trace, saliency: c.compressed.saliency, report }));
    sections.push(`<h3>${escapeXml(c.class)}</h3><div class="plots">${plots.join('')}</div>`);
  }

  const figure = (w: WindowReport, i: number) => {
    const caption = `window ${w.index}: label ${w.label ?? '?'}, predicted ${w.predicted}, explained ${w.explained}${w.compressed ? `; compressed predicts ${w.compressed.predicted}, rank correlation ${w.compressed.agreement.rank.toFixed(2)}` : ''}`;
    const plots = [saliencyPlot({ title: `window ${w.index} (${w.explained})`, trace: traceOf(i), saliency: w.saliency, report })];
    if (w.compressed) plots.push(saliencyPlot({ title: `window ${w.index}, compressed`, trace: traceOf(i), saliency: w.compressed.saliency, report }));
    return `<figure><div class="plots">${plots.join('')}</div><figcaption>${escapeXml(caption)}</figcaption></figure>`;
  };
  const indexed = report.windows.map((w, i) => ({ w, i }));
  const typical = report.perClass.flatMap((c) =>
    indexed
      .filter(({ w }) => w.explained === c.class && (w.label === null || w.label === w.predicted))
      .sort((a, b) => b.w.score - a.w.score)
      .slice(0, 2),
  );
  sections.push('<h2>Typical windows</h2><p>Per class, the two correctly classified windows it scores highest.</p>');
  sections.push(typical.map(({ w, i }) => figure(w, i)).join(''));
  const wrong = indexed.filter(({ w }) => w.label !== null && w.label !== w.predicted).slice(0, 6);
  sections.push('<h2>Misclassified windows</h2>');
  sections.push(wrong.length ? wrong.map(({ w, i }) => figure(w, i)).join('') : '<p>None among the windows explained.</p>');
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(`${method}: ${report.model}`)}</title><style>${STYLE}</style></head><body>\n${sections.join('\n')}\n</body></html>\n`;
}
