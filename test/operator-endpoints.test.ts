/**
 * @module
 * `/healthz`, `/readyz` and `/metrics` as a load balancer, an orchestrator and Prometheus use
 * them, through `inject` on the real app and stores: answers without a token, one line per
 * readiness check, 503 naming the failing check (the database file moved away, a disk below
 * its threshold), `/metrics` kept from whoever lacks its secret, parsed by a strict
 * text-format parser, and its counters moving with the requests made. Also that these paths
 * stay the Graph API's for a Graph client asking for an object of that name.
 */
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createExport,
  type GraphFixture,
  graph,
  jobsOf,
  seedCommunity,
  startInProcessFixture,
} from './support/graph-fixture.js';
import { parsePrometheusText, sumOf, valueOf } from './support/prometheus-text.js';

const SECRET = 'metrics-secret-0123456789';

let fixture: GraphFixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function start(overrides: Parameters<typeof startInProcessFixture>[0] = {}) {
  fixture = await startInProcessFixture(overrides);
  return fixture;
}

async function scrape(app: GraphFixture['app']) {
  const response = await app.inject({
    url: '/metrics',
    headers: { authorization: `Bearer ${SECRET}` },
  });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(response.body);
}

describe('/healthz and /readyz', () => {
  it('answer without a token, one line per check, and say nothing about the software', async () => {
    const { app } = await start();
    const health = await app.inject('/healthz');
    expect(health.statusCode).toBe(200);
    expect(health.body).toBe('ok\n');
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.body).toBe('database ok\nblob-store ok\ndisk ok\n');
    expect(ready.headers['facebook-api-version']).toBeUndefined();
    expect(ready.headers['cache-control']).toBe('no-store');
    expect((await app.inject({ method: 'HEAD', url: '/readyz' })).statusCode).toBe(200);
  });

  it('turn 503 naming the database while its file is moved away, and 200 once it is back', async () => {
    const { app, dataDir } = await start();
    const file = path.join(dataDir, 'dyi.sqlite');
    await rename(file, `${file}.moved`);
    const failing = await app.inject('/readyz');
    expect(failing.statusCode).toBe(503);
    expect(failing.body).toBe('database fail\nblob-store ok\ndisk ok\n');
    await rename(`${file}.moved`, file);
    const back = await app.inject('/readyz');
    expect(back.statusCode).toBe(200);
    expect(back.body).toBe('database ok\nblob-store ok\ndisk ok\n');
  });

  it('name the disk below its threshold, and say why only where DYI_HEALTH_DETAIL allows', async () => {
    const { app } = await start({ readyMinFreeBytes: Number.MAX_SAFE_INTEGER });
    const terse = await app.inject('/readyz');
    expect(terse.statusCode).toBe(503);
    expect(terse.body).toBe('database ok\nblob-store ok\ndisk fail\n');
    await fixture?.close();
    const detailed = await start({
      readyMinFreeBytes: Number.MAX_SAFE_INTEGER,
      healthDetail: 'true',
    });
    const answer = await detailed.app.inject('/readyz');
    expect(answer.statusCode).toBe(503);
    expect(answer.body).toMatch(
      /^database ok\nblob-store ok\ndisk fail: \d+ bytes free in the data directory's file system, below 9007199254740991 \(DYI_READY_MIN_FREE_BYTES\)\n$/,
    );
  });
});

describe('the same paths in the Graph API', () => {
  it('answer a Graph client asking for an object named healthz as any unknown name', async () => {
    const { app, runtime } = await start({ metricsToken: SECRET });
    const { readToken } = await seedCommunity(runtime, 'Probes');
    for (const name of ['healthz', 'readyz', 'metrics']) {
      const other = `${name}x`;
      for (const prefix of ['/v22.0/', '/']) {
        const asked = await graph(app, 'GET', `${prefix}${name}`, { token: readToken });
        const unknown = await graph(app, 'GET', `${prefix}${other}`, { token: readToken });
        expect(asked.status).toBe(unknown.status);
        expect(asked.body.error.code).toBe(unknown.body.error.code);
        expect(asked.body.error.message).toBe(unknown.body.error.message.replace(other, name));
      }
      // Without a token, versioned: Graph's missing-token answer, not a probe.
      const versioned = await graph(app, 'GET', `/v22.0/${name}`);
      expect(versioned.body.error.code).toBe(
        (await graph(app, 'GET', `/v22.0/${other}`)).body.error.code,
      );
    }
    const batch = await graph(app, 'POST', '/', {
      token: readToken,
      form: { batch: JSON.stringify([{ method: 'GET', relative_url: 'healthz' }]) },
    });
    const item = JSON.parse(batch.body[0].body as string);
    expect(item.error.code).toBe(100);
  });

  it('leave /metrics to the Graph API while no metrics secret is set', async () => {
    const { app } = await start();
    const answer = await graph(app, 'GET', '/metrics');
    expect(answer.body.error.code).toBe((await graph(app, 'GET', '/metricsx')).body.error.code);
  });
});

