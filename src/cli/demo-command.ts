import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HOME_NETWORK_DEVICES, SAMPLE_INDICATORS } from '../capture/index.js';
import { withStore } from './open-store.js';
import { formatCount, line } from './output.js';
import type { Register } from './run-cli.js';
import { writeSampleCapture } from './sample-command.js';
import { importPcapFiles } from './import-command.js';
import { runCli } from './run-cli.js';

export const registerDemoCommand: Register = (program, context) => {
  program
    .command('demo')
    .description('generate a sample home-network capture, import it into a fresh database, and show it')
    .option('--dir <dir>', 'where the demo database and capture go', 'demo')
    .action(async (options: { dir: string }) => {
      const ctx = context();
      const dir = resolve(options.dir);
      const db = join(dir, 'yamori.duckdb');
      const pcap = join(dir, 'home-network.pcap');
      mkdirSync(dir, { recursive: true });
      rmSync(db, { force: true });
      rmSync(db + '.wal', { force: true });
      const out = ctx.output.out;
      const packets = await writeSampleCapture(pcap, {
        minutes: 10,
        seed: 1,
        startUs: (ctx.now() - 600_000) * 1000,
      });
      line(out, `1. generated ${pcap}: ${formatCount(packets)} packets, ten minutes of a small home network`);
      const config = ctx.config();
      const demoContext = {
        ...ctx,
        config: () => ({ ...config, store: { ...config.store, database: { path: db } } }),
      };
      const summary = await importPcapFiles(demoContext, [pcap]);
      line(
        out,
        `2. imported it into ${db}: ${formatCount(summary.flows)} flows, ${formatCount(summary.dnsAnswers)} DNS answers`,
      );
      const devices = await withStore(demoContext.config(), (store) => store.listDevices());
      line(out, `3. devices on the network (${devices.length}):`);
      line(out);
      await runCli(['--db', db, 'devices'], { out, err: ctx.output.err, env: ctx.env, now: ctx.now });
      line(out);
      line(out, '4. the 15 most recent flows:');
      line(out);
      await runCli(['--db', db, 'flows', '--limit', '15'], {
        out,
        err: ctx.output.err,
        env: ctx.env,
        now: ctx.now,
      });
      line(out);
      line(out, 'Try next:');
      const camera = HOME_NETWORK_DEVICES.find((device) => device.name === 'camera');
      line(out, `  yamori --db ${db} flows --device ${camera?.ipv4 ?? '192.168.1.60'}`);
      line(out, `  yamori --db ${db} dns --name ${SAMPLE_INDICATORS.badDomain}`);
      line(
        out,
        `  yamori --db ${db} query "SELECT dst_addr, count(*) AS flows FROM flows GROUP BY 1 ORDER BY 2 DESC LIMIT 5"`,
      );
    });
};
