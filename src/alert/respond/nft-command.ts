import { spawn } from 'node:child_process';
import { YamoriError } from '../../errors/index.js';

export interface NftCommandOptions {
  nftPath: string;
  /** Words before nft, e.g. ["ip", "netns", "exec", "test-ns"]; empty runs nft directly. */
  prefix: readonly string[];
  timeoutMs?: number;
}

export interface NftResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Runs nft with an argument array (never a shell) and returns what it printed; throws when it cannot run. */
export type NftRunner = (args: readonly string[], stdin?: string) => Promise<NftResult>;

export function createNftRunner(options: NftCommandOptions): NftRunner {
  const command = options.prefix[0] ?? options.nftPath;
  const leading = options.prefix.length > 0 ? [...options.prefix.slice(1), options.nftPath] : [];
  return (args, stdin) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, [...leading, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new YamoriError(
            error.code === 'ENOENT' || error.code === 'EACCES' ? 'BLOCK_NFT_MISSING' : 'BLOCK_NFT_FAILED',
            {
              nft: command,
              reason: error.code === 'ENOENT' ? 'no such file on PATH' : error.message,
              command: [command, ...args].join(' '),
              detail: error.message,
              family: '',
              table: '',
            },
            { cause: error },
          ),
        );
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8');
        if (/exec of "?[^"]*"? failed: No such file or directory/.test(stderr)) {
          reject(
            new YamoriError('BLOCK_NFT_MISSING', { nft: options.nftPath, reason: 'no such file on PATH' }),
          );
          return;
        }
        if (code !== 0 && /Operation not permitted|Permission denied/i.test(stderr)) {
          reject(
            new YamoriError('BLOCK_NOT_PERMITTED', {
              nft: options.nftPath,
              detail: firstErrorLine(stderr),
            }),
          );
          return;
        }
        resolve({ ok: code === 0, stdout: Buffer.concat(out).toString('utf8'), stderr });
      });
    });
}

/** nft's first "Error: …" line, else its first line. */
export function firstErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim());
  return lines.find((line) => line.startsWith('Error:')) ?? lines.find((line) => line !== '') ?? 'no output';
}
