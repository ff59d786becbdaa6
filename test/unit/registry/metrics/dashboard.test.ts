import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { RegistryMetrics } from '../../../../src/registry/metrics/index.js';
import { REPO_ROOT } from '../../../support/process.js';

describe('the sample Grafana dashboard (docs/grafana-dashboard.json)', () => {
  it('queries only metrics the registry exposes', async () => {
    const dashboard = JSON.parse(await readFile(`${REPO_ROOT}/docs/grafana-dashboard.json`, 'utf8')) as {
      panels: Array<{ type: string; targets?: Array<{ expr: string }> }>;
    };
    const exprs = dashboard.panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr);
    assert.ok(exprs.length >= 15, `${exprs.length} queries`);
    const metrics = await RegistryMetrics.create();
    const { body } = await metrics.exposition();
    const families = new Set([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]));
    const used = new Set(exprs.flatMap((expr) => [...expr.matchAll(/\b(?:registry|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0])));
    const unknown = [...used].filter((name) => !families.has(name) && !families.has(name.replace(/_(bucket|sum|count)$/, '')));
    assert.deepEqual(unknown, [], 'every queried metric is exposed');
    for (const needed of [
      'registry_http_requests_total',
      'registry_storage_action_seconds',
      'registry_proxy_hits_total',
      'registry_gc_runs_total',
      'registry_notifications_pending',
    ]) {
      assert.ok(used.has(needed) || used.has(`${needed}_bucket`), `the dashboard shows ${needed}`);
    }
  });
});
