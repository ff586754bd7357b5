import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { labelsInUse, parseSelection, requireSelection, selectDevices } from './select.js';

const device = (name: string, labels: Record<string, string>) => ({ name, labels: { name, ...labels } });
const BENCH = [
  device('c1', { brand: 'acme', model: 't100', firmware: '2.1', location: 'bench-a' }),
  device('c2', { brand: 'acme', model: 't100', firmware: '2.0', location: 'bench-a' }),
  device('c3', { brand: 'acme', model: 't200', firmware: '2.1', location: 'bench-b' }),
  device('z1', { brand: 'ingenico', model: 'move5000', firmware: '3.4', location: 'bench-b' }),
];

describe('selectDevices', () => {
  const table: [string | undefined, string[]][] = [
    [undefined, ['c1', 'c2', 'c3', 'z1']],
    ['', ['c1', 'c2', 'c3', 'z1']],
    ['brand=acme', ['c1', 'c2', 'c3']],
    ['brand=acme,firmware=2.1', ['c1', 'c3']],
    [' brand=acme , firmware=2.1 ', ['c1', 'c3']],
    ['model=t100,model=move5000', ['c1', 'c2', 'z1']],
    ['model=t100,model=move5000,location=bench-b', ['z1']],
    ['name=c2', ['c2']],
    ['brand=ACME', []],
    ['colour=red', []],
    ['firmware=2', []],
    ['location=bench-a,location=bench-b,brand=ingenico', ['z1']],
  ];
  it.each(table)('--select %j picks %j', (text, names) => {
    expect(selectDevices(BENCH, parseSelection(text)).map((d) => d.name)).toEqual(names);
  });

  it.each(['brand', '=acme', 'brand=', 'brand=acme,,model=t1', 'a b=c'])('refuses the term %j with exit 2', (text) => {
    let error: unknown;
    try {
      parseSelection(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('E_OPTION');
  });

  it('keeps a value holding "=" whole', () => {
    expect([...parseSelection('note=a=b').terms]).toEqual([['note', ['a=b']]]);
  });
});

describe('an empty selection', () => {
  it('is exit 2 listing every label and its values', () => {
    let error: InputError | undefined;
    try {
      requireSelection(BENCH, parseSelection('brand=verifone'), 'lab.bench.yaml');
    } catch (caught) {
      error = caught as InputError;
    }
    expect(error?.exitCode).toBe(2);
    expect(error?.code).toBe('E_NO_DEVICES');
    expect(error?.context.hint).toContain('brand=acme|ingenico');
    expect(error?.context.hint).toContain('firmware=2.0|2.1|3.4');
    expect(error?.context.file).toBe('lab.bench.yaml');
  });

  it('lists labels sorted by key and value', () => {
    expect([...labelsInUse(BENCH).keys()]).toEqual(['brand', 'firmware', 'location', 'model', 'name']);
    expect(labelsInUse(BENCH).get('model')).toEqual(['move5000', 't100', 't200']);
  });
});
