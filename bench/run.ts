import { mkdirSync, writeFileSync } from 'node:fs';
import { benchAnalyze } from './analyze.bench.js';
import { benchAuditedWrites } from './audited-writes.bench.js';
import { benchLabImport } from './lab-import.bench.js';
import { benchRandomize } from './randomize.bench.js';
import { benchResultWrites } from './result-writes.bench.js';
import { benchSoak } from './soak.bench.js';
import { printSoak, soakOptions } from './soak.js';
import { benchStartup } from './startup.bench.js';
import { fmt } from './support.js';
import { benchWeb } from './web.js';

/**
 * `npm run bench`: every benchmark, ours against the raw database measured in the same run, since the
 * machines are noisy. Results print as a table and are saved to bench/results/latest.json.
 */
const writes = Number(process.env.BENCH_WRITES ?? 2000);
const randomizations = Number(process.env.BENCH_RANDOMIZATIONS ?? 1000);
const labRows = Number(process.env.BENCH_LAB_ROWS ?? 100_000);

console.log('Cold start: `trialdesk serve` spawned → first 200 from /api/health');
const startup = await benchStartup();
for (const s of startup)
  console.log(
    `  ${s.engine.padEnd(9)} first start (migrate, admin, reference studies) ${fmt(s.firstStartMs, 0)} ms, restart ${fmt(s.restartMs, 0)} ms`,
  );

console.log(
  `\nAudited single-row writes (service layer: authorize + checks + insert + hash-chained audit, one transaction) vs raw INSERT, ${writes} each`,
);
const audited = await benchAuditedWrites(writes);
for (const w of audited)
  console.log(
    `  ${w.engine.padEnd(9)} ${String(w.concurrency).padStart(2)} client(s): audited ${fmt(w.auditedPerSecond, 0)}/s, raw ${fmt(w.rawPerSecond, 0)}/s, ratio ${fmt(w.ratio, 2)}, audited p99 ${fmt(w.auditedP99Ms, 1)} ms`,
  );

console.log(
  `\nRandomizations over HTTP (POST /api/subjects/:id/randomize on a listening server: study lock, allocation, kits, hash-chained audit) vs a raw SQL transaction with the same locking and writes, ${randomizations} each`,
);
const randomize = await benchRandomize(randomizations);
if (randomize)
  console.log(
    `  ${randomize.engine.padEnd(9)} ${String(randomize.clients).padStart(2)} client(s): http ${fmt(randomize.httpPerSecond, 0)}/s, raw ${fmt(randomize.rawPerSecond, 0)}/s, ratio ${fmt(randomize.ratio, 2)}, http p50 ${fmt(randomize.httpP50Ms, 1)} ms, p99 ${fmt(randomize.httpP99Ms, 1)} ms`,
  );
else console.log('  postgres  skipped: no PostgreSQL server reachable');

const resultWrites = Number(process.env.BENCH_RESULT_WRITES ?? 2000);
console.log(
  `\nSingle result writes over HTTP (POST /api/subjects/:id/results: authorization, visit rules, edit checks, insert, SDV reset, signature invalidation, audit entry sealed into the chain) vs the raw INSERT of the same row, ${resultWrites} each`,
);
const results = await benchResultWrites(resultWrites);
if (results)
  console.log(
    `  ${results.engine.padEnd(9)} ${String(results.clients).padStart(2)} client(s): http ${fmt(results.httpPerSecond, 0)}/s, raw ${fmt(results.rawPerSecond, 0)}/s, ratio ${fmt(results.ratio, 2)}, http p50 ${fmt(results.httpP50Ms, 1)} ms, p99 ${fmt(results.httpP99Ms, 1)} ms`,
  );
else console.log('  postgres  skipped: no PostgreSQL server reachable');

console.log(
  `\nCentral-lab import of a ${labRows}-row CSV: \`trialdesk lab import\` as a child process (start-up, sign-in, parse, checks, staging, results, forms, audit) vs psql \\copy of the same file into a plain table, and vs the database's own floor for these rows (psql: \\copy, then insert into results and upsert the forms, rolled back)`,
);
const labImport = await benchLabImport(labRows);
if (labImport)
  console.log(
    `  ${labImport.engine.padEnd(9)} import ${fmt(labImport.importSeconds, 2)} s (${fmt(labImport.importRowsPerSecond, 0)} rows/s, peak ${fmt(labImport.importPeakMb, 0)} MB; ${fmt(labImport.importOnlyRowsPerSecond, 0)} rows/s without the CLI's ${fmt(labImport.cliStartupSeconds, 2)} s start-up), \\copy ${fmt(labImport.copySeconds, 2)} s (${fmt(labImport.copyRowsPerSecond, 0)} rows/s): ratio ${fmt(labImport.ratio, 3)} (${fmt(labImport.ratioImportOnly, 3)} without start-up); floor ${fmt(labImport.floorSeconds, 2)} s (${fmt(labImport.floorRowsPerSecond, 0)} rows/s): ratio to the floor ${fmt(labImport.ratioToFloor, 2)}`,
  );
