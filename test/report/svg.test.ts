/** The report charts: labels kept apart and inside the plot, and a score axis focused on the scores that matter. */
import { describe, expect, it } from 'vitest';
import { placeLabels, scatterChart } from '../../src/report/svg.js';

describe('placeLabels', () => {
  it('moves a label that would overlap another one line below its own place, and leaves apart ones alone', () => {
    const placed = placeLabels(
      [
        { x: 100, y: 50, text: 'laq (intended rule)' },
        { x: 110, y: 53, text: 'laq (printed rule)' },
        { x: 400, y: 52, text: 'full precision' },
      ],
      10,
      300,
    );
    expect(placed.map((l) => [l.text, l.y])).toEqual([
      ['laq (intended rule)', 50],
      ['full precision', 52],
      ['laq (printed rule)', 65],
    ]);
  });

  it('moves up instead at the bottom of the plot', () => {
    const placed = placeLabels([{ x: 0, y: 200, text: 'a' }, { x: 0, y: 200, text: 'b' }], 10, 205);
    expect(placed.map((l) => l.y)).toEqual([200, 188]);
  });
});

describe('scatterChart with a floor', () => {
  const points = [
    { x: 1, y: 98.4, label: 'full precision', highlight: true },
    { x: 6, y: 95.9, label: 'fixed-q:4' },
    { x: 11.7, y: 7.1, label: 'fixed-q:2' },
  ];

  it('draws points below the floor on the bottom edge and lists them, so the axis spans only the rest', () => {
    const svg = scatterChart('t', 'x', 'y', points, 93.4);
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg.match(/<path d="M[^"]*Z"/g)).toHaveLength(1);
    expect(svg).toContain('▼ below 93.4: fixed-q:2 7.10');
    const yTicks = [...svg.matchAll(/text-anchor="end">([\d.]+)</g)].map((m) => Number(m[1]));
    expect(Math.min(...yTicks)).toBeGreaterThanOrEqual(93);
  });

  it('without a floor the axis reaches the lowest point', () => {
    const svg = scatterChart('t', 'x', 'y', points);
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).not.toContain('below');
  });
});
