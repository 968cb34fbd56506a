/**
 * @module
 * Admin accounts of the admin panel: creating them, signing in and out, and the sessions a
 * signed-in browser holds. Guessing is made slow: every wrong password is answered only after
 * a delay, and the sign-in guard counts each attempt before its password is checked and locks
 * out an address that guessed too often (see `sign-in-guard.ts`). An unknown email goes the
 * same way as a known one, scrypt included. Sessions are random cookie values stored as
 * SHA-256 hashes, each with its own CSRF token, and expire after a fixed time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Admin,
  type AuditContext,
  auditEntry,
  type AuditTarget,
  CLI_AUDIT_CONTEXT,
  TransientError,
  type Id,
  NotFoundError,
  SignInError,
  ValidationError,
} from '../domain/index.js';
import { type Clock, unixSeconds } from '../ports/clock.js';
import type {
  AdminCredential,
  AdminSessionRecord,
  MetadataStore,
} from '../ports/metadata-store.js';
import { decoyHash, hashPassword, verifyPassword } from './password-hash.js';
import { SignInGuard, type SignInGuardOptions } from './sign-in-guard.js';

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;
/** Loose on purpose: the address only has to identify the admin, not receive mail. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export interface AdminServiceOptions {
  /** How long a wrong password waits before it is answered, in milliseconds. */
  readonly failureDelayMs: number;
  /** How long a session lasts after sign-in, in seconds. */
  readonly sessionSeconds: number;
  /** The locks against guessing. */
  readonly guard: SignInGuardOptions;
}

/** A signed-in browser: who it is, and the CSRF token its forms must carry. */
export interface AdminSession {
  readonly admin: Admin;
  readonly csrfToken: string;
  readonly expireTime: number;
}

export class AdminService {
  readonly #store: MetadataStore;
  readonly #clock: Clock;
  readonly #options: AdminServiceOptions;
  readonly #guard: SignInGuard;

  constructor(store: MetadataStore, clock: Clock, options: AdminServiceOptions) {
    this.#store = store;
    this.#clock = clock;
    this.#options = options;
    this.#guard = new SignInGuard(store.signInCounters, clock, options.guard);
  }

