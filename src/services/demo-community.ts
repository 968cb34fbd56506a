/**
 * @module
 * The demo a new user meets on the first `npm start`: a community with a few members, an
 * integration, and an export. Recorded in settings, so later starts find it again and can hand
 * out a fresh token for it.
 */
import type { Community, Id } from '../domain/index.js';
import type { Runtime } from '../runtime.js';

const DEMO_KEY = 'demo_community_id';
const DEMO_MEMBERS = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Katherine Johnson',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Donald Knuth',
  'Margaret Hamilton',
];

export interface DemoAccess {
  readonly community: Community;
  /** A new token with both permissions, for this start only to print. */
  readonly token: string;
  /** The demo was made just now. */
  readonly created: boolean;
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
    return { community, token: await demoToken(runtime, community.id), created: false };
  }
  const community = await runtime.communities.create('Demo Community');
  for (const [index, name] of DEMO_MEMBERS.entries()) {
    await runtime.communities.addMember(community.id, {
      name,
      email: `${name.split(' ')[0]?.toLowerCase() ?? 'member'}.${index + 1}@demo.example`,
      status: 'active',
    });
  }
  await runtime.access.createIntegration(community.id, { name: 'Demo integration' });
  await runtime.exports.create(community.id, {
    data_types: [
      'WORKPLACE_COMPANY_METADATA_COMPANY_INFO',
      'POSTS_YOUR_ACTIVITY',
      'PROFILE_PERSONAL_INFO',
    ],
    dyi_format: 'HTML_AND_JSON',
    media_quality: 'MEDIUM',
    idempotency_key: 'demo-export',
  });
  await runtime.metadata.settings.set(DEMO_KEY, community.id);
  return { community, token: await demoToken(runtime, community.id), created: true };
}

async function demoToken(runtime: Runtime, communityId: Id): Promise<string> {
  const [integration] = await runtime.metadata.integrations.list(communityId);
  const integrationId =
    integration?.id ??
    (await runtime.access.createIntegration(communityId, { name: 'Demo integration' })).id;
  const { token } = await runtime.access.createToken(integrationId, [
    'read_company_data_exports',
    'manage_company_data_exports',
  ]);
  return token;
}
