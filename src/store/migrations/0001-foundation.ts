import { sql, type Kysely } from 'kysely';

/** Studies and protocol versions, sites, accounts, sessions, and the hash-chained audit log. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table studies (
      id uuid primary key default gen_random_uuid(),
      code text not null unique,
      title text not null,
      status text not null default 'active' check (status in ('active', 'locked', 'closed')),
      current_version integer not null default 1,
      created_at timestamptz not null default now(),
      created_by uuid
    );

    -- An amendment is a new version; old versions are kept.
    create table protocol_versions (
      study_id uuid not null references studies(id),
      version integer not null check (version >= 1),
      protocol jsonb not null,
      source_sha256 text not null,
      reason text,
      created_at timestamptz not null default now(),
      created_by uuid,
      primary key (study_id, version)
    );

    create table sites (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      code text not null,
      name text not null,
      country text,
      created_at timestamptz not null default now(),
      unique (study_id, code),
      unique (study_id, id)
    );

    create table users (
      id uuid primary key default gen_random_uuid(),
      username text not null unique check (username = lower(username)),
      display_name text not null,
      email text,
      password_hash text not null,
      must_change_password boolean not null default false,
      failed_sign_ins integer not null default 0,
      locked_until timestamptz,
      disabled boolean not null default false,
      created_at timestamptz not null default now()
    );

    create table role_grants (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users(id),
      role text not null,
      study_id uuid references studies(id),
      site_id uuid,
      expires_at timestamptz,
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      foreign key (study_id, site_id) references sites(study_id, id),
      check (site_id is null or study_id is not null)
    );
    create unique index role_grants_active_unique on role_grants (
      user_id, role, coalesce(study_id, '00000000-0000-0000-0000-000000000000'::uuid),
      coalesce(site_id, '00000000-0000-0000-0000-000000000000'::uuid)
    ) where revoked_at is null;

    create table sessions (
      id uuid primary key default gen_random_uuid(),
      token_hash text not null unique,
      user_id uuid not null references users(id),
      kind text not null check (kind in ('session', 'api')),
      name text,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz
    );

    -- One row per chain (a study's id, or 'global'): locked to append, so a chain never forks.
    create table audit_chains (
      chain text primary key,
      last_seq bigint not null,
      last_hash text not null
    );

    create table audit_log (
      id bigint generated always as identity primary key,
      chain text not null references audit_chains(chain),
      seq bigint not null,
      at timestamptz not null,
      study_id uuid,
      actor_id uuid,
      actor_name text not null,
      actor_role text not null,
      action text not null,
      entity_type text not null,
      entity_id text,
      old_value jsonb,
      new_value jsonb,
      reason text,
      blind_sensitive boolean not null default false,
      prev_hash text not null,
      hash text not null,
      unique (chain, seq)
    );
    create index audit_log_study_at on audit_log (study_id, at);
    create index audit_log_entity on audit_log (entity_type, entity_id);

    -- Append-only: the application can never change or remove an audit entry.
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
    end;
    $$;
    create trigger audit_log_no_update before update or delete on audit_log
      for each row execute function audit_log_append_only();
    create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_append_only();

    -- Protocol versions are history too: an amendment adds a version, it never rewrites one.
    create function protocol_versions_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'protocol_versions is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
    end;
    $$;
    create trigger protocol_versions_no_change before update or delete on protocol_versions
      for each row execute function protocol_versions_append_only();
  `.execute(db);
}
