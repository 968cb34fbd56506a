/**
 * @module
 * `dyi member find`, run as a person would: members imported into a data directory are found
 * by email (whatever its case) or by import id, whatever their status, and a search that finds
 * no one says so and exits 2.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDyi } from './support/dyi-cli.js';

const T = 1714555800;
const MEMBERS = [
  { type: 'member', id: 'm1', name: 'Ann Lee', email: 'ann@acme.example', created_time: T },
  {
    type: 'member',
    id: 'm2',
    name: 'Fran Former',
    email: 'Fran.Former@Acme.example',
    status: 'deactivated',
    created_time: T,
  },
];

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-member-'));
  const file = path.join(dataDir, 'members.ndjson');
  await writeFile(file, MEMBERS.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const made = await runDyi(['community', 'create', '--name', 'Acme', '--data-dir', dataDir]);
  expect(made.code, made.stderr).toBe(0);
  const imported = await runDyi(['import', file, '--data-dir', dataDir]);
  expect(imported.code, imported.stderr).toBe(0);
});

afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('dyi member find', () => {
  it('finds a deactivated member by email in any case, and by import id', async () => {
    const byEmail = await runDyi([
      'member',
      'find',
      '--email',
      'FRAN.former@acme.EXAMPLE',
      '--data-dir',
      dataDir,
    ]);
    expect(byEmail).toMatchObject({ code: 0, stderr: '' });
    const lines = byEmail.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const [id, name, email, status, importId] = lines[0]?.split('\t') ?? [];
    expect(id).toMatch(/^\d{15}$/);
    expect({ name, email, status, importId }).toEqual({
      name: 'Fran Former',
      email: 'Fran.Former@Acme.example',
      status: 'deactivated',
      importId: 'm2',
    });

    const byImportId = await runDyi(['member', 'find', '--import-id', 'm2', '--data-dir', dataDir]);
    expect(byImportId).toMatchObject({ code: 0, stdout: byEmail.stdout });
  });

  it('says when no member has the email, and exits 2', async () => {
    const run = await runDyi([
      'member',
      'find',
      '--email',
      'nobody@acme.example',
      '--data-dir',
      dataDir,
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no member with email nobody@acme.example');
  });

  it('asks for exactly one of --email and --import-id', async () => {
    const run = await runDyi(['member', 'find', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('exactly one of --email or --import-id');
  });

  it('is listed in dyi --help', async () => {
    const help = await runDyi(['--help']);
    expect(help.stdout).toMatch(/member\s+find community members/);
  });
});
