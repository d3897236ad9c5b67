/**
 * The Terraform module deploy/terraform/bigquery/, parsed with HashiCorp's own HCL parser (compiled to
 * WebAssembly in @cdktf/hcl2json, so it runs offline), checked against the BigQuery store's schema and
 * against what the README says it deploys.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiSchema, TABLES } from '../src/store/bigquery/schema.js';

const ROOT = resolve(import.meta.dirname, '..');
const MODULE = join(ROOT, 'deploy/terraform/bigquery');

type Block = Record<string, unknown>;
interface Module {
  variable: Record<string, Block[]>;
  output: Record<string, Block[]>;
  locals: Block[];
  resource: Record<string, Record<string, Block[]>>;
}

let module: Module;

beforeAll(async () => {
  const merged: Module = { variable: {}, output: {}, locals: [], resource: {} };
  for (const file of readdirSync(MODULE).filter((name) => name.endsWith('.tf'))) {
    const parsed = (await parse(file, readFileSync(join(MODULE, file), 'utf8'))) as Partial<Module>;
    Object.assign(merged.variable, parsed.variable);
    Object.assign(merged.output, parsed.output);
    merged.locals.push(...(parsed.locals ?? []));
    for (const [type, resources] of Object.entries(parsed.resource ?? {})) {
      merged.resource[type] = { ...merged.resource[type], ...resources };
    }
  }
  module = merged;
}, 60_000);

function resource(type: string, name: string): Block {
  const block = module.resource[type]?.[name]?.[0];
  expect(block, `resource ${type}.${name}`).toBeDefined();
  return block!;
}

const local = (name: string): unknown => module.locals.find((block) => name in block)?.[name];

/** Every IAM grant of the module: who, which role, on what. */
function grants(): { account: string; role: string; on: string }[] {
  const found: { account: string; role: string; on: string }[] = [];
  const kinds: Record<string, (block: Block) => string> = {
    google_project_iam_member: () => 'project',
    google_bigquery_dataset_iam_member: () => 'dataset',
    google_bigquery_table_iam_member: (block) => {
      if (block['for_each'] === '${toset(local.sensor_tables)}')
        return `tables:${(local('sensor_tables') as string[]).join(',')}`;
      const table = /tables\["(\w+)"\]/.exec(String(block['table_id']))?.[1];
      return `tables:${table ?? '?'}`;
    },
  };
  for (const [type, on] of Object.entries(kinds)) {
    for (const blocks of Object.values(module.resource[type] ?? {})) {
      for (const block of blocks) {
        const account = /google_service_account\.(\w+)\.email/.exec(String(block['member']))?.[1] ?? '?';
        found.push({ account, role: String(block['role']), on: on(block) });
      }
    }
  }
  for (const type of Object.keys(module.resource)) {
    // Grants of a whole policy (iam_binding, iam_policy) would replace other members' access.
    expect(type).not.toMatch(/iam_(binding|policy)$/);
  }
  return found;
}

