/**
 * The audit trail end to end, in one process over `inject()` with a real SQLite file: 100 mixed
 * acts through the Graph API, the admin panel and signed download URLs give 100 records in
 * order with the right actors and no secret in any of them; the community's `audit_log` edge
 * pages them newest first with `since`/`until`; `dyi audit verify` and `dyi audit export`, as
 * real CLI processes, prove the chain intact, and after one row is edited in the database,
 * name that row and exit 1.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAct, AuditActorType, AuditRecord } from '../src/domain/index.js';
import { runDyi } from './support/dyi-cli.js';
import {
  completeJobWithFiles,
  createExport,
  graph,
  type GraphFixture,
  localPath,
  ManualClock,
  seedCommunity,
  type SeededCommunity,
  startInProcessFixture,
} from './support/graph-fixture.js';
import { createPanelAdmin, PANEL_PASSWORD, PanelClient } from './support/panel-client.js';

const clock = new ManualClock();
let fixture: GraphFixture;
let seeded: SeededCommunity;
let panel: PanelClient;
let baseline: number;
const acts: { act: AuditAct; actor: AuditActorType; time: number }[] = [];
const secrets: string[] = [];

const EXPORT_FORM = {
  data_types: 'WORKPLACE_COMPANY_METADATA_USER_PROFILE',
  dyi_format: 'JSON',
  media_quality: 'HIGH',
};

async function allRecords(): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for await (const record of fixture.runtime.audit.inOrder()) records.push(record);
  return records;
}

beforeAll(async () => {
  fixture = await startInProcessFixture(
    {
      signInFailureDelayMs: 0,
      signInAccountFailures: 1000,
      signInAddressFailures: 1000,
      createExportLimit: 1000,
    },
    clock,
  );
  const { runtime, app } = fixture;
  seeded = await seedCommunity(runtime, 'Acme', 2);
  const email = await createPanelAdmin(runtime, seeded.community.id, 'ops@acme.example');
  panel = await PanelClient.signedIn(app, email);
  const integration = await runtime.metadata.integrations.get(seeded.integrationId);
  secrets.push(seeded.manageToken, seeded.readToken, integration?.appSecret ?? 'missing');
  const done = await createExport(runtime, seeded.community.id);
  const [file] = await completeJobWithFiles(runtime, await runtime.exports.companyJob(done.id), [
    'archive bytes',
  ]);
  if (!file) throw new Error('no file');
  const signed = new URL(runtime.downloads.sign(file).url);
  secrets.push(signed.searchParams.get('signature') ?? 'missing');
  baseline = (await allRecords()).length;

  const did = (act: AuditAct, actor: AuditActorType): void => {
    acts.push({ act, actor, time: Math.floor(clock.now() / 1000) });
  };
  for (let i = 0; i < 20; i++) {
    clock.advance(60_000);
    const created = await graph(app, 'POST', '/community/work_dyi_jobs', {
      token: seeded.manageToken,
      form: EXPORT_FORM,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    did('export.create', 'integration');
    const exportId = (created.body as { id: string }).id;
    expect(
      (await graph(app, 'POST', `/${exportId}/cancel`, { token: seeded.manageToken })).status,
    ).toBe(200);
    did('export.cancel', 'integration');
    const renamed = await panel.submit(
      `/admin/integrations/${seeded.integrationId}/rename`,
      { name: `Exporter ${i}` },
      `/admin/integrations/${seeded.integrationId}`,
    );
    expect(renamed.status).toBe(303);
    did('integration.rename', 'admin');
    const download = await app.inject({
      method: 'GET',
      url: localPath(signed.toString()),
      headers: { 'user-agent': `curl/8.${i}` },
      remoteAddress: '198.51.100.7',
    });
    expect(download.body).toBe('archive bytes');
    did('file.download', 'signed_url');
    switch (i % 4) {
      case 0: {
        const made = await panel.submit(
          `/admin/integrations/${seeded.integrationId}/tokens`,
          { permission: 'read_company_data_exports' },
          `/admin/integrations/${seeded.integrationId}`,
        );
        expect(made.status).toBe(303);
        const shown = await panel.get(made.location ?? '');
        const token = /DYI1[A-Za-z0-9_-]+/.exec(shown.body)?.[0];
        expect(token).toBeDefined();
        secrets.push(token ?? '');
        did('token.create', 'admin');
        break;
      }
      case 1: {
        const refused = await new PanelClient(app, '203.0.113.5').submit('/admin/sign-in', {
          email: 'ops@acme.example',
          password: 'not the password at all',
        });
        expect(refused.status).toBe(401);
        did('admin.sign_in_failed', 'admin');
        break;
      }
      case 2:
        expect(
          (await graph(app, 'DELETE', `/${exportId}`, { token: seeded.manageToken })).status,
        ).toBe(200);
        did('export.delete', 'integration');
        break;
      default: {
        const switched = await panel.submit(
          `/admin/integrations/${seeded.integrationId}/appsecret-proof`,
          {}, // left off: turned on, the Graph calls above would need a proof
          `/admin/integrations/${seeded.integrationId}`,
        );
        expect(switched.status).toBe(303);
        did('integration.appsecret_proof', 'admin');
      }
    }
  }
}, 120_000);

afterAll(async () => {
  await fixture?.close();
});

describe('audit trail', () => {
  it('gives 100 mixed acts 100 records, in order, with their actors', async () => {
    expect(acts).toHaveLength(100);
    const records = (await allRecords()).slice(baseline);
    expect(records.map((r) => [r.act, r.actorType])).toEqual(acts.map((a) => [a.act, a.actor]));
    const tokens = await fixture.runtime.metadata.tokens.list(seeded.integrationId);
    const manageTokenId = tokens.find((t) => t.permissions.length === 2)?.id;
    for (const record of records) {
      expect(record.communityId).toBe(seeded.community.id);
      switch (record.actorType) {
        case 'integration':
          expect(record).toMatchObject({
            integrationId: seeded.integrationId,
            tokenId: manageTokenId,
            clientAddress: '127.0.0.1',
          });
          break;
        case 'signed_url':
          expect(record).toMatchObject({ objectType: 'dyi_file', clientAddress: '198.51.100.7' });
          expect(record.userAgent).toMatch(/^curl\/8\./);
          break;
        case 'admin':
          expect(record.adminEmail).toBe('ops@acme.example');
          break;
        case 'cli':
        case 'system':
          throw new Error(`record ${record.seq}: no act of this test is the CLI's or the server's`);
      }
    }
    expect(records.find((r) => r.act === 'admin.sign_in_failed')?.clientAddress).toBe(
      '203.0.113.5',
    );
  });

  it('never holds a token, an app secret, a password or a URL signature', async () => {
    const text = JSON.stringify(await allRecords());
    expect(secrets.length).toBeGreaterThanOrEqual(9);
    for (const secret of [...secrets, PANEL_PASSWORD, 'not the password at all']) {
      expect(secret.length).toBeGreaterThan(8);
      expect(text).not.toContain(secret);
    }
  });

  it('pages the audit_log edge newest first, with since and until', async () => {
    const { app } = fixture;
    const first = await graph(app, 'GET', '/community/audit_log?limit=10&date_format=U', {
      token: seeded.readToken,
    });
    expect(first.status).toBe(200);
    const body = first.body as { data: { id: string; act: string }[]; paging: { next: string } };
    const total = (await allRecords()).length;
    expect(body.data.map((r) => Number(r.id))).toEqual(
      Array.from({ length: 10 }, (_, i) => total - i),
    );
    const next = await graph(app, 'GET', localPath(body.paging.next));
    expect((next.body as { data: { id: string }[] }).data.map((r) => Number(r.id))).toEqual(
      Array.from({ length: 10 }, (_, i) => total - 10 - i),
    );
    // The 3rd minute's acts: [since, until) holds exactly them.
    const minute = acts[10]?.time ?? 0;
    const within = acts.filter((a) => a.time === minute).map((a) => a.act);
    const timed = await graph(
      app,
      'GET',
      `/community/audit_log?since=${minute}&until=${minute + 60}&limit=3&summary=true`,
      { token: seeded.readToken },
    );
    const timedBody = timed.body as {
      data: { act: string }[];
      paging: { next?: string };
      summary: { total_count: number };
    };
    expect(timedBody.summary.total_count).toBe(within.length);
    const rest = await graph(app, 'GET', localPath(timedBody.paging.next ?? ''));
    expect(
      [...timedBody.data, ...(rest.body as { data: { act: string }[] }).data]
        .map((r) => r.act)
        .reverse(),
    ).toEqual(within);
    const bad = await graph(app, 'GET', '/community/audit_log?since=yesterday', {
      token: seeded.readToken,
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('since takes a Unix timestamp in seconds');
  });

  it('is verified and exported by the CLI, and an edited row is named', async () => {
    const dataDir = ['--data-dir', fixture.dataDir];
    const intact = await runDyi(['audit', 'verify', ...dataDir]);
    expect(intact.stdout).toContain(`Audit trail intact: ${baseline + 100} record(s) verified.`);
    expect(intact.code).toBe(0);

    const out = path.join(fixture.dataDir, 'audit.ndjson');
    const exported = await runDyi(['audit', 'export', '--out', out, ...dataDir]);
    expect(exported.code).toBe(0);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(baseline + 100);
    expect(JSON.parse(lines[baseline] ?? '{}')).toMatchObject({
      seq: baseline + 1,
      act: 'export.create',
      actor_type: 'integration',
    });

    const edited = baseline + 42;
    const db = new Database(path.join(fixture.dataDir, 'dyi.sqlite'));
    try {
      db.prepare("UPDATE audit_records SET client_address = '192.0.2.99' WHERE id = ?").run(edited);
    } finally {
      db.close();
    }
    const broken = await runDyi(['audit', 'verify', ...dataDir]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`Audit trail broken at record ${edited}:`);
    expect(broken.stderr).toContain('its content does not match its hash');
  }, 60_000);
});
