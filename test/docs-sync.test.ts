import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigurationDoc, renderErrorsDoc } from '../scripts/render-docs.js';
import { CATALOGUE } from '../src/errors/index.js';
import { CONFIG_KEYS } from '../src/config/index.js';

const read = (path: string): string => readFileSync(join(process.cwd(), path), 'utf8');

describe('generated docs', () => {
  it('docs/errors.md lists every error code as generated (run "npm run docs" after changing the catalogue)', () => {
    const doc = read('docs/errors.md');
    for (const code of Object.keys(CATALOGUE)) expect(doc).toContain(`## ${code}\n`);
    expect(doc).toBe(renderErrorsDoc());
  });

  it('docs/configuration.md lists every config key as generated (run "npm run docs" after changing keys)', () => {
    const doc = read('docs/configuration.md');
    for (const key of CONFIG_KEYS) expect(doc).toContain(`| \`${key.path}\` |`);
    expect(doc).toBe(renderConfigurationDoc());
  });

  it('the sample config mentions every key', () => {
    const sample = read('yamori.example.yaml');
    for (const key of CONFIG_KEYS) {
      const last = key.path.split('.').pop()!;
      expect(sample, key.path).toMatch(new RegExp(`^\\s*${last}:`, 'm'));
    }
  });
});
