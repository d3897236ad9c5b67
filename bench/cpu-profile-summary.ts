/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) and lists the functions with the most self time and
 * with the most total time (self plus callees), mapped back to the TypeScript source through dist/'s
 * source maps where there is one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  functionName: string;
  /** file:line, in src/ when a source map says so. */
  location: string;
  selfMs: number;
  /** Self time plus the time of everything it called (a recursive function counted once). */
  totalMs: number;
  selfShare: number;
  totalShare: number;
}

export interface ProfileSummary {
  bySelf: HotSpot[];
  /** Only functions of the project (src/), since the runtime's frames wrap everything. */
  byTotal: HotSpot[];
}

export function summariseCpuProfile(profilePath: string, top: number, rootDir: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfUs = new Map<number, number>();
  let allUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    allUs += delta;
  }
  const maps = new SourceMaps();
  const keyOf = new Map<number, string>();
  const spots = new Map<string, HotSpot>();
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    const functionName = frame.functionName || '(anonymous)';
    const location = maps.locate(frame.url, frame.lineNumber, frame.columnNumber, rootDir);
    const key = `${functionName} ${location}`;
    keyOf.set(node.id, key);
    if (!spots.has(key)) {
      spots.set(key, { functionName, location, selfMs: 0, totalMs: 0, selfShare: 0, totalShare: 0 });
    }
  }
  for (const [id, us] of selfUs) {
    spots.get(keyOf.get(id)!)!.selfMs += us / 1000;
    const counted = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) {
      const key = keyOf.get(node)!;
      if (counted.has(key)) continue;
      counted.add(key);
      spots.get(key)!.totalMs += us / 1000;
    }
  }
  const allMs = allUs / 1000;
  const shared = [...spots.values()].map((spot) => ({
    ...spot,
    selfShare: allMs > 0 ? spot.selfMs / allMs : 0,
    totalShare: allMs > 0 ? spot.totalMs / allMs : 0,
  }));
  return {
    bySelf: shared.sort((a, b) => b.selfMs - a.selfMs).slice(0, top),
    byTotal: shared
      .filter((spot) => spot.location.startsWith('src/'))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, top),
  };
}

/** Loads each dist/ file's .map once. */
class SourceMaps {
  private readonly cache = new Map<string, SourceMap | null>();

  locate(url: string, line: number, column: number, rootDir: string): string {
    if (!url.startsWith('file://')) return url === '' ? '(native)' : url;
    const file = fileURLToPath(url);
    const map = this.load(file);
    const entry = map?.findEntry(line, column);
    if (entry && 'originalSource' in entry && entry.originalSource) {
      const source = entry.originalSource.startsWith('file://')
        ? fileURLToPath(entry.originalSource)
        : path.resolve(path.dirname(file), entry.originalSource);
      return `${path.relative(rootDir, source)}:${entry.originalLine + 1}`;
    }
    return `${path.relative(rootDir, file)}:${line + 1}`;
  }

  private load(file: string): SourceMap | null {
    if (!this.cache.has(file)) {
      const mapFile = `${file}.map`;
      this.cache.set(
        file,
        existsSync(mapFile)
          ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload)
          : null,
      );
    }
    return this.cache.get(file) ?? null;
  }
}
