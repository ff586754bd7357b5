/**
 * The latency distribution of a load step as an inline SVG histogram with p50/p95/p99 markers.
 * Every label goes through `escape`: the SVG is inserted unescaped into the report.
 */
export interface LatencyDetails {
  histogram?: { bucketMs: number; counts: number[] };
  p50?: number;
  p95?: number;
  p99?: number;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function latencyChart(latency: LatencyDetails, title = 'latency distribution'): string | undefined {
  const h = latency.histogram;
  if (!h || h.counts.length === 0 || !(h.bucketMs > 0)) return undefined;
  const width = 640;
  const height = 230;
  const left = 40;
  const bottom = 30;
  // Room above the bars for the three percentile labels, one per line so they never overlap.
  const top = 48;
  const plotW = width - left - 10;
  const plotH = height - bottom - top;
  const max = Math.max(1, ...h.counts);
  const barW = plotW / h.counts.length;
  const x = (ms: number) => left + (ms / (h.bucketMs * h.counts.length)) * plotW;
  const bars = h.counts
    .map((c, i) => {
      const bh = (c / max) * plotH;
      return `<rect x="${(left + i * barW + 1).toFixed(1)}" y="${(top + plotH - bh).toFixed(1)}" width="${Math.max(1, barW - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="#0969da"><title>${escapeXml(`${i * h.bucketMs}–${(i + 1) * h.bucketMs} ms: ${c}`)}</title></rect>`;
    })
    .join('');
  const markers = (['p50', 'p95', 'p99'] as const)
    .filter((k) => typeof latency[k] === 'number' && Number.isFinite(latency[k]))
    .map((k, i) => {
      const px = x(latency[k]!).toFixed(1);
      return `<line x1="${px}" x2="${px}" y1="${top - 4}" y2="${top + plotH}" stroke="#cf222e" stroke-dasharray="4 3"/><text x="${px}" y="${12 + i * 13}" text-anchor="end">${escapeXml(`${k} ${latency[k]} ms`)}</text>`;
    });
  const axis = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<text x="${(left + f * plotW).toFixed(1)}" y="${height - 10}" text-anchor="middle">${escapeXml(String(Math.round(f * h.bucketMs * h.counts.length)))}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px"><title>${escapeXml(title)}</title>` +
    `<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="currentColor"/>${bars}${markers.join('')}${axis}` +
    `<text x="${left + plotW}" y="${height}" text-anchor="end">ms</text><text x="4" y="${top + 4}">${escapeXml(String(max))}</text></svg>`;
}

/** One line of a line chart: a value per x (null where there is none: a gap). */
export interface Line {
  name: string;
  color: string;
  points: readonly (readonly [number, number | null])[];
  dashed?: boolean;
}

export interface LineChartSpec {
  title: string;
  lines: readonly Line[];
  unit: string;
  /** Formats an x value for the axis (e.g. minutes into the step). */
  xLabel: (x: number) => string;
  yMin?: number;
  yMax?: number;
  /** x values to mark in red (windows over a limit), with a tooltip each. */
  marks?: readonly { x: number; text: string }[];
}

/**
 * A small line chart (values over time), one colour per line with a legend. Every label goes
 * through `escape`: the SVG is inserted unescaped into the report.
 */
export function lineChart(spec: LineChartSpec): string | undefined {
  const all = spec.lines.flatMap((l) => l.points);
  const ys = all.map(([, y]) => y).filter((y): y is number => y !== null && Number.isFinite(y));
  // A line needs two points: one window is a table row, not a trend.
  if (new Set(all.map(([x]) => x)).size < 2 || ys.length === 0) return undefined;
  const width = 640;
  const height = 200;
  const left = 48;
  const right = 10;
  const top = 24;
  const bottom = 28;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xs = all.map(([x]) => x);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const yLo = spec.yMin ?? Math.min(0, ...ys);
  const yHi = Math.max(spec.yMax ?? -Infinity, ...ys, yLo + 1);
  const px = (x: number) => left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const py = (y: number) => top + plotH - ((y - yLo) / (yHi - yLo)) * plotH;
  const paths = spec.lines
    .map((line) => {
      let d = '';
      let pen = false;
      for (const [x, y] of line.points) {
        if (y === null || !Number.isFinite(y)) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${px(x).toFixed(1)} ${py(y).toFixed(1)}`;
        pen = true;
      }
      const dots = line.points
        .filter((p): p is readonly [number, number] => p[1] !== null && Number.isFinite(p[1]))
        .map(([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2" fill="${line.color}"><title>${escapeXml(`${line.name} ${spec.xLabel(x)}: ${Math.round(y * 100) / 100} ${spec.unit}`)}</title></circle>`)
        .join('');
      return `<path d="${d}" fill="none" stroke="${line.color}" stroke-width="1.5"${line.dashed ? ' stroke-dasharray="5 3"' : ''}/>${dots}`;
    })
    .join('');
  const marks = (spec.marks ?? [])
    .map((m) => `<rect x="${(px(m.x) - 3).toFixed(1)}" y="${top}" width="6" height="${plotH}" fill="#cf222e" opacity="0.25"><title>${escapeXml(m.text)}</title></rect>`)
    .join('');
  const legend = spec.lines.map((l, i) => `<rect x="${left + i * 110}" y="4" width="10" height="10" fill="${l.color}"/><text x="${left + 14 + i * 110}" y="13">${escapeXml(l.name)}</text>`).join('');
  const yAxis = [0, 0.5, 1].map((f) => {
    const v = yLo + f * (yHi - yLo);
    return `<text x="${left - 4}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${escapeXml(String(Math.round(v * 10) / 10))}</text>`;
  });
  const xAxis = [0, 0.5, 1].map((f) => `<text x="${(left + f * plotW).toFixed(1)}" y="${height - 10}" text-anchor="middle">${escapeXml(spec.xLabel(x0 + f * (x1 - x0)))}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" class="series" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px"><title>${escapeXml(spec.title)}</title>` +
    `<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="currentColor"/><line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="currentColor"/>` +
    `${marks}${paths}${legend}${yAxis.join('')}${xAxis.join('')}<text x="${width - right}" y="${top - 4}" text-anchor="end">${escapeXml(spec.unit)}</text></svg>`;
}