describe('/metrics on the API port', () => {
  it('asks for its secret, and is not Graph data to a wrong one', async () => {
    const { app } = await start({ metricsToken: SECRET });
    const bare = await app.inject('/metrics');
    expect(bare.statusCode).toBe(401);
    expect(bare.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(bare.body).not.toMatch(/dyi_/);
    const wrong = await app.inject({
      url: '/metrics',
      headers: { authorization: 'Bearer not-the-metrics-secret' },
    });
    expect(wrong.body).not.toMatch(/dyi_/);
  });

  it('parses as Prometheus text, and its counters move with the requests made', async () => {
    const { app, runtime } = await start({ metricsToken: SECRET, rateLimitCalls: 3 });
    const { community, readToken } = await seedCommunity(runtime, 'Counted');
    const before = await scrape(app);
    for (let i = 0; i < 2; i++) {
      expect((await graph(app, 'GET', `/${community.id}`, { token: readToken })).status).toBe(200);
    }
    expect((await graph(app, 'GET', '/no-such-thing', { token: readToken })).status).toBe(400);
    expect((await graph(app, 'GET', `/${community.id}`, { token: 'wrong' })).status).toBe(400);
    // The token's fourth call in the window passes its limit of 3 (code 4).
    expect(
      (await graph(app, 'GET', `/${community.id}`, { token: readToken })).body.error.code,
    ).toBe(4);
    const after = await scrape(app);

    const moved = (name: string, labels: Record<string, string>): number =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(moved('dyi_http_requests_total', { route: '/:id', method: 'GET', status: '200' })).toBe(
      2,
    );
    expect(moved('dyi_http_requests_total', { route: '/:id', method: 'GET', status: '400' })).toBe(
      2,
    );
    expect(moved('dyi_http_requests_total', { route: '/:id', method: 'GET', status: '403' })).toBe(
      1,
    );
    expect(
      moved('dyi_http_requests_total', { route: '/metrics', method: 'GET', status: '200' }),
    ).toBe(1);
    expect(moved('dyi_http_request_duration_seconds_count', { route: '/:id', method: 'GET' })).toBe(
      5,
    );
    expect(moved('dyi_graph_errors_total', { code: '100' })).toBe(1);
    expect(moved('dyi_graph_errors_total', { code: '190' })).toBe(1);
    expect(moved('dyi_graph_errors_total', { code: '4' })).toBe(1);
    expect(moved('dyi_rate_limit_rejections_total', { code: '4' })).toBe(1);
    // Authentication read the token through the metadata store, timed at the port.
    expect(
      sumOf(after, 'dyi_database_operation_duration_seconds_count') -
        sumOf(before, 'dyi_database_operation_duration_seconds_count'),
    ).toBeGreaterThan(0);
    // Node's own metrics are there too.
    expect(valueOf(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(after.has('nodejs_eventloop_lag_seconds')).toBe(true);
    expect(after.has('nodejs_heap_size_used_bytes')).toBe(true);

    // The queue's depth, read from the database: an export's jobs wait (no workers here).
    const made = await createExport(runtime, community.id);
    const queued = await scrape(app);
    expect(valueOf(queued, 'dyi_queue_jobs', { state: 'PENDING' })).toBe(
      (await jobsOf(runtime, made.id)).length,
    );
    expect(valueOf(queued, 'dyi_queue_jobs', { state: 'IN_PROGRESS' })).toBe(0);

    // Low cardinality: no label value carries an id, a token or a URL.
    for (const family of after.values()) {
      for (const sample of family.samples) {
        for (const value of Object.values(sample.labels)) {
          expect(value).not.toContain(community.id);
          expect(value).not.toContain(readToken);
          expect(value).not.toContain('no-such-thing');
        }
      }
    }
  });
});
