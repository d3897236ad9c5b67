import { describe, expect, it } from 'vitest';
import { ByteBuffer } from './byte-buffer.js';

describe('ByteBuffer', () => {
  it('grows to hold what is appended, up to its cap', () => {
    const buffer = new ByteBuffer(10, 2);
    expect(buffer.append(Uint8Array.from([1, 2, 3]))).toBe(true);
    expect(buffer.append(Uint8Array.from([4, 5, 6, 7, 8]))).toBe(true);
    expect(buffer.append(Uint8Array.from([9, 10, 11]))).toBe(false);
    expect([...buffer.view()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('drops consumed bytes from the front', () => {
    const buffer = new ByteBuffer(10);
    buffer.append(Uint8Array.from([1, 2, 3, 4]));
    buffer.consume(3);
    buffer.append(Uint8Array.from([5]));
    expect([...buffer.view()]).toEqual([4, 5]);
  });
});
