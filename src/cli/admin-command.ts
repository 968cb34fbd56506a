/**
 * @module
 * `dyi admin create|password|list`: accounts of the admin panel (`/admin`). Passwords are
 * asked for at the terminal without echo (twice, to catch typos), or read from the first line
 * of standard input with `--password-stdin` for scripts; they are never taken as an argument,
 * which would leave them in shell history and process lists.
 */
import { Command } from 'commander';
import { ValidationError } from '../domain/index.js';
import { findRunningServer } from '../running-server.js';
import type { Runtime } from '../runtime.js';
import { MIN_PASSWORD_LENGTH } from '../services/admin-service.js';
import {
  addDataDirOption,
  type DataDirOptions,
  resolveCommunityId,
  withRuntime,
} from './cli-context.js';
import { readFirstLine, readHidden } from './hidden-prompt.js';

interface PasswordOptions extends DataDirOptions {
  readonly email: string;
  readonly passwordStdin?: boolean;
}

interface CreateOptions extends PasswordOptions {
  readonly community?: string;
}

export function adminCommand(): Command {
  const admin = new Command('admin').description('accounts of the admin panel (/admin)');
  addDataDirOption(
    admin
      .command('create')
      .description('create an admin panel account; asks for its password')
      .requiredOption('--email <email>', 'what the admin signs in with')
      .option('--community <id>', 'community the admin runs exports of (default: the only one)')
      .option('--password-stdin', 'read the password from the first line of standard input'),
  ).action(async (options: CreateOptions) => {
    const password = await askPassword(options);
    await withRuntime(options, async (runtime) => {
      const communityId = await resolveCommunityId(runtime, options.community);
      const created = await runtime.admins.createAdmin(communityId, options.email, password);
      process.stdout.write(
        `Created admin ${created.email} of community ${communityId}; ${await signInHint(runtime)}\n`,
      );
    });
  });
  addDataDirOption(
    admin
      .command('password')
      .description("set an admin's password (unlocks the account, signs it out everywhere)")
      .requiredOption('--email <email>', 'the admin')
      .option('--password-stdin', 'read the password from the first line of standard input'),
  ).action(async (options: PasswordOptions) => {
    const password = await askPassword(options);
    await withRuntime(options, async (runtime) => {
      const updated = await runtime.admins.setPassword(options.email, password);
      process.stdout.write(`Set the password of admin ${updated.email}.\n`);
    });
  });
  addDataDirOption(
    admin
      .command('list')
      .description('list the admins of a community (id, email)')
      .option('--community <id>', 'community (default: the only one)'),
  ).action(async (options: DataDirOptions & { community?: string }) => {
    await withRuntime(options, async (runtime) => {
      const communityId = await resolveCommunityId(runtime, options.community);
      for (const each of await runtime.metadata.admins.list(communityId)) {
        process.stdout.write(`${each.id}\t${each.email}\n`);
      }
    });
  });
  return admin;
}

/**
 * Where to sign in: the running server of this data dir, else where `dyi serve` will be with
 * the same settings (its port and public URL come from PORT and DYI_PUBLIC_URL).
 */
async function signInHint(runtime: Runtime): Promise<string> {
  const running = await findRunningServer(runtime.config.dataDir);
  return running !== undefined
    ? `sign in at ${running.url}/admin`
    : `sign in at ${runtime.config.publicUrl}/admin once \`dyi serve\` runs (with these settings: PORT, DYI_PUBLIC_URL)`;
}

async function askPassword(options: PasswordOptions): Promise<string> {
  if (options.passwordStdin) return readFirstLine('password');
  if (!process.stdin.isTTY) {
    throw new ValidationError(
      'password',
      'No terminal to ask for the password on: pipe it in with --password-stdin.',
    );
  }
  const password = await readHidden(
    `Password (at least ${MIN_PASSWORD_LENGTH} characters, not shown): `,
    'password',
  );
  const again = await readHidden('The same password again: ', 'password');
  if (again !== password) {
    throw new ValidationError('password', 'The two passwords differ; nothing was changed.');
  }
  return password;
}
