import { scaleLinear, scalePoint } from 'd3-scale';
import { line } from 'd3-shape';
import { html, type SafeHtml } from '../../pages/html.ts';

/**
 * Charts as SVG drawn on the server, inside the page (no script, no style attribute: colours and
 * sizes are SVG presentation attributes). d3-scale gives the scales and ticks, d3-shape the line
 * paths with gaps where a value is withheld; both are pure functions, no DOM. Every chart is
 * decorative beside the text or table that carries the same numbers (aria-hidden), so a screen
 * reader reads the numbers once.
 */

export interface Segment {
  key: string;
  value: number;
  fill: string;
}

/** A horizontal stacked bar of shares (0–1), one rectangle per segment. */
export function stackedBar(segments: Segment[]): SafeHtml {
  const width = 600;
  const total = Math.max(
    1,
    segments.reduce((s, x) => s + x.value, 0),
  );
  const x = scaleLinear().domain([0, total]).range([0, width]);
  let at = 0;
  const rects = segments.map((s) => {
    const r = html`<rect
      x="${x(at).toFixed(2)}"
      y="0"
      width="${Math.max(0, x(s.value) - x(0)).toFixed(2)}"
      height="20"
      fill="${s.fill}"
      stroke="#ffffff"
      stroke-width="1"
    ></rect>`;
    at += s.value;
    return r;
  });
  return html`<svg
    class="bar"
    viewBox="0 0 ${width} 20"
    preserveAspectRatio="none"
    aria-hidden="true"
    focusable="false"
  >
    ${rects}
  </svg>`;
}

/** One bar per option (multi-choice shares do not add up to a whole). */
export function singleBar(value: number, fill: string): SafeHtml {
  const width = 600;
  const w = scaleLinear().domain([0, 1]).range([0, width]).clamp(true)(value);
  return html`<svg
    class="bar single"
    viewBox="0 0 ${width} 12"
    preserveAspectRatio="none"
    aria-hidden="true"
    focusable="false"
  >
    <rect x="0" y="0" width="${width}" height="12" fill="#eef1f4"></rect>
    <rect x="0" y="0" width="${w.toFixed(2)}" height="12" fill="${fill}"></rect>
  </svg>`;
}

export interface Series {
  label: string;
  values: Array<number | null>;
  colour: string;
  dash: string;
}

/** Colours and dash patterns of the lines: a line is told apart by its dash and its label too. */
export const SERIES_STYLES = [
  { colour: '#0b5cad', dash: '' },
  { colour: '#b3411a', dash: '8 4' },
  { colour: '#1d6b35', dash: '2 3' },
  { colour: '#6a3d9a', dash: '10 3 2 3' },
  { colour: '#5c4400', dash: '4 4' },
  { colour: '#a3161b', dash: '12 6' },
  { colour: '#00606b', dash: '1 5' },
  { colour: '#4a5360', dash: '6 2 1 2' },
];

/**
 * A line chart over waves: one line per series, a gap (not a zero) where a value is null, open
 * waves marked with a hollow point and "(open)" under their label.
 */
export function lineChart(input: {
  waves: Array<{ label: string; open: boolean }>;
  series: Series[];
  domain: [number, number];
  format: (v: number) => string;
  labelledBy: string;
  openLabel: string;
}): SafeHtml {
  const [width, height] = [760, 320];
  const margin = { top: 16, right: 150, bottom: 48, left: 56 };
  const x = scalePoint<number>()
    .domain(input.waves.map((_, i) => i))
    .range([margin.left, width - margin.right])
    .padding(0.5);
  const y = scaleLinear()
    .domain(input.domain)
    .nice()
    .range([height - margin.bottom, margin.top]);
  const ticks = y.ticks(5);
  const grid = ticks.map(
    (t) =>
      html`<line
          x1="${margin.left}"
          x2="${width - margin.right}"
          y1="${y(t).toFixed(1)}"
          y2="${y(t).toFixed(1)}"
          stroke="#c9d1da"
          stroke-width="1"
        ></line
        ><text x="${margin.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="12" fill="#4a5360"
          >${input.format(t)}</text
        >`,
  );
  const axis = input.waves.map(
    (w, i) =>
      html`<text
          x="${x(i)!.toFixed(1)}"
          y="${height - margin.bottom + 18}"
          text-anchor="middle"
          font-size="12"
          fill="#1b1f24"
          >${w.label}</text
        >${w.open ? html`<text x="${x(i)!.toFixed(1)}" y="${height - margin.bottom + 34}" text-anchor="middle" font-size="11" fill="#4a5360">(${input.openLabel})</text>` : ''}`,
  );
  const path = line<number | null>()
    .defined((v) => v !== null)
    .x((_, i) => x(i)!)
    .y((v) => y(v!));
  // Each line's name at its last point, nudged apart where names would overlap (same last wave).
  const ends = input.series.map((s, si) => {
    const last = s.values.findLastIndex((v) => v !== null);
    return last < 0 ? null : { si, x: x(last)! + 10, y: y(s.values[last]!) + 4 };
  });
  const placed = ends.filter((e): e is NonNullable<typeof e> => e !== null).sort((a, b) => a.x - b.x || a.y - b.y);
  for (let i = 1; i < placed.length; i++)
    if (placed[i]!.x === placed[i - 1]!.x && placed[i]!.y - placed[i - 1]!.y < 14) placed[i]!.y = placed[i - 1]!.y + 14;
  const lines = input.series.map((s, si) => {
    const d = path(s.values) ?? '';
    const points = s.values.map((v, i) =>
      v === null
        ? ''
        : html`<circle
            cx="${x(i)!.toFixed(1)}"
            cy="${y(v).toFixed(1)}"
            r="4"
            fill="${input.waves[i]!.open ? '#ffffff' : s.colour}"
            stroke="${s.colour}"
            stroke-width="2"
          ></circle>`,
    );
    const end = ends[si];
    const label = end
      ? html`<text x="${end.x.toFixed(1)}" y="${end.y.toFixed(1)}" font-size="12" fill="${s.colour}">${s.label}</text>`
      : '';
    return html`<g
      ><path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2.5" stroke-dasharray="${s.dash || 'none'}"></path
      >${points}${label}</g
    >`;
  });
  return html`<svg
    class="chart"
    viewBox="0 0 ${width} ${height}"
    role="img"
    aria-labelledby="${input.labelledBy}"
    focusable="false"
  >
    ${grid}${axis}${lines}
  </svg>`;
}
