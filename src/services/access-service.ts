/**
 * @module
 * Integrations and their access tokens: creating, renaming, deleting, revoking, and turning a presented token
 * (with its optional `appsecret_proof`) into a Principal. Tokens are random, shown once, and
 * stored only as SHA-256 hashes; lookups compare hashes in constant time.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  AppSecretProofError,
  type AccessTokenRecord,
  type AuditAct,
  type AuditContext,
  type AuditDetails,
  type AuditEntry,
  auditEntry,
  type AuditTarget,
  SYSTEM_AUDIT_CONTEXT,
  type Id,
  type Integration,
  InvalidTokenError,
  NotFoundError,
  PERMISSIONS,
  type Permission,
  type Principal,
  ValidationError,
} from '../domain/index.js';
import { type Clock, unixSeconds } from '../ports/clock.js';
import type { MetadataStore, TokenCredential } from '../ports/metadata-store.js';

const integrationTarget = (communityId: Id, id: Id | null): AuditTarget => ({
  communityId,
  objectType: 'integration',
  objectId: id,
});

const tokenTarget = (communityId: Id, id: Id | null): AuditTarget => ({
  communityId,
  objectType: 'access_token',
  objectId: id,
});

/** Tokens start with this, so that leaked ones can be recognised by secret scanners. */
const TOKEN_PREFIX = 'DYI1';
/** Tokens whose credentials are kept between requests. */
const CREDENTIAL_CACHE_SIZE = 10_000;
/**
 * How often a token's last use is written, in seconds: `dyi token list` shows it to the minute,
 * and each write also ends every cached credential (it moves the store's change mark).
 */
const LAST_USE_RESOLUTION_SECONDS = 60;
/** How far `appsecret_time` may be from now, in seconds. */
const APPSECRET_TIME_WINDOW_SECONDS = 300;

export interface PresentedCredentials {
  readonly token: string;
  readonly appsecretProof?: string | undefined;
  readonly appsecretTime?: string | undefined;
}

/** A valid token's credential and the Principal it stands for, under a store change mark. */
interface KnownToken {
  readonly mark: number;
  readonly credential: TokenCredential;
  readonly principal: Principal;
}

export class AccessService {
  readonly #store: MetadataStore;
  readonly #clock: Clock;
  readonly #credentials = new Map<string, KnownToken>();
  /** The last use written for each token id by this process, Unix seconds. */
  readonly #usesWritten = new Map<Id, number>();

