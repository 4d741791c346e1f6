import { mkdirSync, writeFileSync } from 'node:fs';
import { benchAuditedWrites } from './audited-writes.bench.js';
import { benchRandomize } from './randomize.bench.js';
import { benchStartup } from './startup.bench.js';
import { fmt } from './support.js';

/**
 * `npm run bench`: every benchmark, ours against the raw database measured in the same run, since the
 * machines are noisy. Results print as a table and are saved to bench/results/latest.json.
 */
const writes = Number(process.env.BENCH_WRITES ?? 2000);
const randomizations = Number(process.env.BENCH_RANDOMIZATIONS ?? 1000);

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

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/latest.json', import.meta.url),
  `${JSON.stringify({ at: new Date().toISOString(), startup, audited, randomize }, null, 2)}\n`,
);
