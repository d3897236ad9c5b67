import { describe, expect, it } from 'vitest';
import type { CaptureConfig } from '../config/index.js';
import { tcpdumpArgs } from './tcpdump-command.js';

const base: CaptureConfig = {
  interface: 'eth0',
  filter: null,
  snaplen: 262144,
  tcpdumpPath: 'tcpdump',
  dropPrivilegesTo: null,
  restartDelayMs: 1000,
};

describe('tcpdumpArgs', () => {
  it.each<[string, Partial<CaptureConfig>, boolean, string[]]>([
    [
      'an interface, no filter',
      {},
      true,
      ['-i', 'eth0', '-n', '-U', '-w', '-', '-s', '262144', '--immediate-mode'],
    ],
    ['no interface: tcpdump picks one', { interface: null }, false, ['-n', '-U', '-w', '-', '-s', '262144']],
    [
      'a user to switch to',
      { dropPrivilegesTo: 'yamori' },
      false,
      ['-i', 'eth0', '-n', '-U', '-w', '-', '-s', '262144', '-Z', 'yamori'],
    ],
    ['a snap length', { snaplen: 128 }, false, ['-i', 'eth0', '-n', '-U', '-w', '-', '-s', '128']],
    [
      'a filter, as one word after "--" even when it starts with a dash',
      { filter: '-1 = 1 or tcp port 443' },
      false,
      ['-i', 'eth0', '-n', '-U', '-w', '-', '-s', '262144', '--', '-1 = 1 or tcp port 443'],
    ],
    [
      'a blank filter, left out',
      { filter: '  ' },
      false,
      ['-i', 'eth0', '-n', '-U', '-w', '-', '-s', '262144'],
    ],
  ])('builds the arguments for %s', (_what, overrides, immediateMode, expected) => {
    expect(tcpdumpArgs({ ...base, ...overrides }, { immediateMode })).toEqual(expected);
  });
});