  constructor(store: MetadataStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  async createIntegration(
    communityId: Id,
    input: { name: string; requireAppsecretProof?: boolean },
    by: AuditContext = SYSTEM_AUDIT_CONTEXT,
  ): Promise<Integration> {
    const name = integrationName(input.name);
    if (!(await this.#store.communities.get(communityId))) throw new NotFoundError(communityId);
    const now = unixSeconds(this.#clock);
    const requireAppsecretProof = input.requireAppsecretProof ?? false;
    return this.#store.integrations.create(
      {
        communityId,
        name,
        appSecret: randomBytes(16).toString('hex'),
        requireAppsecretProof,
        createTime: now,
      },
      auditEntry(by, 'integration.create', integrationTarget(communityId, null), now, {
        name,
        require_appsecret_proof: requireAppsecretProof,
      }),
    );
  }

  async renameIntegration(
    integrationId: Id,
    newName: string,
    by: AuditContext = SYSTEM_AUDIT_CONTEXT,
  ): Promise<void> {
    const name = integrationName(newName);
    const audit = await this.#integrationAudit(by, 'integration.rename', integrationId, { name });
    if (!(await this.#store.integrations.rename(integrationId, name, audit))) {
      throw new NotFoundError(integrationId);
    }
  }

  /** Deletes the integration and its tokens; answers how many of them were still active. */
  async deleteIntegration(
    integrationId: Id,
    by: AuditContext = SYSTEM_AUDIT_CONTEXT,
  ): Promise<number> {
    const audit = await this.#integrationAudit(by, 'integration.delete', integrationId);
    const activeTokens = await this.#store.integrations.delete(integrationId, audit);
    if (activeTokens === undefined) throw new NotFoundError(integrationId);
    return activeTokens;
  }

  /** The audit entry of an act on the integration; undefined when there is none (NotFound follows). */
  async #integrationAudit(
    by: AuditContext,
    act: AuditAct,
    integrationId: Id,
    details?: AuditDetails,
  ): Promise<AuditEntry | undefined> {
    const integration = await this.#store.integrations.get(integrationId);
    if (!integration) return undefined;
    const target = integrationTarget(integration.communityId, integrationId);
    return auditEntry(by, act, target, unixSeconds(this.#clock), details);
  }

  async setRequireAppsecretProof(
    integrationId: Id,
    required: boolean,
    by: AuditContext = SYSTEM_AUDIT_CONTEXT,
  ): Promise<void> {
    const audit = await this.#integrationAudit(by, 'integration.appsecret_proof', integrationId, {
      required,
    });
    if (!audit) throw new NotFoundError(integrationId);
    await this.#store.integrations.setRequireAppsecretProof(integrationId, required, audit);
  }

  /** Creates a token; the returned `token` is the only time the secret is ever seen. */
  async createToken(
    integrationId: Id,
    permissions: readonly string[],
    by: AuditContext = SYSTEM_AUDIT_CONTEXT,
  ): Promise<{ token: string; record: AccessTokenRecord }> {
    const integration = await this.#store.integrations.get(integrationId);
    if (!integration) throw new NotFoundError(integrationId);
    const granted = parsePermissions(permissions);
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const now = unixSeconds(this.#clock);
    const record = await this.#store.tokens.create(
      {
        integrationId,
        communityId: integration.communityId,
        tokenHash: hashToken(token),
        hint: token.slice(-4),
        permissions: granted,
        createTime: now,
      },
      auditEntry(by, 'token.create', tokenTarget(integration.communityId, null), now, {
        integration_id: integrationId,
        permissions: granted.join(','),
      }),
    );
    return { token, record };
  }

  /** Revokes by token id or by the token itself; revoking twice is an error that says so. */
  async revokeToken(
    tokenOrId: string,
    by: AuditContext = SYSTEM_AUDIT_CONTEXT,
  ): Promise<AccessTokenRecord> {
    const record = /^\d+$/.test(tokenOrId)
      ? await this.#store.tokens.get(tokenOrId)
      : await this.#store.tokens.findByHash(hashToken(tokenOrId));
    if (!record) throw new NotFoundError(/^\d+$/.test(tokenOrId) ? tokenOrId : 'token');
    const now = unixSeconds(this.#clock);
    const audit = auditEntry(by, 'token.revoke', tokenTarget(record.communityId, record.id), now, {
      integration_id: record.integrationId,
    });
    const revoked = await this.#store.tokens.revoke(record.id, now, audit);
    if (!revoked) {
      throw new ValidationError('token', `Access token ${record.id} was already revoked.`);
    }
    return { ...record, revokeTime: unixSeconds(this.#clock) };
  }

  /**
   * The Principal a token stands for; throws InvalidTokenError or AppSecretProofError. Every
   * request authenticates, so a known token is answered synchronously: valid credentials are
   * kept while the store's change mark stays the same, and any commit anywhere (a revocation
   * from the CLI included) changes the mark and sends the next request back to the store.
   */
  authenticate(credentials: PresentedCredentials): Principal | Promise<Principal> {
    const known = this.#credentials.get(credentials.token);
    if (known && known.mark === this.#store.changeMark()) {
      this.#checkAppsecretProof(known.credential.integration, credentials);
      this.#recordUse(known.principal.tokenId, null);
      return known.principal;
    }
    return this.#authenticateFromStore(credentials);
  }

  /**
   * Writes the token's last use when the one on record is a minute old or more. Not awaited: a
   * call never waits for it (the database may be busy with an import) nor fails with it; a
   * write that fails is tried again at the token's next call.
   */
  #recordUse(tokenId: Id, stored: number | null): void {
    const now = unixSeconds(this.#clock);
    const last = Math.max(this.#usesWritten.get(tokenId) ?? -Infinity, stored ?? -Infinity);
    if (now - last < LAST_USE_RESOLUTION_SECONDS) return;
    if (this.#usesWritten.size >= CREDENTIAL_CACHE_SIZE) this.#usesWritten.clear();
    this.#usesWritten.set(tokenId, now);
    this.#store.tokens.recordUse(tokenId, now).catch(() => {
      if (this.#usesWritten.get(tokenId) === now) this.#usesWritten.delete(tokenId);
    });
  }

  async #authenticateFromStore(credentials: PresentedCredentials): Promise<Principal> {
    const mark = this.#store.changeMark();
    const { token } = credentials;
    const presentedHash = hashToken(token);
    const record = await this.#store.tokens.findByHash(presentedHash);
    if (
      !record ||
      !timingSafeEqual(Buffer.from(record.tokenHash, 'hex'), Buffer.from(presentedHash, 'hex'))
    ) {
      throw new InvalidTokenError('Invalid OAuth access token - Cannot parse access token');
    }
    if (record.revokeTime !== null) {
      throw new InvalidTokenError(
        'Error validating access token: The access token has been revoked; ask an admin for a new one.',
        452,
      );
    }
    this.#checkAppsecretProof(record.integration, credentials);
    const principal: Principal = {
      tokenId: record.id,
      integrationId: record.integrationId,
      communityId: record.communityId,
      permissions: record.permissions,
    };
    this.#recordUse(record.id, record.lastUseTime);
    if (this.#credentials.size >= CREDENTIAL_CACHE_SIZE) this.#credentials.clear();
    this.#credentials.set(token, { mark, credential: record, principal });
    return principal;
  }

  #checkAppsecretProof(integration: Integration, credentials: PresentedCredentials): void {
    const { appsecretProof: proof, appsecretTime: time } = credentials;
    if (proof === undefined) {
      if (integration.requireAppsecretProof) {
        throw new AppSecretProofError(
          'appsecret_proof is required for this integration: send hex HMAC-SHA256(app secret, access token) as appsecret_proof.',
        );
      }
      return;
    }
    let message = credentials.token;
    if (time !== undefined) {
      const seconds = Number(time);
      const now = unixSeconds(this.#clock);
      if (!/^\d{1,12}$/.test(time) || Math.abs(now - seconds) > APPSECRET_TIME_WINDOW_SECONDS) {
        throw new AppSecretProofError(
          `appsecret_time must be Unix seconds within ${APPSECRET_TIME_WINDOW_SECONDS} seconds of the server's time (${now}).`,
        );
      }
      message = `${credentials.token}|${time}`;
    }
    const expected = createHmac('sha256', integration.appSecret).update(message).digest();
    const given = /^[0-9a-f]{64}$/i.test(proof) ? Buffer.from(proof, 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppSecretProofError(
        'Invalid appsecret_proof provided in the API argument: it must be hex HMAC-SHA256(app secret, access token' +
          (time === undefined ? ')' : ' + "|" + appsecret_time)'),
      );
    }
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function parsePermissions(values: readonly string[]): Permission[] {
  const names = values.flatMap((value) => value.split(',')).map((value) => value.trim());
  const unknown = names.filter((name) => !(PERMISSIONS as readonly string[]).includes(name));
  if (names.length === 0 || names.every((n) => n === '') || unknown.length > 0) {
    throw new ValidationError(
      'permission',
      `Unknown permission ${
        unknown
          .filter(Boolean)
          .map((u) => `"${u}"`)
          .join(', ') || '(none given)'
      }; allowed: ${PERMISSIONS.join(', ')}.`,
    );
  }
  return [...new Set(names as Permission[])];
}

/** The name trimmed, or a ValidationError saying what a name may be. */
function integrationName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) {
    throw new ValidationError('name', 'An integration name must have 1 to 200 characters.');
  }
  return trimmed;
}
