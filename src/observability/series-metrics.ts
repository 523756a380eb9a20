import type { Metric, Registry } from 'prom-client';

type LabelNames = readonly [string, string, string];

/** A metric as prom-client's registry reads it from `get()` (its typings say an enum for `type`; it reads the string). */
interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}
interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: ExportedValue[];
}

/**
 * The series of a metric with three labels, found by their values through nested Maps — no key
 * string is built per observation. prom-client hashes the whole label object on every count
 * (joins `name:value,` pairs, then looks the string up), which under load cost ~2 µs per token
 * request and 1.2–2.6 % of the event loop; the token endpoint counts and times every request.
 * Callers pass values from closed sets (see MetricsService), so the Maps stay small.
 */
class SeriesOf3<S> {
  private readonly root = new Map<string, Map<string, Map<string, S>>>();
  readonly all: { labels: Record<string, string>; series: S }[] = [];

  /** `fixed`: labels every series of this set has, after the three (the tenant of a `TenantLabelledCounter`'s set). */
  constructor(private readonly labelNames: LabelNames, private readonly create: () => S, private readonly fixed: Readonly<Record<string, string>> = {}) {}

  get(a: string, b: string, c: string): S {
    let level1 = this.root.get(a);
    if (!level1) this.root.set(a, (level1 = new Map()));
    let level2 = level1.get(b);
    if (!level2) level1.set(b, (level2 = new Map()));
    let series = level2.get(c);
    if (!series) {
      level2.set(c, (series = this.create()));
      const [x, y, z] = this.labelNames;
      this.all.push({ labels: { [x]: a, [y]: b, [z]: c, ...this.fixed }, series });
    }
    return series;
  }

  clear(): void {
    this.root.clear();
    this.all.length = 0;
  }
}

/** What the registry reads of a metric (the shape prom-client's own metrics give it). */
abstract class RegisteredMetric {
  readonly aggregator = 'sum' as const;
  abstract readonly type: 'counter' | 'histogram';

  constructor(readonly name: string, readonly help: string) {}

  /** Registers with a prom-client registry, which formats it like its own metrics. */
  registerIn(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  abstract get(): Promise<Exported>;
  abstract reset(): void;

  protected exported(values: ExportedValue[]): Exported {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** A Prometheus histogram with three labels (see SeriesOf3): `_bucket` (cumulative, `le` first), `_sum`, `_count`. */
export class LabelledHistogram extends RegisteredMetric {
  readonly type = 'histogram';
  private readonly series: SeriesOf3<{ buckets: Float64Array; sum: number; count: number }>;

  constructor(name: string, help: string, labelNames: LabelNames, private readonly upperBounds: readonly number[]) {
    super(name, help);
    this.series = new SeriesOf3(labelNames, () => ({ buckets: new Float64Array(upperBounds.length), sum: 0, count: 0 }));
  }

  observe(a: string, b: string, c: string, value: number): void {
    if (!Number.isFinite(value)) return;
    const series = this.series.get(a, b, c);
    series.sum += value;
    series.count++;
    // The first bound the value fits under; above the last one it counts in +Inf only.
    for (let i = 0; i < this.upperBounds.length; i++) {
      if (value <= this.upperBounds[i]) {
        series.buckets[i]++;
        return;
      }
    }
  }

  async get(): Promise<Exported> {
    const values: ExportedValue[] = [];
    for (const { labels, series } of this.series.all) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += series.buckets[i];
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: series.count, metricName: `${this.name}_count` });
    }
    return this.exported(values);
  }

  reset(): void {
    this.series.clear();
  }
}

/**
 * A Prometheus counter with three labels and a `tenant` label (exposed last): a SeriesOf3 per tenant label,
 * the default tenant's held directly, so counting for it costs one SeriesOf3 lookup and a string
 * comparison. Tenant label values come from a closed set (TenantLabels).
 */
export class TenantLabelledCounter extends RegisteredMetric {
  readonly type = 'counter';
  private readonly tenants = new Map<string, SeriesOf3<{ value: number }>>();
  private defaultSeries: SeriesOf3<{ value: number }>;

  constructor(name: string, help: string, private readonly defaultTenant: string, private readonly labelNames: LabelNames) {
    super(name, help);
    this.defaultSeries = this.seriesOf(defaultTenant);
  }

  inc(tenant: string, a: string, b: string, c: string): void {
    const series = tenant === this.defaultTenant ? this.defaultSeries : (this.tenants.get(tenant) ?? this.seriesOf(tenant));
    series.get(a, b, c).value++;
  }

  async get(): Promise<Exported> {
    const values: ExportedValue[] = [];
    for (const series of this.tenants.values()) {
      for (const { labels, series: counted } of series.all) values.push({ labels, value: counted.value, metricName: this.name });
    }
    return this.exported(values);
  }

  reset(): void {
    for (const series of this.tenants.values()) series.clear();
  }

  private seriesOf(tenant: string): SeriesOf3<{ value: number }> {
    const series = new SeriesOf3(this.labelNames, () => ({ value: 0 }), { tenant });
    this.tenants.set(tenant, series);
    return series;
  }
}
