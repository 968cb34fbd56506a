/**
 * The spec's Python sample is read from outside this repository: where it is missing (a fresh
 * clone), the tests that run it skip and say why, and fail under DYI_REQUIRE_SERVICES=1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireSpecSample } from './python-sample.js';

let dir: string;
let missing: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dyi-no-spec-'));
  missing = path.join(dir, 'seed', 'dyi-export-api.txt');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the spec sample tests without the spec', () => {
  it('skip, naming the missing file', async () => {
    const notes: string[] = [];
    await requireSpecSample(
      { skip: (note) => notes.push(note ?? '') },
      { spec: missing, requireServices: false },
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(missing);
    expect(notes[0]).toContain('not there');
  });

  it('fail under DYI_REQUIRE_SERVICES=1', async () => {
    const notes: string[] = [];
    await expect(
      requireSpecSample(
        { skip: (note) => notes.push(note ?? '') },
        { spec: missing, requireServices: true },
      ),
    ).rejects.toThrow(/DYI_REQUIRE_SERVICES=1 but .*dyi-export-api\.txt/);
    expect(notes).toHaveLength(0);
  });
});
