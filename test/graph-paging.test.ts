/**
 * Keyset paging over HTTP: lists of 0, 1, exactly `limit` and `limit`+1 items; `next` never
 * on the last page and never to an empty page; cursors past the end; walking back with
 * `previous`; every item seen exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createExport,
  type GraphFixture,
  graph,
  localPath,
  type SeededCommunity,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';

let fixture: GraphFixture;
let acme: SeededCommunity;

const LIMIT = 4;

beforeAll(async () => {
  fixture = await startGraphFixture();
  acme = await seedCommunity(fixture.runtime, 'Acme', LIMIT + 1);
});

afterAll(() => fixture.close());

/** An export whose user_dyi_jobs list has exactly `count` items. */
async function exportWithUserJobs(count: number): Promise<string> {
  const userIds = acme.members.slice(0, count).map((m) => m.id);
  if (count === 0) {
    // With no member chosen there is only the company job: deactivate everyone for a moment.
    for (const m of acme.members) {
      await fixture.runtime.communities.setMemberStatus(acme.community.id, m.id, 'deactivated');
    }
    const made = await createExport(fixture.runtime, acme.community.id);
    for (const m of acme.members) {
      await fixture.runtime.communities.setMemberStatus(acme.community.id, m.id, 'active');
    }
    return made.id;
  }
  return (await createExport(fixture.runtime, acme.community.id, { user_ids: userIds })).id;
}

interface Walk {
  pages: { ids: string[]; hasNext: boolean; hasPrevious: boolean }[];
  last: { next?: string; previous?: string; cursors?: { before: string; after: string } };
}

async function walk(url: string): Promise<Walk> {
  const pages: Walk['pages'] = [];
  let next: string | undefined = url;
  let last: Walk['last'] = {};
  while (next !== undefined) {
    const answer = await graph(fixture.app, 'GET', next);
    expect(answer.status).toBe(200);
    const ids = (answer.body.data as { id: string }[]).map((item) => item.id);
    const paging = (answer.body.paging ?? {}) as Walk['last'];
    pages.push({
      ids,
      hasNext: paging.next !== undefined,
      hasPrevious: paging.previous !== undefined,
    });
    last = paging;
    next = paging.next === undefined ? undefined : localPath(paging.next);
    expect(pages.length).toBeLessThan(20);
  }
  return { pages, last };
}

describe.each([0, 1, LIMIT, LIMIT + 1])('a list of %i user jobs', (count) => {
  it(`visits every job once, with next only before the last page (limit ${LIMIT})`, async () => {
    const exportId = await exportWithUserJobs(count);
    const expected = (await fixture.runtime.jobs.listUserJobs(exportId, { limit: 1000 })).items.map(
      (j) => j.id,
    );
    expect(expected).toHaveLength(count);
    const { pages } = await walk(
      `/${exportId}/user_dyi_jobs?limit=${LIMIT}&access_token=${acme.readToken}`,
    );
    expect(pages.flatMap((p) => p.ids)).toEqual(expected);
    expect(pages).toHaveLength(Math.max(1, Math.ceil(count / LIMIT)));
    pages.forEach((page, index) => {
      const isLast = index === pages.length - 1;
      expect(page.hasNext).toBe(!isLast);
      expect(page.hasPrevious).toBe(index > 0);
      if (!isLast) expect(page.ids).toHaveLength(LIMIT);
    });
    if (count > 0) expect(pages.at(-1)?.ids.length).toBeGreaterThan(0);
  });
});

