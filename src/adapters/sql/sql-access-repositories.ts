/**
 * @module
 * Integrations and access tokens (tables `integrations`, `access_tokens`), the same on SQLite
 * and PostgreSQL (`SqlEngine` gives the engine's reads, ids and locks). Tokens are stored only
 * as SHA-256 hashes; one joined read gives authentication all it needs.
 */
import type { Kysely } from 'kysely';
import type { AccessTokenRecord, AuditEntry, Id, Integration } from '../../domain/index.js';
import type {
  IntegrationRepository,
  NewAccessToken,
  TokenCredential,
  TokenRepository,
} from '../../ports/metadata-store.js';
import { integrationReads, tokenReads } from './metadata-reads.js';
import type { AccessTokensTable, IntegrationsTable, MetadataTables } from './metadata-tables.js';
import { type CredentialRow, toCredential, toIntegration, toToken } from './metadata-rows.js';
import { toRowId } from './object-ids.js';
import { appendAudit, writeAudited } from './sql-audit-repository.js';
import type { SqlEngine } from './sql-engine.js';

export class SqlIntegrationRepository implements IntegrationRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {}

  create(input: Omit<Integration, 'id'>, audit?: AuditEntry): Promise<Integration> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const id = await this.engine.newObjectId(trx, 'integration', input.communityId);
        const row: IntegrationsTable = {
          id,
          community_id: Number(input.communityId),
          name: input.name,
          app_secret: input.appSecret,
          require_appsecret_proof: input.requireAppsecretProof ? 1 : 0,
          create_time: input.createTime,
        };
        await trx.insertInto('integrations').values(row).execute();
        if (audit) await appendAudit(trx, this.engine, audit, String(id));
        return toIntegration(row);
      });
  }

  async get(id: Id): Promise<Integration | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.engine.queryOne<IntegrationsTable>(this.db(), integrationReads.byId, [
      rowId,
    ]);
    return row && toIntegration(row);
  }

  async list(communityId: Id): Promise<readonly Integration[]> {
    const rows = await this.engine.query<IntegrationsTable>(
      this.db(),
      integrationReads.ofCommunity,
      [Number(communityId)],
    );
    return rows.map(toIntegration);
  }

  async setRequireAppsecretProof(id: Id, required: boolean, audit?: AuditEntry): Promise<void> {
    await writeAudited(this.db, this.engine, audit, async (db) => {
      const result = await db
        .updateTable('integrations')
        .set({ require_appsecret_proof: required ? 1 : 0 })
        .where('id', '=', Number(id))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  async rename(id: Id, name: string, audit?: AuditEntry): Promise<boolean> {
    const rowId = toRowId(id);
    if (rowId === undefined) return false;
    return writeAudited(this.db, this.engine, audit, async (db) => {
      const result = await db
        .updateTable('integrations')
        .set({ name })
        .where('id', '=', rowId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  delete(id: Id, audit?: AuditEntry): Promise<number | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return Promise.resolve(undefined);
    return this.db()
      .transaction()
      .execute(async (trx) => {
        // Locks the integration first: a token created for it meanwhile waits, then fails.
        const integration = await this.engine
          .forUpdate(trx.selectFrom('integrations').select('id').where('id', '=', rowId))
          .executeTakeFirst();
        if (!integration) return undefined;
        // Rows go before the objects rows they reference (foreign keys).
        const tokens = await trx
          .deleteFrom('access_tokens')
          .where('integration_id', '=', rowId)
          .returning(['id', 'revoke_time'])
          .execute();
        await this.engine.deleteObjects(
          trx,
          tokens.map((token) => token.id),
        );
        await trx.deleteFrom('integrations').where('id', '=', rowId).execute();
        await this.engine.deleteObjects(trx, [rowId]);
        if (audit) await appendAudit(trx, this.engine, audit);
        return tokens.filter((token) => token.revoke_time === null).length;
      });
  }
}

export class SqlTokenRepository implements TokenRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {}

  create(token: NewAccessToken, audit?: AuditEntry): Promise<AccessTokenRecord> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const id = await this.engine.newObjectId(trx, 'access_token', token.communityId);
        const row: AccessTokensTable = {
          id,
          integration_id: Number(token.integrationId),
          community_id: Number(token.communityId),
          token_hash: token.tokenHash,
          hint: token.hint,
          permissions: token.permissions.join(','),
          create_time: token.createTime,
          revoke_time: null,
          last_use_time: null,
        };
        await trx.insertInto('access_tokens').values(row).execute();
        if (audit) await appendAudit(trx, this.engine, audit, String(id));
        return toToken(row);
      });
  }

  async findByHash(tokenHash: string): Promise<TokenCredential | undefined> {
    const row = await this.engine.queryOne<CredentialRow>(this.db(), tokenReads.credentialByHash, [
      tokenHash,
    ]);
    return row && toCredential(row);
  }

  async get(id: Id): Promise<AccessTokenRecord | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.engine.queryOne<AccessTokensTable>(this.db(), tokenReads.byId, [rowId]);
    return row && toToken(row);
  }

  async list(integrationId: Id): Promise<readonly AccessTokenRecord[]> {
    const rows = await this.engine.query<AccessTokensTable>(this.db(), tokenReads.ofIntegration, [
      Number(integrationId),
    ]);
    return rows.map(toToken);
  }

  async revoke(id: Id, time: number, audit?: AuditEntry): Promise<boolean> {
    const rowId = toRowId(id);
    if (rowId === undefined) return false;
    return writeAudited(this.db, this.engine, audit, async (db) => {
      const result = await db
        .updateTable('access_tokens')
        .set({ revoke_time: time })
        .where('id', '=', rowId)
        .where('revoke_time', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  async recordUse(id: Id, time: number): Promise<void> {
    const rowId = toRowId(id);
    if (rowId === undefined) return;
    await this.db()
      .updateTable('access_tokens')
      .set({ last_use_time: time })
      .where('id', '=', rowId)
      .where((eb) => eb.or([eb('last_use_time', 'is', null), eb('last_use_time', '<', time)]))
      .execute();
  }
}
