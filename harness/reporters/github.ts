/**
 * GitHub Actions workflow commands: an `::error` annotation per case that did not pass, pointing
 * at the case in its suite file, a `::warning` per flaky case and per step warning, an `::error` for a run that could
 * not go on and for a plan not met, then the counts line. The annotations show on the pull request's diff and summary.
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
import { consoleText } from '../core/console-text.js';
import type { CaseRecord, RunRecord, SuiteRecord } from '../core/record.js';
import type { Reporter } from './reporter.js';
import { allCases, closingText, failedCases, flakyCases, flakyHistory, stepWarnings } from './text.js';

/** Message text: only %, CR and LF are special. */
export function escapeData(text: string): string {
  // Line breaks become the workflow's own escapes; any other control character (an escape
  // sequence a terminal sent) is shown, not passed to the log.
  return consoleText(text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
}

/** Property values (file, title) also may not hold ':' or ','. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function annotation(level: 'error' | 'warning', props: Record<string, string | number | undefined>, message: string): string {
  const list = Object.entries(props)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${level} ${list}::${escapeData(message)}`;
}

export function renderAnnotations(record: RunRecord): string[] {
  const fileOf = new Map<string, SuiteRecord>(record.suites.map((s) => [s.id, s]));
  const where = (c: CaseRecord) => ({ file: fileOf.get(c.suite)?.file, line: c.line });
  const lines: string[] = [];
  if (record.error) lines.push(annotation('error', { title: `poshil: the run could not go on [${record.error.code}]` }, record.error.message + (record.error.hint ? `\nhint: ${record.error.hint}` : '')));
  const plan = record.plan;
  if (plan && !plan.met) lines.push(annotation('error', { file: record.inputs.find((i) => i.kind === 'plan')?.path, title: `poshil: plan ${plan.id} ${plan.version} not met` }, plan.reasons.join('\n')));
  for (const c of failedCases(record)) {
    const text = [c.reason ?? c.outcome, ...(c.troubleshoot ? [`troubleshoot: ${c.troubleshoot}`] : [])].join('\n');
    lines.push(annotation('error', { ...where(c), title: `${c.outcome} ${c.suite}/${c.id}` }, text));
  }
  for (const c of flakyCases(record)) lines.push(annotation('warning', { ...where(c), title: `FLAKY ${c.suite}/${c.id}` }, flakyHistory(c)));
  const cases = new Map(allCases(record).map((c) => [`${c.suite}/${c.id}`, c]));
  for (const w of stepWarnings(record)) {
    const c = cases.get(`${w.suite}/${w.caseId}`)!;
    lines.push(annotation('warning', { ...where(c), title: `${w.suite}/${w.caseId}, step ${w.step} (${w.label})` }, w.text));
  }
  return lines;
}

/** `recap: false` when another console reporter already ends with the recap. */
export function githubReporter(options: { stream?: NodeJS.WritableStream; recap?: boolean } = {}): Reporter {
  const stream = options.stream ?? process.stdout;
  return {
    name: 'github',
    onRunEnd(record) {
      const annotations = renderAnnotations(record);
      stream.write((annotations.length ? annotations.join('\n') + '\n' : '') + (options.recap === false ? '' : closingText(record)));
    },
  };
}
