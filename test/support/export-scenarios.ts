/**
 * @module
 * Building blocks of the engine's end-to-end tests: tokens for a community made by
 * `seedCommunity`, a member whose job is large enough to be caught mid-run, a JobRunner that
 * lists the files it stored (to check they are gone after an abort), a member with many text
 * posts (for small parts), a chat where each member sends a photo of their own (for the
 * media options), what a job left in the blob store (the blob directory, or a
 * cluster's bucket), and polling a condition with a deadline instead of sleeping.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type {
  ChatMessageRecord,
  ChatThreadRecord,
  DyiFile,
  DyiJob,
  MediaRecord,
  MemberRecord,
  PostRecord,
} from '../../src/domain/index.js';
import { JobRunner, jobRunnerDeps } from '../../src/export/job-runner.js';
import { blobKeyForMedia } from '../../src/ports/blob-store.js';
import type { Runtime } from '../../src/runtime.js';
import { JobService, type NewFileContent } from '../../src/services/job-service.js';
import { expect } from 'vitest';
import type { ClusterStorage } from './cluster-storage.js';
import type { ServerProcess } from './server-process.js';

export interface CommunityTokens {
  /** read_company_data_exports only. */
  readonly readToken: string;
  /** Both permissions. */
  readonly manageToken: string;
}

/** An integration of the community with a read token and a manage token. */
export async function tokensFor(runtime: Runtime, communityId: string): Promise<CommunityTokens> {
  const integration = await runtime.access.createIntegration(communityId, { name: 'Exporter' });
  const read = await runtime.access.createToken(integration.id, ['read_company_data_exports']);
  const manage = await runtime.access.createToken(integration.id, [
    'read_company_data_exports',
    'manage_company_data_exports',
  ]);
  return { readToken: read.token, manageToken: manage.token };
}

/** The Graph calls of a test against a `dyi serve` process, with a community's tokens. */
export interface ServerGraphCalls {
  /** GET with the read token; the answer must be 200. */
  readonly getJson: <T>(server: ServerProcess, pathAndQuery: string) => Promise<T>;
  /** POST /community/work_dyi_jobs with the manage token; the new export's id. */
  readonly createExport: (
    server: ServerProcess,
    params: Readonly<Record<string, string>>,
  ) => Promise<string>;
}

/** `tokens` is read at each call: tests make them in `beforeAll`, after this is made. */
export function serverGraphCalls(tokens: () => CommunityTokens): ServerGraphCalls {
  return {
    getJson: async <T>(server: ServerProcess, pathAndQuery: string): Promise<T> => {
      const url = new URL(pathAndQuery, server.baseUrl);
      url.searchParams.set('access_token', tokens().readToken);
      const response = await fetch(url);
      const body = (await response.json()) as T;
      expect(response.status, JSON.stringify(body)).toBe(200);
      return body;
    },
    createExport: async (server, params) => {
      const response = await fetch(`${server.baseUrl}/v19.0/community/work_dyi_jobs`, {
        method: 'POST',
        body: new URLSearchParams({ ...params, access_token: tokens().manageToken }),
      });
      const body = (await response.json()) as { id: string };
      expect(response.status, JSON.stringify(body)).toBe(200);
      return body.id;
    },
  };
}

/** The Graph id of the member whose content id is `sourceId`. */
export async function memberIdOf(
  runtime: Runtime,
  communityId: string,
  sourceId: string,
): Promise<string> {
  for (const id of await runtime.metadata.members.listActiveIds(communityId)) {
    if ((await runtime.content.member(communityId, id))?.sourceId === sourceId) return id;
  }
  throw new Error(`no active member with content id ${sourceId} in community ${communityId}`);
}

/** The content record of a member, by Graph id. */
export async function memberRecordOf(
  runtime: Runtime,
  communityId: string,
  memberId: string,
): Promise<MemberRecord> {
  const member = await runtime.content.member(communityId, memberId);
  if (!member) throw new Error(`no member ${memberId} in community ${communityId}`);
  for await (const record of runtime.content.query(communityId, {
    kind: 'member',
    ids: [member.sourceId],
  })) {
    return record;
  }
  throw new Error(`member ${memberId} has no member record`);
}

