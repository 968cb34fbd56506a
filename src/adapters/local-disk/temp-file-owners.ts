/**
 * @module
 * Who writes a temp file of the local-disk blob store, so that any process on the data
 * directory (`dyi serve`, `dyi worker`, `dyi import` ...) can tell a write whose process has
 * died from one still running. A temp file is named `<scope>-<pid>-<uuid>`: the writer's
 * process id, and a tag of where that id means something (the host name and, on Linux, the
 * pid namespace, so that containers sharing the directory do not judge each other's ids).
 *
 * A temp file is abandoned when its writer's process is gone (same scope, no such pid), or,
 * whatever its name, when nothing has been written to it for `STALE_TEMP_MS`: a pid reused by
 * another process, or one of another scope, cannot be judged, so only its age counts then.
 * A running `put` writes its file as bytes arrive, which keeps it fresh.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isProcessAlive } from './process-alive.js';

/** A temp file nothing has been written to for this long is abandoned, whoever wrote it. */
export const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

const NAME_PATTERN = /^([0-9a-f]{8})-(\d+)-/;

export class TempFileOwners {
  readonly #scope: string;

  private constructor(scope: string) {
    this.#scope = scope;
  }

  /** The owners as this process sees them. */
  static async forThisProcess(): Promise<TempFileOwners> {
    const namespace = await readlink('/proc/self/ns/pid').catch(() => '');
    const scope = createHash('sha256').update(`${hostname()}\u0000${namespace}`).digest('hex');
    return new TempFileOwners(scope.slice(0, 8));
  }

  /** A new temp file name owned by this process. */
  newName(): string {
    return `${this.#scope}-${process.pid}-${randomUUID()}`;
  }

  /** True when the temp file `name`, last written at `modifiedMs`, has no live writer. */
  isAbandoned(name: string, modifiedMs: number, nowMs: number): boolean {
    if (nowMs - modifiedMs > STALE_TEMP_MS) return true;
    const match = NAME_PATTERN.exec(name);
    if (match?.[1] !== this.#scope) return false;
    const pid = Number(match[2]);
    return pid !== process.pid && !isProcessAlive(pid);
  }
}
