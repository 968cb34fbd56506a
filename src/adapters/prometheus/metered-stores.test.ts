import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { openRuntime, type Runtime } from '../../runtime.js';

/** `_count` of each operation and result of a store histogram, from the registry's JSON. */
async function counts(runtime: Runtime, metric: string): Promise<Record<string, number>> {
  const json = await runtime.metrics.registry.getMetricsAsJSON();
  const values = json.find((family) => family.name === metric)?.values ?? [];
  const out: Record<string, number> = {};
  for (const value of values) {
    const named = value as { metricName?: string; labels: Record<string, string | number> };
    if (named.metricName !== `${metric}_count`) continue;
    out[`${named.labels.operation} ${named.labels.result}`] = value.value;
  }
  return out;
}

describe('metered stores (the runtime on a real SQLite database and local disk)', () => {
  let dataDir: string;
  let runtime: Runtime;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-metered-'));
    runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  });
  afterEach(async () => {
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('times every call of a repository method, ok and failed apart, and nothing else', async () => {
    const metric = 'dyi_database_operation_duration_seconds';
    const before = await counts(runtime, metric);
    const { metadata } = runtime;
    expect(await metadata.findObject('100000000000999')).toBeUndefined();
    expect(await metadata.findObject('100000000000998')).toBeUndefined();
    expect(await metadata.exports.get('100000000000999')).toBeUndefined();
    // The same method read again is the same function: nothing made per access.
    expect(Reflect.get(metadata.exports, 'get')).toBe(Reflect.get(metadata.exports, 'get'));
    expect(Reflect.get(metadata, 'changeMark')).toBe(Reflect.get(metadata, 'changeMark'));
    expect(typeof metadata.changeMark()).toBe('number');
    const after = await counts(runtime, metric);
    const moved = (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
    expect(moved('findObject ok')).toBe(2);
    expect(moved('exports.get ok')).toBe(1);
    expect(Object.keys(after).some((key) => key.startsWith('changeMark'))).toBe(false);
  });

  it('counts a failed blob store call as an error, and the caller still gets the failure', async () => {
    const metric = 'dyi_blob_store_operation_duration_seconds';
    const before = await counts(runtime, metric);
    await expect(runtime.blobs.openRead('exports/1/missing')).rejects.toMatchObject({
      code: 'not_found',
    });
    const after = await counts(runtime, metric);
    expect((after['openRead error'] ?? 0) - (before['openRead error'] ?? 0)).toBe(1);
    expect(after['openRead ok'] ?? 0).toBe(before['openRead ok'] ?? 0);
  });
});
