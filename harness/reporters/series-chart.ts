/**
 * A load step's time series in the HTML report: latency percentiles and success rate over the
 * windows, the terminal's health and poshil's own memory, with the windows over a limit marked
 * and named. Charts read only the record (details.series); a record without it gets none.
 */
import { clock, type LoadSeries, type LoadWindow } from '../core/load-series.js';
import { lineChart } from './svg-chart.js';

export interface SeriesView {
  charts: string[];
  /** One row per window for the table under the charts (escaped by the template). */
  rows: { n: number; span: string; transactions: number; successRate: string; tps: number; p50: string; p95: string; p99: string; terminal: string; harness: string; over: string; partial: boolean }[];
}

export function seriesView(series: LoadSeries | undefined, label: string): SeriesView | undefined {
  if (!series || !Array.isArray(series.windows) || series.windows.length === 0) return undefined;
  const windows = series.windows;
  const mid = (w: LoadWindow) => (w.startMs + w.endMs) / 2;
  const xLabel = (ms: number) => clock(ms);
  const marks = windows.filter((w) => w.over?.length).map((w) => ({ x: mid(w), text: `window ${w.index + 1} (${clock(w.startMs)}–${clock(w.endMs)}): ${w.over!.join(', ')} over the window limit` }));
  const points = (pick: (w: LoadWindow) => number | null | undefined) => windows.map((w) => [mid(w), pick(w) ?? null] as const);
  const charts = [
    lineChart({
      title: `${label}: latency per window`,
      unit: 'ms',
      xLabel,
      marks,
      lines: [
        { name: 'p50', color: '#0969da', points: points((w) => w.p50) },
        { name: 'p95', color: '#bc4c00', points: points((w) => w.p95) },
        { name: 'p99', color: '#cf222e', points: points((w) => w.p99) },
      ],
    }),
    lineChart({
      title: `${label}: success rate per window`,
      unit: '%',
      xLabel,
      marks,
      // A drop from 100 to 98 % matters in a soak: the scale starts just below the worst window.
      yMin: Math.max(0, Math.floor(Math.min(100, ...windows.map((w) => w.successRate ?? 100))) - 1),
      yMax: 100,
      lines: [{ name: 'success %', color: '#1a7f37', points: points((w) => w.successRate) }],
    }),
    healthChart(windows, label, xLabel, mid),
  ].filter((c): c is string => c !== undefined);
  const num = (v: number | null) => (v === null ? '–' : String(Math.round(v * 10) / 10));
  const rows = windows.map((w) => ({
    n: w.index + 1,
    span: `${clock(w.startMs)}–${clock(w.endMs)}`,
    transactions: w.transactions,
    successRate: w.successRate === null ? '–' : `${num(w.successRate)} %`,
    tps: Math.round(w.tps * 100) / 100,
    p50: num(w.p50),
    p95: num(w.p95),
    p99: num(w.p99),
    terminal: [w.reboots ? `${w.reboots} reboot${w.reboots > 1 ? 's' : ''}` : '', terminalText(w)].filter(Boolean).join(' · '),
    harness: w.harness ? `${w.harness.rssMiB} MiB rss · ${w.harness.heapUsedMiB} MiB heap · loop p99 +${w.harness.loopDelayP99Ms} ms` : '',
    over: (w.over ?? []).join(', '),
    partial: w.partial === true,
  }));
  return { charts, rows };
}

function healthChart(windows: readonly LoadWindow[], label: string, xLabel: (ms: number) => string, mid: (w: LoadWindow) => number): string | undefined {
  const has = (pick: (w: LoadWindow) => number | undefined) => windows.some((w) => pick(w) !== undefined);
  const lines = [
    { name: 'poshil rss MiB', color: '#57606a', pick: (w: LoadWindow) => w.harness?.rssMiB },
    { name: 'poshil heap MiB', color: '#8c959f', pick: (w: LoadWindow) => w.harness?.heapUsedMiB, dashed: true },
    { name: 'terminal °C', color: '#bc4c00', pick: (w: LoadWindow) => w.terminal?.temperatureC },
    { name: 'terminal free MiB', color: '#0969da', pick: (w: LoadWindow) => (w.terminal?.freeMemoryKb === undefined ? undefined : w.terminal.freeMemoryKb / 1024) },
  ].filter((l) => has(l.pick));
  return lineChart({
    title: `${label}: health per window (poshil's own memory, the terminal's status)`,
    unit: 'MiB · °C',
    xLabel,
    yMin: 0,
    lines: lines.map((l) => ({ name: l.name, color: l.color, ...(l.dashed ? { dashed: true } : {}), points: windows.map((w) => [mid(w), l.pick(w) ?? null] as const) })),
  });
}

function terminalText(w: LoadWindow): string {
  const t = w.terminal;
  if (!t) return '';
  if (t.error) return t.error;
  return [t.freeMemoryKb !== undefined ? `${t.freeMemoryKb} KiB free` : '', t.temperatureC !== undefined ? `${t.temperatureC} °C` : '', t.state ?? ''].filter(Boolean).join(' · ');
}

