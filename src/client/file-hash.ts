/**
 * @module
 * SHA-256 of files on disk, streamed in 1 MiB reads: to check a finished file on a rerun, and
 * to seed the running hash with a `.part` file's bytes before a download resumes, so that every
 * byte is hashed exactly once however many attempts a file takes.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const READ_SIZE = 1024 * 1024;

/** Feeds the file's bytes into `hash`; resolves with how many there were. */
export async function hashInto(hash: Hash, file: string): Promise<number> {
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: READ_SIZE })) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
  }
  return bytes;
}

/** Lower-case hex SHA-256 of a file, or undefined when it cannot be read. */
export async function sha256OfFile(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    await hashInto(hash, file);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}
