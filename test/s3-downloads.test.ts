/**
 * @module
 * Files kept in S3 (a real OpenStack Swift) reach clients both ways `DYI_DOWNLOAD_URLS` allows:
 * `api`, this server's signed URL streaming the object (ranges included), and `presigned`, a
 * presigned GET of the object itself. Either way the bytes fetched hash to the file's sha256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeJobWithFiles,
  createExport,
  graph,
  jobsOf,
  type ListeningFixture,
  seedCommunity,
  startListeningFixture,
} from './support/graph-fixture.js';
import { swiftSkipReason, type TestS3, testSwift } from './support/swift.js';

const skip = await swiftSkipReason();
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe.skipIf(skip !== undefined)('downloads of files kept in S3', () => {
  let s3: TestS3;
  let bucket: string;
  const fixtures: ListeningFixture[] = [];

  beforeAll(async () => {
    s3 = await testSwift();
    bucket = await s3.createBucket();
  }, 200_000);

  afterAll(async () => {
    for (const fixture of fixtures) await fixture.close();
    await s3?.removeBucket(bucket);
  });

  async function serverWithFile(mode: 'api' | 'presigned', bytes: Buffer) {
    const fixture = await startListeningFixture({
      blobStore: `s3://${bucket}/${mode}`,
      s3Endpoint: s3.endpoint,
      s3ForcePathStyle: 'true',
      s3AccessKeyId: s3.credentials.accessKeyId,
      s3SecretAccessKey: s3.credentials.secretAccessKey,
      downloadUrls: mode,
    });
    fixtures.push(fixture);
    const { community, readToken } = await seedCommunity(fixture.runtime, 'Bucket Co', 1);
    const exportJob = await createExport(fixture.runtime, community.id);
    const [company] = await jobsOf(fixture.runtime, exportJob.id);
    if (!company) throw new Error('no company job');
    const [file] = await completeJobWithFiles(fixture.runtime, company, [bytes]);
    if (!file) throw new Error('no file');
    const listed = await graph(
      fixture.app,
      'GET',
      `/${company.id}/files?fields=id,download_url,sha256`,
      {
        token: readToken,
      },
    );
    const [entry] = listed.body.data as { id: string; download_url: string; sha256: string }[];
    if (!entry) throw new Error('no file listed');
    return { fixture, entry };
  }

  it('api: the server streams the object, whole and by range', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const { fixture, entry } = await serverWithFile('api', bytes);
    expect(entry.download_url.startsWith(`${fixture.baseUrl}/dyi-files/`)).toBe(true);
    const whole = await fetch(entry.download_url);
    expect(whole.status).toBe(200);
    expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(entry.sha256);
    expect(entry.sha256).toBe(sha256(bytes));
    const range = await fetch(entry.download_url, { headers: { range: 'bytes=1000-1999' } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(bytes.subarray(1000, 2000));
  });

  it('presigned: download_url is the object store itself, and it serves the same bytes', async () => {
    const bytes = randomBytes(1024 * 1024 + 5);
    const { entry } = await serverWithFile('presigned', bytes);
    expect(entry.download_url.startsWith(`${s3.endpoint}/${bucket}/presigned/exports/`)).toBe(true);
    expect(new URL(entry.download_url).searchParams.get('X-Amz-Expires')).toBe('3600');
    const response = await fetch(entry.download_url);
    expect(response.status).toBe(200);
    expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(entry.sha256);
    expect(entry.sha256).toBe(sha256(bytes));
    const tampered = entry.download_url.replace('X-Amz-Expires=3600', 'X-Amz-Expires=7200');
    expect((await fetch(tampered)).status).toBe(403);
  });
});
