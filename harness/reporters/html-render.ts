/** Compiles poshil's handlebars templates once, with the partials and the inline stylesheet. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import { packageRoot } from '../core/paths.js';

const require = createRequire(import.meta.url);
let env: typeof Handlebars | undefined;
const templates = new Map<string, Handlebars.TemplateDelegate>();

function environment(): typeof Handlebars {
  if (env) return env;
  // Loaded when a report is first rendered, at a run's end: 44 files a run's start need not wait for.
  env = (require('handlebars') as typeof Handlebars).create();
  const dir = join(packageRoot(), 'reports', 'templates', 'partials');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.hbs'))) env.registerPartial(basename(file, '.hbs'), readFileSync(join(dir, file), 'utf8'));
  return env;
}

export function stylesheet(): string {
  return readFileSync(join(packageRoot(), 'reports', 'styles', 'report.css'), 'utf8');
}

export function render(name: string, context: object): string {
  let template = templates.get(name);
  if (!template) {
    template = environment().compile(readFileSync(join(packageRoot(), 'reports', 'templates', `${name}.hbs`), 'utf8'), { strict: false, noEscape: false });
    templates.set(name, template);
  }
  return template({ css: stylesheet(), ...context });
}

export function pretty(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value, null, 2);
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * The limits, and the band where a value passes but is MARGINAL: between a marginal bound and
 * the limit beyond it (`marginalMax: 1500, max: 3000` → "1500 … 3000 ms"), on either side.
 */
export function limitText(limits: { min?: number; max?: number; marginalMin?: number; marginalMax?: number }, unit: string): { limitText: string; marginalText: string } {
  const range = (lo?: number, hi?: number) => (lo === undefined && hi === undefined ? '—' : `${lo ?? '−∞'} … ${hi ?? '+∞'} ${unit}`);
  const bands = [
    ...(limits.marginalMin !== undefined ? [range(limits.min, limits.marginalMin)] : []),
    ...(limits.marginalMax !== undefined ? [range(limits.marginalMax, limits.max)] : []),
  ];
  return { limitText: range(limits.min, limits.max), marginalText: bands.length ? bands.join(' and ') : '—' };
}
