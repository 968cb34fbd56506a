/**
 * @module
 * Former employees, as an API client exports them: a deactivated member named in `user_ids`
 * gets a complete archive of their content, a deleted one ends `TARGET_NOT_VISIBLE`, and an
 * export of every member leaves deactivated members out. Real stores, jobs run in the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberRecord, MemberStatus, PostRecord } from '../src/domain/index.js';
import { filesOfExport, readZip, runExport } from './support/archives.js';
import {
  type GraphFixture,
  graph,
  jobsOf,
  type SeededCommunity,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';

/** When the former members' posts were made: inside the export's range. */
const POST_TIME = Date.UTC(2025, 0, 15) / 1000;

function memberWithPost(
  sourceId: string,
  name: string,
  status: MemberStatus,
): [MemberRecord, PostRecord] {
  return [
    {
      type: 'member',
      id: sourceId,
      name,
      email: `${sourceId}@acme.example`,
      title: null,
      department: null,
      manager: null,
      location: null,
      phone: null,
      status,
      created_time: POST_TIME,
    },
    {
      type: 'post',
      id: `${sourceId}-post`,
      author: sourceId,
      group: null,
      message: `Last post of ${name}`,
      attachments: [],
      created_time: POST_TIME,
    },
  ];
}

describe('exports of former members', () => {
  let fixture: GraphFixture;
  let acme: SeededCommunity;
  let formerId: string;
  let deletedId: string;

  beforeAll(async () => {
    fixture = await startGraphFixture();
    acme = await seedCommunity(fixture.runtime, 'Acme', 2);
    const communityId = acme.community.id;
    await fixture.runtime.content.write(communityId, [
      ...memberWithPost('former', 'Fran Former', 'deactivated'),
      ...memberWithPost('gone', 'Gil Gone', 'deleted'),
    ]);
    const idOf = async (name: string): Promise<string> => {
      const [found] = await fixture.runtime.metadata.members.search(communityId, name, 1);
      if (!found) throw new Error(`no member named ${name}`);
      return found.id;
    };
    formerId = await idOf('Fran Former');
    deletedId = await idOf('Gil Gone');
  });

  afterAll(async () => {
    await fixture?.close();
  });

  const create = async (form: Record<string, string>): Promise<string> => {
    const answer = await graph(fixture.app, 'POST', '/v22.0/community/work_dyi_jobs', {
      token: acme.manageToken,
      form: {
        data_types: 'POSTS_YOUR_ACTIVITY',
        dyi_format: 'JSON',
        media_quality: 'HIGH',
        start_time: '2024-01-01T00:00:00Z',
        end_time: '2026-01-01T00:00:00Z',
        ...form,
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.id as string;
  };

  const jobOf = async (exportId: string, userId: string) => {
    const job = (await jobsOf(fixture.runtime, exportId)).find((j) => j.userId === userId);
    if (!job) throw new Error(`export ${exportId} has no job for ${userId}`);
    const answer = await graph(
      fixture.app,
      'GET',
      `/v22.0/${job.id}?fields=job_state,abort_reason,state_message,files{id}`,
      { token: acme.readToken },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as {
      id: string;
      job_state: string;
      abort_reason?: string;
      state_message?: string;
      files?: { data: { id: string }[] };
    };
  };

  it('exports a deactivated member named in user_ids, with their content', async () => {
    const exportId = await create({ user_ids: formerId });
    await runExport(fixture.runtime, exportId);

    const job = await jobOf(exportId, formerId);
    expect(job.job_state).toBe('COMPLETED');
    expect(job.abort_reason).toBeUndefined();
    expect(job.files?.data.length).toBeGreaterThan(0);
    const stored = (await filesOfExport(fixture.runtime, exportId)).find(
      (entry) => entry.job.id === job.id,
    );
    const texts: string[] = [];
    for (const { bytes } of stored?.files ?? []) {
      for (const [name, entry] of await readZip(bytes)) {
        if (name.endsWith('.json')) texts.push(entry.toString('utf8'));
      }
    }
    expect(texts.join('\n')).toContain('Last post of Fran Former');
  });

  it('still ends a deleted member named in user_ids TARGET_NOT_VISIBLE', async () => {
    const exportId = await create({ user_ids: `${deletedId},${formerId}` });
    await runExport(fixture.runtime, exportId);

    const job = await jobOf(exportId, deletedId);
    expect(job).toMatchObject({ job_state: 'ABORTED', abort_reason: 'TARGET_NOT_VISIBLE' });
    expect(job.state_message).toContain(`Member ${deletedId} is deleted`);
    expect(job.files?.data ?? []).toEqual([]);
    expect((await jobOf(exportId, formerId)).job_state).toBe('COMPLETED');
  });

  it('leaves deactivated and deleted members out of an export of every member', async () => {
    const exportId = await create({});
    const userIds = (await jobsOf(fixture.runtime, exportId)).map((j) => j.userId);
    expect(userIds).toEqual([null, ...acme.members.map((m) => m.id)]);
  });
});

describe('GET /community/members', () => {
  let fixture: GraphFixture;
  let acme: SeededCommunity;
  let other: SeededCommunity;

  beforeAll(async () => {
    fixture = await startGraphFixture();
    acme = await seedCommunity(fixture.runtime, 'Acme', 1);
    other = await seedCommunity(fixture.runtime, 'Other', 1);
    const [record] = memberWithPost('former', 'Fran Former', 'deactivated');
    await fixture.runtime.content.write(acme.community.id, [
      { ...record, email: 'Fran.Former@Acme.example' },
    ]);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  const members = (query: string, token = acme.readToken) =>
    graph(fixture.app, 'GET', `/v22.0/community/members?${query}`, { token });

  it('finds a deactivated member by email in any case, and by import id', async () => {
    const fields = 'fields=id,name,email,status,import_id';
    const byEmail = await members(`email=fran.former%40ACME.example&${fields}`);
    expect(byEmail.status, JSON.stringify(byEmail.body)).toBe(200);
    expect(byEmail.body.data).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        name: 'Fran Former',
        email: 'Fran.Former@Acme.example',
        status: 'deactivated',
        import_id: 'former',
      },
    ]);
    const byImportId = await members(`import_id=former&${fields}`);
    expect(byImportId.body).toEqual(byEmail.body);

    // The id found is what user_ids takes.
    const created = await graph(fixture.app, 'POST', '/v22.0/community/work_dyi_jobs', {
      token: acme.manageToken,
      form: { data_types: 'POSTS_YOUR_ACTIVITY', user_ids: byEmail.body.data[0].id },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  });

  it('answers the default User fields, and a member made without an import record by its id', async () => {
    const [first] = acme.members;
    const answer = await members(`email=${encodeURIComponent(first?.email ?? '')}`);
    expect(answer.body).toEqual({ data: [{ id: first?.id, name: first?.name }] });
    const byId = await members(`import_id=${first?.id}&fields=import_id`);
    expect(byId.body).toEqual({ data: [{ id: first?.id, import_id: first?.id }] });
  });

  it('answers an empty list for an unknown email, or a member of another community', async () => {
    expect((await members('email=nobody%40acme.example')).body).toEqual({ data: [] });
    const foreign = other.members[0]?.email ?? '';
    expect((await members(`email=${encodeURIComponent(foreign)}`)).body).toEqual({ data: [] });
    expect((await members('email=fran.former%40acme.example', other.readToken)).body).toEqual({
      data: [],
    });
  });

  it('refuses a lookup without exactly one of email and import_id', async () => {
    for (const query of ['', 'email=a%40b.example&import_id=x', 'email=%20']) {
      const answer = await members(query);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 100, type: 'OAuthException' });
      expect(answer.body.error.message).toContain('exactly one of email or import_id');
    }
  });
});
