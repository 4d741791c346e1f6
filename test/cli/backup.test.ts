import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, inject } from 'vitest';
import type { AnalysisResult } from '../../src/core/analysis/index.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { scratchDatabases } from '../support/databases.js';
import { PASSWORD, world } from '../support/fixtures.js';
import { eligibleNr, nrTrial } from '../support/trial.js';
import { BASE_ENV, cli, it } from './harness.js';

const ASSAY = 'COBAS TaqMan HCV v2';
const DATA_CUT = '2026-06-30';

/**
 * A study half-way through (2 sites, 6 randomized subjects of 8 screened, day-0 and some week-12
 * results, an adverse event, a discontinuation): what a sponsor would need back after losing its
 * store. Returns the statistician's user name and the study's analysis before the backup.
 */
async function midTrial(
  database: Database,
): Promise<{ stat: string; studyId: string; before: AnalysisResult }> {
  const w = world(database);
  await w.user([{ role: 'admin' }], ADMIN);
  const t = await nrTrial(w, { sites: 2, kitsPerDrug: 12 });
  const subjects: string[] = [];
  for (let i = 0; i < 8; i++) {
    const crc = t.coordinators[i % 2]!;
    const subject = await w.services.subjects.screen(crc, t.studyId, {
      siteId: t.siteIds[i % 2]!,
      answers: { ...eligibleNr(i % 3 === 2 ? 'PR' : 'NR'), ...(i === 7 ? { age: 90 } : {}) },
      consentedOn: '2026-01-05',
    });
    if (i >= 6) continue; // a screen failure and one not yet randomized
    await w.services.randomization.randomize(crc, subject.id, { requestId: randomUUID(), levels: {} });
    subjects.push(subject.id);
  }
  for (const [i, id] of subjects.entries()) {
    const crc = t.coordinators[i % 2]!;
    await w.services.capture.recordVisit(crc, id, { visit: 'D0', date: '2026-01-12' });
    await w.services.capture.recordResult(crc, id, {
      visit: 'D0',
      collectedOn: '2026-01-12',
      result: 1_000_000 * (i + 1),
      assay: ASSAY,
    });
    if (i < 4) {
      await w.services.capture.recordVisit(crc, id, { visit: 'W12', date: '2026-04-06' });
      await w.services.capture.recordResult(crc, id, {
        visit: 'W12',
        collectedOn: '2026-04-06',
        result: [300_000, 5_000, '<15', 'TND'][i]!,
        assay: ASSAY,
      });
    }
  }
  await w.services.capture.recordAdverseEvent(t.coordinators[0]!, subjects[4]!, {
    verbatimTerm: 'Nausea after doses',
    codedTerm: 'Nausea',
    bodySystem: 'Gastrointestinal disorders',
    grade: 1,
    serious: false,
    relatedness: { CELGOSIVIR: 'probable', PEGIFN: 'unlikely', RBV: 'not_related' },
    onsetDate: '2026-02-01',
    outcome: 'recovered',
    actionTaken: 'none',
  });
  const before = await w.services.analysis.analyze(t.stat, t.studyId, { dataCut: DATA_CUT });
  return { stat: t.stat.username, studyId: t.studyId, before };
}

/** Slow on a busy machine: each user costs a password hash, each command a start of the store. */
const ADMIN = 'restorer';

/** The statistician's analysis of the study on a store, signed in afresh (the session is the store's). */
async function analysisOn(database: Database, stat: string, studyId: string): Promise<AnalysisResult> {
  const w = world(database);
  const issued = await w.services.auth.signIn({ username: stat, password: PASSWORD });
  const caller = await w.services.auth.authenticate(issued.token);
  return w.services.analysis.analyze(caller, studyId, { dataCut: DATA_CUT });
}

interface Engine {
  readonly name: 'pglite' | 'postgres';
  /** An empty store of this engine: its environment for the CLI, and how the test opens it. */
  fresh(dir: string, name: string): Promise<{ env: NodeJS.ProcessEnv; open: () => Promise<Database> }>;
}

const pgliteEngine: Engine = {
  name: 'pglite',
  fresh: (dir, name) => {
    const dataDir = join(dir, name);
    return Promise.resolve({
      env: { ...BASE_ENV, TRIALDESK_DATA_DIR: dataDir },
      open: () => openDatabase({ dataDir }),
    });
  },
};

/** A database of its own on the test server for each store: a restore replaces a whole database. */
function postgresEngine(pgUrl: string): Engine {
  const databases = scratchDatabases(pgUrl, 'trialdesk_restore');
  afterAll(() => databases.dropAll());
  return {
    name: 'postgres',
    fresh: async () => {
      const url = await databases.create();
      return {
        env: { ...BASE_ENV, DATABASE_URL: url },
        open: () => openDatabase({ url, poolSize: 4 }),
      };
    },
  };
}

const pgUrl = inject('pgUrl');
const engineList: Engine[] = pgUrl ? [pgliteEngine, postgresEngine(pgUrl)] : [pgliteEngine];

const asAdmin = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...env,
  TRIALDESK_USER: ADMIN,
  TRIALDESK_PASSWORD: PASSWORD,
});

