/**
 * @module
 * The server's log for a person at a terminal: pino writes its JSON lines here, and this
 * stream writes one short line of text for each that matters. Warnings and errors always show
 * (an error with its stack); requests show only when asked for (`showRequests`), as one line
 * each (time, method, URL with its secrets already redacted, status, duration), with the reason
 * of a refusal. Everything else below warnings is left to the JSON log (`DYI_LOG_FORMAT=json`).
 * A server in fault mode marks every line `[fault mode]`.
 */
import { Writable } from 'node:stream';

/** pino's numeric levels and the names shown for them. */
const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const WARN = 40;
/** Requests whose start was seen but not their end; a bound, in case ends go missing. */
const MAX_OPEN_REQUESTS = 10_000;

interface LogLine {
  readonly level?: number;
  readonly time?: number;
  readonly msg?: string;
  /** The request's trace id (`fbtrace_id` and `x-fb-trace-id` of its answer). */
  readonly fbtrace_id?: string;
  readonly req?: { readonly method?: string; readonly url?: string };
  readonly res?: { readonly statusCode?: number };
  readonly responseTime?: number;
  readonly err?: { readonly stack?: string; readonly message?: string };
  readonly code?: number;
  /** The fault profile, on every line of a server in fault mode. */
  readonly faults?: string;
}

export interface TextLogOptions {
  /** Also show one line per request, and why a request was refused. */
  readonly showRequests: boolean;
}

export class TextLogStream extends Writable {
  readonly #out: NodeJS.WritableStream;
  readonly #showRequests: boolean;
  /** Method and URL of each request in flight, by trace id, for its closing line. */
  readonly #open = new Map<string, string>();

  constructor(out: NodeJS.WritableStream, options: TextLogOptions) {
    super();
    this.#out = out;
    this.#showRequests = options.showRequests;
  }

  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    for (const json of chunk.toString().split('\n')) {
      if (json.trim() === '') continue;
      const text = this.#format(json);
      if (text !== undefined) this.#out.write(`${text}\n`);
    }
    done();
  }

  #format(json: string): string | undefined {
    let line: LogLine;
    try {
      line = JSON.parse(json) as LogLine;
    } catch {
      return json;
    }
    const level = line.level ?? WARN;
    // In fault mode every line says so, next to its time.
    const time = `${clockTime(line.time)}${line.faults === undefined ? '' : ' [fault mode]'}`;
    if (line.req && line.fbtrace_id !== undefined) {
      if (this.#showRequests) {
        if (this.#open.size >= MAX_OPEN_REQUESTS) this.#open.clear();
        this.#open.set(line.fbtrace_id, `${line.req.method ?? ''} ${line.req.url ?? ''}`);
      }
      return undefined;
    }
    if (line.res && line.fbtrace_id !== undefined && level < WARN) {
      const request = this.#open.get(line.fbtrace_id);
      this.#open.delete(line.fbtrace_id);
      if (!this.#showRequests) return undefined;
      const ms = line.responseTime === undefined ? '' : ` ${line.responseTime.toFixed(1)} ms`;
      return `${time} ${request ?? '(request)'} ${line.res.statusCode ?? ''}${ms} [trace ${line.fbtrace_id}]`;
    }
    // Below warnings, only what belongs to a request (why it failed), and only with requests:
    // the rest ("Server listening at ...") the banner says better.
    if (level < WARN && (!this.#showRequests || line.fbtrace_id === undefined)) return undefined;
    const name = LEVEL_NAMES[level] ?? String(level);
    const code = line.code === undefined ? '' : ` (code ${line.code})`;
    const trace = line.fbtrace_id === undefined ? '' : ` [trace ${line.fbtrace_id}]`;
    const stack = line.err?.stack ? `\n  ${line.err.stack.replaceAll('\n', '\n  ')}` : '';
    return `${time} ${name} ${line.msg ?? ''}${code}${trace}${stack}`;
  }
}

/** HH:MM:SS in UTC, as the JSON log's times are UTC too. */
function clockTime(epochMs: number | undefined): string {
  return new Date(epochMs ?? Date.now()).toISOString().slice(11, 19);
}
