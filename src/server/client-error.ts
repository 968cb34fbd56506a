/**
 * @module
 * Answers for requests that Node's HTTP parser refuses before Fastify sees them: a request line
 * or headers over 16 kB, bytes that are not HTTP (non-ASCII in the request line, an unknown
 * verb), a Content-Length or Transfer-Encoding that cannot be true, a request that took too
 * long to arrive. Node's (and Fastify's) own answers have bodies a Graph client cannot read;
 * these are the Graph error envelope with `fbtrace_id`, written raw on the socket, and the
 * connection is then closed (the parser cannot find where the next request would start).
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { GraphErrorBody } from '../graph/graph-error.js';
import { newTraceId } from './trace-id.js';

/**
 * How long a refused connection may take to read the answer before it is cut, in milliseconds.
 * The socket is half-closed at once; this only bounds a client that never closes its side.
 */
const LINGER_MS = 5_000;

/** Node's `clientError` errors: llhttp's `HPE_*` codes, or Node's own request timeout. */
interface ParserError extends Error {
  readonly code?: string;
  readonly reason?: string;
}

/** The response Node is writing on a socket (not in its public types). */
interface HttpSocket extends Socket {
  _httpMessage?:
    | (NodeJS.EventEmitter & {
        writableFinished: boolean;
        headersSent: boolean;
        req: { complete: boolean };
      })
    | null;
}

interface Refusal {
  readonly status: number;
  readonly message: string;
  readonly transient: boolean;
}

function refusalOf(error: ParserError): Refusal {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      message:
        'The request line and headers together are longer than 16 kB; send long parameters (fields, ids, batch) in a POST form body instead.',
      transient: false,
    };
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      status: 408,
      message: 'The request did not arrive in time; send it again.',
      transient: true,
    };
  }
  // llhttp's reasons are fixed texts ("Invalid method encountered"), never the client's bytes.
  const reason = error.reason ?? error.code ?? 'unknown parse error';
  return {
    status: 400,
    message: `The request is not valid HTTP/1.1 (${reason}): the request line must be ASCII with a known verb, and Content-Length or Transfer-Encoding must match the body.`,
    transient: false,
  };
}

/** The raw HTTP/1.1 response text for a refusal, envelope included. */
export function clientErrorResponse(
  refusal: Refusal,
  traceId: string,
  graphVersion: string,
): string {
  const body: GraphErrorBody = {
    error: {
      message: `(#100) ${refusal.message}`,
      type: 'OAuthException',
      code: 100,
      is_transient: refusal.transient,
      fbtrace_id: traceId,
    },
  };
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(json)}`,
    `x-fb-trace-id: ${traceId}`,
    `facebook-api-version: ${graphVersion}`,
    'Connection: close',
    '',
    json,
  ].join('\r\n');
}

/**
 * Calls `then` once the refusal may be written: a refusal of pipelined bytes must follow the
 * answer to the request before them, never cut into it. When the broken bytes are the body of
 * the request in flight, the refusal is its answer, unless that answer has already begun
 * (then the connection is cut, the only signal left).
 */
function whenIdle(socket: HttpSocket, then: () => void): void {
  const inFlight = socket._httpMessage;
  if (!inFlight || inFlight.writableFinished) {
    then();
    return;
  }
  if (!inFlight.req.complete) {
    if (inFlight.headersSent) socket.destroy();
    else then();
    return;
  }
  const next = (): void => {
    inFlight.off('finish', next);
    inFlight.off('close', next);
    // Node hands the socket to the next pipelined response after this event.
    setImmediate(() => whenIdle(socket, then));
  };
  inFlight.once('finish', next);
  inFlight.once('close', next);
}

/** Fastify's `clientErrorHandler`: answers once per connection, then closes it. */
export function clientErrorHandler(
  graphVersion: string,
  log: () => FastifyBaseLogger,
): (error: ParserError, socket: Socket) => void {
  const answered = new WeakSet<Socket>();
  return (error, socket) => {
    // A reset connection has no one to answer; a second error on a socket already answered
    // (the parser keeps failing on the bytes that follow) must not answer again.
    if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
    answered.add(socket);
    whenIdle(socket, () => {
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      const traceId = newTraceId();
      const refusal = refusalOf(error);
      log().info(
        { fbtrace_id: traceId, status: refusal.status, parser: error.code },
        'request refused by the HTTP parser',
      );
      // end(), not write() and destroy(): destroying with unread input sends a TCP reset, and
      // a client that gets the reset first never reads the answer.
      socket.end(clientErrorResponse(refusal, traceId, graphVersion));
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    });
  };
}
