import type { ReactNode } from 'react';
import { inventoryPath, shipmentsPath, type Shipment, type SiteInventory } from '../../api/monitoring.js';
import { useCan } from '../../app/session.js';
import { useStudy } from '../../app/study-context.js';
import { ErrorNotice, Loading, Notice } from '../../components/notice.js';
import { Page } from '../../components/page.js';
import { useResource } from '../../components/use-resource.js';
import { InventoryTable } from './inventory-table.js';
import { ShipmentList } from './shipment-list.js';
import { RegisterKitsForm, ShipForm } from './supply-forms.js';
import './monitoring.css';

/**
 * Stock per site with low-stock warnings, shipments, and the supply steps the user's role allows. The
 * server answers blinded callers with per-drug totals only, so nothing here can tell active from placebo.
 */
export function InventoryPage(_props: { readonly params: Record<string, string> }): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  const inventory = useResource<SiteInventory[]>(inventoryPath(study.id));
  const shipments = useResource<Shipment[]>(shipmentsPath(study.id));
  const reload = async (): Promise<void> => {
    await Promise.all([inventory.reload(), shipments.reload()]);
  };
  const warnings = (inventory.data ?? []).flatMap((s) => s.warnings);
  return (
    <Page title="Drug inventory">
      {warnings.length > 0 ? (
        <Notice kind="warning">
          <strong>Low stock:</strong>
          <ul className="warning-list">
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </Notice>
      ) : null}
      <section aria-labelledby="stock-heading">
        <h2 id="stock-heading">Stock at the sites</h2>
        <ErrorNotice error={inventory.error} title="The inventory could not be loaded" />
        {inventory.data ? (
          <InventoryTable rows={inventory.data} />
        ) : inventory.error ? null : (
          <Loading what="the inventory" />
        )}
      </section>
      <ShipmentList shipments={shipments} onReceived={reload} />
      {can('supply.manage', study.id) ? (
        <div className="two-columns">
          <ShipForm onShipped={reload} />
          <RegisterKitsForm />
        </div>
      ) : null}
    </Page>
  );
}
