/**
 * When a token was last used, as `dyi token list` shows it: recorded on a token's first call,
 * then at most once a minute however many calls it makes (each write ends every cached
 * credential, so it must stay rare), whether the call was answered from the credential cache
 * or from the store.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type GraphFixture,
  ManualClock,
  type SeededCommunity,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';

const clock = new ManualClock();
let fixture: GraphFixture;
let acme: SeededCommunity;

beforeAll(async () => {
  fixture = await startGraphFixture({}, clock);
  acme = await seedCommunity(fixture.runtime, 'Acme', 1);
});

afterAll(async () => {
  await fixture.close();
});

async function call(token: string): Promise<void> {
  const answer = await fixture.app.inject({ url: `/community?access_token=${token}` });
  expect(answer.statusCode).toBe(200);
}

async function lastUse(token: string): Promise<number | null | undefined> {
  const { hashToken } = await import('../src/services/access-service.js');
  return (await fixture.runtime.metadata.tokens.findByHash(hashToken(token)))?.lastUseTime;
}

it('records the first use at once, then at most once a minute', async () => {
  const start = Math.floor(clock.now() / 1000);
  expect(await lastUse(acme.readToken)).toBeNull();
  await call(acme.readToken);
  expect(await lastUse(acme.readToken)).toBe(start);

  clock.advance(30_000);
  for (let i = 0; i < 5; i++) await call(acme.readToken);
  expect(await lastUse(acme.readToken)).toBe(start);

  clock.advance(30_000);
  await call(acme.readToken);
  expect(await lastUse(acme.readToken)).toBe(start + 60);
  await call(acme.readToken);
  expect(await lastUse(acme.readToken)).toBe(start + 60);
  expect(await lastUse(acme.manageToken)).toBeNull();
});
