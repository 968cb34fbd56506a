/**
 * @module
 * Why a server could not listen, for the operator: the port or host named, and the option or
 * environment variable that chooses another, instead of Node's `listen EADDRINUSE` and a stack.
 */
import { ConfigurationError } from '../domain/index.js';

const ANOTHER_PORT =
  'choose another with --port N or the environment variable PORT=N (0 picks a free one)';

/** The error to report when listening on `host:port` failed with `error`. */
export function listenError(error: unknown, host: string, port: number): unknown {
  const message = messageOf((error as NodeJS.ErrnoException).code, host, port);
  return message === undefined ? error : new ConfigurationError(message, { cause: error });
}

function messageOf(code: string | undefined, host: string, port: number): string | undefined {
  if (code === 'EADDRINUSE') {
    return `Port ${port} on ${host} is taken (by another program, or another dyi serve); ${ANOTHER_PORT}.`;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return `Not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges); ${ANOTHER_PORT}.`;
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return `Cannot listen on host ${host}: no interface of this machine has that address; choose another with --host HOST or DYI_HOST (default: 127.0.0.1).`;
  }
  return undefined;
}
