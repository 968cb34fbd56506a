/**
 * @module
 * Compares the archives of two exports of the same content and parameters, which are the same
 * but for what makes them two exports: each archive names its export (`export_id`) and when it
 * was requested (`requested_time`, also in words on `index.html`). The same job run again must
 * still give byte-identical parts (tests compare those by SHA-256); this is for two exports.
 *
 * `archiveDigest` opens every part and describes it entry by entry, in the archive's order:
 * path, compression method, and the SHA-256 of the entry with the export's id and requested
 * time replaced by placeholders (`{export_id}`, `{requested_time}`). Every other byte counts:
 * media are compared as stored, text as written. Two digests are equal when the archives are
 * the same but for those two values.
 *
 * What those values change besides the text: each manifest lists its entries' SHA-256 and
 * size, and the part index lists the parts' SHA-256 and size. The digest checks each against
 * the real bytes first (so nothing escapes checking), then puts the placeholder-entry's own
 * hash and size in a manifest, and a placeholder in place of a part's hash and size in the
 * part index (a part's bytes are compared entry by entry instead).
 */
import { isoSeconds } from '../../src/export/html-page.js';
import { type JobFiles, sha256, zipEntries } from './archives.js';

/** What differs between two exports of the same content. */
export interface ExportIdentity {
  readonly exportId: string;
  /** The export's create time, Unix seconds. */
  readonly requestedTime: number;
}

/** One stored part of a job, as the API or the metadata store lists it. */
export interface StoredPart {
  readonly partNumber: number;
  readonly name: string;
  readonly bytes: Buffer;
}

interface Manifest {
  export_id?: unknown;
  requested_time?: unknown;
  entries?: { path: string; size: number; sha256: string }[];
}

interface PartIndex {
  parts?: { part: number; file_name: string; size: number | null; sha256: string | null }[];
}

const TEXT_PATH = /\.(json|html|csv|txt)$/;
const MANIFEST_PATH = /^manifest-part-\d+\.json$/;
const PART_INDEX_PATH = 'parts-index.json';

/**
 * `<job> part <n>` → the part's file name, and `<job> part <n> #<i> <path>` → the entry's
 * method and placeholder SHA-256, for every part of one job; `job` names it in the keys
 * (its member's id, or "company").
 */
export async function archiveDigest(
  job: string,
  parts: readonly StoredPart[],
  identity: ExportIdentity,
): Promise<Map<string, string>> {
  const digest = new Map<string, string>();
  for (const part of parts) {
    const key = `${job} part ${part.partNumber}`;
    digest.set(key, part.name);
    const entries = await zipEntries(part.bytes);
    const byPath = new Map(entries.map((entry) => [entry.path, entry.data]));
    for (const [i, entry] of entries.entries()) {
      const normal = normalised(entry.path, entry.data, byPath, parts, identity);
      const method = entry.deflated ? 'deflated' : 'stored';
      digest.set(`${key} #${i} ${entry.path}`, `${method} ${sha256(normal)}`);
    }
  }
  return digest;
}

/** An entry with the export's identity replaced by placeholders (see the module comment). */
function normalised(
  path: string,
  data: Buffer,
  part: ReadonlyMap<string, Buffer>,
  parts: readonly StoredPart[],
  identity: ExportIdentity,
): Buffer {
  if (MANIFEST_PATH.test(path)) return normalisedManifest(path, data, part, parts, identity);
  if (path === PART_INDEX_PATH) return normalisedPartIndex(data, parts, identity);
  return TEXT_PATH.test(path) ? withPlaceholders(data, identity) : data;
}

function normalisedManifest(
  path: string,
  data: Buffer,
  part: ReadonlyMap<string, Buffer>,
  parts: readonly StoredPart[],
  identity: ExportIdentity,
): Buffer {
  const manifest = JSON.parse(data.toString('utf8')) as Manifest;
  if (manifest.export_id !== identity.exportId) {
    throw new Error(
      `${path}: export_id is ${String(manifest.export_id)}, not ${identity.exportId}`,
    );
  }
  if (manifest.requested_time !== isoSeconds(identity.requestedTime)) {
    throw new Error(`${path}: requested_time is ${String(manifest.requested_time)}`);
  }
  for (const entry of manifest.entries ?? []) {
    const bytes = part.get(entry.path);
    if (!bytes || bytes.length !== entry.size || sha256(bytes) !== entry.sha256) {
      throw new Error(`${path}: ${entry.path} does not match its size and SHA-256`);
    }
    const normal = normalised(entry.path, bytes, part, parts, identity);
    entry.size = normal.length;
    entry.sha256 = sha256(normal);
  }
  return withPlaceholders(Buffer.from(JSON.stringify(manifest)), identity);
}

