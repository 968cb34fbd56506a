/**
 * @module
 * `dyi doctor`: checks a deployment as configured (the settings, environment and flags
 * `dyi serve` would use) and prints one line per check, with what to do for each that is not
 * ok. Exits 1 when a check fails (warnings do not). It changes nothing but a test file in the
 * data dir and a test blob, both removed again.
 */
import { Command } from 'commander';
import { type Config, type ConfigOverrides, DEFAULTS, loadConfig } from '../config.js';
import type { CheckResult } from '../services/doctor-check.js';
import { addDataDirOption, type DataDirOptions } from './cli-context.js';
import { EXIT_FAILURE } from './report-error.js';

interface DoctorOptions extends DataDirOptions {
  readonly port?: string;
  readonly host?: string;
  readonly publicUrl?: string;
}

const MARKS: Readonly<Record<CheckResult['status'], string>> = {
  ok: 'ok  ',
  warn: 'WARN',
  fail: 'FAIL',
  skip: '-   ',
};

export function doctorCommand(): Command {
  return addDataDirOption(
    new Command('doctor').description(
      'check a deployment as configured (settings, data dir, free space, schema, blob store, public URL, clock, port, Chromium); exits 1 when a check fails',
    ),
  )
    .option('--port <port>', `TCP port dyi serve binds (env PORT; default: ${DEFAULTS.port})`)
    .option('--host <host>', `interface dyi serve binds (env DYI_HOST; default: ${DEFAULTS.host})`)
    .option(
      '--public-url <url>',
      'origin clients use (env DYI_PUBLIC_URL; default: http://localhost:<port>)',
    )
    .addHelpText(
      'after',
      '\nGive it the settings dyi serve (or dyi worker) runs with: the same environment and\n' +
        'flags. One line per check: ok, WARN (works, but see the hint), FAIL (fix it; the\n' +
        'line says how) or - (not checked). Details: docs/operations.md.',
    )
    .action(async (options: DoctorOptions) => {
      const overrides: ConfigOverrides = {
        ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
        ...(options.databaseUrl !== undefined && { databaseUrl: options.databaseUrl }),
        ...(options.port !== undefined && { port: options.port }),
        ...(options.host !== undefined && { host: options.host }),
        ...(options.publicUrl !== undefined && { publicUrl: options.publicUrl }),
      };
      let config: Config;
      try {
        config = loadConfig(process.env, overrides);
      } catch (error) {
        print({
          name: 'settings',
          status: 'fail',
          detail: String((error as Error).message),
          fix: 'correct the variable or flag named; docs/configuration.md lists every setting',
        });
        process.exitCode = EXIT_FAILURE;
        return;
      }
      print({ name: 'settings', status: 'ok', detail: 'parsed' });
      const { runChecks } = await import('../services/deployment-doctor.js');
      const results = await runChecks(config, {
        chromium: process.env.DYI_CHROMIUM ?? '/usr/bin/chromium',
        onResult: print,
      });
      const failed = results.filter((result) => result.status === 'fail').length;
      const warned = results.filter((result) => result.status === 'warn').length;
      process.stdout.write(
        failed > 0
          ? `${failed} check${failed === 1 ? '' : 's'} failed${warned > 0 ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}.\n`
          : `All checks passed${warned > 0 ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}.\n`,
      );
      if (failed > 0) process.exitCode = EXIT_FAILURE;
    });
}

function print(result: CheckResult): void {
  const fix = result.fix === undefined ? '' : ` -> ${result.fix}`;
  process.stdout.write(`${MARKS[result.status]} ${result.name}: ${result.detail}${fix}\n`);
}
