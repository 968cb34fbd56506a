/**
 * "Download all" of an export as an admin uses it, over inject() on real stores: the totals,
 * every file with its member, size and SHA-256, 500 a page; the `dyi download` command; the
 * curl, wget and aria2c lists, each naming every file once at a safe path, with signed URLs
 * that serve the bytes the page promises without a session; the session the page and lists
 * need; a running export; another community's export; names shown as text.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunity as seedSynthetic } from '../src/content/seed-community.js';
import type { DyiFile, Id, Member } from '../src/domain/index.js';
import { partFileName } from '../src/export/archive-paths.js';
import { runExport, sha256 } from './support/archives.js';
import {
  completeJobWithFiles,
  createExport,
  type GraphFixture,
  jobsOf,
  localPath,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';
import { createPanelAdmin, PanelClient } from './support/panel-client.js';

const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
/** A file name no engine makes, which a list must still not let climb out of its folder. */
const HOSTILE_FILE = '../../<b>"evil"</b>\\x.zip';

let fixture: GraphFixture;
let communityId: Id;
let browser: PanelClient;
/** An export run for real: the company job and one job per member. */
let exportId: Id;
/** Its files, each with the member its job exports (null: the company job). */
let files: { file: DyiFile; userId: Id | null }[];
let members: ReadonlyMap<Id, Member>;
let other: { exportId: Id; browser: PanelClient };

beforeAll(async () => {
  fixture = await startGraphFixture();
  const { runtime } = fixture;
  communityId = (await seedSynthetic(runtime, { users: 2, seed: 7, name: 'Acme' })).communityId;
  await runtime.communities.addMember(communityId, {
    name: HOSTILE_NAME,
    email: null,
    status: 'active',
  });
  browser = await PanelClient.signedIn(fixture.app, await createPanelAdmin(runtime, communityId));
  exportId = (
    await createExport(runtime, communityId, {
      data_types: ['WORKPLACE_COMPANY_METADATA_COMPANY_INFO', 'POSTS_YOUR_ACTIVITY'],
      start_time: '2020-01-01T00:00:00Z',
    })
  ).id;
  await runExport(runtime, exportId);
  files = [];
  for (const job of await jobsOf(runtime, exportId)) {
    for (const file of (await runtime.jobs.listFiles(job.id, { limit: 100 })).items) {
      files.push({ file, userId: job.userId });
    }
  }
  const userIds = files.flatMap(({ userId }) => (userId === null ? [] : [userId]));
  members = new Map(
    (await runtime.metadata.members.getMany(communityId, userIds)).map((m) => [m.id, m]),
  );

  const globex = await seedCommunity(runtime, 'Globex', 1);
  other = {
    exportId: (await createExport(runtime, globex.community.id)).id,
    browser: await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(runtime, globex.community.id, 'globex@example.test'),
    ),
  };
}, 60_000);

afterAll(async () => {
  await fixture.close();
});

const pagePath = (id: Id) => `/admin/exports/${id}/download-all`;

/** The rows of the page's file table. */
function fileRows(body: string): string[] {
  const table = body.split('id="files"')[1]?.split('</table>')[0] ?? '';
  return table.split('<tr>').slice(2);
}

/** What a list's lines say, per format: each file's URL and, where the format has one, path. */
interface ListedFile {
  url: string;
  path?: string;
  sha256?: string;
}

function parseCurl(text: string): { options: string[]; files: ListedFile[] } {
  const options: string[] = [];
  const listed: ListedFile[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const pair = /^(url|output) = "((?:[^"\\]|\\.)*)"$/.exec(line);
    if (!pair) {
      options.push(line);
      continue;
    }
    const value = (pair[2] ?? '').replace(/\\(.)/g, '$1');
    if (pair[1] === 'url') listed.push({ url: value });
    else {
      const last = listed.at(-1);
      expect(last?.path, `an output without its url: ${line}`).toBeUndefined();
      if (last) last.path = value;
    }
  }
  return { options, files: listed };
}

function parseAria2c(text: string): ListedFile[] {
  const listed: ListedFile[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (!line.startsWith(' ')) {
      listed.push({ url: line });
      continue;
    }
    const last = listed.at(-1);
    const [name, ...rest] = line.trim().split('=');
    if (!last) throw new Error(`an option before any URL: ${line}`);
    if (name === 'out') last.path = rest.join('=');
    else if (name === 'checksum') {
      expect(rest[0]).toBe('sha-256');
      last.sha256 = rest[1];
    } else throw new Error(`unexpected aria2c option ${line}`);
  }
  return listed;
}

/** The file id a signed URL names (`/dyi-files/<id>/<name>`). */
function fileIdOf(url: string): string {
  return /\/dyi-files\/(\d+)\//.exec(new URL(url).pathname)?.[1] ?? '';
}

