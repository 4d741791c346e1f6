import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { parse, stringify } from 'yaml';
import { createServices } from '../src/services/index.js';
import { hashPassword } from '../src/services/auth/password.js';
import { SYSTEM_ACTOR } from '../src/services/caller.js';
import { openDatabase } from '../src/store/database.js';
import { Store } from '../src/store/store.js';
import { seedUser } from '../test/support/fixtures.js';
import { eligibleNr } from '../test/support/trial.js';
import { closedLoop, freshPgDatabase, timedChild } from './support.js';

/** Visits of the generated protocol, each measuring HCV RNA: rows / VISITS subjects make the file. */
const VISITS = 400;
const PASSWORD = 'bench password 123';
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

export interface LabImportResult {
  readonly engine: 'postgres';
  readonly rows: number;
  readonly fileMb: number;
  /** `trialdesk lab import` as a child process, start to exit. */
  readonly importSeconds: number;
  readonly importRowsPerSecond: number;
  readonly importPeakMb: number;
  /** The same CLI signing in and listing the imports: its fixed cost (start-up, migrations check, sign-in). */
  readonly cliStartupSeconds: number;
  /** Rows per second of the import with that fixed cost taken out. */
  readonly importOnlyRowsPerSecond: number;
  /** `psql -c "\copy …"` of the same file into a plain table of the same columns, start to exit. */
  readonly copySeconds: number;
  readonly copyRowsPerSecond: number;
  /** Import rows/s over \copy rows/s, whole processes. */
  readonly ratio: number;
  /** The same without the CLI's fixed cost. */
  readonly ratioImportOnly: number;
  /**
   * What the database itself costs for these rows in the real tables, by psql in one transaction
   * (rolled back): \copy to a temporary table, `insert … select` into results (its indexes and foreign
   * keys), the visit forms upserted. No checks, no audit: the floor under any import.
   */
  readonly floorSeconds: number;
  readonly floorRowsPerSecond: number;
  /** Import rows/s over the floor's. */
  readonly ratioToFloor: number;
}

/** The reference protocol with VISITS weekly visits measuring HCV RNA, no kits to dispense and no caps. */
function benchProtocol(code: string): string {
  const doc = parse(
    readFileSync(new URL('../protocols/celgosivir-nr-phase2.yaml', import.meta.url), 'utf8'),
  ) as Record<string, unknown> & { drugs: Record<string, unknown>[]; arms: Record<string, unknown>[] };
  const codes = Array.from({ length: VISITS }, (_, i) => (i === 0 ? 'D0' : `V${i}`));
  return stringify({
    ...doc,
    code,
    drugs: doc.drugs.map(({ supply: _supply, ...d }) => d),
    arms: doc.arms.map(({ cap: _cap, ...a }) => a),
    phases: [{ code: 'MAIN', label: 'Main', kind: 'main', startVisit: 'D0', endVisit: codes.at(-1) }],
    visits: codes.map((c, i) => ({
      code: c,
      label: c,
      phase: 'MAIN',
      day: i * 7,
      window: { before: 0, after: 3 },
      measures: ['HCVRNA'],
    })),
    endpoints: [
      {
        code: 'LOGRED',
        label: 'Reduction in log10 HCV RNA at V12',
        kind: 'change-from-baseline',
        measure: 'HCVRNA',
        transform: 'log10',
        baselineVisit: 'D0',
        visit: 'V12',
        direction: 'reduction',
        primary: true,
      },
    ],
    analysis: { populations: [{ code: 'ITT', label: 'All randomized', kind: 'all-randomized' }] },
  });
}

/**
 * `trialdesk lab import` of a `rows`-row file (distinct subject × visit points of randomized subjects)
 * on a fresh PostgreSQL database, against `psql \copy` of the same file into a plain table there.
 */
