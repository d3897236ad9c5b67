/**
 * The benign baseline (Sigma's "goodlog" run): every built-in rule over ordinary home traffic raises
 * no alert except those accepted with a reason in rules/known-false-positives.yaml, and every accepted
 * one still occurs (so the list never outlives its reason). The traffic is Yamori's own sample home
 * network (test/fixtures/baseline/baseline.yaml says which), imported through the flow table into a
 * DuckDB file; with the sample's planted threats kept, the same run must find them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createAlertWriter } from '../src/alert/index.js';
import { generateHomeNetworkCapture, HOME_NETWORK_LAYOUT, SAMPLE_INDICATORS } from '../src/capture/index.js';
import { loadConfig } from '../src/config/index.js';
import { decodePacket } from '../src/decode/index.js';
import { builtinRulesDir, createRuleEngine, loadRules, type RuleRunReport } from '../src/detect/index.js';
import { checkFixtureRow, type FixtureRow } from '../src/detect/fixture-rows.js';
import { loadFixtures } from '../src/detect/load-fixtures.js';
import type { FixtureTables } from '../src/detect/rule-tests.js';
import { createFlowTable } from '../src/flow/index.js';
import { testConfig } from '../src/flow/testing.js';
import type { Alert, DeviceObservation, DnsRecord, FlowRecord } from '../src/records/index.js';
import { openStore, type Store } from '../src/store/index.js';

const BASELINE = join(process.cwd(), 'test/fixtures/baseline/baseline.yaml');
const KNOWN_FALSE_POSITIVES = join(process.cwd(), 'rules/known-false-positives.yaml');
const ETHERNET = 1;

interface Baseline {
  captures: { start: string; duration_s: number; seed: number }[];
  run_at: string;
  planted: { addresses: string[]; names: string[] };
  given: Record<string, unknown>;
}

interface AcceptedAlert {
  rule: string;
  match: Record<string, unknown>;
  reason: string;
}

const baseline = parse(readFileSync(BASELINE, 'utf8')) as Baseline;
const accepted =
  (parse(readFileSync(KNOWN_FALSE_POSITIVES, 'utf8')) as { accepted: AcceptedAlert[] | null }).accepted ?? [];
const micros = (iso: string): number => Date.parse(iso) * 1000;
const runAt = micros(baseline.run_at);

interface Traffic {
  flows: FlowRecord[];
  dns: DnsRecord[];
  devices: DeviceObservation[];
}

/** One capture of the sample network, through the flow table, as `yamori import pcap` assembles it. */
function assemble(capture: Baseline['captures'][number]): Traffic {
  const traffic: Traffic = { flows: [], dns: [], devices: [] };
  let n = 0;
  const table = createFlowTable(
    testConfig({
      homeNetworks: [HOME_NETWORK_LAYOUT.ipv4Cidr, HOME_NETWORK_LAYOUT.ipv6Prefix],
      maxFlows: 100_000,
    }),
    {
      onFlow: (flow) => traffic.flows.push(flow),
      onDns: (answer) => traffic.dns.push(answer),
      onDevice: (device) => traffic.devices.push(device),
      newId: () => `s${capture.seed}-${++n}`,
    },
  );
  const startUs = micros(capture.start);
  for (const { timestampUs, frame } of generateHomeNetworkCapture({
    startUs,
    durationS: capture.duration_s,
    seed: capture.seed,
  })) {
    table.add(timestampUs, decodePacket(ETHERNET, frame), null);
  }
  table.flush('shutdown');
  return traffic;
}

function withoutPlanted(traffic: Traffic): Traffic {
  const addresses = new Set(baseline.planted.addresses);
  const names = new Set(baseline.planted.names);
  return {
    flows: traffic.flows.filter((f) => !addresses.has(f.srcAddr) && !addresses.has(f.dstAddr)),
    dns: traffic.dns.filter((d) => !names.has(d.queryName) && !addresses.has(d.answer)),
    devices: traffic.devices,
  };
}

function fixtureTables(given: Record<string, unknown>, now: number): FixtureTables {
  const tables: FixtureTables = {};
  for (const [table, rows] of Object.entries(given)) {
    const list = Array.isArray(rows) ? rows : [rows];
    tables[table] = list.map((raw) => {
      const checked = checkFixtureRow(table, raw, now);
      if (!checked.ok) throw new Error(`${BASELINE}: ${table}: ${checked.problem}`);
      return checked.row;
    });
  }
  return tables;
}

