/**
 * @module
 * The published schemas: the same bytes every time, valid rows accepted, and the mistakes a
 * machine reader must be able to rely on not seeing rejected (a time without its zone, a
 * renamed field, a media object without its hash).
 */
import { describe, expect, it } from 'vitest';
import { DATA_TYPES } from '../domain/index.js';
import { dataTypeDocument, schemaEntry } from './archive-schema.js';

const media = {
  uri: 'media/m1.jpg',
  original_name: 'Zoë’s holiday 東京.jpg',
  content_type: 'image/jpeg',
  size: 10,
  sha256: 'a'.repeat(64),
  created_time: '2024-05-01T10:00:00Z',
};

const post = {
  id: 'p1',
  group: null,
  group_name: null,
  message: 'hello',
  attachments: [media],
  created_time: '2024-05-01T10:00:00Z',
};

describe('data type schemas', () => {
  it('give the same JSON Schema bytes every time, one per data type', () => {
    const paths = new Set<string>();
    for (const dataType of DATA_TYPES) {
      const entry = schemaEntry(dataType);
      expect(entry.data).toEqual(schemaEntry(dataType).data);
      const schema = JSON.parse(entry.data.toString('utf8')) as Record<string, unknown>;
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.additionalProperties).toBe(false);
      paths.add(entry.path);
    }
    expect(paths.size).toBe(DATA_TYPES.length);
  });

  it('accept a well-formed row and reject what a reader must not meet', () => {
    const posts = dataTypeDocument('POSTS_YOUR_ACTIVITY');
    expect(posts.safeParse({ your_posts: [post] }).success).toBe(true);
    const missing = { ...media, missing: true, reason: 'too large' } as Record<string, unknown>;
    delete missing.size;
    delete missing.sha256;
    delete missing.created_time;
    expect(posts.safeParse({ your_posts: [{ ...post, attachments: [missing] }] }).success).toBe(
      true,
    );
    const wrong = [
      { ...post, created_time: '2024-05-01 10:00:00' },
      { ...post, created_time: '2024-05-01T10:00:00' },
      { ...post, extra: 1 },
      { ...post, attachments: [{ ...media, sha256: undefined }] },
      { ...post, attachments: ['media/m1.jpg'] },
    ];
    for (const row of wrong) expect(posts.safeParse({ your_posts: [row] }).success).toBe(false);
    expect(posts.safeParse({}).success).toBe(false);
  });

  it('nest messages in their thread', () => {
    const thread = {
      id: 't1',
      name: null,
      participants: ['u1'],
      participant_names: ['Alice'],
      created_time: '2024-05-01T10:00:00Z',
    };
    const message = {
      id: 'm1',
      thread: 't1',
      thread_name: null,
      author: 'u1',
      author_name: 'Alice',
      text: 'hi',
      attachments: [],
      created_time: '2024-05-01T10:00:00Z',
    };
    const chats = dataTypeDocument('MESSENGER_V2');
    expect(chats.safeParse({ threads: [{ ...thread, messages: [message] }] }).success).toBe(true);
    expect(chats.safeParse({ threads: [thread] }).success).toBe(false);
    expect(chats.safeParse({ threads: [], messages: [message] }).success).toBe(false);
  });
});
