import * as echarts from 'echarts';
import type { PanelAxis, PanelOutcome, PanelQuery } from './panels.ts';

/**
 * One static HTML page with every dashboard's panels, charts drawn server-side to SVG by ECharts (the library
 * OpenObserve's UI draws with). A failed panel is shown as an error with its SQL, an empty result as "no
 * data": never as an empty chart.
 */

export interface PreviewDashboard {
  readonly title: string;
  readonly description: string;
  readonly outcomes: readonly PanelOutcome[];
}

export interface PreviewPage {
  readonly generatedAt: string;
  readonly source: string;
  readonly dashboards: readonly PreviewDashboard[];
}

const PAGE_WIDTH = 1500;
const ROW_PX = 18;
const COLUMNS = 192;
const PALETTE = ['#5960b2', '#e8a33d', '#3fb1a3', '#c23531', '#7a4fb5', '#2f78c4', '#91b13c', '#d4577b'];

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

type Row = Readonly<Record<string, unknown>>;

const TIME_TYPES = new Set(['line', 'area', 'area-stacked', 'bar', 'stacked', 'scatter']);
/** A histogram bucket on x makes a time axis; one row per call (a timestamp per turn) stays categories. */
const isTimeAxis = (panel: PanelQuery) =>
  TIME_TYPES.has(panel.type) &&
  panel.x.length === 1 &&
  panel.x[0]?.column === '_timestamp' &&
  panel.sql.includes('histogram(_timestamp');

function numberOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function formatNumber(value: unknown, unit: string | undefined, decimals?: number): string {
  const n = numberOf(value);
  if (n === null) return value === null || value === undefined ? '–' : String(value);
  const digits = decimals ?? (Math.abs(n) >= 100 || Number.isInteger(n) ? 0 : Math.abs(n) >= 1 ? 2 : 6);
  const text = n.toLocaleString('en-US', { maximumFractionDigits: digits });
  if (unit === 'currency-dollar') return `$${text}`;
  if (unit === 'percent') return `${text} %`;
  if (unit === 'ms') return `${text} ms`;
  return text;
}

interface Series {
  readonly name: string;
  readonly points: [unknown, number | null][];
}

/** One series per y axis, or per y axis × breakdown value when the panel has a breakdown. */
function seriesOf(panel: PanelQuery, rows: readonly Row[]): Series[] {
  const x = panel.x[0]?.alias ?? '';
  const breakdown = panel.breakdown[0]?.alias;
  const series = new Map<string, Series>();
  for (const row of rows) {
    for (const y of panel.y) {
      const group = breakdown === undefined ? '' : String(row[breakdown] ?? '(none)');
      const name = breakdown === undefined ? y.label : panel.y.length > 1 ? `${group} · ${y.label}` : group;
      let entry = series.get(name);
      if (entry === undefined) {
        entry = { name, points: [] };
        series.set(name, entry);
      }
      entry.points.push([row[x], numberOf(row[y.alias])]);
    }
  }
  return [...series.values()];
}

function chartOption(panel: PanelQuery, rows: readonly Row[]): echarts.EChartsCoreOption {
  const base = {
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: 'DejaVu Sans, Arial, sans-serif', fontSize: 11 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
  };
  if (panel.type === 'pie' || panel.type === 'donut') {
    const name = panel.x[0]?.alias ?? '';
    const value = panel.y[0]?.alias ?? '';
    return {
      ...base,
      legend: { type: 'scroll', orient: 'vertical', right: 0, top: 8, textStyle: { fontSize: 10 } },
      series: [
        {
          type: 'pie',
          radius: panel.type === 'donut' ? ['40%', '70%'] : '70%',
          center: ['35%', '55%'],
          label: { show: false },
          data: rows.map((row) => ({ name: String(row[name] ?? '(none)'), value: numberOf(row[value]) })),
        },
      ],
    };
  }
  const series = seriesOf(panel, rows);
  const legend = { type: 'scroll', top: 0, textStyle: { fontSize: 10 } };
  const stacked = panel.type === 'area-stacked' || panel.type === 'stacked';
  const seriesType = panel.type === 'line' || panel.type.startsWith('area') ? 'line' : 'bar';
  const styled = (s: Series) => ({
    name: s.name,
    type: seriesType,
    stack: stacked ? 'total' : undefined,
    areaStyle: panel.type.startsWith('area') ? { opacity: 0.35 } : undefined,
    showSymbol: false,
    data: s.points,
  });
  if (isTimeAxis(panel)) {
    return {
      ...base,
      legend,
      xAxis: { type: 'time' },
      yAxis: { type: 'value' },
      series: series.map(styled),
    };
  }
  const horizontal = panel.type === 'h-bar' || panel.type === 'h-stacked';
  const categoryAlias = panel.x[0]?.alias ?? '';
  const categories = [...new Set(rows.map((row) => String(row[categoryAlias] ?? '(none)')))];
  const categoryAxis = {
    type: 'category',
    data: categories,
    axisLabel: {
      fontSize: 9,
      width: horizontal ? 180 : 90,
      overflow: 'truncate',
      interval: 0,
      rotate: horizontal ? 0 : 30,
    },
  };
  const valueSeries = series.map((s) => ({
    ...styled(s),
    type: 'bar',
    data: categories.map(
      (category) => s.points.find((p) => String(p[0] ?? '(none)') === category)?.[1] ?? null,
    ),
  }));
  return {
    ...base,
    legend,
    xAxis: horizontal ? { type: 'value' } : categoryAxis,
    yAxis: horizontal ? { ...categoryAxis, inverse: true } : { type: 'value' },
    series: valueSeries,
  };
}

