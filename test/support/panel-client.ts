/**
 * @module
 * A browser-like client of the admin panel over Fastify `inject()`: it keeps cookies, signs
 * in through the real sign-in form, and posts forms with the CSRF token the page it came from
 * carried, the way a browser submitting that page would. For tests of what the panel answers;
 * the end-to-end tests drive a real Chromium instead.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Runtime } from '../../src/runtime.js';

export interface PanelResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: LightMyRequestResponse['headers'];
  /** Where a redirect points, if it is one. */
  readonly location: string | undefined;
}

export const PANEL_PASSWORD = 'correct horse battery staple';

/** Creates an admin of the community with `PANEL_PASSWORD`. */
export async function createPanelAdmin(
  runtime: Runtime,
  communityId: string,
  email = 'admin@example.test',
): Promise<string> {
  await runtime.admins.createAdmin(communityId, email, PANEL_PASSWORD);
  return email;
}

export class PanelClient {
  readonly #app: FastifyInstance;
  readonly #remoteAddress: string | undefined;
  readonly #cookies = new Map<string, string>();

  /** `remoteAddress`: the client address the server sees (inject's default is 127.0.0.1). */
  constructor(app: FastifyInstance, remoteAddress?: string) {
    this.#app = app;
    this.#remoteAddress = remoteAddress;
  }

  /** Signs in through the sign-in page; throws when the panel does not let it in. */
  static async signedIn(
    app: FastifyInstance,
    email: string,
    password = PANEL_PASSWORD,
  ): Promise<PanelClient> {
    const client = new PanelClient(app);
    const answer = await client.submit('/admin/sign-in', { email, password });
    if (answer.status !== 303 || answer.location !== '/admin/exports') {
      throw new Error(`sign-in failed with ${answer.status}: ${answer.body.slice(0, 500)}`);
    }
    return client;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<PanelResponse> {
    return this.request('GET', url, undefined, headers);
  }

  /** Posts a urlencoded form as is: no CSRF token is added. */
  post(url: string, form: Record<string, string | readonly string[]>): Promise<PanelResponse> {
    return this.request('POST', url, form);
  }

  /**
   * Loads the page that holds the form (`formPage`, by default the action itself), then posts
   * `form` to `action` with that page's CSRF token, as submitting the form in a browser would.
   */
  async submit(
    action: string,
    form: Record<string, string | readonly string[]>,
    formPage = action,
  ): Promise<PanelResponse> {
    const page = await this.get(formPage);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (token === undefined) throw new Error(`no CSRF token on ${formPage} (${page.status})`);
    return this.post(action, { _csrf: token, ...form });
  }

  async request(
    method: 'GET' | 'POST',
    url: string,
    form?: Record<string, string | readonly string[]>,
    headers: Record<string, string> = {},
  ): Promise<PanelResponse> {
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await this.#app.inject({
      method,
      url,
      ...(this.#remoteAddress !== undefined && { remoteAddress: this.#remoteAddress }),
      headers: {
        ...headers,
        ...(cookie && { cookie }),
        ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(form && { payload: encodeForm(form) }),
    });
    for (const set of response.cookies) {
      const expired = set.maxAge === 0 || (set.expires !== undefined && set.expires < new Date());
      if (expired || set.value === '') this.#cookies.delete(set.name);
      else this.#cookies.set(set.name, set.value);
    }
    const location = response.headers.location;
    return {
      status: response.statusCode,
      body: response.body,
      headers: response.headers,
      location: typeof location === 'string' ? location : undefined,
    };
  }
}

function encodeForm(form: Record<string, string | readonly string[]>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    for (const each of typeof value === 'string' ? [value] : value) params.append(name, each);
  }
  return params.toString();
}
