import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import { loadEcrProtocol } from './ecr-protocol.js';
import { loadProfile } from './profile.js';

const dir = mkdtempSync(join(tmpdir(), 'poshil-ecr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const template = readFileSync(join(packageRoot(), 'devices', 'protocols', 'template.ecr.yaml'), 'utf8');

/** The template with one line changed: the error must name that line. */
function variant(name: string, from: string, to: string): { path: string; line: number } {
  expect(template).toContain(from);
  const text = template.replace(from, to);
  const path = join(dir, `${name}.ecr.yaml`);
  writeFileSync(path, text);
  return { path, line: text.slice(0, text.indexOf(to)).split('\n').length };
}

function inputError(path: string): InputError {
  try {
    loadEcrProtocol(path);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('the description loaded');
}

describe('ECR protocol descriptions that cannot work are refused with file, pointer and line', () => {
  it('overlapping fields', () => {
    const { path, line } = variant('overlap', '{ name: amount, width: 12, type: numeric, source: amount }', '{ name: amount, offset: 1, width: 12, type: numeric, source: amount }');
    const error = inputError(path);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/overlaps field "command"/);
    expect(error.context).toMatchObject({ pointer: '/messages/request/fields/1/offset', line });
    expect(error.context.file).toContain('overlap.ecr.yaml');
  });

  it('a layout longer than its length field can announce', () => {
    const { path } = variant('long', 'length: { encoding: bcd, bytes: 2, counts: [data] }', 'length: { encoding: binary-be, bytes: 1, counts: [data] }');
    const error = inputError(path);
    expect(error.message).toMatch(/\/messages\/receipt is 482 bytes long, more than the binary-be length field of 1 bytes can announce \(255 bytes of data\)/);
    expect(error.context.pointer).toBe('/messages/receipt');
    // The line of the message's first property (its value starts there).
    expect(error.context.line).toBe(template.split('\n').findIndex((l) => l.startsWith('  receipt:')) + 2);
  });

  it('an unknown checksum', () => {
    const { path, line } = variant('checksum', 'checksum: { type: lrc, over: [length, data, end] }', 'checksum: { type: crc32, over: [length, data, end] }');
    const error = inputError(path);
    expect(error.code).toBe('E_SCHEMA');
    expect(error.message).toMatch(/\/framing\/checksum\/type must be one of: "none", "lrc", "crc16-kermit", "crc16-ccitt-false"/);
    expect(error.context).toMatchObject({ pointer: '/framing/checksum/type', line });
  });

  it('a verb mapped to no message', () => {
    const { path, line } = variant('verb', 'status: { request: request, values: { command: ST }', 'status: { request: statusRequest, values: { command: ST }');
    const error = inputError(path);
    expect(error.message).toMatch(/\/verbs\/status\/request names no message: "statusRequest"/);
    expect(error.context).toMatchObject({ pointer: '/verbs/status/request', line });
  });

  it('a response that ends a transaction without the result code field', () => {
    const { path } = variant('outcome', 'field: responseCode', 'field: resultCode');
    expect(inputError(path).message).toMatch(/\/verbs\/sale\/responses\/0 "result" ends a transaction but has no field "resultCode"/);
  });

  it('a constant that does not fit its field, and two verbs the simulator could not tell apart', () => {
    const constant = variant('constant', "{ name: kind, width: 2, type: ascii, value: RS }", "{ name: kind, width: 2, type: ascii, value: RSX }");
    expect(inputError(constant.path).context).toMatchObject({ pointer: '/messages/result/fields/0/value', line: constant.line });
    const twins = variant('twins', 'values: { command: RF }', 'values: { command: SA }');
    expect(inputError(twins.path).message).toMatch(/sends the same request as verb "sale"/);
  });

  it('binary fields where the end byte is searched for', () => {
    const text = template.replace('length: { encoding: bcd, bytes: 2, counts: [data] }', 'length: { encoding: none }').replace('{ name: kind, width: 2, type: ascii, value: RS }', '{ name: kind, width: 2, type: hex, value: "5253" }');
    const path = join(dir, 'binary.ecr.yaml');
    writeFileSync(path, text);
    const error = inputError(path);
    expect(error.message).toMatch(/\/messages\/result\/fields\/0\/type is hex, but a frame without a length field can only carry text/);
    expect(error.context.line).toBe(text.split('\n').findIndex((l) => l.includes('type: hex, value: "5253"')) + 1);
  });

  it('a profile with protocol ecr names its description, and the description is checked with it', () => {
    const profile = join(dir, 'terminal.json');
    writeFileSync(profile, JSON.stringify({ name: 't', protocol: 'ecr', transport: { type: 'tcp', host: '127.0.0.1', port: 9999 } }));
    expect(() => loadProfile(profile)).toThrow(/protocol "ecr" needs "ecrProtocol"/);
    variant('unmapped', 'status: { request: request, values: { command: ST }', 'status: { request: statusRequest, values: { command: ST }');
    writeFileSync(profile, JSON.stringify({ name: 't', protocol: 'ecr', ecrProtocol: 'unmapped.ecr.yaml', transport: { type: 'tcp', host: '127.0.0.1', port: 9999 } }));
    expect(() => loadProfile(profile)).toThrow(/unmapped\.ecr\.yaml is invalid: \/verbs\/status\/request names no message/);
    writeFileSync(profile, JSON.stringify({ name: 't', protocol: 'ecr', ecrProtocol: join(packageRoot(), 'devices', 'protocols', 'concert-v2.ecr.yaml'), transport: { type: 'tcp', host: '127.0.0.1' }, simulator: { args: ['--tcp', '127.0.0.1:0'] } }));
    const loaded = loadProfile(profile);
    expect(loaded.ecr?.id).toBe('concert-v2');
    expect(loaded.simulator?.args).toEqual(['--tcp', '127.0.0.1:0', '--protocol', 'ecr', '--ecr-protocol', join(packageRoot(), 'devices', 'protocols', 'concert-v2.ecr.yaml')]);
  });

  it('loads the shipped descriptions', () => {
    for (const name of ['concert-v2', 'nexi-traditional', 'template']) {
      const protocol = loadEcrProtocol(join(packageRoot(), 'devices', 'protocols', `${name}.ecr.yaml`));
      expect(protocol.specification.length).toBeGreaterThan(20);
      expect(Object.keys(protocol.verbs)).toContain('sale');
    }
  });
});
