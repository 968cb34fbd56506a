/**
 * @module
 * How every command ends on an error. The exit codes, documented in `dyi --help` and
 * docs/configuration.md: 0 done; 2 for anything the user can fix and run again (a usage error,
 * bad input, a busy port, an unwritable directory, an unknown id), printed as one line that
 * says what to do; 1 for a failure of ours, of the network or of the server asked (an
 * unexpected error, an error answered by a Graph API, a download that could not verify every
 * file). A stack trace is printed only when asked for (`--debug` or `DYI_LOG_LEVEL=debug`).
 * Apart from the other shared pieces of the CLI, so that loading it loads nothing but errors.
 */
import { GraphRequestError, RequestFailedError } from '../client/graph-request-error.js';
import { DyiError, NotFoundError, TransientError } from '../domain/index.js';

/** Exit code of a usage error, bad input or an operational problem the user can fix. */
export const EXIT_USER_ERROR = 2;
/** Exit code of an unexpected failure. */
export const EXIT_FAILURE = 1;

/** What `dyi --help` says about exit codes. */
export const EXIT_CODES_HELP = `Exit codes:
  0  done
  1  a failure of ours, of the network or of the server asked (unexpected error; an error
     answered by the Graph API; a download, backup or restore not fully verified; a
     dyi doctor check failed; the database busy)
  2  something to fix and run again: usage error, bad input, busy port, unwritable directory,
     unknown id (the message says what to do)
Stack traces are printed only with --debug or DYI_LOG_LEVEL=debug.`;

/** Prints an error for people and sets the exit code; with `debug`, adds its stack. */
export function reportError(error: unknown, debug = false): void {
  const stack = debug && error instanceof Error ? `${error.stack ?? ''}\n` : '';
  if (error instanceof DyiError) {
    process.stderr.write(`dyi: ${messageOf(error)}\n${stack}`);
    process.exitCode = isElsewhere(error) ? EXIT_FAILURE : EXIT_USER_ERROR;
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    debug
      ? `dyi: unexpected error\n${stack || `${message}\n`}`
      : `dyi: unexpected error: ${message} (run again with --debug for the stack trace)\n`,
  );
  process.exitCode = EXIT_FAILURE;
}

/** An error the user's input did not cause: a server's answer, the network, a busy database. */
function isElsewhere(error: DyiError): boolean {
  return (
    error instanceof GraphRequestError ||
    error instanceof RequestFailedError ||
    error instanceof TransientError
  );
}

/**
 * The error's message, in the CLI's words: a NotFoundError's message is Graph's wire text
 * ("Unsupported get request..."), which says nothing to someone at a terminal.
 */
function messageOf(error: DyiError): string {
  if (error instanceof NotFoundError) {
    return `Nothing with id ${error.id} in this data dir: check the id (\`dyi community list\` and \`dyi integration list\` show ids).`;
  }
  return error.message;
}
