import type { Kysely, Transaction } from 'kysely';
import type { RowImage } from '../../core/audit/row-image.js';
import type { AuditRecord, AuditWriter } from '../audit-writer.js';
import type { DB } from '../schema.js';

/** Base of every repository: reads run anywhere, writes only inside an audited transaction. */
export abstract class Repository {
  constructor(
    protected readonly db: Kysely<DB> | Transaction<DB>,
    private readonly auditWriter: AuditWriter | null,
  ) {}

  /** The audited transaction; a write outside `Store.write` is a programming error. */
  protected get trx(): Transaction<DB> {
    if (!this.auditWriter) throw new Error('write attempted outside Store.write: it would not be audited');
    return this.db as Transaction<DB>;
  }

  protected audit(record: AuditRecord): Promise<void> {
    if (!this.auditWriter) throw new Error('write attempted outside Store.write: it would not be audited');
    return this.auditWriter.record(record);
  }

  /** Rows changed as a side effect of the write being audited: recorded with its entry. */
  protected touch(studyId: string, rows: readonly RowImage[]): void {
    if (!this.auditWriter) throw new Error('write attempted outside Store.write: it would not be audited');
    this.auditWriter.touch(studyId, rows);
  }
}