function expectSafePath(path: string, id: Id, userId: Id | null): void {
  expect(path.startsWith('/')).toBe(false);
  expect(path.split('/')).not.toContain('..');
  expect(path.split('/')).not.toContain('.');
  expect(path).not.toContain('\\');
  expect([...path].some((character) => character.charCodeAt(0) < 32)).toBe(false);
  const folder = userId === null ? 'company' : `user-${userId}`;
  expect(path.startsWith(`${id}/${folder}/`), path).toBe(true);
  expect(path.split('/')).toHaveLength(3);
}

async function getList(client: PanelClient, id: Id, format: string) {
  return client.get(`${pagePath(id)}/${format}.txt`);
}

describe('the Download all page', () => {
  it('is linked from the export and from its row in the list', async () => {
    const detail = await browser.get(`/admin/exports/${exportId}`);
    expect(detail.body).toContain(
      `href="/admin/exports/${exportId}/download-all">Download all</a>`,
    );
    const list = await browser.get('/admin/exports');
    const row = list.body.split('<tr>').find((each) => each.includes(`Export ${exportId}</small>`));
    expect(row).toContain(`href="/admin/exports/${exportId}/download-all"`);
  });

  it('counts every file and its bytes, and lists each with member, size and SHA-256', async () => {
    const page = await browser.get(pagePath(exportId));
    expect(page.status).toBe(200);
    expect(page.body).toMatch(
      new RegExp(
        `<h1 class="export-title">\\s*<span class="export-name">Download all of Export of [^<]+</span>\\s*<small class="export-id">Export ${exportId}</small>`,
      ),
    );
    const bytes = files.reduce((sum, { file }) => sum + file.size, 0);
    expect(page.body).toContain(`<dd id="file-count">${files.length}</dd>`);
    expect(page.body).toContain(`(${bytes.toLocaleString('en-US')} bytes)`);
    expect(page.body).not.toContain('still running');
    const rows = fileRows(page.body);
    expect(rows).toHaveLength(files.length);
    for (const { file, userId } of files) {
      const row = rows.find((each) => each.includes(`/admin/files/${file.id}/download`));
      expect(row, file.name).toBeDefined();
      expect(row).toContain(`<span class="file-name">${file.name}</span>`);
      expect(row).toContain(`${file.size.toLocaleString('en-US')} bytes`);
      expect(row).toContain(`<code class="sha256">${file.sha256}</code>`);
      if (userId === null) expect(row).toContain('Company');
      else expect(row).toContain(userId);
    }
    // Two named members and one whose name is markup: the markup shows as text.
    const named = [...members.values()].filter((m) => m.name !== HOSTILE_NAME);
    expect(named.length).toBeGreaterThan(0);
    for (const member of named) expect(page.body).toContain(member.name);
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.body).not.toContain('<img');
  });

  it('gives the exact dyi download command, with the token left to DYI_TOKEN', async () => {
    const page = await browser.get(pagePath(exportId));
    const base = fixture.config.publicUrl;
    expect(page.body).toContain(
      `<code id="dyi-command">dyi download --base-url ${base} --export ${exportId} --out dyi-export-${exportId}</code>`,
    );
    expect(page.body).toContain('<code>DYI_TOKEN</code>');
    expect(page.body).not.toContain('--token');
    // The copy button needs the script: hidden until it runs.
    expect(page.body).toMatch(
      /<span class="copy" data-needs-script hidden>\s*<button type="button" class="secondary" data-copy="dyi-command">/,
    );
  });

  it('says how long the listed URLs work, and that a list is a secret until then', async () => {
    const page = await browser.get(pagePath(exportId));
    expect(page.body).toMatch(
      /The URLs work without signing in for\s+1 hour after the list is fetched/,
    );
    expect(page.body).toContain('keep\n      a list secret until then');
    for (const format of ['curl', 'wget', 'aria2c']) {
      expect(page.body).toContain(
        `href="${pagePath(exportId)}/${format}.txt" download="export-${exportId}-${format}.txt"`,
      );
    }
    expect(page.body).toContain(`wget --content-disposition -i export-${exportId}-wget.txt`);
  });
});

