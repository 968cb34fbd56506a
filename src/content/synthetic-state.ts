/**
 * @module
 * What the synthetic generator remembers across batches, and what its steps share within one.
 * `SyntheticState` keeps a few numbers per member, post, comment, event and poll (their times),
 * never the records themselves, so that memory stays bounded whatever the member count; it
 * also numbers the id sequences (`p1`, `c1` ...) and makes media records from the given files.
 */
import type { ContentRecord, MediaRecord, SurveyQuestion } from '../domain/index.js';
import type { Rng } from './rng.js';
import type { MediaFile, SyntheticCommunityOptions } from './synthetic-community.js';
import { START } from './synthetic-period.js';
import { pad } from './synthetic-text.js';

/** Times of earlier records, so that a reply never predates what it replies to. */
export interface Timeline {
  readonly posts: number[];
  readonly comments: number[];
  readonly eventCreated: number[];
  readonly eventStart: number[];
  readonly polls: number[];
  readonly pollOptions: number[];
}

/** What replies (pass B) need to know of a member made in pass A of the same batch. */
export interface BatchMember {
  readonly index: number;
  readonly id: string;
  readonly created: number;
  /** How active the member is: multiplies every per-member volume, mean 1. */
  readonly activity: number;
  readonly groups: readonly { readonly id: string; readonly since: number }[];
}

/** What the pass-A steps of one member share. */
export interface Making {
  readonly rng: Rng;
  readonly member: BatchMember;
  /** The highest member number so far: others in chats are chosen up to it. */
  readonly lastMember: number;
  readonly out: ContentRecord[];
  /** A per-member volume: `mean` scaled by the member's activity. */
  readonly n: (mean: number) => number;
  /** One of the member's groups, with chance `p`; undefined otherwise. */
  readonly inGroup: (p: number) => { readonly id: string; readonly since: number } | undefined;
}

export class SyntheticState {
  readonly options: SyntheticCommunityOptions;
  readonly #images: readonly MediaFile[];
  readonly #documents: readonly MediaFile[];
  /** Created time of each member, at member number - 1. */
  readonly memberCreated: number[] = [];
  /** Index in DEPARTMENTS of each member (-1 for the chief executive), at member number - 1. */
  readonly memberDepartment: number[] = [];
  readonly groups: { readonly id: string; readonly created: number }[] = [];
  /** Groups each creator made (and so is an admin of): member id → [group id, time][]. */
  readonly founded = new Map<string, [string, number][]>();
  readonly time: Timeline = {
    posts: [],
    comments: [],
    eventCreated: [],
    eventStart: [],
    polls: [],
    pollOptions: [],
  };
  readonly surveys: { id: string; created: number; questions: readonly SurveyQuestion[] }[] = [];
  /** Next number of each id sequence (`p1`, `c1` ...). */
  readonly #next = new Map<string, number>();
  articlesMade = 0;

  constructor(options: SyntheticCommunityOptions) {
    this.options = options;
    this.#images = options.files.filter((f) => f.contentType.startsWith('image/'));
    const others = options.files.filter((f) => !f.contentType.startsWith('image/'));
    if (this.#images.length === 0) throw new Error('synthetic media need at least one image');
    this.#documents = others.length > 0 ? others : this.#images;
  }

  id(prefix: string): string {
    const n = (this.#next.get(prefix) ?? 0) + 1;
    this.#next.set(prefix, n);
    return `${prefix}${n}`;
  }

  created(memberIndex: number): number {
    return this.memberCreated[memberIndex - 1] ?? START;
  }

  /** `count` media records of one owner, all created at `time`; returns their ids. */
  media(
    rng: Rng,
    owner: string,
    time: number,
    count: number,
    out: ContentRecord[],
    isDocument = false,
  ): string[] {
    const ids: string[] = [];
    for (let k = 0; k < count; k++) {
      const file = rng.pick(isDocument ? this.#documents : this.#images);
      const id = this.id('md');
      const media: MediaRecord = {
        type: 'media',
        id,
        owner,
        name: file.contentType.startsWith('image/')
          ? `IMG_${pad(1 + rng.int(9999), 4)}.jpg`
          : file.name,
        content_type: file.contentType,
        size: file.size,
        sha256: file.sha256,
        blob_key: file.blobKey,
        created_time: time,
      };
      out.push(media);
      ids.push(id);
    }
    return ids;
  }
}