function normalisedPartIndex(
  data: Buffer,
  parts: readonly StoredPart[],
  identity: ExportIdentity,
): Buffer {
  const index = JSON.parse(data.toString('utf8')) as PartIndex;
  for (const listed of index.parts ?? []) {
    const part = parts.find((stored) => stored.partNumber === listed.part);
    if (part?.name !== listed.file_name) {
      throw new Error(`parts-index.json: part ${listed.part} is not ${listed.file_name}`);
    }
    // The last part (which holds the index) cannot list its own hash: it says null.
    if (listed.sha256 === null) continue;
    if (part.bytes.length !== listed.size || sha256(part.bytes) !== listed.sha256) {
      throw new Error(`parts-index.json: part ${listed.part} does not match its part`);
    }
    listed.size = -1;
    listed.sha256 = '{part_sha256}';
  }
  return withPlaceholders(Buffer.from(JSON.stringify(index)), identity);
}

/**
 * The text with the export id (as a whole number, not inside a longer one) and the requested
 * time (in ISO, and the words of the `<time>` that carries it) replaced by placeholders.
 */
function withPlaceholders(data: Buffer, identity: ExportIdentity): Buffer {
  const escaped = identity.exportId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const id = new RegExp(`(?<![0-9])${escaped}(?![0-9])`, 'g');
  const text = data
    .toString('utf8')
    .replace(id, '{export_id}')
    .replaceAll(isoSeconds(identity.requestedTime), '{requested_time}')
    .replace(
      /<time datetime="\{requested_time\}">[^<]*<\/time>/g,
      '<time datetime="{requested_time}">{requested_time}</time>',
    );
  return Buffer.from(text);
}

/** A job as the Graph API lists it, with its files' names and download URLs. */
export interface ServedJob {
  readonly user?: { readonly id: string };
  readonly files: readonly {
    readonly part_number: number;
    readonly name: string;
    readonly download_url: string;
  }[];
}

/**
 * The digest of a whole export as a server serves it: every part of every job downloaded and
 * described by `archiveDigest`, keyed by the job's member id (or "company").
 */
export async function servedExportDigest(
  jobs: readonly ServedJob[],
  identity: ExportIdentity,
): Promise<Map<string, string>> {
  const digest = new Map<string, string>();
  for (const job of jobs) {
    const parts: StoredPart[] = [];
    for (const file of job.files) {
      const response = await fetch(file.download_url);
      if (response.status !== 200) throw new Error(`${file.download_url}: ${response.status}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      parts.push({ partNumber: file.part_number, name: file.name, bytes });
    }
    for (const entry of await archiveDigest(job.user?.id ?? 'company', parts, identity)) {
      digest.set(...entry);
    }
  }
  return digest;
}

/**
 * The digest of a whole export as the stores hold it (`filesOfExport`): every part of every
 * job described by `archiveDigest`, keyed by the job's member id (or "company").
 */
export async function storedExportDigest(
  jobs: readonly JobFiles[],
  identity: ExportIdentity,
): Promise<Map<string, string>> {
  const digest = new Map<string, string>();
  for (const { job, files } of jobs) {
    const parts = files.map(({ file, bytes }) => ({
      partNumber: file.partNumber,
      name: file.name,
      bytes,
    }));
    for (const entry of await archiveDigest(job.userId ?? 'company', parts, identity)) {
      digest.set(...entry);
    }
  }
  return digest;
}

/** An export's identity from the Graph API's `id` and `create_time` (a date or Unix seconds). */
export function identityOf(exportId: string, createTime: string | number): ExportIdentity {
  const requestedTime = typeof createTime === 'number' ? createTime : Date.parse(createTime) / 1000;
  return { exportId, requestedTime };
}