else console.log('  postgres  skipped: no PostgreSQL server reachable');

const analyzeSubjects = Number(process.env.BENCH_ANALYZE_SUBJECTS ?? 10_000);
console.log(
  `\nTop-line analysis of a synthetic study of ${analyzeSubjects} randomized subjects × 12 visits: \`trialdesk analyze --json --out F\` as a child process (start-up, sign-in, set-based reads, analysis, JSON) vs \`Rscript bench/analyze.R\` computing the same tables from CSV files of the same data; median of 3 alternating rounds, every figure of R's output checked against ours`,
);
const analysis = await benchAnalyze(analyzeSubjects);
if ('skipped' in analysis) console.log(`  postgres  skipped: ${analysis.skipped}`);
else
  console.log(
    `  ${analysis.engine.padEnd(9)} ${analysis.results} results: ours ${fmt(analysis.oursMs / 1000, 2)} s (cpu ${fmt(analysis.oursCpuMs / 1000, 2)} s, peak ${fmt(analysis.oursPeakMb, 0)} MB; CLI start-up ${fmt(analysis.oursStartupMs / 1000, 2)} s, analyze() in memory ${fmt(analysis.inProcessMs / 1000, 2)} s), R ${fmt(analysis.rMs / 1000, 2)} s (cpu ${fmt(analysis.rCpuMs / 1000, 2)} s, peak ${fmt(analysis.rPeakMb, 0)} MB; start-up ${fmt(analysis.rStartupMs / 1000, 2)} s): ratio ${fmt(analysis.ratio, 2)} (R's time over ours; cpu ${fmt(analysis.cpuRatio, 2)}), ${analysis.figuresCompared} figures agree`,
  );

const webSubjects = Number(process.env.BENCH_WEB_SUBJECTS ?? 300);
console.log(
  `\nWeb application: the production bundle (vite build; gzip by node:zlib at its default level, each file on its own), and the subject list's time to interactive in Chromium (a site coordinator, ${webSubjects} randomized subjects at one site): navigation start → every row rendered and the search box enabled, median of 5 cold loads (fresh browser context each, after one warm-up), against GET …/worklist alone`,
);
const web = await benchWeb(webSubjects);
const kb = (bytes: number): string => `${fmt(bytes / 1024, 1)} kB`;
console.log(
  `  initial   JS ${kb(web.bundle.initialJs.raw)} (gzip ${kb(web.bundle.initialJs.gzip)}), CSS ${kb(web.bundle.initialCss.raw)} (gzip ${kb(web.bundle.initialCss.gzip)}): ${web.bundle.initialFiles.join(', ')}`,
);
for (const chunk of web.bundle.lazy)
  console.log(`  lazy      ${chunk.file} ${kb(chunk.raw)} (gzip ${kb(chunk.gzip)})`);
console.log(
  `  ${web.load.engine.padEnd(9)} subject list (${web.load.measured === 'rows' ? `all ${web.load.subjects} rows + search box` : 'h1 only: the rows never appeared'}) ${fmt(web.load.medianMs, 0)} ms (loads ${web.load.loadsMs.map((ms) => fmt(ms, 0)).join(', ')}), its API call ${fmt(web.load.apiMedianMs, 1)} ms from Node (${fmt(web.load.apiInPageMedianMs, 1)} ms in the page): ratio ${fmt(web.load.ratio, 1)}`,
);

const soakWith = soakOptions();
console.log(
  `\nSoak: two \`trialdesk serve\` processes on one PostgreSQL database (sharing nothing else), ${soakWith.clients} closed-loop virtual users (half on each node) for ${soakWith.seconds} s: worklists, result corrections, enrolments (screen, screening result, randomize), queries (open, answer, close) and sign-ins; every answer checked; RSS of each node sampled every ${soakWith.sampleMs / 1000} s`,
);
const soak = await benchSoak(soakWith);
printSoak(soak);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/latest.json', import.meta.url),
  `${JSON.stringify({ at: new Date().toISOString(), startup, audited, randomize, results, labImport, analyze: analysis, web, soak }, null, 2)}\n`,
);
