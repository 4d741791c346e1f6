import { Repository } from './repository.js';

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly kind: 'session' | 'api';
  readonly name: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** An API token as its owner and the admin see it: never the secret nor its hash. */
export interface TokenRecord {
  readonly id: string;
  readonly userId: string;
  readonly username: string;
  readonly name: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export class SessionRepository extends Repository {
  /** Live API tokens of a user (null: of everyone), newest first. */
  async listTokens(userId: string | null, now: Date): Promise<TokenRecord[]> {
    let q = this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id',
        'sessions.user_id',
        'users.username',
        'sessions.name',
        'sessions.created_at',
        'sessions.expires_at',
      ])
      .where('sessions.kind', '=', 'api')
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.expires_at', '>', now);
    if (userId !== null) q = q.where('sessions.user_id', '=', userId);
    const rows = await q.orderBy('sessions.created_at', 'desc').orderBy('sessions.id').execute();
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      username: r.username,
      name: r.name,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
    }));
  }

  /** The live session or token with this hash, or undefined when unknown, expired or revoked. */
  async findActive(tokenHash: string, now: Date): Promise<SessionRecord | undefined> {
    const r = await this.db
      .selectFrom('sessions')
      .select(['id', 'user_id', 'kind', 'name', 'created_at', 'expires_at'])
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return (
      r && {
        id: r.id,
        userId: r.user_id,
        kind: r.kind,
        name: r.name,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
      }
    );
  }

  async getActiveById(id: string): Promise<SessionRecord | undefined> {
    const r = await this.db
      .selectFrom('sessions')
      .select(['id', 'user_id', 'kind', 'name', 'created_at', 'expires_at'])
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return (
      r && {
        id: r.id,
        userId: r.user_id,
        kind: r.kind,
        name: r.name,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
      }
    );
  }

  async create(input: {
    userId: string;
    tokenHash: string;
    kind: 'session' | 'api';
    name: string | null;
    expiresAt: Date;
  }): Promise<SessionRecord> {
    const r = await this.trx
      .insertInto('sessions')
      .values({
        user_id: input.userId,
        token_hash: input.tokenHash,
        kind: input.kind,
        name: input.name,
        expires_at: input.expiresAt,
      })
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId: null,
      action: input.kind === 'session' ? 'auth.sign_in' : 'auth.token_create',
      entityType: 'session',
      entityId: r.id,
      newValue: { userId: input.userId, kind: input.kind, name: input.name, expiresAt: input.expiresAt },
    });
    return {
      id: r.id,
      userId: input.userId,
      kind: input.kind,
      name: input.name,
      createdAt: r.created_at,
      expiresAt: input.expiresAt,
    };
  }

  async revoke(session: SessionRecord, reason: string | null = null): Promise<void> {
    await this.trx
      .updateTable('sessions')
      .set({ revoked_at: new Date() })
      .where('id', '=', session.id)
      .execute();
    await this.audit({
      studyId: null,
      action: session.kind === 'session' ? 'auth.sign_out' : 'auth.token_revoke',
      entityType: 'session',
      entityId: session.id,
      ...(session.kind === 'api' ? { oldValue: { userId: session.userId, name: session.name } } : {}),
      reason,
    });
  }

  /** Ends every live session and API token of a user but `keepId`, each audited with the reason. */
  async revokeAllOfUser(userId: string, keepId: string, reason: string): Promise<number> {
    const rows = await this.trx
      .updateTable('sessions')
      .set({ revoked_at: new Date() })
      .where('user_id', '=', userId)
      .where('id', '<>', keepId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning(['id', 'kind', 'name'])
      .execute();
    // In id order, so the trail reads the same on both engines.
    rows.sort((a, b) => a.id.localeCompare(b.id));
    for (const r of rows)
      await this.audit({
        studyId: null,
        action: r.kind === 'session' ? 'auth.session_revoke' : 'auth.token_revoke',
        entityType: 'session',
        entityId: r.id,
        oldValue: { userId, kind: r.kind, name: r.name },
        reason,
      });
    return rows.length;
  }
}
