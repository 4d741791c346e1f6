import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** A timestamp the database defaults on insert and the application may change. */
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface StudiesTable {
  id: Generated<string>;
  code: string;
  title: string;
  status: Generated<string>;
  current_version: Generated<number>;
  created_at: CreatedAt;
  created_by: string | null;
}

export interface ProtocolVersionsTable {
  study_id: string;
  version: number;
  protocol: Json;
  source_sha256: string;
  reason: string | null;
  created_at: CreatedAt;
  created_by: string | null;
}

export interface SitesTable {
  id: Generated<string>;
  study_id: string;
  code: string;
  name: string;
  country: string | null;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string;
  must_change_password: Generated<boolean>;
  failed_sign_ins: Generated<number>;
  locked_until: Timestamp | null;
  disabled: Generated<boolean>;
  created_at: CreatedAt;
}

export interface RoleGrantsTable {
  id: Generated<string>;
  user_id: string;
  role: string;
  study_id: string | null;
  site_id: string | null;
  expires_at: Timestamp | null;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: string;
  user_id: string;
  kind: 'session' | 'api';
  name: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface AuditChainsTable {
  chain: string;
  last_seq: number;
  last_hash: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  chain: string;
  seq: number | null;
  at: Timestamp;
  study_id: string | null;
  actor_id: string | null;
  actor_name: string;
  actor_role: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  old_value: Json | null;
  new_value: Json | null;
  reason: string | null;
  blind_sensitive: boolean;
  /** Images of the clinical rows the write left behind (null on entries that touched none). */
  row_images: ColumnType<unknown, string | null | undefined, never>;
  /** Null until the entry is sealed into its chain, right after its transaction commits. */
  prev_hash: string | null;
  hash: string | null;
}

export interface SubjectsTable {
  id: Generated<string>;
  study_id: string;
  site_id: string;
  screening_number: string;
  status: 'screen_failed' | 'eligible' | 'randomized';
  protocol_version: number;
  answers: Json;
  eligibility: Json;
  levels: Json<Record<string, string>>;
  /** A calendar date, 'YYYY-MM-DD'. */
  consented_on: string;
  created_at: CreatedAt;
  created_by: string | null;
}

export interface RandomizationSecretsTable {
  study_id: string;
  seed: string;
  created_at: CreatedAt;
}

export interface RandomizationStateTable {
  study_id: string;
  allocated: Generated<number>;
}

export interface StrataStateTable {
  study_id: string;
  stratum_key: string;
  next_slot: Generated<number>;
}

export interface AllocationsTable {
  id: Generated<string>;
  study_id: string;
  subject_id: string;
  site_id: string;
  randomization_number: number;
  sequence_number: number;
  stratum_key: string;
  slot_index: number | null;
  arm_code: string;
  method: 'permuted-blocks' | 'minimization';
  request_id: string;
  protocol_version: number;
  allocated_at: CreatedAt;
  allocated_by: string | null;
}

export interface AllocationSkipsTable {
  study_id: string;
  stratum_key: string;
  slot_index: number;
  arm_code: string;
  skipped_at: CreatedAt;
}

export interface ReassignmentsTable {
  id: Generated<string>;
  study_id: string;
  subject_id: string;
  phase_code: string;
  option_code: string;
  from_arm: string;
  to_arm: string;
  created_at: CreatedAt;
  created_by: string | null;
}

export interface UnblindingEventsTable {
  id: Generated<string>;
  study_id: string;
  subject_id: string;
  site_id: string;
  reason: string;
  unblinded_by: string;
  unblinded_at: CreatedAt;
}

export interface ShipmentsTable {
  id: Generated<string>;
  study_id: string;
  site_id: string;
  status: 'in_transit' | 'received';
  shipped_at: CreatedAt;
  shipped_by: string | null;
  received_at: Timestamp | null;
  received_by: string | null;
}

export interface KitsTable {
  id: Generated<string>;
  study_id: string;
  kit_number: string;
  drug_code: string;
  content: 'active' | 'placebo';
  lot: string;
  /** A calendar date, 'YYYY-MM-DD' on both engines. */
  expires_on: string;
  status: 'depot' | 'in_transit' | 'at_site' | 'dispensed' | 'damaged';
  site_id: string | null;
  shipment_id: string | null;
  subject_id: string | null;
  visit_code: string | null;
  dispensed_at: Timestamp | null;
  created_at: CreatedAt;
}

/** Columns every captured record has: who entered it and who last changed it. */
interface Entered {
  created_at: CreatedAt;
  created_by: string | null;
  updated_at: Timestamp | null;
  updated_by: string | null;
}

export interface SubjectVisitsTable extends Entered {
  id: Generated<string>;
  study_id: string;
  subject_id: string;
  site_id: string;
  visit_code: string;
  visit_date: string;
}

export type ResultKind = 'value' | 'below_lloq' | 'not_detected';

export interface ResultsTable extends Entered {
  id: Generated<string>;
  study_id: string;
  subject_id: string;
  site_id: string;
  visit_code: string;
  measure_code: string;
  collected_on: string;
  kind: ResultKind;
  value: number | null;
  lloq: number | null;
  reported: string;
  reported_unit: string;
  assay: string | null;
  source: 'site' | 'central_lab';
  lab_import_id: string | null;
}

export interface LabImportsTable {
  id: Generated<string>;
  study_id: string;
  file_name: string | null;
  file_sha256: string;
  rows: number;
  inserted: number;
  unchanged: number;
  imported_at: CreatedAt;
  imported_by: string | null;
}

export interface AdverseEventsTable extends Entered {
  id: Generated<string>;
  study_id: string;
  subject_id: string;
  site_id: string;
  ae_number: number;
  verbatim_term: string;
  coded_term: string | null;
  body_system: string | null;
  grade: number;
  serious: boolean;
  relatedness: Json<Record<string, string>>;
  onset_date: string;
  end_date: string | null;
  outcome: string;
  action_taken: string;
}

export interface DispositionsTable extends Entered {
  id: Generated<string>;
  study_id: string;
  subject_id: string;
  site_id: string;
  phase_code: string;
  status: 'completed' | 'discontinued';
  disposition_date: string;
  reason: string | null;
  related_drug: string | null;
  detail: string | null;
}

export interface FormsTable {
  study_id: string;
  subject_id: string;
  site_id: string;
  form_key: string;
  changed_at: DefaultedTimestamp;
  sdv_at: Timestamp | null;
  sdv_by: string | null;
}

export interface SignaturesTable {
  id: Generated<string>;
  study_id: string;
  subject_id: string;
  site_id: string;
  signed_by: string;
  signer_name: string;
  meaning: string;
  statement: string;
  signed_at: CreatedAt;
  invalidated_at: Timestamp | null;
  invalidated_reason: string | null;
}

export type QueryStatus = 'open' | 'answered' | 'closed';

export interface QueriesTable {
  id: Generated<string>;
  study_id: string;
  subject_id: string;
  site_id: string;
  form_key: string;
  field: string;
  origin: 'manual' | 'edit_check';
  check_code: string | null;
  status: QueryStatus;
  text: string;
  created_at: CreatedAt;
  created_by: string | null;
  updated_at: DefaultedTimestamp;
}

export interface QueryMessagesTable {
  id: Generated<string>;
  query_id: string;
  kind: 'open' | 'answer' | 'reopen' | 'close';
  text: string;
  author_id: string | null;
  author_name: string;
  author_role: string;
  at: CreatedAt;
}

export interface DB {
  studies: StudiesTable;
  protocol_versions: ProtocolVersionsTable;
  sites: SitesTable;
  users: UsersTable;
  role_grants: RoleGrantsTable;
  sessions: SessionsTable;
  audit_chains: AuditChainsTable;
  audit_log: AuditLogTable;
  subjects: SubjectsTable;
  randomization_secrets: RandomizationSecretsTable;
  randomization_state: RandomizationStateTable;
  strata_state: StrataStateTable;
  allocations: AllocationsTable;
  allocation_skips: AllocationSkipsTable;
  reassignments: ReassignmentsTable;
  unblinding_events: UnblindingEventsTable;
  shipments: ShipmentsTable;
  kits: KitsTable;
  subject_visits: SubjectVisitsTable;
  results: ResultsTable;
  lab_imports: LabImportsTable;
  adverse_events: AdverseEventsTable;
  dispositions: DispositionsTable;
  forms: FormsTable;
  signatures: SignaturesTable;
  queries: QueriesTable;
  query_messages: QueryMessagesTable;
}
