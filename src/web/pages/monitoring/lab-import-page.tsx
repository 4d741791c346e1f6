import { useState, type FormEvent, type ReactNode } from 'react';
import { LAB_CSV_COLUMNS, LAB_CSV_OPTIONAL_COLUMNS } from '../../../core/capture/lab-csv.js';
import { labImportsPath, uploadLabCsv, type LabImport, type LabReport } from '../../api/monitoring.js';
import { useCan } from '../../app/session.js';
import { useStudy } from '../../app/study-context.js';
import { TextField } from '../../components/fields.js';
import { ErrorNotice, Notice } from '../../components/notice.js';
import { Page } from '../../components/page.js';
import { useResource } from '../../components/use-resource.js';
import { useSubmit } from '../../components/use-submit.js';
import { ImportHistory } from './lab-import-history.js';
import { LabReportView } from './lab-report.js';
import './monitoring.css';

/** What was checked: the report belongs to exactly this file and assay, so a change asks for a new dry run. */
interface Checked {
  readonly file: File;
  readonly assay: string;
  readonly report: LabReport;
}

/** The report a refused import carries in its details (the rows that failed since the dry run). */
const reportOf = (details: Readonly<Record<string, unknown>>): LabReport | undefined =>
  typeof details.report === 'object' && details.report !== null ? (details.report as LabReport) : undefined;

/**
 * Central-lab results: a dry run first, which writes nothing and lists every refused row; the import
 * itself is offered only for a clean dry run of the same file. Re-importing a file changes nothing.
 */
export function LabImportPage(_props: { readonly params: Record<string, string> }): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  const history = useResource<LabImport[]>(labImportsPath(study.id));
  const [file, setFile] = useState<File | null>(null);
  const [assay, setAssay] = useState('');
  const [checked, setChecked] = useState<Checked | null>(null);
  const [imported, setImported] = useState<LabReport | null>(null);

  const dryRun = useSubmit(async (f: File, a: string) => {
    const report = await uploadLabCsv(study.id, f, { dryRun: true, fileName: f.name, assay: a });
    setChecked({ file: f, assay: a, report });
  });
  const doImport = useSubmit(async (c: Checked) => {
    const report = await uploadLabCsv(study.id, c.file, {
      dryRun: false,
      fileName: c.file.name,
      assay: c.assay,
    });
    setImported(report);
    setChecked(null);
    await history.reload();
  });
  const busy = dryRun.busy || doImport.busy;
  const current = checked && checked.file === file && checked.assay === assay.trim() ? checked : null;
  const canImport = current !== null && current.report.errorCount === 0 && current.report.toInsert > 0;
  const fieldErrors = { ...dryRun.fieldErrors, ...doImport.fieldErrors };
  const fileError = fieldErrors.header ?? fieldErrors.body ?? fieldErrors.fileName;
  const refused = doImport.error ? reportOf(doImport.error.details) : undefined;

  const onCheck = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    if (!file) return;
    setImported(null);
    doImport.reset();
    void dryRun.submit(file, assay.trim());
  };

  return (
    <Page title="Lab imports">
      {can('lab.import', study.id) ? (
        <section aria-labelledby="upload-heading" className="panel">
          <h2 id="upload-heading">Import a results file</h2>
          <p className="muted">
            A CSV file with a header row naming the columns <ColumnList names={LAB_CSV_COLUMNS} /> (optionally{' '}
            <ColumnList names={LAB_CSV_OPTIONAL_COLUMNS} />
            ), in any order and case. One result a line; subject is the screening number (e.g. WPG-S001), date
            is YYYY-MM-DD, lloq may be left empty.
          </p>
          <form onSubmit={onCheck} aria-label="Check a results file">
            <ErrorNotice error={dryRun.error} title="The file could not be checked" />
            <div className="form-grid">
              <div className="file-input">
                <TextField
                  label="CSV file"
                  type="file"
                  accept=".csv,text/csv"
                  error={fileError}
                  onChange={(e) => setFile(e.target.files?.[0] ?? null)}
                />
              </div>
              <TextField
                label="Assay (optional)"
                hint="Used for rows whose assay column is empty or missing."
                value={assay}
                onChange={(e) => setAssay(e.target.value)}
                error={fieldErrors.assay}
                maxLength={120}
              />
            </div>
            <div className="button-row">
              <button type="submit" disabled={!file || busy}>
                {dryRun.busy ? 'Checking…' : 'Check the file (dry run)'}
              </button>
            </div>
          </form>
          {current ? (
            <>
              <LabReportView report={current.report} heading="Dry run: nothing was written" />
              <ImportButton
                report={current.report}
                enabled={canImport && !busy}
                busy={doImport.busy}
                onImport={() => void doImport.submit(current)}
              />
            </>
          ) : null}
          <ErrorNotice error={doImport.error} title="Nothing was imported" />
          {refused ? <LabReportView report={refused} heading="Why the import was refused" /> : null}
          {imported ? (
            <Notice kind="success">
              Imported {imported.inserted} result(s) from {imported.fileName ?? 'the file'}
              {imported.unchanged > 0 ? `; ${imported.unchanged} already recorded` : ''}
              {imported.queriesOpened > 0
                ? `; ${imported.queriesOpened} query(ies) opened by edit checks`
                : ''}
              .
            </Notice>
          ) : null}
        </section>
      ) : null}
      <ImportHistory history={history} />
    </Page>
  );
}

function ColumnList({ names }: { readonly names: readonly string[] }): ReactNode {
  return names.map((n, i) => (
    <span key={n}>
      {i > 0 ? ', ' : null}
      <code>{n}</code>
    </span>
  ));
}

function ImportButton({
  report,
  enabled,
  busy,
  onImport,
}: {
  readonly report: LabReport;
  readonly enabled: boolean;
  readonly busy: boolean;
  readonly onImport: () => void;
}): ReactNode {
  const why =
    report.errorCount > 0
      ? `The import stays disabled: correct the ${report.errorCount} refused row(s) and check the file again.`
      : report.toInsert === 0
        ? 'Every result in the file is already recorded: there is nothing to import.'
        : null;
  return (
    <div className="button-row">
      <button
        type="button"
        disabled={!enabled}
        onClick={onImport}
        aria-describedby={why ? 'import-why' : undefined}
      >
        {busy ? 'Importing…' : `Import ${report.toInsert} result(s)`}
      </button>
      {why ? (
        <p id="import-why" className="field-hint">
          {why}
        </p>
      ) : null}
    </div>
  );
}
