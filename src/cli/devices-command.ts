import type { Device } from '../records/index.js';
import { withStore } from './open-store.js';
import { formatLocalTime, printJsonLines, printTable, type Column } from './output.js';
import type { Register } from './run-cli.js';
import { deviceToJson } from './record-json.js';

const COLUMNS: Column<Device>[] = [
  { header: 'mac', value: (d) => d.mac },
  { header: 'vendor', value: (d) => (d.isRandomisedMac ? '(randomised MAC)' : (d.vendor ?? '')) },
  { header: 'hostname', value: (d) => d.hostname ?? '' },
  { header: 'addresses', value: (d) => d.addresses.map((a) => a.addr).join(' ') },
  { header: 'services', value: (d) => d.services.map((s) => `${s.port}/${s.protocol}`).join(' ') },
  { header: 'first seen', value: (d) => formatLocalTime(d.firstSeenAt) },
  { header: 'last seen', value: (d) => formatLocalTime(d.lastSeenAt) },
];

export const registerDevicesCommand: Register = (program, context) => {
  program
    .command('devices')
    .description('list hosts seen on the home networks')
    .option('--json', 'one JSON object per line')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const devices = await withStore(ctx.config(), (store) => store.listDevices());
      if (options.json) printJsonLines(ctx.output.out, devices.map(deviceToJson));
      else printTable(ctx.output.out, COLUMNS, devices);
    });
};
