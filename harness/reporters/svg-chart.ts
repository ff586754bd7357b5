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