describe('the Terraform module deploy/terraform/bigquery', () => {
  it('declares the dataset in the chosen location, with the retention as default partition expiration', () => {
    const dataset = resource('google_bigquery_dataset', 'yamori');
    expect(dataset).toMatchObject({
      dataset_id: '${var.dataset_id}',
      location: '${var.location}',
      default_partition_expiration_ms: '${var.retention_days * 86400000}',
    });
    expect(module.variable['retention_days']?.[0]).toMatchObject({ type: '${number}', default: 90 });
    expect(module.variable['project_id']?.[0]?.['default']).toBeUndefined();
  });

  it('declares every table of the BigQuery store, with its partitioning and clustering', () => {
    const tables = local('tables') as Record<string, { partition: string | null; clustering: string[] }>;
    expect(Object.keys(tables).sort()).toEqual([...TABLES.map((t) => t.name), 'schema_migrations'].sort());
    for (const spec of TABLES) {
      expect(tables[spec.name], spec.name).toEqual({
        partition: spec.partitionBy ?? null,
        clustering: [...(spec.clusterBy ?? [])],
      });
    }
    expect(tables['flows']).toEqual({ partition: 'first_seen_at', clustering: ['dst_addr', 'src_addr'] });
    const table = resource('google_bigquery_table', 'tables');
    expect(table).toMatchObject({
      for_each: '${local.tables}',
      table_id: '${each.key}',
      dataset_id: '${google_bigquery_dataset.yamori.dataset_id}',
      schema: '${file("${path.module}/schemas/${each.key}.json")}',
      clustering: '${length(each.value.clustering) > 0 ? each.value.clustering : null}',
      dynamic: {
        time_partitioning: [
          {
            for_each: '${each.value.partition == null ? [] : [each.value.partition]}',
            content: [{ type: 'DAY', field: '${time_partitioning.value}' }],
          },
        ],
      },
    });
  });

  it('gives each table the columns of the store schema', () => {
    const files = readdirSync(join(MODULE, 'schemas')).sort();
    expect(files).toEqual([...TABLES.map((t) => `${t.name}.json`), 'schema_migrations.json'].sort());
    for (const spec of TABLES) {
      const written: unknown = JSON.parse(readFileSync(join(MODULE, 'schemas', `${spec.name}.json`), 'utf8'));
      // On a difference, write schemas/<table>.json from apiSchema(spec).fields in src/store/bigquery/schema.ts.
      expect(written, `schemas/${spec.name}.json`).toEqual(apiSchema(spec).fields);
    }
  });

  it('grants the sensor and the server only what they need, and no primitive or admin role', () => {
    const all = grants();
    for (const grant of all) {
      expect(grant.role).not.toMatch(/^roles\/(owner|editor|viewer)$|admin/i);
    }
    const of = (account: string): string[] =>
      all
        .filter((g) => g.account === account)
        .map((g) => `${g.on} ${g.role}`)
        .sort();
    expect(of('sensor')).toEqual([
      'dataset roles/bigquery.metadataViewer',
      'project roles/bigquery.jobUser',
      'tables:flows,dns,devices,device_addresses,device_services roles/bigquery.dataEditor',
      'tables:schema_migrations roles/bigquery.dataViewer',
    ]);
    expect(of('server')).toEqual(['dataset roles/bigquery.dataEditor', 'project roles/bigquery.jobUser']);
    // The sensor cannot read what the server knows: alerts, indicators, rule state, settings.
    const sensorTables = local('sensor_tables') as string[];
    for (const table of [
      'alerts',
      'indicators',
      'indicator_listings',
      'rule_state',
      'settings',
      'allowlist',
    ]) {
      expect(sensorTables).not.toContain(table);
    }
    expect(resource('google_service_account', 'sensor')['account_id']).toBe('${var.sensor_account_id}');
    expect(resource('google_service_account', 'server')['account_id']).toBe('${var.server_account_id}');
    expect(resource('google_service_account_key', 'sensor')['count']).toBe('${var.create_keys ? 1 : 0}');
  });

  it('outputs what the config needs', () => {
    expect(Object.keys(module.output).sort()).toEqual(
      [
        'dataset_id',
        'location',
        'project_id',
        'sensor_key',
        'sensor_service_account',
        'server_key',
        'server_service_account',
        'tables',
      ].sort(),
    );
    expect(module.output['sensor_key']?.[0]?.['sensitive']).toBe(true);
  });

  it('is what the README says it deploys', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('## Deploying on BigQuery with Terraform');
    expect(start, 'README section "Deploying on BigQuery with Terraform"').toBeGreaterThan(-1);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 3));
    for (const text of [
      'deploy/terraform/bigquery',
      'terraform init',
      'terraform apply',
      'yamori capture --store bigquery',
      'yamori serve --store bigquery',
      'roles/bigquery.jobUser',
      'roles/bigquery.metadataViewer',
      'roles/bigquery.dataEditor',
      // The Storage Write API is checked against bigquery.tables.updateData (in dataEditor) and needs the API on.
      'bigquery.tables.updateData',
      'bigquerystorage.googleapis.com',
      'retention_days',
      'bigquery.project',
      'bigquery.dataset',
      'bigquery.location',
      'bigquery.key_file',
      ...(local('sensor_tables') as string[]).map((table) => `\`${table}\``),
    ]) {
      expect(section).toContain(text);
    }
  });
});

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

// `terraform validate` needs the google provider from registry.terraform.io, which this machine cannot
// reach; `terraform fmt` needs no provider and rejects any file HashiCorp's formatter would change.
describe.skipIf(!terraform)(
  'the module is formatted as `terraform fmt` writes it (needs terraform on PATH)',
  () => {
    it('terraform fmt -check finds nothing to change', () => {
      const out = execFileSync('terraform', ['fmt', '-check', '-recursive', '-list=true', MODULE], {
        encoding: 'utf8',
        env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' },
      });
      expect(out.trim()).toBe('');
    });
  },
);
