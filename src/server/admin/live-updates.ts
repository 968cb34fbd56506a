/**
 * @module
 * `GET /admin/live`: a server-sent event stream that tells an open panel page when data may
 * have changed, so that it re-renders its live parts (`data-live` in `web/panel.js`) without a
 * reload. Events carry no data, only "look again": what a page may see is decided when it
 * fetches, by the same checks as any page. Changes are found from the store's change mark,
 * which moves on any commit, the export workers' included, and are sent at most once per
 * `MIN_INTERVAL_MS`. A stream ends once its session has (signed out, expired, deleted): the
 * browser's reconnect then gets 401 and the script goes to the sign-in page.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';
import { SESSION_COOKIE, sessionOf } from './admin-session.js';

/** How often the change mark is read, and the least time between two events, in ms. */
const CHECK_INTERVAL_MS = 250;
const MIN_INTERVAL_MS = 1000;
/** A comment line keeps proxies from closing a quiet stream, in ms. */
const HEARTBEAT_MS = 20_000;
/** How often a stream checks that its session still holds, in ms. */
const SESSION_CHECK_MS = 2000;

export function registerLiveUpdates(panel: FastifyInstance, runtime: Runtime): void {
  const streams = new Set<ServerResponse>();
  // preClose, not onClose: an open stream would keep close() waiting for it forever.
  panel.addHook('preClose', (done) => {
    for (const stream of streams) stream.end();
    done();
  });

  panel.get('/live', (request, reply) => {
    sessionOf(request);
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    stream.write('retry: 2000\n\n');
    streams.add(stream);
    let mark = runtime.metadata.changeMark();
    let lastSent = 0;
    let lastWrite = Date.now();
    const timer = setInterval(() => {
      const now = Date.now();
      const current = runtime.metadata.changeMark();
      if (current !== mark && now - lastSent >= MIN_INTERVAL_MS) {
        mark = current;
        lastSent = now;
        lastWrite = now;
        stream.write('event: change\ndata: \n\n');
      } else if (now - lastWrite >= HEARTBEAT_MS) {
        lastWrite = now;
        stream.write(': still here\n\n');
      }
    }, CHECK_INTERVAL_MS);
    const cookie = request.cookies[SESSION_COOKIE] ?? '';
    const sessionCheck = setInterval(() => {
      void runtime.admins.session(cookie).then(
        (session) => {
          if (!session) stream.end();
        },
        () => undefined, // the store is busy or closing: the next check asks again
      );
    }, SESSION_CHECK_MS);
    const stop = (): void => {
      clearInterval(timer);
      clearInterval(sessionCheck);
      streams.delete(stream);
    };
    stream.once('close', stop);
    request.raw.once('close', () => {
      stop();
      stream.end();
    });
  });
}
