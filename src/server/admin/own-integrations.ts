/**
 * @module
 * How the integration and token pages load what a URL names: only from the signed-in admin's
 * community. An id of another community's integration or token is answered exactly like an id
 * that names nothing (NotFoundError, a 404 page), so ids tell nothing about other communities.
 */
import {
  type AccessTokenRecord,
  type Id,
  type Integration,
  NotFoundError,
} from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import type { PanelSession } from './admin-layout.js';

export async function ownIntegration(
  runtime: Runtime,
  session: PanelSession,
  id: Id,
): Promise<Integration> {
  const integration = await runtime.metadata.integrations.get(id);
  if (integration?.communityId !== session.community.id) throw new NotFoundError(id);
  return integration;
}

export async function ownToken(
  runtime: Runtime,
  session: PanelSession,
  id: Id,
): Promise<AccessTokenRecord> {
  const token = await runtime.metadata.tokens.get(id);
  if (token?.communityId !== session.community.id) throw new NotFoundError(id);
  return token;
}