export async function benchLabImport(rows: number): Promise<LabImportResult | null> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run bench\`, which builds first`);
  const target = await freshPgDatabase('labimport');
  if (!target) return null;
  const dir = await mkdtemp(join(tmpdir(), 'trialdesk-bench-lab-'));
  const database = await openDatabase({ url: target.url, poolSize: 8 });
  try {
    const store = new Store(database);
    const services = createServices(store, { sessionHours: 1, lockoutAttempts: 5, lockoutMinutes: 15 });
    const code = `bench-lab-${Date.now()}`;
    const study = await services.studies.createAs(SYSTEM_ACTOR, {
      source: benchProtocol(code),
      fileName: 'bench.yaml',
    });
    const hash = await hashPassword(PASSWORD);
    const signedIn = async (role: 'data_manager' | 'site_coordinator' | 'central_lab', siteId?: string) => {
      const username = `bench-${role.replace('_', '-')}-${Date.now()}`;
      await seedUser(store, username, hash, [{ role, studyId: study.id, siteId }]);
      const { token } = await services.auth.signIn({ username, password: PASSWORD });
      return { username, caller: await services.auth.authenticate(token) };
    };
    const manager = await signedIn('data_manager');
    const site = await services.studies.createSite(manager.caller, study.id, {
      code: 'LAB',
      name: 'Bench site',
    });
    const coordinator = await signedIn('site_coordinator', site.id);
    const lab = await signedIn('central_lab');

    // The subjects, consented long enough ago for every sample date, screened and randomized.
    const subjects = Math.ceil(rows / VISITS);
    const consentedOn = new Date(Date.now() - 3 * 365 * 86_400_000).toISOString().slice(0, 10);
    const numbers: string[] = [];
    await closedLoop(4, subjects, async () => {
      const s = await services.subjects.screen(coordinator.caller, study.id, {
        siteId: site.id,
        answers: eligibleNr('NR'),
        consentedOn,
      });
      await services.randomization.randomize(coordinator.caller, s.id, {
        requestId: randomUUID(),
        levels: {},
      });
      numbers.push(s.screeningNumber);
    });
    numbers.sort();

    // The file: one result per subject and visit, as a lab writes them.
    const file = join(dir, 'hcv-rna.csv');
    const out = createWriteStream(file);
    out.write('subject,visit,date,result,unit,lloq\n');
    const day0 = Date.parse(`${consentedOn}T00:00:00Z`) + 86_400_000;
    for (let i = 0; i < rows; i++) {
      const visit = i % VISITS;
      const date = new Date(day0 + (visit % 900) * 86_400_000).toISOString().slice(0, 10);
      const result = i % 50 === 0 ? '<15' : i % 97 === 0 ? 'TND' : String(20 + ((i * 7919) % 40_000_000));
      if (
        !out.write(
          `${numbers[Math.floor(i / VISITS)]},${visit === 0 ? 'D0' : `V${visit}`},${date},${result},IU/mL,15\n`,
        )
      )
        await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    const fileMb = readFileSync(file).length / 1024 / 1024;

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      DATABASE_URL: target.url,
      TRIALDESK_PASSWORD: PASSWORD,
      TRIALDESK_LOG_LEVEL: 'silent',
      TRIALDESK_LOAD_REFERENCE: 'false',
    };
    // The floor, first: rolled back, it leaves the study as it was for the import.
    const floorScript = join(dir, 'floor.sql');
    writeFileSync(
      floorScript,
      [
        'begin;',
        'create temp table t (subject text, visit text, date date, result text, unit text, lloq double precision);',
        `\\copy t from '${file}' with (format csv, header true)`,
        `insert into results (study_id, subject_id, site_id, visit_code, measure_code, collected_on, kind, value, lloq,
           reported, reported_unit, assay, source, created_by)
         select s.study_id, s.id, s.site_id, t.visit, 'HCVRNA', t.date,
           case when t.result like '<%' then 'below_lloq' when t.result = 'TND' then 'not_detected' else 'value' end,
           case when t.result like '<%' or t.result = 'TND' then null else t.result::float8 end,
           case when t.result like '<%' or t.result = 'TND' then t.lloq end,
           t.result, t.unit, 'COBAS', 'central_lab', '${lab.caller.userId}'
         from t join subjects s on s.study_id = '${study.id}' and s.screening_number = t.subject;`,
        `insert into forms (study_id, subject_id, site_id, form_key)
         select distinct s.study_id, s.id, s.site_id, 'visit:' || t.visit
         from t join subjects s on s.study_id = '${study.id}' and s.screening_number = t.subject
         on conflict (subject_id, form_key) do update set changed_at = now(), sdv_at = null, sdv_by = null;`,
        'rollback;',
      ].join('\n'),
    );
    const floor = await timedChild(
      'psql',
      [target.url, '-v', 'ON_ERROR_STOP=1', '-q', '-f', floorScript],
      env,
    );
    if (floor.code !== 0) throw new Error(`the floor's psql failed (${floor.code}): ${floor.stderr}`);

    const startup = await timedChild(
      process.execPath,
      [CLI, 'lab', 'list', '--study', code, '--user', lab.username],
      env,
    );
    if (startup.code !== 0) throw new Error(`lab list failed: ${startup.stderr}`);
    const imported = await timedChild(
      process.execPath,
      [
        CLI,
        'lab',
        'import',
        '--study',
        code,
        '--file',
        file,
        '--assay',
        'COBAS TaqMan HCV v2',
        '--user',
        lab.username,
      ],
      env,
    );
    if (imported.code !== 0 || !imported.stdout.includes(`: ${rows} result(s)`))
      throw new Error(
        `lab import failed (${imported.code}): ${imported.stdout}${imported.stderr.slice(0, 2000)}`,
      );
    const { rows: counted } = await sql<{ n: string }>`
      select count(*) as n from results where study_id = ${study.id} and source = 'central_lab'`.execute(
      database.db,
    );
    if (Number(counted[0]?.n) !== rows) throw new Error(`expected ${rows} results, found ${counted[0]?.n}`);
    const audit = await services.audit.verify(manager.caller, { studyId: study.id });
    if (!audit.ok) throw new Error('audit chain broken after the import');

    await sql`create table lab_copy (subject text, visit text, date date, result text, unit text, lloq double precision)`.execute(
      database.db,
    );
    const copied = await timedChild(
      'psql',
      [
        target.url,
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        `\\copy lab_copy from '${file}' with (format csv, header true)`,
      ],
      env,
    );
    if (copied.code !== 0 || !copied.stdout.includes(`COPY ${rows}`))
      throw new Error(`psql \\copy failed (${copied.code}): ${copied.stdout}${copied.stderr}`);

    const importOnly = Math.max(imported.ms / 1000 - startup.ms / 1000, 1e-3);
    return {
      engine: 'postgres',
      rows,
      fileMb,
      importSeconds: imported.ms / 1000,
      importRowsPerSecond: rows / (imported.ms / 1000),
      importPeakMb: imported.peakMb,
      cliStartupSeconds: startup.ms / 1000,
      importOnlyRowsPerSecond: rows / importOnly,
      copySeconds: copied.ms / 1000,
      copyRowsPerSecond: rows / (copied.ms / 1000),
      ratio: copied.ms / 1000 / (imported.ms / 1000),
      ratioImportOnly: copied.ms / 1000 / importOnly,
      floorSeconds: floor.ms / 1000,
      floorRowsPerSecond: rows / (floor.ms / 1000),
      ratioToFloor: floor.ms / 1000 / (imported.ms / 1000),
    };
  } finally {
    await database.close();
    await target.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
