/**
 * @module
 * A download body that breaks: it passes `afterBytes` bytes, then either fails at once (a cut:
 * fastify closes the socket, and the client holds fewer bytes than `Content-Length` said) or
 * sends nothing for `stallMs` and then fails (a stall: a client without an idle timeout hangs
 * that long). Stalls in progress are kept in `stalls`, so that a server that shuts down ends
 * them instead of waiting for them.
 */
import { type Readable, Transform } from 'node:stream';

export type BodyFault =
  | { readonly kind: 'cut'; readonly afterBytes: number }
  | { readonly kind: 'stall'; readonly afterBytes: number; readonly stallMs: number };

export function breakBody(body: Readable, fault: BodyFault, stalls: Set<Transform>): Readable {
  let passed = 0;
  let broken = false;
  let timer: NodeJS.Timeout | undefined;
  const fail = (): Error => {
    const error = new Error(`Fault mode: ${fault.kind} after ${passed} bytes`);
    // Fastify logs it as a warning ("response terminated with an error"): it is no bug, so
    // the line needs no stack.
    error.stack = `Error: ${error.message}`;
    return error;
  };
  const breaking = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (broken) {
        done();
        return;
      }
      const room = fault.afterBytes - passed;
      if (chunk.length < room) {
        passed += chunk.length;
        done(null, chunk);
        return;
      }
      broken = true;
      passed += room;
      if (room > 0) this.push(chunk.subarray(0, room));
      body.unpipe(breaking);
      body.destroy();
      if (fault.kind === 'cut') {
        // After the bytes pushed above have gone out.
        setImmediate(() => breaking.destroy(fail()));
        done();
        return;
      }
      stalls.add(breaking);
      timer = setTimeout(() => breaking.destroy(fail()), fault.stallMs);
      done();
    },
  });
  breaking.once('close', () => {
    clearTimeout(timer);
    stalls.delete(breaking);
    body.destroy();
  });
  body.once('error', (error) => breaking.destroy(error));
  body.pipe(breaking);
  return breaking;
}
