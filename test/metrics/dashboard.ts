import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sample } from './prometheus-text';

/** One PromQL query of docs/grafana-dashboard.json: the metrics it reads and the labels it groups by. */
export interface DashboardQuery {
  panel: string;
  expr: string;
  metrics: string[];
  byLabels: string[];
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

// Labels Prometheus adds to every scraped series, and the histogram bucket label.
const ADDED_LABELS = new Set(['le', 'instance', 'job']);

/** Every query of the dashboard whose metric names start with one of `prefixes`. */
export function dashboardQueries(prefixes: readonly string[]): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(join(__dirname, '../../docs/grafana-dashboard.json'), 'utf8')) as { panels: Panel[] };
  const out: DashboardQuery[] = [];
  const walk = (panels: readonly Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        const expr = t.expr ?? '';
        const metrics = [...expr.matchAll(new RegExp(`\\b((?:${prefixes.join('|')})[a-z0-9_]+)`, 'g'))].map((m) => m[1] ?? '');
        const byLabels = [...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => (m[1] ?? '').split(',').map((l) => l.trim()));
        if (metrics.length)
          out.push({ panel: p.title ?? '', expr, metrics: [...new Set(metrics)], byLabels: byLabels.filter((l) => !ADDED_LABELS.has(l)) });
      }
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** What of `query` the scraped `samples` do not serve: metric names without a sample, grouping labels none of its metrics carries. */
export function missingFrom(query: DashboardQuery, samples: readonly Sample[]): string[] {
  const missing: string[] = [];
  const labels = new Set<string>();
  for (const name of query.metrics) {
    const found = samples.filter((s) => s.name === name);
    if (found.length === 0) missing.push(name);
    for (const s of found) for (const l of Object.keys(s.labels)) labels.add(l);
  }
  for (const l of query.byLabels) if (!labels.has(l)) missing.push(`label ${l}`);
  return missing;
}