describe('cursors', () => {
  it('past the end: 200, empty data, no next', async () => {
    const exportId = await exportWithUserJobs(2);
    const first = await graph(fixture.app, 'GET', `/${exportId}/user_dyi_jobs?limit=2`, {
      token: acme.readToken,
    });
    expect(first.body.paging.next).toBeUndefined();
    const after = first.body.paging.cursors.after as string;
    const past = await graph(fixture.app, 'GET', `/${exportId}/user_dyi_jobs?after=${after}`, {
      token: acme.readToken,
    });
    expect(past.status).toBe(200);
    expect(past.body.data).toEqual([]);
    expect(past.body.paging?.next).toBeUndefined();
  });

  it('walks back from the last page with previous links', async () => {
    const exportId = await exportWithUserJobs(LIMIT + 1);
    const forward = await walk(`/${exportId}/user_dyi_jobs?limit=2&access_token=${acme.readToken}`);
    const seen: string[][] = [];
    let previous = forward.last.previous;
    while (previous !== undefined) {
      const answer = await graph(fixture.app, 'GET', localPath(previous));
      seen.unshift((answer.body.data as { id: string }[]).map((j) => j.id));
      expect(answer.body.paging.next).toBeDefined();
      previous = answer.body.paging.previous as string | undefined;
    }
    expect(seen).toEqual(forward.pages.slice(0, -1).map((p) => p.ids));
  });

  it('never repeats a cursor and keeps fields in next links', async () => {
    const exportId = await exportWithUserJobs(LIMIT + 1);
    const first = await graph(
      fixture.app,
      'GET',
      `/${exportId}/user_dyi_jobs?limit=3&fields=id,job_type`,
      { token: acme.readToken },
    );
    const { before, after } = first.body.paging.cursors as { before: string; after: string };
    expect(before).not.toBe(after);
    const next = new URL(first.body.paging.next as string);
    expect(next.searchParams.get('fields')).toBe('id,job_type');
    const second = await graph(fixture.app, 'GET', localPath(next.toString()));
    expect(second.body.data.map((j: { job_type: string }) => j.job_type)).toEqual(['USER', 'USER']);
    expect(second.body.paging.cursors.after).not.toBe(after);
  });

  it('caps limit at 100 and refuses limits that are not whole numbers from 0', async () => {
    const exportId = await exportWithUserJobs(1);
    const capped = await graph(fixture.app, 'GET', `/${exportId}/user_dyi_jobs?limit=5000`, {
      token: acme.readToken,
    });
    expect(capped.status).toBe(200);
    for (const limit of ['-1', 'ten', '1.5', '']) {
      const answer = await graph(fixture.app, 'GET', `/${exportId}/user_dyi_jobs?limit=${limit}`, {
        token: acme.readToken,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe(100);
      expect(answer.body.error.message).toContain('limit');
    }
  });

  it('pages the export list newest first and the files of a job', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await exportWithUserJobs(1));
    const { pages } = await walk(`/community/work_dyi_jobs?limit=2&access_token=${acme.readToken}`);
    const listed = pages.flatMap((p) => p.ids);
    expect(listed.slice(0, 3)).toEqual([...ids].reverse());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('summary=true on an edge counts every item', async () => {
    const exportId = await exportWithUserJobs(LIMIT + 1);
    const answer = await graph(
      fixture.app,
      'GET',
      `/${exportId}/user_dyi_jobs?limit=1&summary=true`,
      {
        token: acme.readToken,
      },
    );
    expect(answer.body.summary).toEqual({ total_count: LIMIT + 1 });
    const exports = await graph(fixture.app, 'GET', '/community/work_dyi_jobs?summary=true', {
      token: acme.readToken,
    });
    expect(exports.body.summary.total_count).toBe(
      await fixture.runtime.exports.count(acme.community.id),
    );
  });
});

describe('count only: limit 0 with summary (issue 10)', () => {
  /** The next link of a count-only answer: the first page, without limit=0. */
  function expectFirstPageLink(next: string, path: string): void {
    const url = new URL(next);
    expect(url.pathname).toBe(path);
    expect(url.searchParams.get('limit')).toBeNull();
    expect(url.searchParams.get('after')).toBeNull();
  }

  it('edge.limit(0).summary(true) in fields gives data [] and the count', async () => {
    const exportId = await exportWithUserJobs(LIMIT);
    const answer = await graph(
      fixture.app,
      'GET',
      `/${exportId}?fields=user_dyi_jobs.limit(0).summary(true){id,job_state}`,
      { token: acme.readToken },
    );
    expect(answer.status).toBe(200);
    const list = answer.body.user_dyi_jobs;
    expect(list.data).toEqual([]);
    expect(list.summary).toEqual({ total_count: LIMIT });
    expectFirstPageLink(list.paging.next as string, `/${exportId}/user_dyi_jobs`);
    // Following next gives the first real page, with the same fields.
    const first = await graph(fixture.app, 'GET', localPath(list.paging.next as string), {
      token: acme.readToken,
    });
    expect(first.body.data).toHaveLength(LIMIT);
    expect(Object.keys(first.body.data[0] as object)).toEqual(['id', 'job_state']);
  });

  it('limit=0&summary=true on an edge request does the same', async () => {
    const exportId = await exportWithUserJobs(LIMIT);
    const answer = await graph(
      fixture.app,
      'GET',
      `/${exportId}/user_dyi_jobs?limit=0&summary=true`,
      { token: acme.readToken },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual([]);
    expect(answer.body.summary).toEqual({ total_count: LIMIT });
    expectFirstPageLink(answer.body.paging.next as string, `/${exportId}/user_dyi_jobs`);
    const { pages } = await walk(localPath(answer.body.paging.next as string));
    expect(pages.flatMap((p) => p.ids)).toHaveLength(LIMIT);
  });

  it('an empty list counted with limit 0 has no next', async () => {
    const exportId = await exportWithUserJobs(0);
    const answer = await graph(
      fixture.app,
      'GET',
      `/${exportId}/user_dyi_jobs?limit=0&summary=true`,
      { token: acme.readToken },
    );
    expect(answer.body).toEqual({ data: [], summary: { total_count: 0 } });
  });
});
