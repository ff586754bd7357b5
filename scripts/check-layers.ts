/**
 * Lint: every import between poshil's own files must follow LAYERS (scripts/layers.ts).
 * Tests (*.test.ts) may import across layers to set up what they check. Run by `npm run lint`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { packageRoot } from '../harness/core/paths.js';
import { LAYERS, type Layer } from './layers.js';

const root = packageRoot();
const SOURCE_DIRS = ['harness', 'devices', 'scripts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.(test|d)\.ts$/.test(name) && !path.includes('test-support') ? [path] : [];
  });
}

/** The most specific layer containing the file. */
function layerOf(file: string): Layer | undefined {
  const rel = relative(root, file);
  return LAYERS.filter((l) => rel === l.path || rel.startsWith(l.path + '/')).sort((a, b) => b.path.length - a.path.length)[0];
}

function allowed(from: Layer, target: string): boolean {
  const rel = relative(root, target);
  const inside = (path: string) => rel === path || rel.startsWith(path + '/');
  if (inside(from.path)) return true;
  return from.may.some(inside);
}

const problems: string[] = [];
const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(root, dir)));
for (const file of files) {
  const layer = layerOf(file);
  if (!layer) {
    problems.push(`${relative(root, file)}: the folder has no place in scripts/layers.ts`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const target = resolve(dirname(file), ref.fileName.replace(/\.js$/, '.ts'));
    if (!allowed(layer, target)) {
      const line = text.slice(0, ref.pos).split('\n').length;
      problems.push(`${relative(root, file)}:${line}: ${layer.path} may not import ${relative(root, target)}`);
    }
  }
}
if (problems.length > 0) {
  process.stderr.write(`layer check: ${problems.length} import(s) against the layer order (scripts/layers.ts):\n  ${problems.join('\n  ')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`layer check: ${files.length} files follow the layer order\n`);
}
