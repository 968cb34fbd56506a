/**
 * @module
 * `dyi audit verify|export`: the audit trail from the command line. `verify` walks the whole
 * hash chain and says it is intact, or names the first broken record and what is wrong with
 * it, and exits 1. `export` writes the records in chain order as NDJSON (one JSON object a
 * line, the fields of docs/audit.md), to stdout or `--out FILE`.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Command } from 'commander';
import { type AuditRecord, ValidationError } from '../domain/index.js';
import { addDataDirOption, type DataDirOptions, withRuntime } from './cli-context.js';
import { EXIT_FAILURE } from './report-error.js';

interface ExportOptions extends DataDirOptions {
  readonly since?: string;
  readonly until?: string;
  readonly out?: string;
}

export function auditCommand(): Command {
  const audit = new Command('audit').description('verify and export the audit trail');
  addDataDirOption(
    audit.command('verify').description('check the hash chain of every record; exit 1 if broken'),
  ).action(async (options: DataDirOptions) => {
    await withRuntime(options, async (runtime) => {
      const result = await runtime.audit.verify();
      if (result.firstBreak) {
        process.stderr.write(
          `Audit trail broken at record ${result.firstBreak.seq}: ${result.firstBreak.problem}.\n` +
            `${result.checked} record(s) before it are intact.\n`,
        );
        process.exitCode = EXIT_FAILURE;
        return;
      }
      process.stdout.write(`Audit trail intact: ${result.checked} record(s) verified.\n`);
    });
  });
  addDataDirOption(
    audit
      .command('export')
      .description('write the records in chain order as NDJSON')
      .option('--since <unix>', 'only records at or after this time (Unix seconds)')
      .option('--until <unix>', 'only records before this time (Unix seconds)')
      .option('--out <file>', 'write to this file instead of stdout'),
  ).action(async (options: ExportOptions) => {
    const since = unixOption('--since', options.since);
    const until = unixOption('--until', options.until);
    await withRuntime(options, async (runtime) => {
      const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
      for await (const record of runtime.audit.inOrder({ since, until })) {
        if (!out.write(`${JSON.stringify(auditRecordJson(record))}\n`)) await once(out, 'drain');
      }
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
      }
    });
  });
  return audit;
}

function unixOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,12}$/.test(value)) {
    throw new ValidationError(
      name,
      `${name} takes Unix seconds (e.g. 1767225600), not "${value}".`,
    );
  }
  return Number(value);
}

/** A record as the export, the Graph edge and docs/audit.md name its fields. */
export function auditRecordJson(record: AuditRecord): Record<string, unknown> {
  return {
    seq: record.seq,
    time: record.time,
    act: record.act,
    actor_type: record.actorType,
    admin_id: record.adminId,
    admin_email: record.adminEmail,
    integration_id: record.integrationId,
    token_id: record.tokenId,
    client_address: record.clientAddress,
    user_agent: record.userAgent,
    community_id: record.communityId,
    object_type: record.objectType,
    object_id: record.objectId,
    details: JSON.parse(record.details) as unknown,
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}
