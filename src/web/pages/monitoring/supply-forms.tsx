import { useState, type FormEvent, type ReactNode } from 'react';
import { registerKits, ship } from '../../api/monitoring.js';
import { useStudy } from '../../app/study-context.js';
import { SelectField, TextField } from '../../components/fields.js';
import { ErrorNotice, Notice } from '../../components/notice.js';
import { useSubmit } from '../../components/use-submit.js';

/** A typed count as the API wants it: blank is "none" (undefined); anything else goes as a number. */
const countOf = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

/** The drugs the protocol packs as kits: the only ones a shipment or a kit list can name. */
function useKitDrugs(): { code: string; name: string }[] {
  const { study } = useStudy();
  return study.protocol.drugs
    .filter((d) => d.supply !== undefined)
    .map((d) => ({ code: d.code, name: d.name }));
}

/**
 * Ships kits from the depot to a site. The server picks the kits (earliest expiry first, and the
 * active/placebo mix of a masked drug), so the form asks only how many of each drug.
 */
export function ShipForm({ onShipped }: { readonly onShipped: () => Promise<void> }): ReactNode {
  const { study, sites, siteName } = useStudy();
  const drugs = useKitDrugs();
  const [siteId, setSiteId] = useState('');
  const [counts, setCounts] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  // The lines sent, in order: the server names a bad line by its index (`kits.1.count`).
  const lines = drugs.flatMap((d) => {
    const count = countOf(counts[d.code] ?? '');
    return count === undefined ? [] : [{ drug: d.code, count }];
  });
  const { submit, busy, error, fieldErrors } = useSubmit(async () => {
    const { kitNumbers } = await ship(study.id, siteId, lines);
    setDone(`Shipped ${kitNumbers.length} kit(s) to ${siteName(siteId)}; the site confirms receipt.`);
    setCounts({});
    await onShipped();
  });
  const lineError = (drug: string): string | undefined => {
    const i = lines.findIndex((l) => l.drug === drug);
    return i < 0 ? undefined : (fieldErrors[`kits.${i}.count`] ?? fieldErrors[`kits.${i}.drug`]);
  };
  const onSubmit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    setDone(null);
    void submit();
  };
  return (
    <form onSubmit={onSubmit} aria-labelledby="ship-heading" className="panel">
      <h2 id="ship-heading">Ship kits to a site</h2>
      {done ? <Notice kind="success">{done}</Notice> : null}
      <ErrorNotice error={error} title="Nothing was shipped" />
      <SelectField
        label="Site"
        value={siteId}
        onChange={(e) => setSiteId(e.target.value)}
        options={sites.map((s) => ({ value: s.id, label: siteName(s.id) }))}
        placeholder="Choose a site"
        error={fieldErrors.siteId}
      />
      <fieldset aria-describedby={fieldErrors.kits ? 'ship-kits-error' : undefined}>
        <legend>Kits per drug</legend>
        {fieldErrors.kits ? (
          <p className="field-error" id="ship-kits-error">
            {fieldErrors.kits}
          </p>
        ) : null}
        <div className="form-grid">
          {drugs.map((d) => (
            <TextField
              key={d.code}
              label={d.code}
              hint={d.name}
              type="number"
              min={1}
              step={1}
              inputMode="numeric"
              value={counts[d.code] ?? ''}
              onChange={(e) => setCounts({ ...counts, [d.code]: e.target.value })}
              error={lineError(d.code)}
            />
          ))}
        </div>
      </fieldset>
      <div className="button-row">
        <button type="submit" disabled={busy}>
          {busy ? 'Shipping…' : 'Ship kits'}
        </button>
      </div>
    </form>
  );
}

/** Adds a kit list to the depot; kit numbers are drawn by the server and carry no meaning. */
export function RegisterKitsForm(): ReactNode {
  const { study } = useStudy();
  const drugs = useKitDrugs();
  const [drug, setDrug] = useState('');
  const [count, setCount] = useState('');
  const [lot, setLot] = useState('');
  const [expiresOn, setExpiresOn] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { submit, busy, error, fieldErrors } = useSubmit(async () => {
    const made = await registerKits(study.id, {
      drug,
      count: countOf(count),
      lot,
      expiresOn,
    });
    setDone(`Registered ${made.kitNumbers.length} ${made.drug} kit(s) of lot ${made.lot} at the depot.`);
    setCount('');
    setLot('');
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    setDone(null);
    void submit();
  };
  return (
    <form onSubmit={onSubmit} aria-labelledby="kits-heading" className="panel">
      <h2 id="kits-heading">Register kits at the depot</h2>
      {done ? <Notice kind="success">{done}</Notice> : null}
      <ErrorNotice error={error} title="No kit was registered" />
      <SelectField
        label="Drug"
        value={drug}
        onChange={(e) => setDrug(e.target.value)}
        options={drugs.map((d) => ({ value: d.code, label: `${d.code} · ${d.name}` }))}
        placeholder="Choose a drug"
        error={fieldErrors.drug}
      />
      <TextField
        label="Number of kits"
        type="number"
        min={1}
        step={1}
        inputMode="numeric"
        value={count}
        onChange={(e) => setCount(e.target.value)}
        error={fieldErrors.count}
      />
      <TextField
        label="Lot"
        value={lot}
        onChange={(e) => setLot(e.target.value)}
        error={fieldErrors.lot}
        maxLength={50}
      />
      <TextField
        label="Expires on"
        type="date"
        value={expiresOn}
        onChange={(e) => setExpiresOn(e.target.value)}
        error={fieldErrors.expiresOn}
      />
      <div className="button-row">
        <button type="submit" disabled={busy}>
          {busy ? 'Registering…' : 'Register kits'}
        </button>
      </div>
    </form>
  );
}