describe.each(engineList)('backup and restore on $name', (engine) => {
  it('a study backed up mid-trial restores into a fresh store: the audit trail verifies and the analysis is identical', async ({
    dir,
    expect,
  }) => {
    const source = await engine.fresh(dir, 'source');
    let trial: Awaited<ReturnType<typeof midTrial>>;
    const database = await source.open();
    try {
      trial = await midTrial(database);
    } finally {
      await database.close();
    }
    const file = join(dir, 'trial.backup');
    const backup = await cli(['backup', '--out', file], { env: source.env });
    expect(backup.code, backup.err).toBe(0);
    expect(backup.out).toMatch(/^Backed up the (PGlite|PostgreSQL) database to .+ \(\d+ bytes\)\n$/);
    expect(backup.err).toContain('wrote ');

    const target = await engine.fresh(dir, 'target');
    const restore = await cli(['restore', file], { env: target.env });
    expect(restore.code, restore.err).toBe(0);
    expect(restore.out).toContain(`Restored ${file}.`);

    const verify = await cli(['audit', 'verify'], { env: asAdmin(target.env) });
    expect(verify.code, verify.err).toBe(0);
    expect(verify.out).toMatch(/Audit trail intact: \d+ chain\(s\) verified\.\n$/);

    const restored = await target.open();
    try {
      const after = await analysisOn(restored, trial.stat, trial.studyId);
      expect(after.efficacy.length).toBeGreaterThan(0);
      // Figure for figure: the whole analysis, every table and value.
      expect(after).toEqual(trial.before);
    } finally {
      await restored.close();
    }

    // The restored store is not empty now: a second restore is refused unless forced, and changes nothing.
    const again = await cli(['restore', file], { env: target.env });
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^error: The (data folder|database at) .+ is not empty/);
    expect(again.err).toContain('add --force to replace');
    const forced = await cli(['restore', file, '--force'], { env: target.env });
    expect(forced.code, forced.err).toBe(0);
    const reverify = await cli(['audit', 'verify'], { env: asAdmin(target.env) });
    expect(reverify.code, reverify.err).toBe(0);

    // An existing backup file is kept unless forced.
    const overwrite = await cli(['backup', '--out', file], { env: source.env });
    expect(overwrite.code).toBe(1);
    expect(overwrite.err).toBe(`error: ${file} exists: choose another --out, or add --force to replace it\n`);
  }, 600_000);

  it('refuses files that are not a backup of this kind of store, naming what they are', async ({
    dir,
    expect,
  }) => {
    const target = await engine.fresh(dir, 'target');
    const notBackup = join(dir, 'notes.txt');
    await writeFile(notBackup, 'not a backup at all\n');
    const plain = join(dir, 'plain.sql');
    await writeFile(plain, '--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n');
    const otherKind = join(dir, engine.name === 'pglite' ? 'dump.pgdump' : 'folder.tar');
    if (engine.name === 'pglite')
      await writeFile(otherKind, Buffer.concat([Buffer.from('PGDMP'), Buffer.alloc(600)]));
    else {
      // A tar header ("ustar" at byte 257), as PGlite's dump starts.
      const tar = Buffer.alloc(1024);
      tar.write('ustar', 257, 'latin1');
      await writeFile(otherKind, tar);
    }

    const r1 = await cli(['restore', notBackup], { env: target.env });
    expect(r1.code).toBe(1);
    expect(r1.err).toBe(
      `error: ${notBackup} is not a trialdesk backup: expected a PGlite backup (a tar of the data folder) or a pg_dump archive in custom format\n`,
    );
    const r2 = await cli(['restore', plain], { env: target.env });
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('this looks like a plain SQL dump (make it with pg_dump --format=custom)');
    const r3 = await cli(['restore', otherKind], { env: target.env });
    expect(r3.code).toBe(1);
    expect(r3.err).toBe(
      engine.name === 'pglite'
        ? `error: ${otherKind} is a PostgreSQL backup (pg_dump): restore it into a PostgreSQL server (set DATABASE_URL)\n`
        : `error: ${otherKind} is a PGlite backup: restore it into a data folder (TRIALDESK_DATA_DIR, without DATABASE_URL)\n`,
    );
    const missing = await cli(['restore', join(dir, 'missing.backup')], { env: target.env });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: Cannot read the backup file .+missing\.backup: ENOENT/);
    // Nothing was created by the refusals.
    const database = await target.open();
    try {
      expect(database.applied.length).toBeGreaterThan(0);
    } finally {
      await database.close();
    }
  }, 300_000);
});

describe.each(engineList.filter((e) => e.name === 'postgres'))('PostgreSQL tools on $name', (engine) => {
  it('without pg_dump, backup says what to install; a damaged archive restores nothing', async ({
    dir,
    expect,
  }) => {
    const source = await engine.fresh(dir, 'source');
    const empty = join(dir, 'no-tools');
    await mkdir(empty);
    const noTools = await cli(['backup', '--out', join(dir, 'x.backup')], {
      env: { ...source.env, TRIALDESK_PG_BIN: empty },
    });
    expect(noTools.code).toBe(3);
    expect(noTools.err).toBe(
      `error: pg_dump was not found in ${empty}: install the PostgreSQL client tools of the server's version or newer (Debian: apt-get install postgresql-client), or set TRIALDESK_PG_BIN to their folder\n`,
    );

    // A store with data, backed up; the archive cut in half, restored over it with --force.
    const database = await source.open();
    try {
      await world(database).user([{ role: 'admin' }], ADMIN);
    } finally {
      await database.close();
    }
    const file = join(dir, 'whole.backup');
    expect((await cli(['backup', '--out', file], { env: source.env })).code).toBe(0);
    const bytes = await readFile(file);
    const cut = join(dir, 'cut.backup');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const damaged = await cli(['restore', cut, '--force'], { env: source.env });
    expect(damaged.code).not.toBe(0);
    expect(damaged.err).toMatch(/^error: pg_restore failed/m);
    const verify = await cli(['audit', 'verify'], { env: asAdmin(source.env) });
    expect(verify.code, verify.err).toBe(0);
  }, 300_000);
});
