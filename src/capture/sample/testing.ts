/**
 * Test helpers for checking generated captures with the real Wireshark: tshark and capinfos. Tests that
 * use them skip, with the reason in their name, where tshark is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
export const hasCapinfos = spawnSync('capinfos', ['-h'], { stdio: 'ignore' }).status === 0;

/** Preferences that make tshark verify every checksum it knows. */
export const CHECKSUM_PREFERENCES = [
  '-o',
  'ip.check_checksum:TRUE',
  '-o',
  'tcp.check_checksum:TRUE',
  '-o',
  'udp.check_checksum:TRUE',
];

/** Runs tshark on a capture and returns stdout lines, without the empty last line. */
export function tshark(file: string, args: readonly string[]): string[] {
  const output = execFileSync('tshark', ['-r', file, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return output.split('\n').filter((line) => line.length > 0);
}

/** One array of field values (tab-separated as tshark prints them) per packet matching `filter`. */
export function tsharkFields(file: string, fields: readonly string[], filter?: string): string[][] {
  const args = ['-T', 'fields', ...fields.flatMap((field) => ['-e', field])];
  if (filter) args.push('-Y', filter);
  return tshark(file, args).map((line) => line.split('\t'));
}

/** Frames that tshark finds malformed or marks with an expert error (bad checksums included). */
export function tsharkProblems(file: string): string[] {
  return tshark(file, [...CHECKSUM_PREFERENCES, '-Y', '_ws.malformed || _ws.expert.severity >= error']);
}

/** The packet count capinfos reports. */
export function capinfosPacketCount(file: string): number {
  const output = execFileSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
  const match = /Number of packets:\s*(\d+)/.exec(output);
  if (!match) throw new Error(`capinfos printed no packet count: ${output}`);
  return Number(match[1]);
}

/** A fresh temporary folder, and a function that removes it. */
export function temporaryFolder(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'yamori-sample-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
