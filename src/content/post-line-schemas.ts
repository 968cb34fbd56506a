/**
 * @module
 * Line schemas of what members write and attach: posts, comments, reactions, chat threads and
 * messages, and media. A media line names a `file` next to the NDJSON file instead of size,
 * SHA-256 and blob key; its name and content type default to the file's.
 */
import path from 'node:path';
import { z } from 'zod';
import { REACTION_TARGETS, REACTION_TYPES } from '../domain/index.js';
import { contentTypeOf } from './content-type-of.js';
import { describeValue } from './describe-value.js';
import {
  id,
  idList,
  longText,
  nonEmptyText,
  optionalId,
  optionalText,
  shortText,
  time,
} from './field-schemas.js';
import type { LineSchemas } from './import-line.js';

/** Lexical checks only: whether the file exists is the importer's to find out. */
const mediaPath = shortText.min(1).superRefine((file, context) => {
  if (path.posix.isAbsolute(file) || path.win32.isAbsolute(file)) {
    context.addIssue({
      code: 'custom',
      message: `must be a path relative to the media folder (the NDJSON file's folder, or --media-root), not the absolute path ${describeValue(file)}`,
    });
  } else if (path.posix.normalize(file.replaceAll('\\', '/')).split('/')[0] === '..') {
    context.addIssue({
      code: 'custom',
      message: `must stay inside the media folder (the NDJSON file's folder, or --media-root); ${describeValue(file)} leads out of it with ".."`,
    });
  }
});

export const POST_LINE_SCHEMAS = {
  post: z.strictObject({
    type: z.literal('post'),
    id,
    author: id,
    group: optionalId,
    message: longText,
    attachments: idList,
    created_time: time,
  }),
  comment: z.strictObject({
    type: z.literal('comment'),
    id,
    post: id,
    author: id,
    message: longText,
    attachments: idList,
    created_time: time,
  }),
  reaction: z
    .strictObject({
      type: z.literal('reaction'),
      id: id.optional(),
      target_type: z.enum(REACTION_TARGETS),
      target: id,
      author: id,
      reaction: z.enum(REACTION_TYPES),
      created_time: time,
    })
    .transform((line) => ({
      ...line,
      id: line.id ?? `${line.target_type}:${line.target}:${line.author}`,
    })),
  chat_thread: z.strictObject({
    type: z.literal('chat_thread'),
    id,
    name: optionalText,
    participants: idList,
    created_time: time,
  }),
  chat_message: z.strictObject({
    type: z.literal('chat_message'),
    id,
    thread: id,
    author: id,
    text: longText,
    attachments: idList,
    created_time: time,
  }),
  media: z
    .strictObject({
      type: z.literal('media'),
      id,
      owner: id,
      file: mediaPath,
      name: nonEmptyText.optional(),
      content_type: shortText
        .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type such as image/jpeg')
        .optional(),
      created_time: time,
    })
    .transform((line) => ({
      ...line,
      name: line.name ?? path.posix.basename(line.file.replaceAll('\\', '/')),
      content_type: line.content_type ?? contentTypeOf(line.file),
    })),
} satisfies LineSchemas<'post' | 'comment' | 'reaction' | 'chat_thread' | 'chat_message' | 'media'>;
