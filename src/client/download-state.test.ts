/**
 * The state file's deferred writes: every change reaches the disk by `save()`, and a stream of
 * changes (a run finishing many small files) is written about once per delay, not once per
 * change nor back to back while changes keep coming.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DownloadState } from './download-state.js';

let out: string;

beforeEach(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'dyi-state-'));
});

afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

function finish(state: DownloadState, index: number): void {
  state.markFinished({
    exportId: 'e',
    jobId: `j${index}`,
    fileId: `f${index}`,
    path: `e/user-${index}/part-1.zip`,
    size: index,
    sha256: 'a'.repeat(64),
    etag: `"${index}"`,
  });
}

describe('DownloadState', () => {
  it('holds every change made before save() once it resolves', async () => {
    const state = await DownloadState.open(out);
    for (let index = 0; index < 500; index++) finish(state, index);
    state.markPartial('p', { path: 'e/user-p/part-1.zip', etag: '"p"' });
    await state.save();
    const reread = await DownloadState.open(out);
    expect(reread.finished('f499')).toMatchObject({ size: 499, etag: '"499"' });
    expect(reread.partial('p')).toEqual({ path: 'e/user-p/part-1.zip', etag: '"p"' });
  });

  it('writes a steady stream of changes about once per 250 ms, not back to back', async () => {
    const state = await DownloadState.open(out);
    const started = performance.now();
    // 700 ms of changes, one every millisecond or so, as a run of small files makes them.
    for (let index = 0; performance.now() - started < 700; index++) {
      finish(state, index);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await state.save();
    // Deferred writes at about 250 and 500 ms (later when writes are slow), then the final one.
    expect(state.writes).toBeGreaterThanOrEqual(1);
    expect(state.writes).toBeLessThanOrEqual(4);
  });
});
