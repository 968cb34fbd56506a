#!/usr/bin/env node
/**
 * @module
 * The `dyi` command line: one subcommand per file in this folder.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { clientSettings } from '../client-settings.js';
import { applyHelpConventions } from './help-conventions.js';
import { EXIT_CODES_HELP, EXIT_USER_ERROR, reportError } from './report-error.js';

/**
 * Each subcommand's module, loaded only when that command runs (or for the help that lists
 * them all): `dyi download` need not load the server, the export engine or sharp.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./serve-command.js')).serveCommand(),
  worker: async () => (await import('./worker-command.js')).workerCommand(),
  migrate: async () => (await import('./migrate-command.js')).migrateCommand(),
  community: async () => (await import('./community-command.js')).communityCommand(),
  integration: async () => (await import('./integration-command.js')).integrationCommand(),
  token: async () => (await import('./token-command.js')).tokenCommand(),
  admin: async () => (await import('./admin-command.js')).adminCommand(),
  export: async () => (await import('./export-command.js')).exportCommand(),
  import: async () => (await import('./import-command.js')).importCommand(),
  member: async () => (await import('./member-command.js')).memberCommand(),
  seed: async () => (await import('./seed-command.js')).seedCommand(),
  list: async () => (await import('./list-command.js')).listCommand(),
  download: async () => (await import('./download-command.js')).downloadCommand(),
  copy: async () => (await import('./copy-command.js')).copyCommand(),
  backup: async () => (await import('./backup-command.js')).backupCommand(),
  restore: async () => (await import('./backup-command.js')).restoreCommand(),
  doctor: async () => (await import('./doctor-command.js')).doctorCommand(),
  webhook: async () => (await import('./webhook-command.js')).webhookCommand(),
  audit: async () => (await import('./audit-command.js')).auditCommand(),
};

/** The package's version; package.json is two folders up from both src/cli and dist/cli. */
function version(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * The arguments to parse: `dyi help export create` becomes `dyi export create --help`, because
 * commander's own `help` command looks only at its first word and shows `export`'s help.
 */
function argumentsOf(argv: readonly string[]): string[] {
  const args = argv.slice(2);
  return args[0] === 'help' && args.length > 1 ? [...args.slice(1), '--help'] : args;
}

async function main(program: Command, args: readonly string[]): Promise<void> {
  program
    .description('dyi-export: self-hosted DYI Export API (Graph-compatible server and tools)')
    .version(version(), '-V, --version', 'print the version of dyi-export')
    .option('--debug', 'print the stack trace of an error (also with DYI_LOG_LEVEL=debug)')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`);
  const named = args[0];
  const wanted =
    named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) {
    const load = COMMANDS[name];
    if (load) program.addCommand(await load());
  }
  applyHelpConventions(program);
  await program.parseAsync(args, { from: 'user' });
}

const program = new Command('dyi');
const args = argumentsOf(process.argv);
main(program, args).catch((error: unknown) => {
  // Commander has printed its message (and the hint to --help) already.
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USER_ERROR;
    return;
  }
  const debug = program.opts<{ debug?: boolean }>().debug === true || args.includes('--debug');
  reportError(error, debug || clientSettings(process.env).debug);
});
