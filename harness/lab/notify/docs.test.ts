import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/paths.js';
import type { LabEvent } from './events.js';
import { formatMessage } from './format.js';
import { WEBHOOK_FORMATS } from './target.js';

const doc = readFileSync(join(packageRoot(), 'docs', 'lab-notifications.md'), 'utf8');

/** The JSON block that follows `<!-- marker -->` in the doc. */
function example(marker: string): unknown {
  const match = new RegExp(`<!-- ${marker} -->\\s*\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!match) throw new Error(`docs/lab-notifications.md has no example marked <!-- ${marker} -->`);
  return JSON.parse(match[1]!);
}

describe('docs/lab-notifications.md', () => {
  it('shows exactly the body each format gets for its example event', () => {
    const event = example('event') as LabEvent;
    for (const format of WEBHOOK_FORMATS) expect(example(`body: ${format}`), format).toEqual(formatMessage({ name: 'doc', url: 'https://example.org/hook', format }, event));
  });
});
