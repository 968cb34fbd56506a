/**
 * @module
 * `dyi community create|list`.
 */
import { Command } from 'commander';
import { addDataDirOption, type DataDirOptions, withRuntime } from './cli-context.js';

export function communityCommand(): Command {
  const community = new Command('community').description('create and list communities');
  addDataDirOption(
    community
      .command('create')
      .description('create a community and print its id')
      .requiredOption('--name <name>', 'display name of the community'),
  ).action(async (options: DataDirOptions & { name: string }) => {
    await withRuntime(options, async (runtime) => {
      const created = await runtime.communities.create(options.name);
      process.stdout.write(`${created.id}\n`);
    });
  });
  addDataDirOption(community.command('list').description('list communities (id and name)')).action(
    async (options: DataDirOptions) => {
      await withRuntime(options, async (runtime) => {
        for (const c of await runtime.communities.list())
          process.stdout.write(`${c.id}\t${c.name}\n`);
      });
    },
  );
  return community;
}
