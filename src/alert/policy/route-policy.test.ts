import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { isYamoriError } from '../../errors/index.js';
import { readPolicyTests, runPolicyTests } from './policy-tests.js';
import { compileRoutePolicy, type PolicyInput } from './route-policy.js';

function policyFrom(yaml: string): ReturnType<typeof compileRoutePolicy> {
  const dir = mkdtempSync(join(tmpdir(), 'yamori-policy-'));
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return compileRoutePolicy(loadConfig({ path: join(dir, 'config.yaml') }).alert.routes);
}

const POLICY = `
alert:
  channels:
    parents: { type: ntfy, topic: yamori-parents }
    phone: { type: ntfy, topic: yamori-phone }
    mail: { type: webhook, url: "http://127.0.0.1:9/mail" }
  routes:
    - name: mute-printer
      when: device.name == "office-printer"
      suppress: true
    - name: kids-tablet
      when: device.name == "kids-tablet"
      severity: raise
      notify: [parents]
      continue: true
    - name: urgent
      when: severity_rank >= rank("high")
      notify: [phone]
      block: true
    - name: abuse-feeds
      when: sources.exists(s, s.startsWith("urlhaus")) && remote.country != "CH"
      notify: [mail]
    - name: low-digest
      when: severity_rank <= rank("low")
      digest: 1h
      notify: [mail]
`;

function alert(overrides: Partial<PolicyInput>): PolicyInput {
  return {
    rule: 'intel-outbound-to-c2-address',
    title: 'test',
    severity: 'medium',
    tags: ['intel'],
    sources: ['feodo'],
    count: 1,
    status: 'open',
    kind: 'alert',
    device: { name: 'laptop', mac: '02:00:00:00:00:01', vendor: null },
    remote: { addr: '203.0.113.9', country: null, asn: null, asOrg: null, ptr: null },
    ...overrides,
  };
}

describe('compileRoutePolicy', () => {
  const policy = policyFrom(POLICY);

  it('routes by severity: high goes to the phone and asks for a block', () => {
    const decision = policy.decide(alert({ severity: 'high' }));
    expect(decision).toMatchObject({ routes: ['urgent'], notify: ['phone'], block: true, severity: 'high' });
  });

  it('routes by device, and a raised severity is what later routes see', () => {
    const decision = policy.decide(alert({ device: { name: 'kids-tablet', mac: null, vendor: null } }));
    expect(decision.routes).toEqual(['kids-tablet', 'urgent']);
    expect(decision.severity).toBe('high');
    expect(decision.notify).toEqual(['parents', 'phone']);
  });

  it('routes by indicator source and remote country, stopping at the first match', () => {
    const decision = policy.decide(alert({ sources: ['urlhaus-domains'] }));
    expect(decision.routes).toEqual(['abuse-feeds']);
    const swiss = policy.decide(
      alert({
        sources: ['urlhaus'],
        remote: { addr: '198.51.100.1', country: 'CH', asn: 1, asOrg: null, ptr: null },
      }),
    );
    expect(swiss.routes).toEqual([]);
    expect(swiss.notify).toEqual([]);
  });

  it('collects low alerts into a digest and suppresses a muted device entirely', () => {
    expect(policy.decide(alert({ severity: 'low' })).digests).toEqual([
      { route: 'low-digest', channel: 'mail', periodS: 3_600 },
    ]);
    const muted = policy.decide(
      alert({ severity: 'critical', device: { name: 'office-printer', mac: null, vendor: null } }),
    );
    expect(muted).toMatchObject({ routes: ['mute-printer'], suppress: 'always', notify: [] });
  });

  it('matches addresses against networks with in_cidr', () => {
    const local = policyFrom(`
alert:
  channels:
    x: { type: ntfy, topic: yamori-x }
  routes:
    - name: doc-net
      when: in_cidr(remote.addr, "203.0.113.0/24")
      notify: [x]
`);
    expect(local.decide(alert({})).routes).toEqual(['doc-net']);
    expect(
      local.decide(
        alert({ remote: { addr: '2001:db8::1', country: null, asn: null, asOrg: null, ptr: null } }),
      ).routes,
    ).toEqual([]);
  });

  it('refuses a condition that does not compile at load, naming the route, key, line and column', () => {
    let caught: unknown;
    try {
      policyFrom(`alert:\n  routes:\n    - name: typo\n      when: device.nmae == "tv"\n      notify: [x]\n`);
    } catch (error) {
      caught = error;
    }
    expect(isYamoriError(caught) && caught.code).toBe('CONFIG_INVALID_VALUE');
    expect((caught as Error).message).toMatch(
      /line 4: "alert\.routes\[0\]\.when" \(route "typo"\).*column 8.*nmae/,
    );
  });

  it('refuses a condition that is not true or false', () => {
    expect(() => policyFrom(`alert:\n  routes:\n    - name: n\n      when: count + 1\n`)).toThrow(
      /must be true or false/,
    );
  });
});

describe('runPolicyTests', () => {
  it('passes cases whose expectation holds and shows a diff for the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'yamori-policy-tests-'));
    const file = join(dir, 'routes.test.yaml');
    writeFileSync(
      file,
      `cases:
  - name: kids tablet high
    alert: { severity: medium, device: { name: kids-tablet } }
    expect: { routes: [kids-tablet, urgent], notify: [parents, phone], severity: high, block: true }
  - name: wrong on purpose
    alert: { severity: low }
    expect: { notify: [phone], digest: [mail] }
`,
    );
    const results = runPolicyTests(policyFrom(POLICY), readPolicyTests(file));
    expect(results.map((r) => [r.caseName, r.passed])).toEqual([
      ['kids tablet high', true],
      ['wrong on purpose', false],
    ]);
    expect(results[1]!.failure).toEqual(['notify:', '  - expected ["phone"]', '  + chosen   []']);
  });

  it('rejects a case with an unknown expectation key, naming file and case', () => {
    const dir = mkdtempSync(join(tmpdir(), 'yamori-policy-tests-'));
    const file = join(dir, 'bad.test.yaml');
    writeFileSync(file, `cases:\n  - name: oops\n    alert: {}\n    expect: { notfy: [x] }\n`);
    expect(() => readPolicyTests(file)).toThrow(/bad\.test\.yaml, oops: "expect\.notfy" is not an action/);
  });
});
