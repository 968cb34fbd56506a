#!/usr/bin/env node
/**
 * @module
 * The `dyi` command line: one subcommand per file in this folder.
 */
import { Command } from 'commander';
import { reportError } from './report-error.js';

/**
 * Each subcommand's module, loaded only when that command runs (or for the help that lists
 * them all): `dyi download` need not load the server, the export engine or sharp.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./serve-command.js')).serveCommand(),
  worker: async () => (await import('./worker-command.js')).workerCommand(),
  community: async () => (await import('./community-command.js')).communityCommand(),
  integration: async () => (await import('./integration-command.js')).integrationCommand(),
  token: async () => (await import('./token-command.js')).tokenCommand(),
  admin: async () => (await import('./admin-command.js')).adminCommand(),
  export: async () => (await import('./export-command.js')).exportCommand(),
  import: async () => (await import('./import-command.js')).importCommand(),
  seed: async () => (await import('./seed-command.js')).seedCommand(),
  list: async () => (await import('./list-command.js')).listCommand(),
  download: async () => (await import('./download-command.js')).downloadCommand(),
};

async function main(): Promise<void> {
  const program = new Command('dyi')
    .description('dyi-export: self-hosted DYI Export API (Graph-compatible server and tools)')
    .showHelpAfterError();
  const named = process.argv[2];
  const wanted =
    named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) {
    const load = COMMANDS[name];
    if (load) program.addCommand(await load());
  }
  await program.parseAsync(process.argv);
}

main().catch(reportError);
