import { sql } from 'kysely';
import { Repository } from './repository.js';

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly mustChangePassword: boolean;
  readonly failedSignIns: number;
  readonly lockedUntil: Date | null;
  readonly disabled: boolean;
  readonly createdAt: Date;
}

/** A user with the password hash: only the authentication service asks for it. */
export interface UserCredentials extends UserRecord {
  readonly passwordHash: string;
}

type UserRow = {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string;
  must_change_password: boolean;
  failed_sign_ins: number;
  locked_until: Date | null;
  disabled: boolean;
  created_at: Date;
};

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  email: r.email,
  mustChangePassword: r.must_change_password,
  failedSignIns: r.failed_sign_ins,
  lockedUntil: r.locked_until,
  disabled: r.disabled,
  createdAt: r.created_at,
});

/** What the audit trail keeps of a user: never the password hash. */
const auditView = (u: UserRecord) => ({
  username: u.username,
  displayName: u.displayName,
  email: u.email,
  disabled: u.disabled,
});

export class UserRepository extends Repository {
  async list(): Promise<UserRecord[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('username').execute()).map(toUser);
  }

  async get(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async credentialsByUsername(username: string): Promise<UserCredentials | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username.toLowerCase())
      .executeTakeFirst();
    return row && { ...toUser(row), passwordHash: row.password_hash };
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    return r.n;
  }

  async create(input: {
    username: string;
    displayName: string;
    email: string | null;
    passwordHash: string;
    mustChangePassword: boolean;
  }): Promise<UserRecord> {
    const row = await this.trx
      .insertInto('users')
      .values({
        username: input.username.toLowerCase(),
        display_name: input.displayName,
        email: input.email,
        password_hash: input.passwordHash,
        must_change_password: input.mustChangePassword,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const user = toUser(row);
    await this.audit({
      studyId: null,
      action: 'user.create',
      entityType: 'user',
      entityId: user.id,
      newValue: auditView(user),
    });
    return user;
  }

  /**
   * A wrong password for an existing account: the count is kept for the record (it locks nothing);
   * `throttledUntil` says when this failure made its account-and-source pair wait.
   */
  async recordFailedSignIn(userId: string, throttledUntil: Date | null): Promise<void> {
    const row = await this.trx
      .updateTable('users')
      .set((eb) => ({ failed_sign_ins: eb('failed_sign_ins', '+', 1) }))
      .where('id', '=', userId)
      .returning('failed_sign_ins')
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId: null,
      action: 'auth.sign_in_failed',
      entityType: 'user',
      entityId: userId,
      oldValue: { failedSignIns: row.failed_sign_ins - 1 },
      newValue: { failedSignIns: row.failed_sign_ins, throttledUntil },
    });
  }

  /** A sign-in attempt for an account that does not exist, audited without revealing anything. */
  async recordUnknownSignIn(username: string, throttledUntil: Date | null): Promise<void> {
    await this.audit({
      studyId: null,
      action: 'auth.sign_in_failed',
      entityType: 'user',
      entityId: null,
      newValue: { username: username.toLowerCase(), reason: 'unknown user', throttledUntil },
    });
  }

  async recordSignIn(user: UserRecord): Promise<void> {
    await this.trx
      .updateTable('users')
      .set({ failed_sign_ins: 0, locked_until: null })
      .where('id', '=', user.id)
      .execute();
  }

  async setPassword(user: UserRecord, passwordHash: string, mustChange: boolean): Promise<void> {
    await this.trx
      .updateTable('users')
      .set({
        password_hash: passwordHash,
        must_change_password: mustChange,
        failed_sign_ins: 0,
        locked_until: null,
      })
      .where('id', '=', user.id)
      .execute();
    await this.audit({
      studyId: null,
      action: 'user.password_set',
      entityType: 'user',
      entityId: user.id,
      newValue: { mustChangePassword: mustChange },
    });
  }
}
