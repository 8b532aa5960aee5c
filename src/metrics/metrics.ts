import { collectDefaultMetrics, Registry } from 'prom-client';
import { HttpMetrics } from './http-metrics';
import { RoutingMetrics } from './routing-metrics';
import type { GaugedStore, StoreGaugeOptions } from './store-gauges';
import { registerStoreGauges } from './store-gauges';

/** Options of a process's metrics. */
export interface MetricsOptions {
  /** prom-client's default process metrics (CPU, memory, event loop lag, GC); default true. */
  processMetrics?: boolean;
}

/**
 * One process's metrics in one registry: the API's and the worker's share it
 * when both run in the process (`npm start`), so one /metrics shows both.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly routing: RoutingMetrics;
  private httpMetrics: HttpMetrics | null = null;
  private watched: GaugedStore | null = null;

  constructor(options: MetricsOptions = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.routing = new RoutingMetrics(this.registry);
  }

  /** The HTTP API's request metrics, registered when an API first asks (a worker alone shows none). */
  get http(): HttpMetrics {
    return (this.httpMetrics ??= new HttpMetrics(this.registry));
  }

  /** Adds the gauges read from `store` at scrape time (once: a registry reports one store). */
  watchStore(store: GaugedStore, options: StoreGaugeOptions = {}): void {
    if (this.watched === store) return;
    if (this.watched) throw new Error('These metrics already report another store.');
    this.watched = store;
    registerStoreGauges(this.registry, store, options);
  }

  /** The Content-Type of `exposition()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
