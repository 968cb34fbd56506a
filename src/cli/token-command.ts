/**
 * @module
 * `dyi token create|list|revoke`: access tokens for the Graph API. `create` prints the token
 * alone on stdout (so `TOKEN=$(dyi token create ...)` works); it is never shown again, and
 * `list` shows only what tells tokens apart (id, last four characters, owner, use).
 */
import { Command } from 'commander';
import { CLI_AUDIT_CONTEXT, NotFoundError, PERMISSIONS, ValidationError } from '../domain/index.js';
import type { Runtime } from '../runtime.js';
import {
  addDataDirOption,
  type DataDirOptions,
  resolveCommunityId,
  withRuntime,
} from './cli-context.js';

/** Name of the integration that owns tokens made from the command line. */
export const CLI_INTEGRATION_NAME = 'Command line';

interface CreateOptions extends DataDirOptions {
  readonly permission: string;
  readonly community?: string;
  readonly integration?: string;
}

export function tokenCommand(): Command {
  const token = new Command('token').description('create, list and revoke Graph API access tokens');
  addDataDirOption(
    token
      .command('create')
      .description('create an access token and print it (shown only this once)')
      .requiredOption('--permission <list>', `comma list of: ${PERMISSIONS.join(', ')}`)
      .option('--community <id>', 'community of the token (default: the only one)')
      .option(
        '--integration <id>',
        `integration that owns it (default: the "${CLI_INTEGRATION_NAME}" integration)`,
      ),
  ).action(async (options: CreateOptions) => {
    await withRuntime(options, async (runtime) => {
      const integrationId =
        options.integration ?? (await cliIntegration(runtime, options.community));
      const created = await runtime.access.createToken(
        integrationId,
        [options.permission],
        CLI_AUDIT_CONTEXT,
      );
      process.stdout.write(`${created.token}\n`);
    });
  });
  addDataDirOption(
    token
      .command('list')
      .description(
        'list access tokens, one a line: id, community, integration, permissions, created, ' +
          'last used (to the minute), last four characters; never the token itself',
      )
      .option('--community <id>', 'only the tokens of this community (default: every community)')
      .option('--all', 'include revoked tokens'),
  ).action(async (options: ListOptions) => {
    await withRuntime(options, async (runtime) => {
      for (const line of await tokenLines(runtime, options)) process.stdout.write(`${line}\n`);
    });
  });
  addDataDirOption(
    token
      .command('revoke')
      .description('revoke a token, given the token itself or its id')
      .argument('<token-or-id>'),
  ).action(async (tokenOrId: string, options: DataDirOptions) => {
    await withRuntime(options, async (runtime) => {
      const revoked = await runtime.access
        .revokeToken(tokenOrId, CLI_AUDIT_CONTEXT)
        .catch((error: unknown) => {
          throw error instanceof NotFoundError ? noSuchToken(tokenOrId, runtime) : error;
        });
      process.stderr.write(`Revoked access token ${revoked.id} (…${revoked.hint}).\n`);
    });
  });
  return token;
}

interface ListOptions extends DataDirOptions {
  readonly community?: string;
  readonly all?: boolean;
}

/** One tab-separated line per token, each field labelled, in community and id order. */
async function tokenLines(runtime: Runtime, options: ListOptions): Promise<string[]> {
  const communities =
    options.community === undefined
      ? await runtime.communities.list()
      : [await runtime.communities.get(options.community)];
  const lines: string[] = [];
  for (const community of communities) {
    for (const integration of await runtime.metadata.integrations.list(community.id)) {
      for (const each of await runtime.metadata.tokens.list(integration.id)) {
        if (each.revokeTime !== null && options.all !== true) continue;
        lines.push(
          [
            each.id,
            `community ${community.id}`,
            `integration ${integration.id} ${JSON.stringify(integration.name)}`,
            each.permissions.join(','),
            `created ${isoTime(each.createTime)}`,
            `last used ${each.lastUseTime === null ? 'never' : isoTime(each.lastUseTime)}`,
            `ends in ${each.hint}`,
            ...(each.revokeTime === null ? [] : [`revoked ${isoTime(each.revokeTime)}`]),
          ].join('\t'),
        );
      }
    }
  }
  return lines;
}

/** Unix seconds as UTC to the minute, e.g. 2026-07-01T09:30Z. */
function isoTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16)}Z`;
}

async function cliIntegration(runtime: Runtime, community: string | undefined): Promise<string> {
  const communityId = await resolveCommunityId(runtime, community);
  const existing = (await runtime.metadata.integrations.list(communityId)).find(
    (i) => i.name === CLI_INTEGRATION_NAME,
  );
  return (
    existing ??
    (await runtime.access.createIntegration(
      communityId,
      { name: CLI_INTEGRATION_NAME },
      CLI_AUDIT_CONTEXT,
    ))
  ).id;
}

/** The token (never echoed: it may be a real secret of another server) is not known here. */
function noSuchToken(tokenOrId: string, runtime: Runtime): ValidationError {
  const what = /^\d+$/.test(tokenOrId) ? `token id ${tokenOrId}` : 'token';
  return new ValidationError(
    'token',
    `No such token: no ${what} in the data dir ${runtime.config.dataDir}; check it, or the --data-dir it was made in.`,
  );
}
