/**
 * `dyi admin create|password|list` in real processes: the password comes from stdin (never an
 * argument), bad input is refused with a message that says what is allowed, and the account
 * it makes signs in to the panel.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openRuntime } from '../src/runtime.js';
import { runDyi } from './support/dyi-cli.js';

let dataDir: string;
let communityId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-admin-cli-'));
  const created = await runDyi(['community', 'create', '--name', 'Acme', '--data-dir', dataDir]);
  expect(created.code, created.stderr).toBe(0);
  communityId = created.stdout.trim().split(/\s+/)[0] ?? '';
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const admin = (args: string[], input?: string) =>
  runDyi(['admin', ...args, '--data-dir', dataDir], {}, input);

describe('dyi admin', () => {
  it('creates an admin whose password then signs in', async () => {
    const created = await admin(
      ['create', '--email', 'Ops@Acme.example', '--password-stdin'],
      'a long enough password\n',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`Created admin ops@acme.example of community ${communityId}`);

    const listed = await admin(['list']);
    expect(listed.stdout).toMatch(/^\d+\tops@acme\.example$/m);

    const runtime = await openRuntime(loadConfig({}, { dataDir, signInFailureDelayMs: 0 }));
    try {
      const { session } = await runtime.admins.signIn(
        'ops@acme.example',
        'a long enough password',
        '127.0.0.1',
      );
      expect(session.admin.communityId).toBe(communityId);
    } finally {
      await runtime.close();
    }
  });

  it('refuses a short password, saying how long one must be', async () => {
    const refused = await admin(
      ['create', '--email', 'b@acme.example', '--password-stdin'],
      'short\n',
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('A password must have 12 to 1024 characters (it has 5)');
    expect((await admin(['list'])).stdout).not.toContain('b@acme.example');
  });

  it('refuses an email that is taken, and one that is not an email', async () => {
    const taken = await admin(
      ['create', '--email', 'ops@acme.example', '--password-stdin'],
      'another long password\n',
    );
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('An admin with the email ops@acme.example exists already.');
    const malformed = await admin(
      ['create', '--email', 'not-an-email', '--password-stdin'],
      'another long password\n',
    );
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('"not-an-email" is not an email address');
  });

  it('asks for --password-stdin when there is no terminal to prompt on', async () => {
    const refused = await admin(['create', '--email', 'c@acme.example']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pipe it in with --password-stdin');
  });

  it('sets a new password', async () => {
    const set = await admin(
      ['password', '--email', 'ops@acme.example', '--password-stdin'],
      'the new long password\n',
    );
    expect(set.code, set.stderr).toBe(0);
    const runtime = await openRuntime(loadConfig({}, { dataDir, signInFailureDelayMs: 0 }));
    try {
      await expect(
        runtime.admins.signIn('ops@acme.example', 'a long enough password', '127.0.0.1'),
      ).rejects.toThrow('Wrong email or password.');
      await expect(
        runtime.admins.signIn('ops@acme.example', 'the new long password', '127.0.0.1'),
      ).resolves.toBeDefined();
    } finally {
      await runtime.close();
    }
  });
});
