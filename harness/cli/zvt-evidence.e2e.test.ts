/**
 * "A case passed on another sale's receipt", reproduced through the whole tool: a strict ZVT
 * terminal on loopback prints the customer copy of a 12.50 EUR sale first and its merchant copy
 * late, while the next case (5.00 EUR) already waits for a merchant copy. The 12.50 EUR receipt
 * must never become the 5.00 EUR case's evidence: when the terminal prints the 5.00 EUR copies
 * the case passes on them; when it prints no merchant copy the case times out.
 */
import { createServer, type Server } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hex2, type Apdu } from '../../devices/protocols/zvt/apdu.js';
import { fromBcd, readFields, toBcd } from '../../devices/protocols/zvt/bmp.js';
import { zvt } from '../../devices/protocols/zvt/messages.js';
import { StrictTerminal } from '../../devices/protocols/zvt/test-support/strict-terminal.js';
import { AcceptedSocketTransport } from '../../devices/transports/tcp.js';
import { poshil, readRecordJson, runDir, workspace, transcriptText } from './test-support/cli.js';

const SUITE = `suite: evidence
cases:
  - id: customer-copy-of-12-50
    steps:
      - do: sale
        args: { amount: 1250, currency: EUR }
      - await: printer.output
        within: 3000
        where: { properties: { copy: { const: customer } } }
  - id: merchant-copy-of-5-00
    steps:
      - do: sale
        args: { amount: 500, currency: EUR }
      - await: printer.output
        within: 1500
        where: { properties: { copy: { const: merchant } } }
`;

const receipt = (copy: string, cents: number) => [zvt.printLine(0, 'POSHIL BAKERY'), zvt.printLine(0, `TOTAL EUR ${(cents / 100).toFixed(2)}`), zvt.printLine(0xff, `${copy} COPY`)];
const result = (cents: number, receiptNo: number) =>
  zvt.statusInformation([{ tag: 0x27, value: Uint8Array.of(0) }, { tag: 0x04, value: toBcd(cents, 6) }, { tag: 0x49, value: toBcd('0978', 2) }, { tag: 0x87, value: toBcd(receiptNo, 2) }]);

/** A strict terminal on loopback; `secondMerchantCopy` says whether the 5.00 EUR sale prints a merchant copy. */
async function terminalServer(secondMerchantCopy: boolean): Promise<{ port: number; terminals: StrictTerminal[]; server: Server }> {
  const terminals: StrictTerminal[] = [];
  const server = createServer((socket) => {
    let terminal!: StrictTerminal;
    terminal = new StrictTerminal(new AcceptedSocketTransport(socket), 'tcp', (command: Apdu) => {
      const control = hex2(command.cls) + hex2(command.instr);
      if (control === '0600') return { answer: zvt.ack(), then: [zvt.completion([{ tag: 0x29, value: toBcd('52500001', 4) }])] };
      if (control === '0501') return { answer: zvt.ack(), then: [zvt.statusCompletion('STRICT-PT 1.0', 0, [])] };
      if (control !== '0601') return undefined;
      const cents = Number(fromBcd(readFields(command.data).get(0x04)));
      if (cents === 1250) {
        // Customer copy first; the merchant copy and the Completion come a while later.
        setTimeout(() => terminal.tell(...receipt('MERCHANT', 1250), zvt.completion()), 400);
        return { answer: zvt.ack(), then: [result(1250, 1), ...receipt('CUSTOMER', 1250)] };
      }
      return { answer: zvt.ack(), then: [result(cents, 2), ...(secondMerchantCopy ? receipt('MERCHANT', cents) : []), ...receipt('CUSTOMER', cents), zvt.completion()] };
    });
    terminals.push(terminal);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, terminals, server };
}

describe('evidence belongs to its own transaction (ZVT, black box)', () => {
  let server: Server | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  for (const secondMerchantCopy of [true, false]) {
    it(secondMerchantCopy ? "passes the 5.00 EUR case on its own merchant copy" : 'fails the 5.00 EUR case that has no merchant copy of its own', async () => {
      const started = await terminalServer(secondMerchantCopy);
      server = started.server;
      const dir = workspace({
        'evidence.suite.yaml': SUITE,
        'pt.json': { name: 'strict ZVT terminal', protocol: 'zvt', transport: { type: 'tcp', host: '127.0.0.1', port: started.port }, capabilities: ['printer'] },
      });
      dirs.push(dir);
      const run = await poshil(['run', '-d', join(dir, 'pt.json'), '-o', join(dir, 'out'), join(dir, 'evidence.suite.yaml')], { timeout: 60_000 });
      const out = runDir(join(dir, 'out'));
      const record = readRecordJson(out);
      const [first, second] = record.suites[0]!.cases;
      expect(first!.outcome).toBe('PASS');
      const transcript = transcriptText(out);
      expect(transcript).toContain('printer.output of the Authorisation (06 01) of ZVT-000001 (12.50 EUR) arrived after the next command was asked for');
      if (secondMerchantCopy) {
        expect(run.exitCode, run.stdout).toBe(0);
        expect(JSON.stringify(second)).toContain('TOTAL EUR 5.00');
        expect(JSON.stringify(second)).not.toContain('TOTAL EUR 12.50');
      } else {
        expect(run.exitCode, run.stdout).toBe(1);
        expect(second!.outcome).toBe('TIMEOUT');
      }
      expect(started.terminals.flatMap((t) => t.violations)).toEqual([]);
    }, 70_000);
  }
});
