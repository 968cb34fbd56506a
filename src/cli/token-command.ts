/**
 * @module
 * `dyi token create|revoke`: access tokens for the Graph API. `create` prints the token alone
 * on stdout (so `TOKEN=$(dyi token create ...)` works); it is never shown again.
 */
import { Command } from 'commander';
import { NotFoundError, PERMISSIONS, ValidationError } from '../domain/index.js';
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
  const token = new Command('token').description('create and revoke Graph API access tokens');
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
      const created = await runtime.access.createToken(integrationId, [options.permission]);
      process.stdout.write(`${created.token}\n`);
    });
  });
  addDataDirOption(
    token
      .command('revoke')
      .description('revoke a token, given the token itself or its id')
      .argument('<token-or-id>'),
  ).action(async (tokenOrId: string, options: DataDirOptions) => {
    await withRuntime(options, async (runtime) => {
      const revoked = await runtime.access.revokeToken(tokenOrId).catch((error: unknown) => {
        throw error instanceof NotFoundError ? noSuchToken(tokenOrId, runtime) : error;
      });
      process.stderr.write(`Revoked access token ${revoked.id} (…${revoked.hint}).\n`);
    });
  });
  return token;
}

async function cliIntegration(runtime: Runtime, community: string | undefined): Promise<string> {
  const communityId = await resolveCommunityId(runtime, community);
  const existing = (await runtime.metadata.integrations.list(communityId)).find(
    (i) => i.name === CLI_INTEGRATION_NAME,
  );
  return (
    existing ??
    (await runtime.access.createIntegration(communityId, { name: CLI_INTEGRATION_NAME }))
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
