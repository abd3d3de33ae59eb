/**
 * Inline SVG charts for the reports: per-layer bars, and a scatter of score against
 * compression ratio with its Pareto front. Plain strings, no dependencies; every text that
 * comes from a model or a file is escaped.
 */

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const FONT = 'font-family="sans-serif" font-size="11"';

export interface BarChart {
  title: string;
  labels: string[];
  values: number[];
  max: number;
  /** Text shown above each bar. */
  format: (value: number, index: number) => string;
  color?: string;
}

export function barChart(chart: BarChart): string {
  const bar = 22;
  const gap = 6;
  const left = 40;
  const top = 30;
  const height = 140;
  const bottom = 110;
  const width = left + chart.values.length * (bar + gap) + 20;
  const y = (v: number) => top + height - (chart.max > 0 ? (height * Math.max(0, Math.min(v, chart.max))) / chart.max : 0);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + height + bottom}" role="img" aria-label="${escapeXml(chart.title)}">`,
    `<text x="${left}" y="16" ${FONT} font-weight="bold">${escapeXml(chart.title)}</text>`,
    `<line x1="${left}" y1="${top + height}" x2="${width - 10}" y2="${top + height}" stroke="#444"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + height}" stroke="#444"/>`,
    `<text x="${left - 4}" y="${top + 4}" ${FONT} text-anchor="end">${escapeXml(String(chart.max))}</text>`,
    `<text x="${left - 4}" y="${top + height}" ${FONT} text-anchor="end">0</text>`,
  ];
  chart.values.forEach((v, i) => {
    const x = left + gap + i * (bar + gap);
    const yTop = y(v);
    parts.push(`<rect x="${x}" y="${yTop.toFixed(1)}" width="${bar}" height="${(top + height - yTop).toFixed(1)}" fill="${chart.color ?? '#4a78b5'}"><title>${escapeXml(`${chart.labels[i]}: ${chart.format(v, i)}`)}</title></rect>`);
    parts.push(`<text x="${x + bar / 2}" y="${(yTop - 3).toFixed(1)}" ${FONT} text-anchor="middle">${escapeXml(chart.format(v, i))}</text>`);
    const label = chart.labels[i].length > 18 ? `…${chart.labels[i].slice(-17)}` : chart.labels[i];
    parts.push(`<text transform="translate(${x + bar / 2},${top + height + 8}) rotate(60)" ${FONT}>${escapeXml(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
  /** Drawn large and labelled. */
  highlight?: boolean;
}

/** Points no other point beats on both axes (larger x and larger y are better), by x. */
export function paretoFront(points: ScatterPoint[]): ScatterPoint[] {
  const sorted = [...points].sort((a, b) => b.x - a.x || b.y - a.y);
  const front: ScatterPoint[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.y > best) {
      front.push(p);
      best = p.y;
    }
  }
  return front.reverse();
}

/**
 * Score against compression ratio. `yFloor` focuses the chart on the scores that matter: points
 * below it are drawn as triangles on the bottom edge (their value in the tooltip) and listed
 * under the axis, so a collapsed candidate at 7% does not squeeze the rest into one band.
 */
export function scatterChart(title: string, xLabel: string, yLabel: string, points: ScatterPoint[], yFloor?: number): string {
  const [width, height] = [640, 380];
  const [left, right, top, bottom] = [60, 20, 30, 50];
  if (points.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="40"><text x="10" y="20" ${FONT}>${escapeXml(title)}: no points</text></svg>`;
  const below = yFloor === undefined ? [] : points.filter((p) => p.y < yFloor);
  const shown = points.filter((p) => !below.includes(p));
  const xs = points.map((p) => p.x);
  const ys = shown.length > 0 ? shown.map((p) => p.y) : [yFloor!];
  const [x0, x1] = padRange(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = padRange(Math.min(...ys, ...(below.length > 0 ? [yFloor!] : [])), Math.max(...ys));
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (width - left - right);
  const py = (y: number) => top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom);
  // The points below the floor, listed under the axis: the svg grows by their lines.
  const notes = wrap(below.length > 0 ? `▼ below ${yFloor!.toFixed(1)}: ${below.map((p) => `${p.label} ${p.y.toFixed(2)}`).join(', ')}` : '', Math.floor((width - left) / CHAR_WIDTH));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + LABEL_HEIGHT * notes.length + 4}" role="img" aria-label="${escapeXml(title)}">`,
    `<text x="${left}" y="16" ${FONT} font-weight="bold">${escapeXml(title)}</text>`,
    `<rect x="${left}" y="${top}" width="${width - left - right}" height="${height - top - bottom}" fill="none" stroke="#444"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 10}" ${FONT} text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(14,${(top + height - bottom) / 2}) rotate(-90)" ${FONT} text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ];
  for (const v of niceTicks(x0, x1)) {
    parts.push(`<line x1="${px(v).toFixed(1)}" y1="${top}" x2="${px(v).toFixed(1)}" y2="${height - bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${px(v).toFixed(1)}" y="${height - bottom + 14}" ${FONT} text-anchor="middle">${formatTick(v)}</text>`);
  }
  for (const v of niceTicks(y0, y1)) {
    parts.push(`<line x1="${left}" y1="${py(v).toFixed(1)}" x2="${width - right}" y2="${py(v).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${left - 4}" y="${(py(v) + 4).toFixed(1)}" ${FONT} text-anchor="end">${formatTick(v)}</text>`);
  }
  const front = paretoFront(shown);
  if (front.length > 1) {
    // The front, joined in order of ratio.
    const path = front.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="#d0573f" stroke-width="1.5"/>`);
  }
  const onFront = new Set(front);
  const tooltip = (p: ScatterPoint) => `<title>${escapeXml(`${p.label}: ${p.x.toFixed(2)}x, ${p.y.toFixed(2)}`)}</title>`;
  for (const p of shown) {
    const r = p.highlight ? 6 : 3;
    const fill = p.highlight ? '#d0573f' : onFront.has(p) ? '#e39a4c' : '#7a8fa6';
    parts.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="${r}" fill="${fill}" fill-opacity="0.85">${tooltip(p)}</circle>`);
  }
  const edge = height - bottom;
  for (const p of below) {
    const x = px(p.x);
    parts.push(`<path d="M${(x - 4).toFixed(1)},${edge - 7} L${(x + 4).toFixed(1)},${edge - 7} L${x.toFixed(1)},${edge - 1} Z" fill="#7a8fa6">${tooltip(p)}</path>`);
  }
  // Right of the point, or left of it where the plot ends.
  const beside = (p: ScatterPoint) => (px(p.x) + 8 + labelWidth(p.label) <= width - right ? px(p.x) + 8 : px(p.x) - 8 - labelWidth(p.label));
  for (const label of placeLabels(shown.filter((p) => p.highlight).map((p) => ({ x: beside(p), y: py(p.y) - 6, text: p.label })), top + 11, edge - 2)) {
    parts.push(`<text x="${label.x.toFixed(1)}" y="${label.y.toFixed(1)}" ${FONT}>${escapeXml(label.text)}</text>`);
  }
  notes.forEach((line, i) => parts.push(`<text x="${left}" y="${height + 8 + LABEL_HEIGHT * i}" ${FONT}>${escapeXml(line)}</text>`));
  parts.push('</svg>');
  return parts.join('\n');
}

const LABEL_HEIGHT = 12;

/** Words into lines of at most `columns` characters. */
function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ').filter(Boolean)) {
    if (lines.length > 0 && lines[lines.length - 1].length + 1 + word.length <= columns) lines[lines.length - 1] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}
/** Rough width of a character at font-size 11 (FONT), enough to keep labels apart. */
const CHAR_WIDTH = 6.2;
const labelWidth = (text: string) => CHAR_WIDTH * text.length;

/**
 * Labels beside their points, moved down (then up) just enough that no two overlap and none
 * leaves the plot: greedy, in order of height.
 */
export function placeLabels(labels: { x: number; y: number; text: string }[], minY: number, maxY: number): { x: number; y: number; text: string }[] {
  const placed: { x: number; y: number; text: string }[] = [];
  const clashes = (x: number, y: number, text: string) => placed.some((o) => Math.abs(o.y - y) < LABEL_HEIGHT && x < o.x + labelWidth(o.text) && o.x < x + labelWidth(text));
  for (const label of [...labels].sort((a, b) => a.y - b.y || a.x - b.x)) {
    const start = Math.min(maxY, Math.max(minY, label.y));
    let y = start;
    while (clashes(label.x, y, label.text) && y + LABEL_HEIGHT <= maxY) y += LABEL_HEIGHT;
    if (clashes(label.x, y, label.text)) for (y = start; clashes(label.x, y, label.text) && y - LABEL_HEIGHT >= minY; ) y -= LABEL_HEIGHT;
    placed.push({ ...label, y });
  }
  return placed;
}

/** About five round values (1, 2 or 5 times a power of ten apart) inside [lo, hi]. */
export function niceTicks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((st) => st >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

function padRange(lo: number, hi: number): [number, number] {
  if (hi - lo < 1e-9) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}
