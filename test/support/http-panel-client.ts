/**
 * @module
 * A browser-like client of the admin panel over real HTTP (`fetch`), for servers in other
 * processes: it keeps cookies, follows no redirects by itself, and posts forms with the CSRF
 * token of the page they came from, as a browser submitting that page would. Each answer says
 * which backend served it when a test balancer is in between. The in-process twin, over
 * Fastify `inject()`, is `panel-client.ts`.
 */
import { BACKEND_HEADER } from './round-robin-balancer.js';

export interface HttpPanelResponse {
  readonly status: number;
  readonly body: string;
  /** Where a redirect points, if it is one. */
  readonly location: string | undefined;
  /** The balancer's `x-test-backend`, or null without one. */
  readonly backend: string | null;
}

export class HttpPanelClient {
  readonly #origin: string;
  readonly #cookies = new Map<string, string>();

  /** A client of the panel at `origin`; sign-in cookies and all stay with that origin. */
  constructor(origin: string) {
    this.#origin = origin;
  }

  /** Signs in through the sign-in page; throws when the panel does not let it in. */
  static async signedIn(origin: string, email: string, password: string) {
    const client = new HttpPanelClient(origin);
    const answer = await client.submit('/admin/sign-in', { email, password });
    if (answer.status !== 303) {
      throw new Error(`sign-in failed with ${answer.status}: ${answer.body.slice(0, 500)}`);
    }
    return client;
  }

  /**
   * Loads the page that holds the form (`formPage`, by default the action itself), then posts
   * `form` to `action` with that page's CSRF token.
   */
  async submit(
    action: string,
    form: Record<string, string>,
    formPage = action,
  ): Promise<HttpPanelResponse> {
    const page = await this.request('GET', formPage);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (token === undefined) throw new Error(`no CSRF token on ${formPage} (${page.status})`);
    return this.request('POST', action, { _csrf: token, ...form });
  }

  /** A GET whose answer is left unread, for streams (`/admin/live`); abort it with `signal`. */
  open(pathAndQuery: string, signal: AbortSignal): Promise<Response> {
    return fetch(new URL(pathAndQuery, this.#origin), {
      headers: { cookie: this.#cookieHeader() },
      signal,
    });
  }

  async request(
    method: 'GET' | 'POST',
    pathAndQuery: string,
    form?: Record<string, string>,
  ): Promise<HttpPanelResponse> {
    const cookie = this.#cookieHeader();
    const response = await fetch(new URL(pathAndQuery, this.#origin), {
      method,
      redirect: 'manual',
      headers: {
        ...(cookie && { cookie }),
        ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(form && { body: new URLSearchParams(form).toString() }),
    });
    for (const set of response.headers.getSetCookie()) this.#keep(set);
    return {
      status: response.status,
      body: await response.text(),
      location: response.headers.get('location') ?? undefined,
      backend: response.headers.get(BACKEND_HEADER),
    };
  }

  #cookieHeader(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Keeps (or, when it is expired or emptied, forgets) one `set-cookie`. */
  #keep(setCookie: string): void {
    const [pair = '', ...attributes] = setCookie.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key = '', given = ''] = attribute.trim().split('=');
      if (key.toLowerCase() === 'max-age') return Number(given) <= 0;
      if (key.toLowerCase() === 'expires') return Date.parse(given) < Date.now();
      return false;
    });
    if (expired || value === '') this.#cookies.delete(name);
    else this.#cookies.set(name, value);
  }
}
