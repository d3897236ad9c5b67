/**
 * The dashboard's browser code: web/main.tsx (Preact and uPlot from npm) bundled by esbuild into one
 * script and one stylesheet. `npm run build:web` writes them to dist/web/assets/; a server started
 * from the source tree, where they are missing, bundles them in memory instead (esbuild is a
 * development dependency, so an installed package always has the built files).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { YamoriError } from '../errors/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** src/web/ and dist/web/ both sit two levels below the repository root. */
export const DASHBOARD_SOURCE = resolve(HERE, '../../web/main.tsx');
export const BUILT_ASSETS_DIR = join(HERE, 'assets');

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
}

const TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** Bundles the dashboard; with `outdir` writes app.js and app.css there, else returns them. */
export async function bundleDashboard(outdir: string | null): Promise<Map<string, DashboardAsset>> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { app: DASHBOARD_SOURCE },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
    outdir: outdir ?? BUILT_ASSETS_DIR,
    write: false,
  });
  if (outdir !== null) mkdirSync(outdir, { recursive: true });
  const assets = new Map<string, DashboardAsset>();
  for (const file of result.outputFiles ?? []) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    assets.set(name, {
      body: Buffer.from(file.contents),
      contentType: TYPES[name] ?? 'application/octet-stream',
    });
    if (outdir !== null) writeFileSync(join(outdir, name), file.contents);
  }
  return assets;
}

/**
 * The built files from `dir` (default: dist/web/assets beside this module); when they are missing,
 * a fresh in-memory bundle of the sources. Throws WEB_ASSETS_MISSING when neither is there.
 */
export async function loadDashboardAssets(
  dir: string = BUILT_ASSETS_DIR,
): Promise<Map<string, DashboardAsset>> {
  if (existsSync(join(dir, 'app.js'))) {
    const assets = new Map<string, DashboardAsset>();
    for (const [name, contentType] of Object.entries(TYPES)) {
      if (existsSync(join(dir, name))) assets.set(name, { body: readFileSync(join(dir, name)), contentType });
    }
    return assets;
  }
  try {
    return await bundleDashboard(null);
  } catch (cause) {
    const detail = existsSync(DASHBOARD_SOURCE)
      ? `bundling ${DASHBOARD_SOURCE} failed: ${cause instanceof Error ? cause.message : String(cause)}`
      : `${join(dir, 'app.js')} does not exist.`;
    throw new YamoriError('WEB_ASSETS_MISSING', { detail }, { cause });
  }
}
