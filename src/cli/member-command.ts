/**
 * @module
 * `dyi member find --email <address> | --import-id <id>`: finds members of a community, any
 * status, and prints one line each (id, name, email, status, import id, tab-separated), so that
 * an export's `--user-ids` can be built. No match is an error (exit code 2).
 */
import { Command } from 'commander';
import { ValidationError } from '../domain/index.js';
import type { MemberQuery } from '../services/community-service.js';
import {
  addDataDirOption,
  type DataDirOptions,
  resolveCommunityId,
  withRuntime,
} from './cli-context.js';

interface FindOptions extends DataDirOptions {
  readonly community?: string;
  readonly email?: string;
  readonly importId?: string;
}

export function memberCommand(): Command {
  const member = new Command('member').description('find community members');
  addDataDirOption(
    member
      .command('find')
      .description(
        'find members by email (case-insensitive) or import id, any status; prints id, name, email, status and import id',
      )
      .option('--community <id>', 'community to search (default: the only one)')
      .option('--email <address>', 'email address of the member')
      .option('--import-id <id>', 'id of the member record in the imported content'),
  ).action(async (options: FindOptions) => {
    const query = queryOf(options);
    await withRuntime(options, async (runtime) => {
      const communityId = await resolveCommunityId(runtime, options.community);
      const found = await runtime.communities.findMembers(communityId, query);
      if (found.length === 0) {
        const what = 'email' in query ? `email ${query.email}` : `import id ${query.importId}`;
        throw new ValidationError(
          'email' in query ? 'email' : 'import_id',
          `no member with ${what} in community ${communityId}.`,
        );
      }
      for (const m of found) {
        const importId = await runtime.communities.importIdOf(communityId, m.id);
        process.stdout.write(`${m.id}\t${m.name}\t${m.email ?? ''}\t${m.status}\t${importId}\n`);
      }
    });
  });
  return member;
}

function queryOf(options: FindOptions): MemberQuery {
  const { email, importId } = options;
  if (email !== undefined && importId === undefined && email.trim() !== '') return { email };
  if (importId !== undefined && email === undefined && importId.trim() !== '') return { importId };
  throw new ValidationError('email', 'Give exactly one of --email or --import-id.');
}
