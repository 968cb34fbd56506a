/**
 * @module
 * `dyi integration create|list|require-proof`: custom integrations, which own access tokens
 * and hold the app secret that `appsecret_proof` is computed with.
 */
import { Command } from 'commander';
import { CLI_AUDIT_CONTEXT, ValidationError } from '../domain/index.js';
import {
  addDataDirOption,
  type DataDirOptions,
  resolveCommunityId,
  withRuntime,
} from './cli-context.js';

interface CreateOptions extends DataDirOptions {
  readonly name: string;
  readonly community?: string;
  readonly requireAppsecretProof?: boolean;
}

export function integrationCommand(): Command {
  const integration = new Command('integration').description(
    'custom integrations: app id, app secret, appsecret_proof',
  );
  addDataDirOption(
    integration
      .command('create')
      .description('create an integration; prints its app id and app secret')
      .requiredOption('--name <name>', 'what the integration is for')
      .option('--community <id>', 'community of the integration (default: the only one)')
      .option('--require-appsecret-proof', 'refuse calls of its tokens without appsecret_proof'),
  ).action(async (options: CreateOptions) => {
    await withRuntime(options, async (runtime) => {
      const communityId = await resolveCommunityId(runtime, options.community);
      const created = await runtime.access.createIntegration(
        communityId,
        {
          name: options.name,
          requireAppsecretProof: options.requireAppsecretProof ?? false,
        },
        CLI_AUDIT_CONTEXT,
      );
      process.stdout.write(`app_id=${created.id}\napp_secret=${created.appSecret}\n`);
    });
  });
  addDataDirOption(
    integration
      .command('list')
      .description('list integrations (app id, appsecret_proof required, name)')
      .option('--community <id>', 'community (default: the only one)'),
  ).action(async (options: DataDirOptions & { community?: string }) => {
    await withRuntime(options, async (runtime) => {
      const communityId = await resolveCommunityId(runtime, options.community);
      for (const i of await runtime.metadata.integrations.list(communityId)) {
        const proof = i.requireAppsecretProof ? 'proof-required' : 'proof-optional';
        process.stdout.write(`${i.id}\t${proof}\t${i.name}\n`);
      }
    });
  });
  addDataDirOption(
    integration
      .command('require-proof')
      .description('turn "require appsecret_proof" on or off for an integration')
      .argument('<app-id>')
      .argument('<on|off>'),
  ).action(async (appId: string, state: string, options: DataDirOptions) => {
    await withRuntime(options, async (runtime) => {
      if (state !== 'on' && state !== 'off') {
        throw new ValidationError('state', `Say "on" or "off", not "${state}".`);
      }
      await runtime.access.setRequireAppsecretProof(appId, state === 'on', CLI_AUDIT_CONTEXT);
    });
  });
  return integration;
}
