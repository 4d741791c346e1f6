import { sql, type Kysely } from 'kysely';

/**
 * Row images on audit entries: each entry records the clinical rows its write left behind (column by
 * column), covered by the entry's hash, so `audit verify` can prove every row is what the trail says.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table audit_log add column row_images jsonb;
    -- The row check reads the entries carrying images, one chain at a time, in chain order.
    create index audit_log_row_images on audit_log (chain, seq) where row_images is not null;
    create or replace function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.hash is null and new.hash is not null
         and (new.id, new.chain, new.at, new.study_id, new.actor_id, new.actor_name, new.actor_role,
              new.action, new.entity_type, new.entity_id, new.old_value, new.new_value, new.reason,
              new.blind_sensitive, new.row_images)
             is not distinct from
             (old.id, old.chain, old.at, old.study_id, old.actor_id, old.actor_name, old.actor_role,
              old.action, old.entity_type, old.entity_id, old.old_value, old.new_value, old.reason,
              old.blind_sensitive, old.row_images) then
        return new;
      end if;
      raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
    end;
    $$;
  `.execute(db);
}
