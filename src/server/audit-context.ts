/**
 * @module
 * Who a request acts as, for the audit trail: the client as the server sees it (Fastify's
 * `request.ip`, which follows DYI_TRUST_PROXY) with its user agent, and the integration's
 * token or the signed-in admin. Never the token, cookie or signature themselves.
 */
import type { FastifyRequest } from 'fastify';
import type { Admin, AuditClient, AuditContext, Principal } from '../domain/index.js';

export function auditClientOf(request: FastifyRequest): AuditClient {
  const agent = request.headers['user-agent'];
  return { address: request.ip, userAgent: typeof agent === 'string' ? agent : null };
}

/** A Graph API call by an integration's token. */
export function integrationAuditContext(
  request: FastifyRequest,
  principal: Principal,
): AuditContext {
  return {
    actor: {
      type: 'integration',
      integrationId: principal.integrationId,
      tokenId: principal.tokenId,
    },
    client: auditClientOf(request),
  };
}

/** A form of the admin panel, sent by a signed-in admin. */
export function adminAuditContext(request: FastifyRequest, admin: Admin): AuditContext {
  return {
    actor: { type: 'admin', adminId: admin.id, adminEmail: admin.email },
    client: auditClientOf(request),
  };
}

/** A download that carried only its URL's signature. */
export function signedUrlAuditContext(request: FastifyRequest): AuditContext {
  return { actor: { type: 'signed_url' }, client: auditClientOf(request) };
}
