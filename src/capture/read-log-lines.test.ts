import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { YamoriError } from '../errors/index.js';
import { openLogFile, readLogLines } from './read-log-lines.js';

function chunks(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  return Readable.from(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
}

async function collect(
  input: AsyncIterable<Uint8Array>,
  maxLineBytes?: number,
): Promise<{ lines: (string | null)[]; firsts: number[] }> {
  const lines: (string | null)[] = [];
  const firsts: number[] = [];
  for await (const batch of readLogLines(input, { sourceName: 'test', maxLineBytes })) {
    expect(batch.firstLineNumber).toBe(lines.length + 1);
    firsts.push(batch.firstLineNumber);
    lines.push(...batch.lines);
  }
  return { lines, firsts };
}

describe('readLogLines', () => {
  const cases: { description: string; parts: string[]; lines: (string | null)[] }[] = [
    {
      description: 'lines split across chunks join up',
      parts: ['ab', 'c\nde', 'f\n'],
      lines: ['abc', 'def'],
    },
    { description: 'a last line without a newline is kept', parts: ['a\nb'], lines: ['a', 'b'] },
    { description: 'CRLF line ends lose their CR', parts: ['a\r\nb\r', '\n'], lines: ['a', 'b'] },
    { description: 'empty lines are lines', parts: ['\n\na\n'], lines: ['', '', 'a'] },
    { description: 'an empty input has no lines', parts: [], lines: [] },
  ];
  for (const c of cases) {
    it(`splits text into lines: ${c.description}`, async () => {
      expect((await collect(chunks(...c.parts))).lines).toEqual(c.lines);
    });
  }

  it('decodes a UTF-8 character whose bytes arrive in two chunks', async () => {
    const bytes = Buffer.from('été\n');
    expect((await collect(chunks(bytes.subarray(0, 1), bytes.subarray(1)))).lines).toEqual(['été']);
  });

  it('turns a line longer than the limit into null without keeping it, and goes on', async () => {
    const { lines } = await collect(
      chunks('short\n', 'x'.repeat(30), 'y'.repeat(30), '\nnext\n', 'z'.repeat(100)),
      40,
    );
    expect(lines).toEqual(['short', null, 'next', null]);
  });

  it('decompresses gzip input, found by its magic bytes', async () => {
    const gz = gzipSync(Buffer.from('one\ntwo\n'));
    expect((await collect(chunks(gz.subarray(0, 5), gz.subarray(5)))).lines).toEqual(['one', 'two']);
  });

  it('reads two gzip members one after the other (concatenated .gz files)', async () => {
    const gz = Buffer.concat([gzipSync(Buffer.from('a\n')), gzipSync(Buffer.from('b\n'))]);
    expect((await collect(chunks(gz))).lines).toEqual(['a', 'b']);
  });

  it('reports cut-off gzip as INPUT_GZIP_CORRUPT after handing out the lines before the cut', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const gz = gzipSync(Buffer.from(text));
    const seen: (string | null)[] = [];
    const error = await (async () => {
      for await (const batch of readLogLines(chunks(gz.subarray(0, Math.floor(gz.length * 0.6))), {
        sourceName: 'cut.gz',
      })) {
        seen.push(...batch.lines);
      }
    })().catch((e: unknown) => e as YamoriError);
    expect(error).toMatchObject({ code: 'INPUT_GZIP_CORRUPT' });
    expect((error as YamoriError).message).toContain('cut.gz');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((line, i) => line === `line ${i}`)).toBe(true);
  });

  it('reports a missing file as INPUT_NOT_FOUND', async () => {
    const error = await collect(openLogFile('/nonexistent/conn.log')).catch((e: unknown) => e as YamoriError);
    expect(error).toMatchObject({ code: 'INPUT_NOT_FOUND' });
  });

  it('gives the same lines however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }),
        async (texts, sizes) => {
          const bytes = Buffer.from(texts.join('\n'));
          const parts: Uint8Array[] = [];
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const size = sizes[i % sizes.length]!;
            parts.push(bytes.subarray(at, at + size));
            at += size;
          }
          const expected = texts
            .join('\n')
            .split('\n')
            .map((line) => line.replace(/\r$/, ''));
          const { lines } = await collect(chunks(...parts));
          expect(lines).toEqual(
            bytes.length === 0 ? [] : texts.join('\n').endsWith('\n') ? expected.slice(0, -1) : expected,
          );
        },
      ),
    );
  });
});