describe('the lists of signed URLs', () => {
  it('are attachments of plain text, never stored', async () => {
    for (const format of ['curl', 'wget', 'aria2c']) {
      const list = await getList(browser, exportId, format);
      expect(list.status).toBe(200);
      expect(list.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(list.headers['content-disposition']).toBe(
        `attachment; filename="export-${exportId}-${format}.txt"`,
      );
      expect(list.headers['cache-control']).toBe('no-store');
    }
    expect((await getList(browser, exportId, 'bash')).status).toBe(404);
  });

  it('curl: a url and output pair per file, safe paths, folders created, errors not saved', async () => {
    const list = await getList(browser, exportId, 'curl');
    const { options, files: listed } = parseCurl(list.body);
    expect(options).toEqual(['create-dirs', 'fail', 'retry = 5']);
    expect(list.body).toContain(`# Run: curl -K export-${exportId}-curl.txt`);
    expect(list.body).toMatch(/# Its URLs work until \d{4}-\d\d-\d\dT[\d:.]+Z without signing in/);
    await expectEveryFileOnce(listed);
  });

  it('aria2c: a URL, then its out path and SHA-256 indented', async () => {
    const list = await getList(browser, exportId, 'aria2c');
    const listed = parseAria2c(list.body);
    await expectEveryFileOnce(listed);
    for (const entry of listed) {
      const { file } = files.find((each) => each.file.id === fileIdOf(entry.url)) ?? {};
      expect(entry.sha256).toBe(file?.sha256);
    }
  });

  it('wget: one URL a line, each naming its file for --content-disposition', async () => {
    const list = await getList(browser, exportId, 'wget');
    const lines = list.body.split('\n');
    expect(lines.pop()).toBe('');
    await expectEveryFileOnce(lines.map((url) => ({ url })));
    for (const url of lines) {
      const answer = await fixture.app.inject({ method: 'GET', url: localPath(url) });
      const { file } = files.find((each) => each.file.id === fileIdOf(url)) ?? {};
      expect(answer.headers['content-disposition']).toContain(`filename="${file?.name}"`);
    }
  });

  /** Every file of the export once, at a safe path, its URL serving its bytes without a session. */
  async function expectEveryFileOnce(listed: readonly ListedFile[]): Promise<void> {
    expect(listed.map((entry) => fileIdOf(entry.url)).sort()).toEqual(
      files.map(({ file }) => file.id).sort(),
    );
    for (const entry of listed) {
      const { file, userId } = files.find((each) => each.file.id === fileIdOf(entry.url)) ?? {};
      if (!file || userId === undefined) throw new Error(`no file for ${entry.url}`);
      if (entry.path !== undefined) {
        expectSafePath(entry.path, exportId, userId);
        expect(entry.path.endsWith(`/${file.name}`)).toBe(true);
      }
      // No cookie: the signature is the whole authorisation.
      const bytes = await fixture.app.inject({ method: 'GET', url: localPath(entry.url) });
      expect(bytes.statusCode).toBe(200);
      expect(sha256(bytes.rawPayload)).toBe(file.sha256);
    }
    const paths = listed.flatMap((entry) => (entry.path === undefined ? [] : [entry.path]));
    expect(new Set(paths).size).toBe(paths.length);
  }

  it('keep a file whose name would climb out inside its folder', async () => {
    const crafted = await seedCommunity(fixture.runtime, 'Crafted', 1);
    const admin = await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(fixture.runtime, crafted.community.id, 'crafted@example.test'),
    );
    const exportJob = await createExport(fixture.runtime, crafted.community.id);
    const [company, member] = await jobsOf(fixture.runtime, exportJob.id);
    if (!company || !member) throw new Error('no jobs');
    await fixture.runtime.jobs.start(member.id, 'test-run');
    for (const name of [HOSTILE_FILE, HOSTILE_FILE, '..']) {
      await fixture.runtime.jobs.storeFile(member, 'test-run', {
        name,
        contentType: 'application/zip',
        partNumber: 1,
        body: Readable.from([Buffer.from(name)]),
      });
    }
    await fixture.runtime.jobs.complete(member.id, 'test-run');
    const curl = parseCurl((await getList(admin, exportJob.id, 'curl')).body).files;
    const aria2c = parseAria2c((await getList(admin, exportJob.id, 'aria2c')).body);
    for (const listed of [curl, aria2c]) {
      expect(listed).toHaveLength(3);
      for (const entry of listed) expectSafePath(entry.path ?? '', exportJob.id, member.userId);
      const paths = listed.map((entry) => entry.path?.split('/')[2]);
      expect(new Set(paths).size).toBe(3);
      expect(paths[0]).toBe('.._..__b__evil___b__x.zip');
    }
    const page = await admin.get(pagePath(exportJob.id));
    expect(page.body).toContain('../../&lt;b&gt;&quot;evil&quot;&lt;/b&gt;\\x.zip');
    expect(page.body).not.toContain('<b>');
  });
});

describe('who may see it', () => {
  it('needs a session (a page or list gets the sign-in page), but no CSRF token', async () => {
    const signedOut = new PanelClient(fixture.app);
    for (const path of [pagePath(exportId), `${pagePath(exportId)}/curl.txt`]) {
      const answer = await signedOut.get(path);
      expect(answer.status, path).toBe(303);
      expect(answer.location).toMatch(/^\/admin\/sign-in\?next=/);
      expect(answer.body).not.toContain('dyi-files');
    }
  });

  it("answers 404 for another community's export, on the page and every list", async () => {
    for (const path of [
      pagePath(other.exportId),
      `${pagePath(other.exportId)}/curl.txt`,
      `${pagePath(other.exportId)}/wget.txt`,
      `${pagePath(other.exportId)}/aria2c.txt`,
      '/admin/exports/not-an-id/download-all',
    ]) {
      const answer = await browser.get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('dyi-files');
    }
    expect((await other.browser.get(pagePath(exportId))).status).toBe(404);
  });
});

describe('a large or running export', () => {
  it('pages the files 500 at a time while the totals count them all', async () => {
    const big = await seedCommunity(fixture.runtime, 'Big', 1);
    const admin = await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(fixture.runtime, big.community.id, 'big@example.test'),
    );
    const exportJob = await createExport(fixture.runtime, big.community.id);
    const [company, member] = await jobsOf(fixture.runtime, exportJob.id);
    if (!company || !member) throw new Error('no jobs');
    const made = [
      ...(await completeJobWithFiles(
        fixture.runtime,
        company,
        Array.from({ length: 491 }, (_, i) => `c${i}`),
      )),
      ...(await completeJobWithFiles(
        fixture.runtime,
        member,
        Array.from({ length: 10 }, (_, i) => `m${i}`),
      )),
    ];
    const bytes = made.reduce((sum, file) => sum + file.size, 0);
    const first = await admin.get(pagePath(exportJob.id));
    expect(first.body).toContain('<dd id="file-count">501</dd>');
    expect(first.body).toContain(`(${bytes.toLocaleString('en-US')} bytes)`);
    expect(fileRows(first.body)).toHaveLength(500);
    expect(first.body).not.toContain('rel="prev"');
    const next = /<a href="([^"]+)" rel="next">Next files<\/a>/.exec(first.body)?.[1] ?? '';
    const second = await admin.get(next.replaceAll('&amp;', '&'));
    expect(fileRows(second.body)).toHaveLength(1);
    expect(second.body).toContain('<dd id="file-count">501</dd>');
    expect(second.body).toContain('rel="prev">Previous files</a>');
    expect(second.body).toContain('Big member 1');
    // The lists hold every file, not a page.
    const wget = (await getList(admin, exportJob.id, 'wget')).body.trim().split('\n');
    expect(wget).toHaveLength(501);
    expect(partFileName(member, 10)).toBe(made.at(-1)?.name);
  });

  it("says an export is still running, and holds only the completed jobs' files", async () => {
    const running = await seedCommunity(fixture.runtime, 'Running', 2);
    const admin = await PanelClient.signedIn(
      fixture.app,
      await createPanelAdmin(fixture.runtime, running.community.id, 'running@example.test'),
    );
    const exportJob = await createExport(fixture.runtime, running.community.id);
    const [company, first, second] = await jobsOf(fixture.runtime, exportJob.id);
    if (!company || !first || !second) throw new Error('no jobs');
    const done = await completeJobWithFiles(fixture.runtime, company, ['company bytes']);
    // A job half-way: it has recorded a part, which a rerun could still replace.
    await fixture.runtime.jobs.start(first.id, 'run-1');
    await fixture.runtime.jobs.storeFile(first, 'run-1', {
      name: partFileName(first, 1),
      contentType: 'application/zip',
      partNumber: 1,
      body: Readable.from([Buffer.from('half')]),
    });
    const page = await admin.get(pagePath(exportJob.id));
    expect(page.body).toMatch(/This export is still running: 1 of 3 jobs have completed\./);
    expect(page.body).toContain('<dd id="file-count">1</dd>');
    expect(fileRows(page.body)).toHaveLength(1);
    expect(page.body).toContain(`--out dyi-export-${exportJob.id} --include-incomplete</code>`);
    const curl = await getList(admin, exportJob.id, 'curl');
    expect(curl.body).toContain('whose job has completed so far (the export is still running)');
    expect(parseCurl(curl.body).files.map((entry) => fileIdOf(entry.url))).toEqual(
      done.map((file) => file.id),
    );

    const empty = await createExport(fixture.runtime, running.community.id);
    const nothing = await admin.get(pagePath(empty.id));
    expect(nothing.body).toContain('No files yet');
    expect(nothing.body).toContain('<dd id="file-count">0</dd>');
    expect((await getList(admin, empty.id, 'wget')).body).toBe('');
    expect((await getList(admin, empty.id, 'aria2c')).body).toContain(
      'There are no files in it yet.',
    );
  });
});