export interface BulkyMemberOptions {
  /** Content id of the member. */
  readonly sourceId: string;
  /** Posts, each with one attachment. */
  readonly posts: number;
  /** Size of the one random file every attachment shows (stored once), in bytes. */
  readonly fileBytes: number;
  /** `created_time` of the posts and media, Unix seconds. */
  readonly time: number;
  /**
   * Content type of the media records; `application/octet-stream` (copied unchanged) unless
   * set. An image type makes the random file a corrupt image, which is left out.
   */
  readonly contentType?: string;
  /** The file itself, instead of `fileBytes` random bytes. */
  readonly file?: Buffer;
}

/**
 * Writes an active member with `posts` posts, each attaching its own media record of
 * `application/octet-stream` (copied unchanged at any quality) or `contentType`. All records show the same random
 * file, stored once, so the member's archive is `posts * fileBytes` of media for the cost of
 * storing one file. Returns the member's Graph id and the key of that file in the blob store.
 */
export async function addBulkyMember(
  runtime: Runtime,
  communityId: string,
  options: BulkyMemberOptions,
): Promise<{ memberId: string; blobKey: string }> {
  const bytes = options.file ?? randomBytes(options.fileBytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const blobKey = blobKeyForMedia(communityId, sha256);
  await runtime.blobs.put(blobKey, Readable.from([bytes]));
  const { sourceId, time } = options;
  const member = activeMember(sourceId, 'Bulky Member', 'bulky.example', time);
  const records: (MemberRecord | PostRecord | MediaRecord)[] = [member];
  for (let i = 1; i <= options.posts; i++) {
    const mediaId = `${sourceId}-file-${i}`;
    records.push(
      {
        type: 'media',
        id: mediaId,
        owner: sourceId,
        name: `${mediaId}.bin`,
        content_type: options.contentType ?? 'application/octet-stream',
        size: bytes.length,
        sha256,
        blob_key: blobKey,
        created_time: time,
      },
      {
        type: 'post',
        id: `${sourceId}-post-${i}`,
        author: sourceId,
        group: null,
        message: `Post ${i} with a large attachment`,
        attachments: [mediaId],
        created_time: time,
      },
    );
  }
  await runtime.content.write(communityId, records);
  return { memberId: await memberIdOf(runtime, communityId, sourceId), blobKey };
}

export interface PhotoChatSender {
  /** Content id of the member; their photo is the media `<sourceId>-photo` (a JPEG). */
  readonly sourceId: string;
  readonly name: string;
  readonly photo: Buffer;
}

/**
 * Writes one chat thread in which each sender, an active member, sends one message with a
 * photo they posted (each photo stored once, `owner` its sender). Returns the senders'
 * Graph ids, in order.
 */
export async function addPhotoChat(
  runtime: Runtime,
  communityId: string,
  senders: readonly PhotoChatSender[],
  time: number,
): Promise<string[]> {
  const thread: ChatThreadRecord = {
    type: 'chat_thread',
    id: 'photo-chat',
    name: 'Photos',
    participants: senders.map((sender) => sender.sourceId),
    created_time: time,
  };
  const people: (MemberRecord | MediaRecord)[] = [];
  const messages: ChatMessageRecord[] = [];
  for (const [i, { sourceId, name, photo }] of senders.entries()) {
    const sha256 = createHash('sha256').update(photo).digest('hex');
    const blobKey = blobKeyForMedia(communityId, sha256);
    await runtime.blobs.put(blobKey, Readable.from([photo]));
    people.push(activeMember(sourceId, name, 'photos.example', time), {
      type: 'media',
      id: `${sourceId}-photo`,
      owner: sourceId,
      name: `${name}'s photo.jpg`,
      content_type: 'image/jpeg',
      size: photo.length,
      sha256,
      blob_key: blobKey,
      created_time: time,
    });
    messages.push({
      type: 'chat_message',
      id: `photo-chat-${i + 1}`,
      thread: thread.id,
      author: sourceId,
      text: `A photo from ${name}`,
      attachments: [`${sourceId}-photo`],
      created_time: time + i,
    });
  }
  await runtime.content.write(communityId, [...people, thread, ...messages]);
  return Promise.all(senders.map(({ sourceId }) => memberIdOf(runtime, communityId, sourceId)));
}

export interface ChattyMemberOptions {
  /** Content id of the member. */
  readonly sourceId: string;
  /** Text-only posts, with ids `<sourceId>-post-1` ... */
  readonly posts: number;
  /** `created_time` of the posts, Unix seconds. */
  readonly time: number;
}

const WORDS = ['quarterly', 'roadmap', 'launch', 'team', 'review', 'customer', 'design', 'ship'];

/**
 * Writes an active member with `posts` text posts of a few hundred bytes each, made of varied
 * words so that they deflate the way real text does (to a fraction, not to nothing). Returns
 * the member's Graph id.
 */
export async function addChattyMember(
  runtime: Runtime,
  communityId: string,
  options: ChattyMemberOptions,
): Promise<string> {
  const { sourceId, time } = options;
  const records: (MemberRecord | PostRecord)[] = [
    activeMember(sourceId, 'Chatty Member', 'chatty.example', time),
  ];
  for (let i = 1; i <= options.posts; i++) {
    const words = Array.from({ length: 40 }, (_, w) => WORDS[(i * 7 + w * w) % WORDS.length]);
    records.push({
      type: 'post',
      id: `${sourceId}-post-${i}`,
      author: sourceId,
      group: null,
      message: `Post ${i} (${(i * 2654435761) % 1000003}): ${words.join(' ')}`,
      attachments: [],
      created_time: time,
    });
  }
  await runtime.content.write(communityId, records);
  return memberIdOf(runtime, communityId, sourceId);
}

/** The real JobService, keeping a list of every file it stored (removed later or not). */
class RecordingJobService extends JobService {
  readonly stored: DyiFile[] = [];

  override async storeFile(
    job: DyiJob,
    run: string,
    content: NewFileContent,
    signal?: AbortSignal,
  ): Promise<DyiFile> {
    const file = await super.storeFile(job, run, content, signal);
    this.stored.push(file);
    return file;
  }
}

/**
 * A JobRunner on the runtime's stores and limits, as a worker makes it, and the list of every
 * file it stored along the way: what a test checks is gone after an abort.
 */
export function recordingRunner(runtime: Runtime): {
  runner: JobRunner;
  stored: readonly DyiFile[];
} {
  const jobs = new RecordingJobService(runtime.metadata, runtime.blobs, runtime.clock);
  const runner = new JobRunner(jobRunnerDeps({ ...runtime, jobs }));
  return { runner, stored: jobs.stored };
}

/** Every regular file under `dir` (recursively), as paths relative to it; [] when it is absent. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** A test fixture's blob store: its data dir's `blobs/` folder, or its cluster's storage. */
export interface FixtureBlobs {
  readonly dataDir: string;
  readonly storage?: Pick<ClusterStorage, 'blobKeysUnder' | 'unfinishedWrites'>;
}

/**
 * The keys of the fixture's blobs under `prefix` (such as `exports/<export>/`), relative to
 * it: files in the blob directory, or objects in the cluster's storage.
 */
export function blobsUnder(fixture: FixtureBlobs, prefix: string): Promise<string[]> {
  return fixture.storage
    ? fixture.storage.blobKeysUnder(prefix)
    : filesUnder(path.join(fixture.dataDir, 'blobs', prefix));
}

/** Writes to the fixture's blob store begun and not finished (see `unfinishedWrites`). */
export function unfinishedBlobWrites(fixture: FixtureBlobs): Promise<string[]> {
  return fixture.storage ? fixture.storage.unfinishedWrites() : tempBlobsOnDisk(fixture.dataDir);
}

/** Uploads in progress (or left by a failed one) in the blob directory's temp folder. */
export function tempBlobsOnDisk(dataDir: string): Promise<string[]> {
  return filesUnder(path.join(dataDir, 'blobs', '.tmp'));
}

/**
 * Calls `probe` until it returns something other than undefined, every `intervalMs`; throws
 * naming `what` (and the last value seen by `describe`) once `timeoutMs` have passed.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; describe?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const last = options.describe ? ` (last seen: ${options.describe()})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** An active member with only the fields a scenario needs; the rest empty. */
function activeMember(id: string, name: string, domain: string, time: number): MemberRecord {
  return {
    type: 'member',
    id,
    name,
    email: `${id}@${domain}`,
    title: null,
    department: null,
    manager: null,
    location: null,
    phone: null,
    status: 'active',
    created_time: time,
  };
}
