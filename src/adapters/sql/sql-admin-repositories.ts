/**
 * @module
 * Admin panel accounts and sessions (tables `admins`, `admin_sessions`), the same on SQLite and
 * PostgreSQL (`SqlEngine` gives the engine's reads). Passwords are stored only as scrypt hashes
 * and sessions only as SHA-256 hashes of their cookie values.
 */
import type { Kysely } from 'kysely';
import { type Admin, type AuditEntry, ConflictError, type Id } from '../../domain/index.js';
import type {
  AdminCredential,
  AdminRepository,
  AdminSessionRecord,
  AdminSessionRepository,
} from '../../ports/metadata-store.js';
import { adminReads, sessionReads } from './metadata-reads.js';
import type { AdminSessionsTable, MetadataTables } from './metadata-tables.js';
import { type AdminRow, toAdmin, toAdminCredential, toSession } from './metadata-rows.js';
import { toRowId } from './object-ids.js';
import { writeAudited } from './sql-audit-repository.js';
import type { SqlEngine } from './sql-engine.js';

export class SqlAdminRepository implements AdminRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {}

  async create(input: Omit<AdminCredential, 'id'>, audit?: AuditEntry): Promise<Admin> {
    try {
      const { id } = await writeAudited(
        this.db,
        this.engine,
        audit,
        (db) =>
          db
            .insertInto('admins')
            .values({
              community_id: Number(input.communityId),
              email: input.email,
              password_hash: input.passwordHash,
              create_time: input.createTime,
            })
            .returning('id')
            .executeTakeFirstOrThrow(),
        (row) => String(row.id),
      );
      return {
        id: String(id),
        communityId: input.communityId,
        email: input.email,
        createTime: input.createTime,
      };
    } catch (error) {
      if (this.engine.isUniqueViolation(error)) {
        throw new ConflictError(`An admin with the email ${input.email} exists already.`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async findByEmail(email: string): Promise<AdminCredential | undefined> {
    const row = await this.engine.queryOne<AdminRow>(this.db(), adminReads.byEmail, [email]);
    return row && toAdminCredential(row);
  }

  async get(id: Id): Promise<Admin | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.engine.queryOne<AdminRow>(this.db(), adminReads.byId, [rowId]);
    return row && toAdmin(row);
  }

  async list(communityId: Id): Promise<readonly Admin[]> {
    const rows = await this.engine.query<AdminRow>(this.db(), adminReads.ofCommunity, [
      Number(communityId),
    ]);
    return rows.map(toAdmin);
  }

  async setPasswordHash(id: Id, passwordHash: string, audit?: AuditEntry): Promise<void> {
    await writeAudited(this.db, this.engine, audit, (db) =>
      db
        .updateTable('admins')
        .set({ password_hash: passwordHash })
        .where('id', '=', Number(id))
        .execute(),
    );
  }
}

export class SqlAdminSessionRepository implements AdminSessionRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {}

  async create(session: AdminSessionRecord, audit?: AuditEntry): Promise<void> {
    await writeAudited(this.db, this.engine, audit, (db) =>
      db
        .insertInto('admin_sessions')
        .values({
          id_hash: session.idHash,
          admin_id: Number(session.adminId),
          csrf_token: session.csrfToken,
          create_time: session.createTime,
          expire_time: session.expireTime,
        })
        .execute(),
    );
  }

  async find(idHash: string, now: number): Promise<AdminSessionRecord | undefined> {
    const row = await this.engine.queryOne<AdminSessionsTable>(this.db(), sessionReads.live, [
      idHash,
      now,
    ]);
    return row && toSession(row);
  }

  async delete(idHash: string): Promise<void> {
    await this.db().deleteFrom('admin_sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteByAdmin(adminId: Id): Promise<void> {
    await this.db().deleteFrom('admin_sessions').where('admin_id', '=', Number(adminId)).execute();
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.db()
      .deleteFrom('admin_sessions')
      .where('expire_time', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
