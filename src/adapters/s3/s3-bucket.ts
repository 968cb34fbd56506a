/**
 * @module
 * One bucket seen through one S3 client, with every request's failure turned into ours
 * (`s3-errors.ts`): the few object operations the blob store and its clean-up share (head,
 * list, put an empty object, delete one or many), so that each of them reads as what it does.
 */
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { fromS3Error, isMissingObject, type S3Location } from './s3-errors.js';
import { deleteObjects, hasObjectsUnder, listObjects, type ListedObject } from './s3-listing.js';

/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;

export class S3Bucket {
  constructor(
    readonly client: S3Client,
    readonly location: S3Location,
  ) {}

  get name(): string {
    return this.location.bucket;
  }

  /** Runs one request, with its failure turned into ours. */
  async send<T>(request: (client: S3Client, bucket: string) => Promise<T>): Promise<T> {
    try {
      return await request(this.client, this.name);
    } catch (error) {
      throw fromS3Error(error, this.location);
    }
  }

  /** Size and time of an object, or undefined when there is none under the key. */
  async head(key: string): Promise<{ size: number; modifiedMs: number } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key }));
      return { size: head.ContentLength ?? 0, modifiedMs: head.LastModified?.getTime() ?? 0 };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw fromS3Error(error, this.location);
    }
  }

  /** Every object whose key starts with `prefix`, page by page. */
  async *list(prefix: string): AsyncGenerator<ListedObject> {
    try {
      yield* listObjects(this.client, this.name, prefix);
    } catch (error) {
      throw fromS3Error(error, this.location);
    }
  }

  hasObjectsUnder(prefix: string): Promise<boolean> {
    return this.send((client, bucket) => hasObjectsUnder(client, bucket, prefix));
  }

  async putEmpty(key: string): Promise<void> {
    await this.send((client, Bucket) =>
      client.send(new PutObjectCommand({ Bucket, Key: key, Body: '', ContentLength: 0 })),
    );
  }

  /** Deletes one object; a missing one is not an error. */
  async delete(key: string): Promise<void> {
    await this.send((client, Bucket) => client.send(new DeleteObjectCommand({ Bucket, Key: key })));
  }

  /** Deletes every key given, in batches of DeleteObjects. */
  async deleteAll(keys: AsyncIterable<string> | Iterable<string>): Promise<void> {
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      const keys = batch;
      batch = [];
      if (keys.length > 0) await this.send((client, bucket) => deleteObjects(client, bucket, keys));
    };
    for await (const key of keys) {
      batch.push(key);
      if (batch.length === DELETE_BATCH) await flush();
    }
    await flush();
  }
}
