import { Repository } from './repository.js';

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly kind: 'session' | 'api';
  readonly name: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export class SessionRepository extends Repository {
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

  async revoke(session: SessionRecord): Promise<void> {
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
    });
  }
}
