import { html, type SafeHtml } from '../../pages/html.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import type { GroupReport } from '../../reports/service.ts';
import { lineChart, SERIES_STYLES } from './charts.ts';
import { formatNumber, num, type Kind } from './format.ts';
import { RESULTS } from './strings.ts';

export const METRICS = ['engagement', 'enps', 'respondents', 'rate'] as const;
export type Metric = (typeof METRICS)[number];

const METRIC: Record<
  Metric,
  { value: (g: GroupReport) => number | null; field: string; kind: Kind; domain: (max: number) => [number, number] }
> = {
  engagement: { value: (g) => g.engagementIndex, field: 'engagementIndex', kind: 'index', domain: () => [0, 100] },
  enps: { value: (g) => g.enps?.score ?? null, field: 'enps.score', kind: 'score', domain: () => [-100, 100] },
  respondents: {
    value: (g) => g.respondents,
    field: 'respondents',
    kind: 'count',
    domain: (max) => [0, Math.max(max, 1)],
  },
  rate: { value: (g) => g.responseRate, field: 'responseRate', kind: 'share', domain: () => [0, 1] },
};

export interface TrendPoint {
  wave: number;
  status: 'open' | 'closed';
  openedOn: string;
  groups: GroupReport[];
}

/** The trend as a line chart and, beside it, the same numbers as a table (the accessible alternative). */
export function trendBody(input: {
  lang: UiLanguage;
  points: TrendPoint[];
  metric: Metric;
  caption: string;
  overallLabel: (group: string) => string;
}): SafeHtml {
  const { lang, points, metric } = input;
  const t = RESULTS[lang];
  const m = METRIC[metric];
  const labels = [...new Set(points.flatMap((p) => p.groups.map((g) => g.group)))];
  const cell = (p: TrendPoint, label: string) => {
    const gi = p.groups.findIndex((g) => g.group === label);
    return gi < 0 ? null : { gi, g: p.groups[gi]! };
  };
  const values = labels.map((label) =>
    points.map((p) => {
      const c = cell(p, label);
      return c ? m.value(c.g) : null;
    }),
  );
  const max = Math.max(0, ...values.flat().filter((v): v is number => v !== null));
  const series = labels.map((label, i) => ({
    label: input.overallLabel(label),
    values: values[i]!,
    ...SERIES_STYLES[i % SERIES_STYLES.length]!,
  }));
  const chart = lineChart({
    waves: points.map((p) => ({ label: t.wave(p.wave), open: p.status === 'open' })),
    series,
    domain: m.domain(max),
    format: (v) => formatNumber(lang, m.kind, v),
    labelledBy: 'trend-caption',
    openLabel: t.waveStatus.open!,
  });
  const legend = html`<ul class="series-legend">
    ${series.map(
      (s) =>
        html`<li>
          <svg class="line-key" viewBox="0 0 36 12" aria-hidden="true" focusable="false">
            <line
              x1="0"
              x2="36"
              y1="6"
              y2="6"
              stroke="${s.colour}"
              stroke-width="2.5"
              stroke-dasharray="${s.dash || 'none'}"
            ></line>
          </svg>
          ${s.label}
        </li>`,
    )}
    <li>
      <svg class="line-key" viewBox="0 0 36 12" aria-hidden="true" focusable="false">
        <circle cx="18" cy="6" r="4" fill="#ffffff" stroke="#1b1f24" stroke-width="2"></circle>
      </svg>
      ${t.openPoint}
    </li>
  </ul>`;
  const table = html`<div class="table-scroll" role="region" aria-labelledby="trend-table-caption" tabindex="0">
    <table class="data" id="trend-table">
      <caption id="trend-table-caption">
        ${input.caption}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t.waves}</th>
          ${labels.map((l) => html`<th scope="col">${input.overallLabel(l)}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${points.map(
          (p, pi) =>
            html`<tr>
              <th scope="row">
                ${t.wave(p.wave)} <span class="status status-${p.status}">${t.waveStatus[p.status]}</span>
              </th>
              ${labels.map((label) => {
                const c = cell(p, label);
                if (!c) return html`<td class="cell withheld">${p.status === 'open' ? t.notYet : t.hidden}</td>`;
                const v = m.value(c.g);
                if (v === null)
                  return html`<td class="cell heat-hidden">
                    ${metric === 'rate' && !c.g.suppressed ? t.withheld : t.hidden}
                  </td>`;
                return html`<td class="num">${num(lang, m.kind, v, `${pi}.groups.${c.gi}.${m.field}`)}</td>`;
              })}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
  return html`<figure class="trend">
      <figcaption id="trend-caption">${input.caption}</figcaption>
      ${chart} ${legend}
      <p class="hint">${t.gapNote}</p>
    </figure>
    <h2 id="trend-data">${t.table}</h2>
    ${table}`;
}
