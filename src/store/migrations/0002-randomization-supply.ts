import { sql, type Kysely } from 'kysely';

/** Subjects at screening, randomization (secret seed, strata, allocations), kits and shipments. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A subject from screening on; the eligibility result is stored with each criterion's reason.
    create table subjects (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      site_id uuid not null,
      screening_number text not null,
      status text not null check (status in ('screen_failed', 'eligible', 'randomized')),
      protocol_version integer not null,
      answers jsonb not null,
      eligibility jsonb not null,
      levels jsonb not null default '{}',
      created_at timestamptz not null default now(),
      created_by uuid,
      foreign key (study_id, site_id) references sites(study_id, id),
      unique (study_id, screening_number),
      unique (study_id, id)
    );
    create index subjects_site on subjects (study_id, site_id);

    -- The secret behind a study's allocation sequence; only the service and the unblinded see it.
    create table randomization_secrets (
      study_id uuid primary key references studies(id),
      seed text not null,
      created_at timestamptz not null default now()
    );

    -- One row per study, locked by each randomization: allocations in a study happen one at a time.
    create table randomization_state (
      study_id uuid primary key references studies(id),
      allocated integer not null default 0
    );

    create table strata_state (
      study_id uuid not null references studies(id),
      stratum_key text not null,
      next_slot integer not null default 0,
      primary key (study_id, stratum_key)
    );

    create table allocations (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      subject_id uuid not null unique,
      site_id uuid not null,
      randomization_number integer not null,
      sequence_number integer not null,
      stratum_key text not null,
      slot_index integer,
      arm_code text not null,
      method text not null check (method in ('permuted-blocks', 'minimization')),
      request_id uuid not null,
      protocol_version integer not null,
      allocated_at timestamptz not null default now(),
      allocated_by uuid,
      foreign key (study_id, subject_id) references subjects(study_id, id),
      unique (study_id, randomization_number),
      unique (study_id, sequence_number),
      unique (study_id, stratum_key, slot_index),
      unique (study_id, request_id)
    );

    -- Slots passed over because their arm was full: kept, so the sequence can be verified.
    create table allocation_skips (
      study_id uuid not null references studies(id),
      stratum_key text not null,
      slot_index integer not null,
      arm_code text not null,
      skipped_at timestamptz not null default now(),
      primary key (study_id, stratum_key, slot_index)
    );

    -- Extension elections: a re-assignment, not a second randomization.
    create table reassignments (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      subject_id uuid not null,
      phase_code text not null,
      option_code text not null,
      from_arm text not null,
      to_arm text not null,
      created_at timestamptz not null default now(),
      created_by uuid,
      foreign key (study_id, subject_id) references subjects(study_id, id),
      unique (subject_id, phase_code)
    );

    create table unblinding_events (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      subject_id uuid not null,
      site_id uuid not null,
      reason text not null,
      unblinded_by uuid not null,
      unblinded_at timestamptz not null default now(),
      foreign key (study_id, subject_id) references subjects(study_id, id)
    );

    create table shipments (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      site_id uuid not null,
      status text not null check (status in ('in_transit', 'received')),
      shipped_at timestamptz not null default now(),
      shipped_by uuid,
      received_at timestamptz,
      received_by uuid,
      foreign key (study_id, site_id) references sites(study_id, id)
    );

    create table kits (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      kit_number text not null,
      drug_code text not null,
      content text not null check (content in ('active', 'placebo')),
      lot text not null,
      expires_on date not null,
      status text not null check (status in ('depot', 'in_transit', 'at_site', 'dispensed', 'damaged')),
      site_id uuid,
      shipment_id uuid references shipments(id),
      subject_id uuid,
      visit_code text,
      dispensed_at timestamptz,
      created_at timestamptz not null default now(),
      unique (study_id, kit_number),
      check ((status = 'dispensed') = (subject_id is not null))
    );
    create index kits_site_stock on kits (study_id, site_id, drug_code, content, status, expires_on);
    create index kits_subject on kits (subject_id);
  `.execute(db);
}
