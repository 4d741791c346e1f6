import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/engines.js';
import { enroll, listOf, openServer, openTrial, type HttpTrial, type TestServer } from './support.js';

/** An audit entry as `GET /api/audit` returns it. */
interface Entry {
  readonly action: string;
  readonly entityId: string | null;
  readonly newValue: { kits?: { kitNumber: string; drug: string }[] } | null;
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/**
 * Issue 10, item 1: a blinded data manager reads the audit trail of shipments and dispensings. The
 * order in which a shipment's masked kits were picked (active first, then placebo) told every
 * subject's arm. The trail must list kits in an order that says nothing of their content.
 */
describe.each(engines())('the audit trail of kits on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  const audit = (action: string) =>
    listOf<Entry>(s, `/api/audit?studyId=${t.id}&action=${action}&limit=1000`, t.dm);

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { sites: 1, kitsPerDrug: 12, depotExtra: 0 });
    for (let i = 0; i < 6; i++) await enroll(s, t, 0, i % 2 ? 'PR' : 'NR');
  });
  afterAll(() => s.close());

  it('lists a shipment’s kits in kit-number order, whatever their content', async () => {
    const [shipment] = await audit('shipment.create');
    const listed = (shipment?.newValue?.kits ?? []).map((k) => k.kitNumber);
    expect(listed).toHaveLength(36);
    // Kit numbers are random and say nothing of the content: their order is the only safe order.
    expect(listed).toEqual(sorted(listed));
  });

  it('lists a dispensing’s kits by drug, then kit number', async () => {
    const entries = await audit('kits.dispense');
    expect(entries).toHaveLength(6);
    for (const e of entries) {
      const kits = e.newValue?.kits ?? [];
      // Ribavirin is open label (the double arm gets none); the masked drug is always there.
      expect(kits.map((k) => k.drug)).toEqual(sorted(kits.map((k) => k.drug)));
      expect(kits.map((k) => k.drug)).toContain('CELGOSIVIR');
    }
  });
});
