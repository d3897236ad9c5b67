/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: counters and gauges with
 * labels, enough for `yamori serve`'s /metrics without a client library.
 */

export type MetricKind = 'counter' | 'gauge';
export type Labels = Readonly<Record<string, string>>;

interface Family {
  kind: MetricKind;
  help: string;
  samples: Map<string, { labels: Labels; value: number }>;
}

export class MetricSet {
  private readonly families = new Map<string, Family>();

  /** Declares a metric; its samples are set or added with `set` and `add`. */
  define(name: string, kind: MetricKind, help: string): void {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name "${name}"`);
    if (!this.families.has(name)) this.families.set(name, { kind, help, samples: new Map() });
  }

  set(name: string, value: number, labels: Labels = {}): void {
    this.sample(name, labels).value = value;
  }

  add(name: string, amount: number, labels: Labels = {}): void {
    this.sample(name, labels).value += amount;
  }

  get(name: string, labels: Labels = {}): number {
    return this.families.get(name)?.samples.get(labelText(labels))?.value ?? 0;
  }

  /** Drops a gauge's samples before it is set afresh (a feed that went away). */
  clear(name: string): void {
    this.families.get(name)?.samples.clear();
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, family] of this.families) {
      lines.push(`# HELP ${name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      lines.push(`# TYPE ${name} ${family.kind}`);
      for (const [labels, sample] of family.samples)
        lines.push(`${name}${labels} ${formatValue(sample.value)}`);
    }
    return lines.join('\n') + '\n';
  }

  private sample(name: string, labels: Labels): { labels: Labels; value: number } {
    const family = this.families.get(name);
    if (family === undefined) throw new Error(`metric "${name}" is not defined`);
    const key = labelText(labels);
    let sample = family.samples.get(key);
    if (sample === undefined) {
      sample = { labels, value: 0 };
      family.samples.set(key, sample);
    }
    return sample;
  }
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const parts = keys.map(
    (key) => `${key}="${labels[key]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return `{${parts.join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