export function renderChartSvg(
  panel: PanelQuery,
  rows: readonly Row[],
  width: number,
  height: number,
): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(chartOption(panel, rows));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function tableHtml(panel: PanelQuery, rows: readonly Row[]): string {
  const columns: PanelAxis[] = [...panel.x, ...panel.breakdown, ...panel.y];
  const head = columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('');
  const body = rows
    .slice(0, 50)
    .map(
      (row) =>
        `<tr>${columns
          .map((c) => {
            const value = row[c.alias];
            const text = typeof value === 'number' ? formatNumber(value, undefined) : String(value ?? '–');
            return `<td title="${escapeHtml(String(value ?? ''))}">${escapeHtml(text.length > 80 ? `${text.slice(0, 79)}…` : text)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  const more = rows.length > 50 ? `<p class="note">${rows.length - 50} more rows not shown</p>` : '';
  return `<div class="table"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}</div>`;
}

function panelBody(outcome: PanelOutcome, width: number, height: number): string {
  if (!outcome.ok) {
    return `<div class="error"><strong>Query failed</strong><pre>${escapeHtml(outcome.error)}</pre><details><summary>SQL</summary><pre>${escapeHtml(outcome.sql)}</pre></details></div>`;
  }
  const { panel, result } = outcome;
  if (result.rows.length === 0) return '<div class="empty">No data in these rows</div>';
  if (panel.type === 'metric') {
    return `<div class="metric">${escapeHtml(formatNumber(result.rows[0]?.[panel.y[0]?.alias ?? ''], panel.unit, panel.decimals))}</div>`;
  }
  if (panel.type === 'table') return tableHtml(panel, result.rows);
  return renderChartSvg(panel, result.rows, width, height);
}

function panelHtml(outcome: PanelOutcome): string {
  const { layout, title, description } = outcome.panel;
  const width = Math.round((layout.w / COLUMNS) * PAGE_WIDTH) - 18;
  const height = layout.h * ROW_PX - 44;
  const style = `grid-column:${layout.x + 1} / span ${layout.w};grid-row:${layout.y + 1} / span ${layout.h}`;
  const state = outcome.ok ? '' : ' failed';
  return `<section class="panel${state}" style="${style}"><h3 title="${escapeHtml(description)}">${escapeHtml(title)}</h3>${panelBody(outcome, width, height)}</section>`;
}

const STYLE = `
body{font-family:'DejaVu Sans',Arial,sans-serif;margin:0;background:#f3f4f7;color:#1f2330}
header{padding:14px 24px;background:#1f2330;color:#fff}header p{margin:4px 0 0;color:#c9ccd6;font-size:12px}
h2{margin:22px 24px 2px;font-size:18px}.desc{margin:0 24px 8px;color:#555;font-size:12px}
.grid{display:grid;grid-template-columns:repeat(${COLUMNS},1fr);grid-auto-rows:${ROW_PX}px;gap:0;width:${PAGE_WIDTH}px;margin:0 24px}
.panel{background:#fff;border:1px solid #dde0e8;border-radius:4px;margin:3px;padding:6px 8px;overflow:hidden}
.panel h3{margin:0 0 4px;font-size:12.5px;font-weight:600}
.metric{font-size:30px;font-weight:600;color:#3b4bbd;padding:8px 4px}
.empty{color:#777;font-style:italic;padding:16px 4px}
.failed{border-color:#c23531}.error{color:#a12622;font-size:12px}.error pre{white-space:pre-wrap}
.table{overflow:auto;max-height:100%}table{border-collapse:collapse;font-size:10.5px;width:100%}
th,td{border-bottom:1px solid #eceef3;padding:2px 5px;text-align:left;white-space:nowrap}th{background:#f6f7fa;position:sticky;top:0}
.note{font-size:10px;color:#777}`;

export function renderPreviewPage(page: PreviewPage): string {
  const sections = page.dashboards
    .map(
      (dashboard) =>
        `<h2>${escapeHtml(dashboard.title)}</h2><p class="desc">${escapeHtml(dashboard.description)}</p><div class="grid">${dashboard.outcomes.map(panelHtml).join('')}</div>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bedrock-o2 dashboards preview</title><style>${STYLE}</style></head>
<body><header><strong>bedrock-o2 dashboards preview</strong><p>${escapeHtml(page.source)} · generated ${escapeHtml(page.generatedAt)} · the same SQL the dashboards run in OpenObserve, executed locally</p></header>
${sections}
</body></html>
`;
}
