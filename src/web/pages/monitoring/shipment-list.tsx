import { useState, type FormEvent, type ReactNode } from 'react';
import { receiveShipment, type Shipment } from '../../api/monitoring.js';
import { useCan } from '../../app/session.js';
import { useStudy } from '../../app/study-context.js';
import { TextArea } from '../../components/fields.js';
import { ErrorNotice, Loading, Notice } from '../../components/notice.js';
import { Badge } from '../../components/page.js';
import type { Resource } from '../../components/use-resource.js';
import { useSubmit } from '../../components/use-submit.js';
import { TableWrap } from '../../components/table-wrap.js';

const dateOf = (iso: string | null): string => (iso ? new Date(iso).toLocaleDateString() : '—');

/** The first message the server gave about the damaged kits, whichever kit (`damagedKitNumbers.3`) it names. */
export const damagedError = (fieldErrors: Readonly<Record<string, string>>): string | undefined =>
  Object.entries(fieldErrors).find(([path]) => path.startsWith('damagedKitNumbers'))?.[1];

/** Kit numbers as typed: separated by spaces, commas, semicolons or new lines. */
export const kitNumbersIn = (text: string): string[] => text.split(/[\s,;]+/).filter(Boolean);

export function ShipmentList({
  shipments,
  onReceived,
}: {
  readonly shipments: Resource<Shipment[]>;
  readonly onReceived: () => Promise<void>;
}): ReactNode {
  const { study, siteName } = useStudy();
  const can = useCan();
  const [receiving, setReceiving] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const list = shipments.data;
  return (
    <section aria-labelledby="shipments-heading">
      <h2 id="shipments-heading">Shipments</h2>
      {done ? <Notice kind="success">{done}</Notice> : null}
      <ErrorNotice error={shipments.error} title="The shipments could not be loaded" />
      {list === undefined ? (
        shipments.error ? null : (
          <Loading what="the shipments" />
        )
      ) : list.length === 0 ? (
        <p>No shipment yet.</p>
      ) : (
        <TableWrap className="wrap-heads" label="Shipments table">
          <table>
            <thead>
              <tr>
                <th scope="col">Shipped</th>
                <th scope="col">To site</th>
                <th scope="col">Status</th>
                <th scope="col">Received</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {/* Newest first: the shipment waiting for receipt is usually the latest. */}
              {[...list]
                .sort((a, b) => b.shippedAt.localeCompare(a.shippedAt))
                .map((s) => {
                  const canReceive = s.status === 'in_transit' && can('supply.receive', study.id, s.siteId);
                  return (
                    <tr key={s.id}>
                      <td>{dateOf(s.shippedAt)}</td>
                      <td>{siteName(s.siteId)}</td>
                      <td>
                        {s.status === 'in_transit' ? (
                          <Badge tone="info">in transit</Badge>
                        ) : (
                          <Badge tone="good">received</Badge>
                        )}
                      </td>
                      <td>{dateOf(s.receivedAt)}</td>
                      <td>
                        {canReceive && receiving !== s.id ? (
                          <button
                            type="button"
                            className="button-quiet"
                            onClick={() => {
                              setDone(null);
                              setReceiving(s.id);
                            }}
                          >
                            Confirm receipt
                            <span className="visually-hidden"> of the shipment of {dateOf(s.shippedAt)}</span>
                          </button>
                        ) : null}
                        {receiving === s.id ? (
                          <ReceiveForm
                            shipment={s}
                            onCancel={() => setReceiving(null)}
                            onReceived={async (damaged) => {
                              setReceiving(null);
                              setDone(
                                `Receipt confirmed${damaged > 0 ? `; ${damaged} damaged kit(s) set aside` : ''}.`,
                              );
                              await onReceived();
                            }}
                          />
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

function ReceiveForm({
  shipment,
  onCancel,
  onReceived,
}: {
  readonly shipment: Shipment;
  readonly onCancel: () => void;
  readonly onReceived: (damaged: number) => Promise<void>;
}): ReactNode {
  const [damaged, setDamaged] = useState('');
  const { submit, busy, error, fieldErrors } = useSubmit(async (numbers: string[]) => {
    await receiveShipment(shipment.id, numbers);
    await onReceived(numbers.length);
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    void submit(kitNumbersIn(damaged));
  };
  return (
    <form onSubmit={onSubmit} aria-label="Confirm receipt">
      <ErrorNotice error={error} title="Receipt not confirmed" />
      <TextArea
        label="Damaged kit numbers (optional)"
        hint="7-digit kit numbers that arrived unusable, separated by spaces, commas or new lines. They are set aside and never dispensed."
        value={damaged}
        onChange={(e) => setDamaged(e.target.value)}
        error={damagedError(fieldErrors)}
      />
      <div className="button-row">
        <button type="submit" disabled={busy}>
          {busy ? 'Confirming…' : 'Confirm receipt'}
        </button>
        <button type="button" className="button-quiet" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