  async createAdmin(
    communityId: Id,
    email: string,
    password: string,
    by: AuditContext = CLI_AUDIT_CONTEXT,
  ): Promise<Admin> {
    if (!(await this.#store.communities.get(communityId))) throw new NotFoundError(communityId);
    const now = unixSeconds(this.#clock);
    const normalized = normalizeEmail(email);
    return this.#store.admins.create(
      {
        communityId,
        email: normalized,
        passwordHash: await hashPassword(checkPassword(password)),
        createTime: now,
      },
      auditEntry(by, 'admin.create', adminTarget(communityId, null), now, { email: normalized }),
    );
  }

  async setPassword(
    email: string,
    password: string,
    by: AuditContext = CLI_AUDIT_CONTEXT,
  ): Promise<Admin> {
    const admin = await this.#store.admins.findByEmail(normalizeEmail(email));
    if (!admin) throw new NotFoundError(email);
    const now = unixSeconds(this.#clock);
    const audit = auditEntry(by, 'admin.password', adminTarget(admin.communityId, admin.id), now, {
      email: admin.email,
    });
    await this.#store.admins.setPasswordHash(
      admin.id,
      await hashPassword(checkPassword(password)),
      audit,
    );
    // Whoever knew the old password may be signed in with it: they are signed out. Guesses
    // at the old one no longer matter: every address may try the new one.
    await this.#store.adminSessions.deleteByAdmin(admin.id);
    await this.#guard.forget(admin.email);
    return admin;
  }

  /**
   * Signs in from the client address `clientAddress`; returns the new session's cookie value
   * (shown to nobody else) and the session. A SignInError for a wrong email or password, or
   * while the guard locks the attempt out.
   */
  async signIn(
    email: string,
    password: string,
    clientAddress: string,
    userAgent: string | null = null,
  ): Promise<{ cookieValue: string; session: AdminSession }> {
    const normalized = email.trim().toLowerCase();
    const client = { address: clientAddress, userAgent };
    let tried: AdminCredential | undefined;
    let admin: AdminCredential | undefined;
    try {
      admin = await this.#guard.attempt(normalized, clientAddress, async () => {
        tried = await this.#store.admins.findByEmail(normalized);
        // An unknown email costs one scrypt of the same cost: the time taken tells nothing.
        return (await verifyPassword(password, tried?.passwordHash ?? decoyHash()))
          ? tried
          : undefined;
      });
    } catch (error) {
      if (error instanceof SignInError) {
        await this.#recordFailure(
          client,
          await this.#store.admins.findByEmail(normalized),
          'locked',
        );
      }
      throw error;
    }
    if (!admin) {
      await this.#recordFailure(client, tried, 'wrong_email_or_password');
      await sleep(this.#options.failureDelayMs);
      throw new SignInError('Wrong email or password.');
    }
    const now = unixSeconds(this.#clock);
    await this.#store.adminSessions.deleteExpired(now);
    const cookieValue = randomBytes(32).toString('base64url');
    const record: AdminSessionRecord = {
      idHash: hashSessionValue(cookieValue),
      adminId: admin.id,
      csrfToken: randomBytes(32).toString('base64url'),
      createTime: now,
      expireTime: now + this.#options.sessionSeconds,
    };
    const by: AuditContext = {
      actor: { type: 'admin', adminId: admin.id, adminEmail: admin.email },
      client,
    };
    await this.#store.adminSessions.create(
      record,
      auditEntry(by, 'admin.sign_in', adminTarget(admin.communityId, admin.id), now),
    );
    const plain: Admin = {
      id: admin.id,
      communityId: admin.communityId,
      email: admin.email,
      createTime: admin.createTime,
    };
    return {
      cookieValue,
      session: { admin: plain, csrfToken: record.csrfToken, expireTime: record.expireTime },
    };
  }

  /**
   * Records a refused sign-in. The admin is named only when the email is an admin's: an
   * unknown one is left out, since people type passwords into the email field too.
   */
  async #recordFailure(
    client: AuditContext['client'],
    admin: AdminCredential | undefined,
    reason: string,
  ): Promise<void> {
    const by: AuditContext = {
      actor: { type: 'admin', adminId: admin?.id ?? null, adminEmail: admin?.email ?? null },
      client,
    };
    const target = adminTarget(admin?.communityId ?? null, admin?.id ?? null);
    const entry = auditEntry(by, 'admin.sign_in_failed', target, unixSeconds(this.#clock), {
      reason,
    });
    try {
      await this.#store.audit.append(entry);
    } catch (error) {
      throw new TransientError(
        'The audit trail could not record this sign-in attempt; try again in a moment.',
        { cause: error },
      );
    }
  }

  /** The session a cookie value stands for, or undefined when it is unknown or expired. */
  async session(cookieValue: string): Promise<AdminSession | undefined> {
    const record = await this.#store.adminSessions.find(
      hashSessionValue(cookieValue),
      unixSeconds(this.#clock),
    );
    if (!record) return undefined;
    const admin = await this.#store.admins.get(record.adminId);
    return admin && { admin, csrfToken: record.csrfToken, expireTime: record.expireTime };
  }

  async signOut(cookieValue: string): Promise<void> {
    await this.#store.adminSessions.delete(hashSessionValue(cookieValue));
  }
}

/** Whether a form's CSRF token is the session's, compared in constant time. */
export function isSameToken(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

function hashSessionValue(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > 254 || !EMAIL.test(normalized)) {
    throw new ValidationError('email', `"${email}" is not an email address (name@domain).`);
  }
  return normalized;
}

function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(
      'password',
      `A password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters (it has ${password.length}).`,
    );
  }
  return password;
}

function adminTarget(communityId: Id | null, adminId: Id | null): AuditTarget {
  return { communityId, objectType: 'admin', objectId: adminId };
}
