/** `npm run build:web`: bundles the dashboard (web/) into dist/web/assets/, beside the server that serves it. */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleDashboard } from '../src/web/dashboard-bundle.js';

const outdir = resolve(import.meta.dirname, '../dist/web/assets');
rmSync(outdir, { recursive: true, force: true });
const assets = await bundleDashboard(outdir);
for (const [name, asset] of assets)
  console.log(`${join('dist/web/assets', name)}: ${(asset.body.length / 1024).toFixed(0)} KiB`);
