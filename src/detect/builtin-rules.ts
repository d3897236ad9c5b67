import { fileURLToPath } from 'node:url';

/**
 * The folder of the rules that ship with Yamori: `rules/` at the package root, two levels above this
 * file both in src/detect/ (development) and in dist/detect/ (the installed package, which lists
 * rules/ under "files").
 */
export function builtinRulesDir(): string {
  return fileURLToPath(new URL('../../rules/', import.meta.url));
}
