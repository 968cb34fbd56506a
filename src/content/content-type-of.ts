/**
 * @module
 * The content type a media line gets when it names none: guessed from the file's extension,
 * for the few kinds of file a community export holds, else `application/octet-stream`.
 */
import path from 'node:path';

/** Content types by file extension, for media lines without `content_type`. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.posix.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
