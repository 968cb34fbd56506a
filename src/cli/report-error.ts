/**
 * @module
 * How every command ends on an error: ours are printed as one line for people (exit code 2 for
 * bad input, 1 otherwise); others with their stack. Apart from the other shared pieces of the
 * CLI, so that loading it loads nothing but the domain's errors.
 */
import { DyiError, ValidationError } from '../domain/index.js';

/** Prints an error for people and sets the exit code. */
export function reportError(error: unknown): void {
  if (error instanceof DyiError) {
    process.stderr.write(`dyi: ${error.message}\n`);
    process.exitCode = error instanceof ValidationError ? 2 : 1;
    return;
  }
  process.stderr.write(
    `dyi: unexpected error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
}
