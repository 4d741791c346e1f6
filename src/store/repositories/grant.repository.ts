import { sql } from 'kysely';
import type { Role } from '../../core/auth/roles.js';
import { Repository } from './repository.js';

export interface GrantRecord {
  readonly id: string;
  readonly userId: string;
  readonly role: Role;
  readonly studyId: string | null;
  readonly siteId: string | null;
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
}

type GrantRow = {
  id: string;
  user_id: string;
  role: string;
  study_id: string | null;
  site_id: string | null;
  expires_at: Date | null;
  created_at: Date;
};
const toGrant = (r: GrantRow): GrantRecord => ({
  id: r.id,
  userId: r.user_id,
  role: r.role as Role,
  studyId: r.study_id,
  siteId: r.site_id,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
});
const columns = ['id', 'user_id', 'role', 'study_id', 'site_id', 'expires_at', 'created_at'] as const;

/** A grant with who granted it, as its audit entry records (null: the system, e.g. the first admin). */
export interface GrantWithGrantor extends GrantRecord {
  readonly grantedBy: { readonly userId: string | null; readonly name: string } | null;
}

export class GrantRepository extends Repository {
  /** Active (not revoked) grants of a user, expired ones included: the caller checks expiry. */
  async forUser(userId: string): Promise<GrantRecord[]> {
    const rows = await this.db
      .selectFrom('role_grants')
      .select(columns)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map(toGrant);
  }

  async get(id: string): Promise<GrantRecord | undefined> {
    const row = await this.db
      .selectFrom('role_grants')
      .select(columns)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && toGrant(row);
  }

  /** Active grants of the roles given, each with its grantor from the grant's audit entry. */
  async withRolesAndGrantors(roles: readonly Role[]): Promise<GrantWithGrantor[]> {
    if (roles.length === 0) return [];
    const rows = await this.db
      .selectFrom('role_grants as g')
      .leftJoin('audit_log as a', (join) =>
        join
          .on('a.entity_type', '=', 'role_grant')
          .on('a.action', '=', 'grant.create')
          .on('a.entity_id', '=', sql<string>`g.id::text`),
      )
      .select([
        'g.id',
        'g.user_id',
        'g.role',
        'g.study_id',
        'g.site_id',
        'g.expires_at',
        'g.created_at',
        'a.actor_id',
        'a.actor_name',
      ])
      .where('g.role', 'in', roles)
      .where('g.revoked_at', 'is', null)
      .orderBy('g.created_at')
      .orderBy('g.id')
      .execute();
    return rows.map((r) => ({
      ...toGrant(r),
      grantedBy: r.actor_name === null ? null : { userId: r.actor_id, name: r.actor_name },
    }));
  }

  async forStudy(studyId: string): Promise<GrantRecord[]> {
    const rows = await this.db
      .selectFrom('role_grants')
      .select(columns)
      .where('study_id', '=', studyId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map(toGrant);
  }

  async create(input: {
    userId: string;
    role: Role;
    studyId: string | null;
    siteId: string | null;
    expiresAt: Date | null;
  }): Promise<GrantRecord> {
    const row = await this.trx
      .insertInto('role_grants')
      .values({
        user_id: input.userId,
        role: input.role,
        study_id: input.studyId,
        site_id: input.siteId,
        expires_at: input.expiresAt,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    const grant = toGrant(row);
    await this.audit({
      studyId: null,
      action: 'grant.create',
      entityType: 'role_grant',
      entityId: grant.id,
      newValue: {
        userId: grant.userId,
        role: grant.role,
        studyId: grant.studyId,
        siteId: grant.siteId,
        expiresAt: grant.expiresAt,
      },
    });
    return grant;
  }

  async revoke(grant: GrantRecord, reason: string | null): Promise<void> {
    await this.trx
      .updateTable('role_grants')
      .set({ revoked_at: new Date() })
      .where('id', '=', grant.id)
      .execute();
    await this.audit({
      studyId: null,
      action: 'grant.revoke',
      entityType: 'role_grant',
      entityId: grant.id,
      oldValue: { userId: grant.userId, role: grant.role, studyId: grant.studyId, siteId: grant.siteId },
      reason,
    });
  }
}
