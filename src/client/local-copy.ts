/**
 * @module
 * Whether a file is already downloaded: its copy on disk has the size and sha256 the state file
 * recorded (and the server still lists the same size and hash). The local copy is hashed every
 * time, because a rerun must notice a file changed or damaged since. A copy the state file does
 * not know (the state was lost, or a run was killed between the rename and the state write) is
 * adopted when it matches the server's sha256. Anything else is fetched again.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { DownloadState } from './download-state.js';
import type { ExportFile } from './export-files.js';
import { sha256OfFile } from './file-hash.js';

/** The sha256 of a verified local copy, or undefined when the file must be fetched. */
export async function localCopyOf(
  file: ExportFile,
  relativePath: string,
  outDir: string,
  state: DownloadState,
): Promise<string | undefined> {
  const local = path.join(outDir, relativePath);
  const size = sizeOnDisk(local);
  const recorded = state.finished(file.fileId);
  const expected =
    recorded !== undefined && recorded.path === relativePath && recorded.size === file.size
      ? recorded.sha256
      : file.sha256;
  const serverAgrees = file.sha256 === undefined || file.sha256 === expected;
  if (size !== file.size || expected === undefined || !serverAgrees) {
    if (recorded !== undefined) state.forget(file.fileId);
    return undefined;
  }
  const actual = await sha256OfFile(local);
  if (actual !== expected) {
    if (recorded !== undefined) state.forget(file.fileId);
    return undefined;
  }
  if (recorded === undefined || recorded.sha256 !== actual || recorded.path !== relativePath) {
    state.markFinished({
      exportId: file.exportId,
      jobId: file.jobId,
      fileId: file.fileId,
      path: relativePath,
      size: file.size,
      sha256: actual,
    });
  }
  return actual;
}

/**
 * Bytes of a regular file, -1 when there is none to read. Synchronous, like every file-system
 * call of a download (see file-download.ts).
 */
function sizeOnDisk(file: string): number {
  try {
    // No exception for a missing file, the usual case of a first run (see file-download.ts).
    const info = statSync(file, { throwIfNoEntry: false });
    return info?.isFile() === true ? info.size : -1;
  } catch {
    return -1;
  }
}
