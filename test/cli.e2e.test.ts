/**
 * The `dyi` command line as a person uses it, in real processes: make a community and tokens,
 * start an export, serve on a free port, and revoke a token while the server runs.
 */
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDyi, spawnDyi } from './support/dyi-cli.js';

/**
 * Starts `dyi serve` and resolves once it has printed its banner. The default wait is most of
 * a test's 60 s: on a loaded 2-core machine (the whole suite beside other work) a start has
 * taken over 20 s.
 */
function serve(
  args: string[],
  timeoutMs = 45_000,
): Promise<{ child: ChildProcess; banner: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnDyi(['serve', '--port', '0', ...args], { DYI_LOG_LEVEL: 'silent' });
    let banner = '';
    const timer = setTimeout(() => {
      // The test fails; the server must not outlive it.
      child.kill('SIGKILL');
      reject(new Error(`serve printed no banner: ${banner}`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      if (banner.includes('\n\n', banner.indexOf('serving'))) {
        clearTimeout(timer);
        resolve({ child, banner });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${banner}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-cli-'));
});

afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('dyi', () => {
  it('creates a community, tokens and an export, and serves them', async () => {
    const community = await runDyi([
      'community',
      'create',
      '--name',
      'Acme',
      '--data-dir',
      dataDir,
    ]);
    expect(community).toMatchObject({ code: 0, stderr: '' });
    expect(community.stdout).toMatch(/^\d{15}\n$/);
    const communityId = community.stdout.trim();

    const token = await runDyi(
      ['token', 'create', '--permission', 'read_company_data_exports,manage_company_data_exports'],
      { DYI_DATA_DIR: dataDir },
    );
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^DYI1[A-Za-z0-9_-]{43}\n$/);
    const secret = token.stdout.trim();

    const made = await runDyi([
      'export',
      'create',
      '--data-dir',
      dataDir,
      '--data-types',
      'ALL',
      '--dyi-format',
      'CSV',
      '--start-time',
      '2026-01-01',
    ]);
    expect(made.code).toBe(0);
    const exportId = made.stdout.trim();
    const withOptions = await runDyi([
      'export',
      'create',
      '--data-dir',
      dataDir,
      '--data-types',
      'MESSENGER_V2',
      '--media-quality',
      'VERY_HIGH',
      '--keep-original-media',
      '--withhold-others-media',
      '--name',
      ' Q1 legal hold ',
    ]);
    expect(withOptions.code).toBe(0);

    const { child, banner } = await serve(['--data-dir', dataDir]);
    try {
      expect(banner).not.toContain('DYI1');
      const base = /serving the Graph API at (\S+)/.exec(banner)?.[1] ?? '';
      expect(base).toMatch(/^http:\/\/localhost:\d+$/);
      const response = await fetch(`${base}/${exportId}?fields=dyi_format,data_types`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { dyi_format: string; data_types: string[] };
      expect(body.dyi_format).toBe('CSV');
      expect(body.data_types).toHaveLength(18);
      const options = await fetch(
        `${base}/${withOptions.stdout.trim()}?fields=media_quality,keep_original_media,withhold_others_media,name`,
        { headers: { authorization: `Bearer ${secret}` } },
      );
      expect(await options.json()).toMatchObject({
        media_quality: 'VERY_HIGH',
        keep_original_media: true,
        withhold_others_media: true,
        name: 'Q1 legal hold',
      });
      const community = await fetch(`${base}/community?access_token=${secret}`);
      expect(((await community.json()) as { id: string }).id).toBe(communityId);

      const revoke = await runDyi(['token', 'revoke', secret, '--data-dir', dataDir]);
      expect(revoke.code).toBe(0);
      const refused = await fetch(`${base}/community?access_token=${secret}`);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: { code: number } }).error.code).toBe(190);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  }, 60_000);

  it('makes a demo community with a working curl command on an empty data dir', async () => {
    const fresh = await mkdtemp(path.join(tmpdir(), 'dyi-demo-'));
    // The demo seeds 50 members and runs their export before the banner: allow for a busy CI.
    const { child, banner } = await serve(['--data-dir', fresh], 150_000);
    try {
      expect(banner).toContain('Created the demo community "Demo Community"');
      const curl = /curl '([^']+)'/.exec(banner)?.[1] ?? '';
      const response = await fetch(curl);
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        data: { id: string; is_completed: boolean; company_job: { id: string } }[];
      };
      expect(body.data).toHaveLength(1);
      expect(body.data[0]?.company_job.id).toMatch(/^\d+$/);
      // Ready means ready: the export is complete, and its first user job has files.
      expect(body.data[0]?.is_completed).toBe(true);
      const token = new URL(curl).searchParams.get('access_token') ?? '';
      const origin = new URL(curl).origin;
      const jobs = (await (
        await fetch(
          `${origin}/${body.data[0]?.id}/user_dyi_jobs?limit=1&fields=id,job_state,files{file_size}&access_token=${token}`,
        )
      ).json()) as { data: { job_state: string; files: { data: { file_size: number }[] } }[] };
      expect(jobs.data[0]?.job_state).toBe('COMPLETED');
      expect(jobs.data[0]?.files.data[0]?.file_size).toBeGreaterThan(0);

      // The admin sign-in it printed opens the panel.
      const [, email = '', password = ''] =
        /sign in as (\S+) with the password (\S+)/.exec(banner) ?? [];
      expect(banner).toContain(`Admin panel: ${origin}/admin`);
      const form = await fetch(`${origin}/admin/sign-in`);
      const formCookie = /dyi_admin_form=[^;]+/.exec(form.headers.get('set-cookie') ?? '')?.[0];
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
      const signedIn = await fetch(`${origin}/admin/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: formCookie ?? '',
        },
        body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
      });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('location')).toBe('/admin/exports');
      expect(signedIn.headers.get('set-cookie')).toMatch(/dyi_admin_session=[\w-]+/);
    } finally {
      await stop(child);
      await rm(fresh, { recursive: true, force: true });
    }
  }, 180_000);

  it('stops gracefully on a Ctrl-C that arrives twice (as under npm start)', async () => {
    const { child } = await serve(['--no-demo', '--data-dir', dataDir]);
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.removeAllListeners('exit');
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.on('exit', (code, signal) => resolve([code, signal])),
    );
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 5));
    child.kill('SIGINT');
    expect(await exited).toEqual([0, null]);
    expect(log).toContain('SIGINT: finishing work in flight, then stopping');
    expect(log).toMatch(/\nStopped\.\n$/);
  }, 60_000);

  it('stops gracefully on SIGTERM as soon as it listens, while its demo export still runs', async () => {
    const fresh = await mkdtemp(path.join(tmpdir(), 'dyi-cli-early-stop-'));
    try {
      const child = spawnDyi(['serve', '--port', '0', '--data-dir', fresh], {
        DYI_LOG_LEVEL: 'info',
        DYI_LOG_FORMAT: 'json',
      });
      let stdout = '';
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<[number | null, string | null]>((resolve) =>
        child.on('exit', (code, signal) => resolve([code, signal])),
      );
      // The server listens (and takes traffic) before the demo export is done and the banner
      // printed: a load balancer or a person may stop it from then on.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listen line: ${stdout}`)), 60_000);
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('Server listening at')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill('SIGTERM');
      expect(await exited).toEqual([0, null]);
      expect(stdout).not.toContain('serving');
      expect(stderr).toContain('SIGTERM: finishing work in flight, then stopping');
      expect(stderr).toMatch(/\nStopped\.\n$/);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs a waiting export with `dyi worker`, and stops on SIGTERM', async () => {
    const fresh = await mkdtemp(path.join(tmpdir(), 'dyi-worker-'));
    try {
      const seeded = await runDyi(['seed', '--users', '3', '--data-dir', fresh]);
      expect(seeded.code).toBe(0);
      const made = await runDyi([
        'export',
        'create',
        '--data-types',
        'ALL',
        '--dyi-format',
        'JSON',
        '--media-quality',
        'VERY_LOW',
        '--data-dir',
        fresh,
      ]);
      expect(made.code).toBe(0);
      const worker = spawnDyi(['worker', '--threads', '1', '--data-dir', fresh], {
        DYI_LOG_LEVEL: 'silent',
      });
      let log = '';
      worker.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
      const deadline = Date.now() + 90_000;
      // Company job plus 3 members at most: wait until each has reported COMPLETED.
      while ((log.match(/ COMPLETED/g) ?? []).length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(log).toContain('dyi worker: 1 thread');
      expect(log).toMatch(/job \d+ COMPLETED/);
      expect(await stop(worker)).toBe(0);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  }, 120_000);

  it('creates an integration that requires appsecret_proof, and tokens of it', async () => {
    const created = await runDyi([
      'integration',
      'create',
      '--name',
      'Archiver',
      '--require-appsecret-proof',
      '--data-dir',
      dataDir,
    ]);
    expect(created.code).toBe(0);
    const appId = /^app_id=(\d+)$/m.exec(created.stdout)?.[1] ?? '';
    const appSecret = /^app_secret=([0-9a-f]{32})$/m.exec(created.stdout)?.[1] ?? '';
    const token = await runDyi([
      'token',
      'create',
      '--integration',
      appId,
      '--permission',
      'read_company_data_exports',
      '--data-dir',
      dataDir,
    ]);
    const secret = token.stdout.trim();
    const listed = await runDyi(['integration', 'list', '--data-dir', dataDir]);
    expect(listed.stdout).toContain(`${appId}\tproof-required\tArchiver`);

    const { child, banner } = await serve(['--data-dir', dataDir]);
    try {
      const base = /serving the Graph API at (\S+)/.exec(banner)?.[1] ?? '';
      const without = await fetch(`${base}/community?access_token=${secret}`);
      expect(without.status).toBe(400);
      const proof = createHmac('sha256', appSecret).update(secret).digest('hex');
      const withProof = await fetch(
        `${base}/community?access_token=${secret}&appsecret_proof=${proof}`,
      );
      expect(withProof.status).toBe(200);
      await runDyi(['integration', 'require-proof', appId, 'off', '--data-dir', dataDir]);
      expect((await fetch(`${base}/community?access_token=${secret}`)).status).toBe(200);
    } finally {
      await stop(child);
    }
  }, 60_000);

  it('explains bad input with exit code 2', async () => {
    const badPermission = await runDyi([
      'token',
      'create',
      '--permission',
      'admin',
      '--data-dir',
      dataDir,
    ]);
    expect(badPermission.code).toBe(2);
    expect(badPermission.stderr).toContain(
      'read_company_data_exports, manage_company_data_exports',
    );
    const badFormat = await runDyi([
      'export',
      'create',
      '--data-dir',
      dataDir,
      '--data-types',
      'POSTS_YOUR_ACTIVITY',
      '--dyi-format',
      'PDF',
    ]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain(
      'dyi_format must be one of JSON, HTML, NONE, HTML_AND_JSON, CSV',
    );
    const originalsAtHigh = await runDyi([
      'export',
      'create',
      '--data-dir',
      dataDir,
      '--data-types',
      'POSTS_YOUR_ACTIVITY',
      '--keep-original-media',
    ]);
    expect(originalsAtHigh.code).toBe(2);
    expect(originalsAtHigh.stderr).toContain(
      'needs media_quality=VERY_HIGH; got media_quality=HIGH',
    );
    const createHelp = await runDyi(['export', 'create', '--help']);
    expect(createHelp.stdout).toMatch(/--keep-original-media[\s\S]*VERY_HIGH/);
    expect(createHelp.stdout).toContain('--withhold-others-media');
    const help = await runDyi(['--help']);
    expect(help.stdout).toContain('serve');
    expect(help.stdout).toContain('export');
  }, 60_000);
});