/** Builds the database, runs every built-in rule once at `run_at`, and returns the alerts. */
async function runBaseline(
  dir: string,
  options: { keepPlanted: boolean; extraIndicators?: FixtureRow[] },
): Promise<{ alerts: Alert[]; reports: RuleRunReport[] }> {
  const clock = { now: micros(baseline.captures[0]!.start) };
  const store: Store = await openStore(
    {
      database: { path: join(dir, `baseline-${options.keepPlanted ? 'planted' : 'benign'}.duckdb`) },
      maxBatchRows: 50_000,
      flushIntervalMs: 1_000,
    },
    { now: () => clock.now },
  );
  try {
    const tables = fixtureTables(baseline.given, runAt);
    tables['indicators'] = [...(tables['indicators'] ?? []), ...(options.extraIndicators ?? [])];
    await loadFixtures(store, clock, tables, runAt);
    for (const capture of baseline.captures) {
      const assembled = assemble(capture);
      const traffic = options.keepPlanted ? assembled : withoutPlanted(assembled);
      // Stored a minute after the capture ended, as a capture file imported then would be.
      clock.now = micros(capture.start) + (capture.duration_s + 60) * 1_000_000;
      await store.observeDevices(traffic.devices);
      await store.writeFlows(traffic.flows);
      await store.writeDns(traffic.dns);
    }
    clock.now = runAt;
    const config = loadConfig({ path: null, env: {} }).detect;
    const writer = createAlertWriter({ maxEvidenceRows: config.maxEvidenceRows }, { store });
    const engine = createRuleEngine(config, { store, commit: (run) => writer.commit(run) });
    const rules = loadRules([{ dir: builtinRulesDir(), origin: 'builtin' }]).rules;
    const reports = await engine.run(rules, { ids: rules.map((rule) => rule.definition.id) });
    return { alerts: await store.listAlerts({ limit: 10_000 }), reports };
  } finally {
    await store.close();
  }
}

const isAccepted = (alert: Alert, entry: AcceptedAlert): boolean =>
  entry.rule === alert.ruleId &&
  alert.evidence.some((row) =>
    Object.entries(entry.match).every(
      ([column, value]) => JSON.stringify(row[column]) === JSON.stringify(value),
    ),
  );

const describeAlert = (alert: Alert): string => `${alert.ruleId}: ${alert.title}`;

describe('built-in rules over the benign baseline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yamori-baseline-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every accepted false positive with a rule, the columns it matches on and a reason', () => {
    for (const entry of accepted) {
      expect(entry.rule).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(Object.keys(entry.match ?? {}).length, entry.rule).toBeGreaterThan(0);
      expect(entry.reason?.trim().length ?? 0, entry.rule).toBeGreaterThan(20);
    }
  });

  it('runs every rule without error and raises only the alerts accepted in rules/known-false-positives.yaml, each of which still occurs', async () => {
    const { alerts, reports } = await runBaseline(dir, { keepPlanted: false });
    expect(reports.filter((r) => r.status !== 'ok').map((r) => `${r.ruleId}: ${r.error?.message}`)).toEqual(
      [],
    );
    expect(reports.length).toBe(loadRules([{ dir: builtinRulesDir(), origin: 'builtin' }]).rules.length);
    const unexpected = alerts.filter((alert) => !accepted.some((entry) => isAccepted(alert, entry)));
    expect(unexpected.map(describeAlert)).toEqual([]);
    const stale = accepted.filter((entry) => !alerts.some((alert) => isAccepted(alert, entry)));
    expect(stale.map((entry) => `${entry.rule} ${JSON.stringify(entry.match)}`)).toEqual([]);
  });

  it('finds the planted threats when they are kept, so the quiet run above is not a blind one', async () => {
    const listed = (value: string, source: string, type?: string): FixtureRow => ({
      value,
      source,
      ...(type ? { type } : {}),
      threat: 'botnet_cc',
      listed_from: micros('2026-11-20T00:00:00Z'),
    });
    const { alerts } = await runBaseline(dir, {
      keepPlanted: true,
      extraIndicators: [
        listed(SAMPLE_INDICATORS.c2Address, 'feodo'),
        listed(SAMPLE_INDICATORS.c2CertSha1, 'sslbl-cert', 'cert_sha1'),
        listed(SAMPLE_INDICATORS.badDomain, 'threatfox'),
        listed(SAMPLE_INDICATORS.badUrl, 'urlhaus'),
      ],
    });
    const found = (rule: string) => alerts.filter((alert) => alert.ruleId === rule);
    const camera = '192.168.1.60';
    const laptop = '192.168.1.31';
    expect(found('intel-outbound-to-c2-address').map((a) => a.remoteAddr)).toContain(
      SAMPLE_INDICATORS.c2Address,
    );
    expect(found('intel-tls-certificate-match').map((a) => a.evidence[0]?.['device_addr'])).toEqual([camera]);
    expect(found('egress-periodic-beacon').map((a) => a.evidence[0]?.['device_addr'])).toContain(camera);
    expect(found('intel-domain-match').map((a) => a.evidence[0]?.['device_addr'])).toEqual([laptop]);
    expect(found('intel-url-host-match').map((a) => a.evidence[0]?.['device_addr'])).toEqual([laptop]);
  });
});
