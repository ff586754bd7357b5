/**
 * How long each case of a suite took, as an inline SVG bar chart: one bar per case, coloured by
 * outcome, longest first, so the case that ate the bench time shows at a glance. Labels are
 * escaped: the SVG goes into the report unescaped.
 */
import type { CaseRecord } from '../core/record.js';
import { escapeXml } from './svg-chart.js';

const FILL: Record<CaseRecord['outcome'], string> = { PASS: '#1a7f37', FAIL: '#cf222e', ERROR: '#8250df', TIMEOUT: '#bc4c00', SKIPPED: '#6e7781', ABORTED: '#a40e26' };
const MAX_BARS = 25;

export function durationChart(cases: readonly CaseRecord[], title: string, format: (ms: number) => string): string | undefined {
  const ran = cases.filter((c) => c.attempts.length > 0).sort((a, b) => b.durationMs - a.durationMs);
  if (ran.length === 0) return undefined;
  const shown = ran.slice(0, MAX_BARS);
  const width = 640;
  const row = 18;
  const labelW = 220;
  const plotW = width - labelW - 70;
  const height = shown.length * row + 8;
  const max = Math.max(1, ...shown.map((c) => c.durationMs));
  const bars = shown
    .map((c, i) => {
      const y = 4 + i * row;
      const w = Math.max(1, (c.durationMs / max) * plotW);
      const label = c.id.length > 30 ? c.id.slice(0, 29) + '…' : c.id;
      return (
        `<text x="${labelW - 6}" y="${y + 12}" text-anchor="end">${escapeXml(label)}</text>` +
        `<rect x="${labelW}" y="${y + 2}" width="${w.toFixed(1)}" height="${row - 6}" fill="${FILL[c.outcome]}"><title>${escapeXml(`${c.suite}/${c.id}: ${c.outcome}, ${format(c.durationMs)}`)}</title></rect>` +
        `<text x="${(labelW + w + 4).toFixed(1)}" y="${y + 12}">${escapeXml(format(c.durationMs))}</text>`
      );
    })
    .join('');
  const more = ran.length > shown.length ? `<text x="${labelW}" y="${height + 12}">${escapeXml(`… and ${ran.length - shown.length} shorter cases`)}</text>` : '';
  const fullHeight = height + (more ? 18 : 0);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" class="durations" viewBox="0 0 ${width} ${fullHeight}" width="100%" style="max-width:${width}px"><title>${escapeXml(title)}</title>${bars}${more}</svg>`;
}
