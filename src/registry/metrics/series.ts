import type * as Prom from 'prom-client';

/**
 * Counters, gauges and histograms observed on every request, kept as plain numbers per label
 * set and turned into the exposition format only when scraped. prom-client's own validate and
 * hash their labels on every observation, bound children included, and a request makes several
 * (its count, its duration, its sizes, each storage action): the profile of scenario 19 showed
 * that hashing as the largest cost of metrics. Here a caller binds a series once; observing is
 * an add. Each family is registered on prom-client's registry as a metric of its own (the
 * registry formats whatever answers `get()`), so the exposition stays prom-client's.
 */
/** One line of the exposition: prom-client's MetricValue. */
interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

abstract class Family<L extends string, S> {
  private readonly series = new Map<string, { labels: Record<L, string>; series: S }>();

  constructor(
    registry: Prom.Registry,
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {
    registry.registerMetric(this as unknown as Prom.Metric);
  }

  /** The series of these labels, made on first use. */
  of(labels: Record<L, string>): S {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let found = this.series.get(key);
    if (!found) {
      found = { labels: { ...labels }, series: this.make() };
      this.series.set(key, found);
    }
    return found.series;
  }

  /** What prom-client's registry formats: every series' samples. */
  get(): { name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' } {
    const values = [...this.series.values()].flatMap(({ labels, series }) => this.samples(labels, series));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }

  protected abstract make(): S;
  protected abstract samples(labels: Record<L, string>, series: S): Sample[];
}

export class CounterSeries {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
}

export class CounterFamily<L extends string> extends Family<L, CounterSeries> {
  constructor(registry: Prom.Registry, name: string, help: string, labelNames: readonly L[]) {
    super(registry, name, help, labelNames, 'counter');
  }
  protected make(): CounterSeries {
    return new CounterSeries();
  }
  protected samples(labels: Record<L, string>, series: CounterSeries): Sample[] {
    return [{ labels, value: series.value }];
  }
}

export class GaugeSeries {
  value = 0;
  inc(): void {
    this.value++;
  }
  dec(): void {
    this.value--;
  }
}

export class GaugeFamily<L extends string> extends Family<L, GaugeSeries> {
  constructor(registry: Prom.Registry, name: string, help: string, labelNames: readonly L[]) {
    super(registry, name, help, labelNames, 'gauge');
  }
  protected make(): GaugeSeries {
    return new GaugeSeries();
  }
  protected samples(labels: Record<L, string>, series: GaugeSeries): Sample[] {
    return [{ labels, value: series.value }];
  }
}

export class HistogramSeries {
  /** Observations per bucket (not cumulative), the last one past every bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class HistogramFamily<L extends string> extends Family<L, HistogramSeries> {
  constructor(
    registry: Prom.Registry,
    name: string,
    help: string,
    labelNames: readonly L[],
    private readonly bounds: readonly number[],
  ) {
    super(registry, name, help, labelNames, 'histogram');
  }
  protected make(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }
  protected samples(labels: Record<L, string>, series: HistogramSeries): Sample[] {
    const out: Sample[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += series.counts[i]!;
      out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
    });
    out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: series.count });
    out.push({ metricName: `${this.name}_sum`, labels, value: series.sum });
    out.push({ metricName: `${this.name}_count`, labels, value: series.count });
    return out;
  }
}
