/**
 * The usage headers on the wire while calls of two communities, two tokens each, take turns:
 * each answer carries its own token's and community's figures, as `JSON.stringify` writes
 * them, whatever answer came before (the header texts are kept while figures stay the same;
 * `src/graph/usage-header-texts.ts`). Answered again from the answer memo or not, every call is
 * counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GraphFixture,
  graph,
  type SeededCommunity,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';

const TOKEN_CALLS = 7;
const COMMUNITY_CALLS = 11;

const percent = (calls: number, budget: number): number => Math.floor((calls / budget) * 100);

describe('usage headers of calls taking turns', () => {
  let fixture: GraphFixture;
  let acme: SeededCommunity;
  let beta: SeededCommunity;

  beforeAll(async () => {
    fixture = await startGraphFixture({
      rateLimitCalls: TOKEN_CALLS,
      communityRateLimitCalls: COMMUNITY_CALLS,
      rateLimitWindowSeconds: 3600,
    });
    acme = await seedCommunity(fixture.runtime, 'Acme');
    beta = await seedCommunity(fixture.runtime, 'Beta');
  });
  afterAll(() => fixture.close());

  it("carries each call's own token and community figures", async () => {
    const callers = [
      { community: acme, token: acme.readToken },
      { community: beta, token: beta.readToken },
      { community: acme, token: acme.manageToken },
      { community: beta, token: beta.manageToken },
    ];
    // Turns where the figures are the same and the community is not: Acme's and Beta's first
    // calls of a round, then their second ones.
    for (let round = 1; round <= 5; round++) {
      for (const [i, { community, token }] of callers.entries()) {
        const answer = await graph(fixture.app, 'GET', '/community', { token });
        expect(answer.status).toBe(200);
        const appUsage = String(answer.headers['x-app-usage']);
        const parsed = JSON.parse(appUsage) as { call_count: number };
        expect(parsed.call_count).toBe(percent(round, TOKEN_CALLS));
        expect(appUsage).toBe(JSON.stringify(parsed));
        const businessUse = String(answer.headers['x-business-use-case-usage']);
        const usage = JSON.parse(businessUse) as Record<string, [{ call_count: number }]>;
        expect(Object.keys(usage)).toEqual([community.community.id]);
        const communityCalls = 2 * (round - 1) + (i < 2 ? 1 : 2);
        expect(usage[community.community.id]?.[0]).toMatchObject({
          type: 'pages',
          call_count: percent(communityCalls, COMMUNITY_CALLS),
          estimated_time_to_regain_access: 0,
        });
        expect(businessUse).toBe(JSON.stringify(usage));
      }
    }
  });
});
