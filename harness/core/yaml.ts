/**
 * The yaml parser, loaded on first use. It is 72 files to read and compile, and `poshil sim`
 * (which a run starts, and which parses no YAML unless given a fault script or an ECR protocol
 * file) and `poshil --help` never need it.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

const require = createRequire(import.meta.url);
let loaded: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  return (loaded ??= require('yaml') as typeof Yaml);
}
