import { sql, type Kysely } from 'kysely';

/**
 * Data capture at the sites: visits, measure results (HCV RNA), adverse events, dispositions, the
 * forms they make up (with source-data verification), casebook signatures, queries and central-lab
 * imports.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Audit entries are written unsealed in the transaction of their write, and sealed (seq, previous
    -- hash, hash) right after its commit, under an advisory lock per chain: writers no longer queue on
    -- the chain's head for the length of their transactions. The trigger allows exactly that one change.
    alter table audit_log drop constraint audit_log_chain_fkey;
    alter table audit_log alter column seq drop not null;
    alter table audit_log alter column prev_hash drop not null;
    alter table audit_log alter column hash drop not null;
    alter table audit_log add constraint audit_log_sealed_whole
      check ((seq is null) = (hash is null) and (seq is null) = (prev_hash is null));
    create index audit_log_unsealed on audit_log (chain, id) where hash is null;
    create or replace function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.hash is null and new.hash is not null
         and (new.id, new.chain, new.at, new.study_id, new.actor_id, new.actor_name, new.actor_role,
              new.action, new.entity_type, new.entity_id, new.old_value, new.new_value, new.reason,
              new.blind_sensitive)
             is not distinct from
             (old.id, old.chain, old.at, old.study_id, old.actor_id, old.actor_name, old.actor_role,
              old.action, old.entity_type, old.entity_id, old.old_value, old.new_value, old.reason,
              old.blind_sensitive) then
        return new;
      end if;
      raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
    end;
    $$;

    -- Informed consent: no study data may predate it (edit check). Earlier rows take their screening day.
    alter table subjects add column consented_on date;
    update subjects set consented_on = (created_at at time zone 'UTC')::date;
    alter table subjects alter column consented_on set not null;

    create table subject_visits (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      subject_id uuid not null,
      site_id uuid not null,
      visit_code text not null,
      visit_date date not null,
      created_at timestamptz not null default now(),
      created_by uuid,
      updated_at timestamptz,
      updated_by uuid,
      foreign key (study_id, subject_id) references subjects(study_id, id),
      unique (subject_id, visit_code)
    );

    create table lab_imports (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      file_name text,
      file_sha256 text not null,
      rows integer not null,
      inserted integer not null,
      unchanged integer not null,
      imported_at timestamptz not null default now(),
      imported_by uuid
    );

    -- One result per subject, visit and measure, as reported and as analysed (value in the measure's unit).
    create table results (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      subject_id uuid not null,
      site_id uuid not null,
      visit_code text not null,
      measure_code text not null,
      collected_on date not null,
      kind text not null check (kind in ('value', 'below_lloq', 'not_detected')),
      value double precision,
      lloq double precision,
      reported text not null,
      reported_unit text not null,
      assay text,
      source text not null check (source in ('site', 'central_lab')),
      lab_import_id uuid references lab_imports(id),
      created_at timestamptz not null default now(),
      created_by uuid,
      updated_at timestamptz,
      updated_by uuid,
      foreign key (study_id, subject_id) references subjects(study_id, id),
      unique (subject_id, visit_code, measure_code),
      check ((kind = 'value') = (value is not null)),
      check (kind <> 'below_lloq' or lloq is not null)
    );
    create index results_study on results (study_id, measure_code, visit_code);

    create table adverse_events (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      subject_id uuid not null,
      site_id uuid not null,
      ae_number integer not null,
      verbatim_term text not null,
      coded_term text,
      body_system text,
      grade integer not null check (grade between 1 and 5),
      serious boolean not null,
      relatedness jsonb not null,
      onset_date date not null,
      end_date date,
      outcome text not null,
      action_taken text not null,
      created_at timestamptz not null default now(),
      created_by uuid,
      updated_at timestamptz,
      updated_by uuid,
      foreign key (study_id, subject_id) references subjects(study_id, id),
      unique (subject_id, ae_number)
    );
    create index adverse_events_study on adverse_events (study_id);

    create table dispositions (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      subject_id uuid not null,
      site_id uuid not null,
      phase_code text not null,
      status text not null check (status in ('completed', 'discontinued')),
      disposition_date date not null,
      reason text,
      related_drug text,
      detail text,
      created_at timestamptz not null default now(),
      created_by uuid,
      updated_at timestamptz,
      updated_by uuid,
      foreign key (study_id, subject_id) references subjects(study_id, id),
      unique (subject_id, phase_code),
      check ((status = 'discontinued') = (reason is not null))
    );

    -- A form of the casebook ('visit:W12', 'ae:3', 'disposition:MAIN'): when its data last changed,
    -- and its source-data verification, which any change clears.
    create table forms (
      study_id uuid not null references studies(id),
      subject_id uuid not null,
      site_id uuid not null,
      form_key text not null,
      changed_at timestamptz not null default now(),
      sdv_at timestamptz,
      sdv_by uuid,
      primary key (subject_id, form_key),
      foreign key (study_id, subject_id) references subjects(study_id, id)
    );
    create index forms_study on forms (study_id, site_id);

    -- Investigator signatures of a casebook; a later change to the casebook invalidates the signature.
    create table signatures (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      subject_id uuid not null,
      site_id uuid not null,
      signed_by uuid not null,
      signer_name text not null,
      meaning text not null,
      statement text not null,
      signed_at timestamptz not null default now(),
      invalidated_at timestamptz,
      invalidated_reason text,
      foreign key (study_id, subject_id) references subjects(study_id, id)
    );
    create index signatures_subject on signatures (subject_id);

    create table queries (
      id uuid primary key default gen_random_uuid(),
      study_id uuid not null references studies(id),
      subject_id uuid not null,
      site_id uuid not null,
      form_key text not null,
      field text not null,
      origin text not null check (origin in ('manual', 'edit_check')),
      check_code text,
      status text not null check (status in ('open', 'answered', 'closed')),
      text text not null,
      created_at timestamptz not null default now(),
      created_by uuid,
      updated_at timestamptz not null default now(),
      foreign key (study_id, subject_id) references subjects(study_id, id)
    );
    create index queries_study on queries (study_id, status);
    create index queries_subject on queries (subject_id);

    create table query_messages (
      id uuid primary key default gen_random_uuid(),
      query_id uuid not null references queries(id),
      kind text not null check (kind in ('open', 'answer', 'reopen', 'close')),
      text text not null,
      author_id uuid,
      author_name text not null,
      author_role text not null,
      at timestamptz not null default now()
    );
    create index query_messages_query on query_messages (query_id);
  `.execute(db);
}
