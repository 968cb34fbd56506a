/**
 * @module
 * Every entry of a zip held in memory, in the order the archive lists them, with its bytes
 * (read and CRC-checked by yauzl) and whether it was deflated or stored: what a bench needs to
 * write the same entries again with other code.
 */
import { buffer } from 'node:stream/consumers';
import yauzl from 'yauzl';

export interface ZipEntry {
  readonly path: string;
  readonly data: Buffer;
  /** Compression method 8 (deflate); false for 0 (stored). */
  readonly deflated: boolean;
}

export async function zipEntries(bytes: Buffer): Promise<ZipEntry[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, opened) =>
      error ? reject(error) : resolve(opened),
    ),
  );
  const entries: ZipEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        buffer(stream).then((data) => {
          entries.push({ path: entry.fileName, data, deflated: entry.compressionMethod === 8 });
          zip.readEntry();
        }, reject);
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}
