/**
 * @module
 * Paths inside DYI archives, made in one place so that the HTML pages, the JSON files and the
 * media entries agree, and the archives' own file names. Ids come from imported content, so every segment is reduced to a safe
 * set of characters: no `..`, no separators, nothing a zip tool could misread.
 */
import type { DataType, MediaRecord } from '../domain/index.js';
import { nameSlug } from './name-slug.js';

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'video/mp4': '.mp4',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
};

/** A path segment made of `[a-z0-9_.-]`, never starting with a dot, at most 100 characters. */
export function safeSegment(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 100);
  return cleaned === '' ? '_' : cleaned;
}

/** The folder of a data type's files, e.g. `posts_your_activity`. */
export function dataTypeFolder(dataType: DataType): string {
  return safeSegment(dataType);
}

/** Where a media item's bytes are in the archive, e.g. `media/p42_img.jpg`. */
export function mediaPath(media: Pick<MediaRecord, 'id' | 'name' | 'content_type'>): string {
  const extension =
    EXTENSIONS[media.content_type] ??
    /(\.[a-z0-9]{1,8})$/i.exec(media.name)?.[1]?.toLowerCase() ??
    '';
  const base = safeSegment(media.id);
  return `media/${base}${base.endsWith(extension) ? '' : extension}`;
}

/** Whose archive a part is: the company's (no user), or a member's, by id and name. */
export interface PartOwner {
  readonly userId: string | null;
  /** The member's name; a slug of it follows the id (`nameSlug`). */
  readonly memberName?: string | null;
}

/**
 * The file name of a job's part: `company-part-1.zip`, or for a member
 * `user-100000000000002-zoe-olund-part-1.zip` (id, then a slug of the name, which is left out
 * when the name gives none, e.g. `user-100000000000002-part-1.zip` for `山田太郎`).
 */
export function partFileName(owner: PartOwner, partNumber: number): string {
  if (owner.userId === null) return `company-part-${partNumber}.zip`;
  const slug = nameSlug(owner.memberName ?? '');
  const who = `user-${safeSegment(owner.userId)}${slug === '' ? '' : `-${slug}`}`;
  return `${who}-part-${partNumber}.zip`;
}
