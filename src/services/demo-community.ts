/**
 * @module
 * The demo a new user meets on the first `npm start`: a synthetic community of 50 members
 * with content of every kind (`dyi seed`), an integration, an admin panel account, and an
 * export of everything. Recorded in settings, so later starts find it again and can hand out a
 * fresh token (revoking the one the last start printed) and admin password for it.
 */
import { randomBytes } from 'node:crypto';
import { type Community, DATA_TYPES, type Id } from '../domain/index.js';
import { seedCommunity } from '../content/seed-community.js';
import { unixSeconds } from '../ports/clock.js';
import type { Runtime } from '../runtime.js';

const DEMO_KEY = 'demo_community_id';
/** Members of the demo: enough to page through, few enough to export in seconds. */
const DEMO_USERS = 50;
const DEMO_SEED = 1;
const DEMO_EXPORT_KEY = 'demo-export';
/** Settings key of the token the last start printed; the next start revokes it. */
const DEMO_TOKEN_KEY = 'demo_token_id';
/** The demo's admin panel account; its password is new at every start, like the token. */
export const DEMO_ADMIN_EMAIL = 'admin@demo.example';

export interface DemoAccess {
  readonly community: Community;
  /** A new token with both permissions, for this start only to print (the last one is revoked). */
  readonly token: string;
  /** The demo was made just now. */
  readonly created: boolean;
  /** The demo's export, made with the community (it completes once workers run it). */
  readonly exportId: Id | undefined;
  /** A sign-in for the admin panel, with a password new at this start. */
  readonly admin: { readonly email: string; readonly password: string };
}

/**
 * On an empty data dir, creates the demo; when the demo exists, returns it with a fresh
 * token. Returns undefined when the data dir holds communities but no demo (a real install).
 */
export async function ensureDemoCommunity(runtime: Runtime): Promise<DemoAccess | undefined> {
  const existing = await runtime.communities.list();
  const marker = await runtime.metadata.settings.getOrCreate(DEMO_KEY, () =>
    existing.length === 0 ? 'pending' : 'none',
  );
  if (marker === 'none') return undefined;
  if (marker !== 'pending') {
    const community = await runtime.communities.get(marker);
    const exportJob = await runtime.metadata.exports.findByIdempotencyKey(
      community.id,
      DEMO_EXPORT_KEY,
    );
    return {
      community,
      token: await demoToken(runtime, community.id),
      created: false,
      exportId: exportJob?.id,
      admin: await demoAdmin(runtime, community.id),
    };
  }
  const seeded = await seedCommunity(runtime, {
    users: DEMO_USERS,
    seed: DEMO_SEED,
    name: 'Demo Community',
  });
  await runtime.imports.recordSeed(seeded, DEMO_USERS, DEMO_SEED);
  const community = await runtime.communities.get(seeded.communityId);
  await runtime.access.createIntegration(community.id, { name: 'Demo integration' });
  const exportJob = await runtime.exports.create(community.id, {
    data_types: DATA_TYPES.join(','),
    dyi_format: 'HTML_AND_JSON',
    media_quality: 'MEDIUM',
    start_time: '0',
    idempotency_key: DEMO_EXPORT_KEY,
  });
  await runtime.metadata.settings.set(DEMO_KEY, community.id);
  return {
    community,
    token: await demoToken(runtime, community.id),
    created: true,
    exportId: exportJob.id,
    admin: await demoAdmin(runtime, community.id),
  };
}

/** The demo admin, created on first use, with a new random password each time. */
async function demoAdmin(
  runtime: Runtime,
  communityId: Id,
): Promise<{ email: string; password: string }> {
  const password = randomBytes(12).toString('base64url');
  const exists = await runtime.metadata.admins.findByEmail(DEMO_ADMIN_EMAIL);
  if (exists) await runtime.admins.setPassword(DEMO_ADMIN_EMAIL, password);
  else await runtime.admins.createAdmin(communityId, DEMO_ADMIN_EMAIL, password);
  return { email: DEMO_ADMIN_EMAIL, password };
}

/**
 * A new token for the demo; the one the previous start printed is revoked, so that demo
 * tokens do not pile up (each start prints its own).
 */
async function demoToken(runtime: Runtime, communityId: Id): Promise<string> {
  const [integration] = await runtime.metadata.integrations.list(communityId);
  const integrationId =
    integration?.id ??
    (await runtime.access.createIntegration(communityId, { name: 'Demo integration' })).id;
  const previous = await runtime.metadata.settings.getOrCreate(DEMO_TOKEN_KEY, () => '');
  if (previous !== '') await runtime.metadata.tokens.revoke(previous, unixSeconds(runtime.clock));
  const { token, record } = await runtime.access.createToken(integrationId, [
    'read_company_data_exports',
    'manage_company_data_exports',
  ]);
  await runtime.metadata.settings.set(DEMO_TOKEN_KEY, record.id);
  return token;
}
