/**
 * Writes docs/errors.md and docs/configuration.md from the error catalogue and the config key table,
 * so the docs cannot drift from the code. `npm run docs` runs it; test/docs-sync.test.ts checks it ran.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigurationDoc, renderErrorsDoc } from './render-docs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
writeFileSync(`${root}docs/errors.md`, renderErrorsDoc());
writeFileSync(`${root}docs/configuration.md`, renderConfigurationDoc());
console.log('wrote docs/errors.md and docs/configuration.md');
