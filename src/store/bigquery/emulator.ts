import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The goccy/bigquery-emulator version `.ci/install-bigquery-emulator` builds. */
export const BIGQUERY_EMULATOR_VERSION = 'v0.6.6';

/** A running BigQuery emulator on loopback, with its data in memory. */
export interface BigQueryEmulator {
  /** http://127.0.0.1:PORT, for `bigquery.endpoint`. */
  endpoint: string;
  /** 127.0.0.1:PORT, its Storage API over plain-text gRPC, for `bigquery.storage_endpoint`. */
  storageEndpoint: string;
  project: string;
  /** Stops the process and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Where the emulator binary is: `YAMORI_BIGQUERY_EMULATOR`, else the folder
 * `.ci/install-bigquery-emulator` builds into ($YAMORI_CACHE_DIR, $XDG_CACHE_HOME/yamori or
 * ~/.cache/yamori); null when it is in neither place.
 */
export function findBigQueryEmulator(env: NodeJS.ProcessEnv = process.env): {
  path: string | null;
  looked: string[];
} {
  const looked: string[] = [];
  const given = env['YAMORI_BIGQUERY_EMULATOR'];
  if (given !== undefined && given !== '') {
    looked.push(given);
    return { path: existsSync(given) ? given : null, looked };
  }
  const cache = env['YAMORI_CACHE_DIR'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'yamori');
  const path = join(cache, `bigquery-emulator-${BIGQUERY_EMULATOR_VERSION}`, 'bigquery-emulator');
  looked.push(path);
  return { path: existsSync(path) ? path : null, looked };
}

/**
 * Starts the emulator on free loopback ports (HTTP and the gRPC port it also opens) and resolves once
 * it answers API requests. Throws with the emulator's own output when it exits or stays silent past
 * `startTimeoutMs`.
 */
export async function startBigQueryEmulator(options: {
  binary: string;
  project: string;
  startTimeoutMs?: number;
}): Promise<BigQueryEmulator> {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const child = spawn(
    options.binary,
    [
      `--project=${options.project}`,
      '--host=127.0.0.1',
      `--port=${port}`,
      `--grpc-port=${grpcPort}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // An emulator must not outlive the process that started it (a test run stopped half way).
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(
        `the BigQuery emulator exited (code ${String(exitCode)}) before answering: ${output.trim()}`,
      );
    }
    if (await answers(`${endpoint}/bigquery/v2/projects/${options.project}/datasets`)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the BigQuery emulator did not answer on ${endpoint} in time: ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    endpoint,
    storageEndpoint: `127.0.0.1:${grpcPort}`,
    project: options.project,
    stop: () => stop(child, exited),
  };
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no free port'));
      });
    });
  });
}
