import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * End-to-end tests run the built binary; build it once before they start, unless dist/main.js is
 * newer than every file it is built from (as right after `npm run build`, which `npm run check` runs
 * just before the tests: building again would cost CI a second full compile).
 */
export default function setup(): void {
  if (builtAfterSources()) return;
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

function builtAfterSources(): boolean {
  let built: number;
  try {
    built = statSync(join(ROOT, 'dist', 'main.js')).mtimeMs;
  } catch {
    return false;
  }
  const inputs = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((name) => join(ROOT, name));
  return [...inputs, ...filesUnder(join(ROOT, 'src'))].every((path) => statSync(path).mtimeMs < built);
}

/** The files under `dir` that tsconfig.build.json compiles (it leaves out the tests and their helpers). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !/(\.test|\.contract|(^|\.)testing)\.ts$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}
