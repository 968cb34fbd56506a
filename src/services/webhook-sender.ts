/**
 * @module
 * The HTTP side of webhooks: Meta's GET handshake and the signed POST of an event, to the
 * subscription's URL and nowhere else. Every request has a timeout, reads at most
 * `RESPONSE_LIMIT_BYTES` of the answer, and follows no redirect (a 3xx is a failed attempt).
 *
 * SSRF: unless private addresses are allowed (DYI_WEBHOOK_ALLOW_PRIVATE), a URL whose host is,
 * or resolves to, a private, loopback, link-local or otherwise non-public address is refused.
 * The check runs on the address the socket connects to (undici's `connect.lookup`), not on an
 * earlier lookup, so a name that resolves differently the second time (DNS rebinding) gains
 * nothing; an address literal, which no lookup sees, is checked before the request.
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, request } from 'undici';

/** Bytes of a receiver's answer read at most (the challenge, or an ignored body). */
const RESPONSE_LIMIT_BYTES = 64 * 1024;

/** Address ranges that are not the public Internet (IANA special-purpose registries). */
const REFUSED_RANGES: readonly [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'a "this network" address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'an IETF protocol address'],
  ['192.0.2.0', 24, 'ipv4', 'a documentation address'],
  ['192.88.99.0', 24, 'ipv4', 'a 6to4 relay address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['198.51.100.0', 24, 'ipv4', 'a documentation address'],
  ['203.0.113.0', 24, 'ipv4', 'a documentation address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'the unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['64:ff9b::', 96, 'ipv6', 'a NAT64 address'],
  ['100::', 64, 'ipv6', 'a discard address'],
  ['2001::', 23, 'ipv6', 'an IETF protocol address'],
  ['2001:db8::', 32, 'ipv6', 'a documentation address'],
  ['2002::', 16, 'ipv6', 'a 6to4 address'],
  ['fc00::', 7, 'ipv6', 'a unique-local (private) address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

/** Why the address may not receive webhooks, or undefined when it is public. */
export function refusedRange(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped?.[1] ?? address;
  const family = isIP(plain) === 4 ? 'ipv4' : 'ipv6';
  for (const [network, prefix, rangeFamily, what] of REFUSED_RANGES) {
    if (rangeFamily !== family) continue;
    const list = new BlockList();
    list.addSubnet(network, prefix, rangeFamily);
    if (list.check(plain, family)) return what;
  }
  if (/^::ffff:/i.test(address)) return 'an IPv4-mapped address';
  return undefined;
}

/** A refused destination, said so that the operator knows the setting that allows it. */
export class RefusedAddressError extends Error {
  constructor(address: string, what: string) {
    super(
      `refused to connect to ${address}: it is ${what}, not a public one (set DYI_WEBHOOK_ALLOW_PRIVATE=1 to allow private receivers)`,
    );
  }
}

export interface SenderOptions {
  readonly allowPrivate: boolean;
  readonly timeoutMs: number;
}

/** What a receiver answered (or why it did not). */
export interface Answer {
  /** HTTP status; null when none came (refused, unreachable, timed out). */
  readonly status: number | null;
  /** The answer's first `RESPONSE_LIMIT_BYTES`, as text. */
  readonly body: string;
  readonly latencyMs: number;
  /** Why it failed before an answer came; null when one came. */
  readonly error: string | null;
}

/** `sha256=<hex HMAC-SHA256 of the body with the app secret>`, as Meta signs. */
export function signatureOf(body: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

export class WebhookSender {
  readonly #options: SenderOptions;
  readonly #agent: Agent;

  constructor(options: SenderOptions) {
    this.#options = Object.freeze({ ...options });
    this.#agent = new Agent({
      connect: {
        lookup: (host, lookupOptions, callback) => this.#lookup(host, lookupOptions, callback),
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connections: 16,
    });
  }

  /**
   * Meta's handshake: GET the URL with `hub.mode=subscribe`, a random `hub.challenge` and the
   * `hub.verify_token`; verified when the receiver answers 200 with the challenge as its body.
   * Answers null when verified, else what went wrong.
   */
  async verify(
    callbackUrl: string,
    verifyToken: string,
    challenge: string,
  ): Promise<string | null> {
    const url = new URL(callbackUrl);
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.challenge', challenge);
    url.searchParams.set('hub.verify_token', verifyToken);
    const answer = await this.#send(url, 'GET', {}, undefined);
    if (answer.error !== null) return answer.error;
    if (answer.status !== 200) return `the callback URL answered HTTP ${answer.status}, not 200`;
    if (answer.body.trim() !== challenge) {
      return 'the callback URL did not answer with the hub.challenge it was sent';
    }
    return null;
  }

  /** POSTs the event body, signed with the integration's app secret. */
  post(callbackUrl: string, body: string, appSecret: string): Promise<Answer> {
    return this.#send(
      new URL(callbackUrl),
      'POST',
      {
        'content-type': 'application/json',
        'x-hub-signature-256': signatureOf(body, appSecret),
        // Receivers written before SHA-256 signatures check this one.
        'x-hub-signature': `sha1=${createHmac('sha1', appSecret).update(body).digest('hex')}`,
      },
      body,
    );
  }

  close(): Promise<void> {
    return this.#agent.close();
  }

  async #send(
    url: URL,
    method: 'GET' | 'POST',
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<Answer> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0 && !this.#options.allowPrivate) {
      const what = refusedRange(literal);
      if (what !== undefined) {
        return {
          status: null,
          body: '',
          latencyMs: 0,
          error: new RefusedAddressError(literal, what).message,
        };
      }
    }
    try {
      const response = await request(url, {
        method,
        headers: { 'user-agent': 'dyi-export-webhooks/1', ...headers },
        ...(body !== undefined && { body }),
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= RESPONSE_LIMIT_BYTES) {
          response.body.destroy();
          break;
        }
      }
      const text = Buffer.concat(chunks).subarray(0, RESPONSE_LIMIT_BYTES).toString('utf8');
      return { status: response.statusCode, body: text, latencyMs: elapsed(), error: null };
    } catch (error) {
      return {
        status: null,
        body: '',
        latencyMs: elapsed(),
        error: describeFailure(error, this.#options.timeoutMs),
      };
    }
  }

  #lookup(host: string, options: LookupOptions, callback: LookupCallback): void {
    dnsLookup(host, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '');
        return;
      }
      const usable = this.#options.allowPrivate
        ? addresses
        : addresses.filter((entry) => refusedRange(entry.address) === undefined);
      const first = addresses[0];
      if (usable.length === 0 || !first) {
        const refused = new RefusedAddressError(
          first?.address ?? host,
          (first && refusedRange(first.address)) ?? 'not resolvable',
        );
        callback(Object.assign(refused, { code: 'EWEBHOOKREFUSED' }), '');
        return;
      }
      if (options.all) callback(null, usable);
      else callback(null, usable[0]?.address ?? '', usable[0]?.family);
    });
  }
}

/** One line saying why a request failed, for the delivery log. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') {
    return `no answer within ${timeoutMs} ms (timed out)`;
  }
  const cause = error.cause instanceof Error ? error.cause : undefined;
  if (cause instanceof RefusedAddressError || error instanceof RefusedAddressError) {
    return (cause ?? error).message;
  }
  if (/refused to connect to/.test(error.message)) return error.message;
  if (cause && /refused to connect to/.test(cause.message)) return cause.message;
  const code = (error as { code?: string }).code ?? (cause as { code?: string } | undefined)?.code;
  return code ? `${code}: ${cause?.message ?? error.message}` : error.message;
}
