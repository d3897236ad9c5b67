/**
 * The block response against the real kernel: Yamori's nftables table inside network namespaces this
 * file creates. A home device ("lan") reaches an internet host ("net") through a router ("router");
 * blocking the host in the router must drop the device's traffic (forward chain) and the router's own
 * (output chain), and the kernel must forget the block when its timeout passes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createResponder, type Responder } from '../../src/alert/index.js';
import type { RespondConfig } from '../../src/config/index.js';
import { namespaceSkipReason } from './router-namespace.js';
import { cleanEnv, describeRun, jsonLines, makeTempDir, runYamori } from './testing.js';

const HOME = '192.168.77.0/24';
const DEVICE = '192.168.77.20';
const HOST = '203.0.113.77';
const OTHER_HOST = '203.0.113.78';

interface Lab {
  lan: string;
  router: string;
  net: string;
  remove(): void;
}

const run = (...argv: string[]): string =>
  execFileSync(argv[0]!, argv.slice(1), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15_000,
  });

/** lan (192.168.77.20) — router (192.168.77.1, 203.0.113.1, forwarding) — net (203.0.113.77 and .78). */
function createLab(): Lab {
  const tag = `${process.pid % 10_000}${randomInt(10, 99)}`;
  const [lan, router, net] = ['l', 'r', 'n'].map((role) => `ymr-block${role}-${tag}`) as [
    string,
    string,
    string,
  ];
  const created: string[] = [];
  const lab = {
    lan,
    router,
    net,
    remove: () => {
      for (const ns of created) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    },
  };
  try {
    for (const ns of [lan, router, net]) {
      run('ip', 'netns', 'add', ns);
      created.push(ns);
      run('ip', '-n', ns, 'link', 'set', 'lo', 'up');
      run('ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
    }
    const link = (a: string, b: string, devA: string, devB: string): void => {
      run('ip', '-n', a, 'link', 'add', devA, 'type', 'veth', 'peer', 'name', devB, 'netns', b);
      run('ip', '-n', a, 'link', 'set', devA, 'up');
      run('ip', '-n', b, 'link', 'set', devB, 'up');
    };
    link(lan, router, `ybl${tag}`, `ybr${tag}`);
    link(router, net, `ybw${tag}`, `ybn${tag}`);
    run('ip', '-n', lan, 'addr', 'add', `${DEVICE}/24`, 'dev', `ybl${tag}`);
    run('ip', '-n', lan, 'route', 'add', 'default', 'via', '192.168.77.1');
    run('ip', '-n', router, 'addr', 'add', '192.168.77.1/24', 'dev', `ybr${tag}`);
    run('ip', '-n', router, 'addr', 'add', '203.0.113.1/24', 'dev', `ybw${tag}`);
    run('ip', 'netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    run('ip', '-n', net, 'addr', 'add', `${HOST}/24`, 'dev', `ybn${tag}`);
    run('ip', '-n', net, 'addr', 'add', `${OTHER_HOST}/24`, 'dev', `ybn${tag}`);
    run('ip', '-n', net, 'route', 'add', 'default', 'via', '203.0.113.1');
  } catch (error) {
    lab.remove();
    throw error;
  }
  return lab;
}

/** Whether one ping from the namespace gets its answer within a second. */
function pings(ns: string, addr: string): boolean {
  return (
    spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c', '1', '-W', '1', addr], { stdio: 'ignore' }).status ===
    0
  );
}

async function waitFor(condition: () => Promise<boolean>, deadlineMs: number, what: string): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not within ${deadlineMs} ms: ${what}`);
}

const skipReason = namespaceSkipReason(['nft', ['--version']], ['ping', ['-V']], ['sysctl', ['--version']]);

describe.skipIf(skipReason !== null)(
  skipReason === null
    ? 'the block response in network namespaces'
    : `the block response in network namespaces (skipped: ${skipReason})`,
  () => {
    let lab: Lab;
    let responder: Responder;
    const dir = makeTempDir('block');
    const config: RespondConfig = {
      enabled: true,
      table: 'yamori',
      family: 'inet',
      defaultTtlS: 3_600,
      nftPath: 'nft',
      homeNetworks: [HOME],
      resolvers: [],
      allowlist: [],
    };

    beforeAll(() => {
      lab = createLab();
      responder = createResponder(config, {
        commandPrefix: ['ip', 'netns', 'exec', lab.router],
        systemResolvers: [],
      });
    });
    afterEach(async () => {
      for (const entry of await responder.list()) await responder.unblock(entry.addr);
    });
    afterAll(() => {
      lab?.remove();
      rmSync(dir, { recursive: true, force: true });
    });

    it('drops traffic to a blocked host until the block is removed', async () => {
      expect(pings(lab.lan, HOST)).toBe(true);
      expect(await responder.list()).toEqual([]);

      await responder.block(HOST, 600, 'rule intel-c2: "qakbot" C2');
      const listed = await responder.list();
      expect(listed).toEqual([
        {
          addr: HOST,
          expiresInS: expect.any(Number),
          timeoutS: 600,
          reason: "rule intel-c2: 'qakbot' C2",
          set: 'blocklist4',
        },
      ]);
      expect(listed[0]!.expiresInS).toBeGreaterThan(590);
      expect(pings(lab.lan, HOST)).toBe(false);
      expect(pings(lab.router, HOST)).toBe(false);
      expect(pings(lab.lan, OTHER_HOST)).toBe(true);

      expect(await responder.unblock(HOST)).toBe(true);
      expect(await responder.unblock(HOST)).toBe(false);
      expect(await responder.list()).toEqual([]);
      expect(pings(lab.lan, HOST)).toBe(true);
    });

    it('lets the kernel expire a block after its timeout', async () => {
      await responder.block(OTHER_HOST, 2, 'short');
      expect((await responder.list()).map((entry) => entry.addr)).toEqual([OTHER_HOST]);
      expect(pings(lab.lan, OTHER_HOST)).toBe(false);
      await waitFor(
        async () => (await responder.list()).length === 0,
        10_000,
        `${OTHER_HOST} leaves the set`,
      );
      expect(pings(lab.lan, OTHER_HOST)).toBe(true);
    });

    it('replaces the timeout of an address blocked again, and keeps IPv6 in its own set', async () => {
      await responder.block(HOST, 3_600, 'first');
      await responder.block(HOST, 120, 'second');
      await responder.block('2001:db8::77', null, null);
      const byAddr = new Map((await responder.list()).map((entry) => [entry.addr, entry]));
      expect(byAddr.get(HOST)).toMatchObject({ timeoutS: 120, reason: 'second', set: 'blocklist4' });
      expect(byAddr.get('2001:db8::77')).toMatchObject({ timeoutS: 3_600, reason: null, set: 'blocklist6' });
      expect(byAddr.size).toBe(2);
      await responder.unblock(HOST);
      await responder.unblock('2001:db8::77');
    });

    it('refuses home, loopback and private addresses and leaves the sets as they were', async () => {
      for (const addr of [DEVICE, '127.0.0.1', '10.1.2.3', 'fe80::1']) {
        await expect(responder.block(addr, 60, null)).rejects.toMatchObject({ code: 'BLOCK_REFUSED' });
      }
      expect(await responder.list()).toEqual([]);
    });

    it('creates the table again when someone deleted it by hand', async () => {
      await responder.block(HOST, 60, null);
      run('ip', 'netns', 'exec', lab.router, 'nft', 'delete', 'table', 'inet', 'yamori');
      expect(await responder.list()).toEqual([]);
      await responder.block(HOST, 60, null);
      expect(pings(lab.lan, HOST)).toBe(false);
      await responder.unblock(HOST);
    });

    it('yamori block add, list and remove work on the router', async () => {
      const yaml = join(dir, 'yamori.yaml');
      writeFileSync(
        yaml,
        `home_networks: [${HOME}]\nrespond:\n  block:\n    enabled: true\n    default_ttl_s: 900\n`,
      );
      const inRouter = { prefix: ['ip', 'netns', 'exec', lab.router], env: cleanEnv() };
      const yamori = (...args: string[]) => runYamori(['--config', yaml, 'block', ...args], inRouter);

      const add = await yamori('add', HOST, '--for', '1h', '--reason', 'seen in alert 42');
      expect(add.code, describeRun(add)).toBe(0);
      expect(add.stdout).toBe(`blocked ${HOST} for 1h\n`);
      const addDefault = await yamori('add', OTHER_HOST);
      expect(addDefault.stdout).toBe(`blocked ${OTHER_HOST} for 15m\n`);
      expect(pings(lab.lan, HOST)).toBe(false);

      const list = await yamori('list', '--json');
      expect(list.code, describeRun(list)).toBe(0);
      const rows = jsonLines(list.stdout);
      expect(rows).toEqual([
        {
          addr: HOST,
          expires_in_s: expect.any(Number),
          timeout_s: 3_600,
          reason: 'seen in alert 42',
          set: 'blocklist4',
        },
        {
          addr: OTHER_HOST,
          expires_in_s: expect.any(Number),
          timeout_s: 900,
          reason: 'yamori block add',
          set: 'blocklist4',
        },
      ]);
      const table = await yamori('list');
      expect(table.stdout.split('\n')[0]).toMatch(/^address\s+expires in\s+blocked for\s+reason$/);
      expect(table.stdout).toMatch(
        new RegExp(`${HOST.replace(/\./g, '\\.')}\\s+5\\dm\\d+s\\s+1h\\s+seen in alert 42`),
      );

      const refused = await yamori('add', DEVICE);
      expect(refused.code, describeRun(refused)).toBe(2);
      expect(refused.stderr).toContain(
        `error BLOCK_REFUSED: Yamori will not block ${DEVICE}: it is on the home network ${HOME}.`,
      );

      const removed = await yamori('remove', HOST);
      expect(removed.code, describeRun(removed)).toBe(0);
      expect(removed.stdout).toBe(`unblocked ${HOST}\n`);
      expect(pings(lab.lan, HOST)).toBe(true);
      const again = await yamori('remove', HOST);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('error BLOCK_NOT_LISTED');
      await yamori('remove', OTHER_HOST);
    });

    it('yamori block add refuses while respond.block.enabled is false, and changes nothing', async () => {
      const yaml = join(dir, 'off.yaml');
      writeFileSync(yaml, `home_networks: [${HOME}]\n`);
      const result = await runYamori(['--config', yaml, 'block', 'add', HOST], {
        prefix: ['ip', 'netns', 'exec', lab.router],
      });
      expect(result.code, describeRun(result)).toBe(2);
      expect(result.stderr).toContain('error BLOCK_DISABLED');
      expect(await responder.list()).toEqual([]);
      expect(pings(lab.lan, HOST)).toBe(true);
    });

    it('says clearly when nft is missing or the kernel refuses', async () => {
      const missing = createResponder(
        { ...config, nftPath: '/nonexistent/nft' },
        { commandPrefix: ['ip', 'netns', 'exec', lab.router], systemResolvers: [] },
      );
      await expect(missing.block(HOST, 60, null)).rejects.toMatchObject({ code: 'BLOCK_NFT_MISSING' });
      const direct = createResponder({ ...config, nftPath: '/nonexistent/nft' }, { systemResolvers: [] });
      await expect(direct.list()).rejects.toMatchObject({ code: 'BLOCK_NFT_MISSING' });
      const unprivileged = createResponder(config, {
        commandPrefix: [
          'ip',
          'netns',
          'exec',
          lab.router,
          'setpriv',
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
        ],
        systemResolvers: [],
      });
      await expect(unprivileged.block(HOST, 60, null)).rejects.toMatchObject({ code: 'BLOCK_NOT_PERMITTED' });
      expect(await responder.list()).toEqual([]);
    });
  },
);
