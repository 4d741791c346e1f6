import { mkdirSync, writeFileSync } from 'node:fs';
import { benchSoak, type SoakResult } from './soak.bench.js';
import { fmt } from './support.js';

/**
 * The soak on its own (`npm run build`, then `npx tsx bench/soak.ts`); `npm run bench` runs it too.
 * BENCH_SOAK_SECONDS (default 600), BENCH_SOAK_CLIENTS (default 8), BENCH_SOAK_SAMPLE_MS (default 5000).
 */
export const soakOptions = () => ({
  seconds: Number(process.env.BENCH_SOAK_SECONDS ?? 600),
  clients: Number(process.env.BENCH_SOAK_CLIENTS ?? 8),
  sampleMs: Number(process.env.BENCH_SOAK_SAMPLE_MS ?? 5000),
});

/** The soak's figures, as `npm run bench` prints them. */
export function printSoak(soak: SoakResult | null): void {
  if (!soak) {
    console.log('  postgres  skipped: no PostgreSQL server reachable');
    return;
  }
  console.log(
    `  ${soak.operations} requests in ${fmt(soak.seconds, 0)} s: ${fmt(soak.perSecond, 1)}/s, errors ${soak.errors}; ${soak.allocations} allocations (verify ${soak.randomizationOk ? 'ok' : 'FAILED'}), audit chains ${soak.chains} (verify ${soak.auditOk ? 'ok' : 'FAILED'})`,
  );
  for (const [kind, k] of Object.entries(soak.kinds))
    console.log(
      `  ${kind.padEnd(10)} ${String(k.count).padStart(6)} (${fmt(k.perSecond, 1)}/s) p50 ${fmt(k.p50Ms, 0)} ms, p99 ${fmt(k.p99Ms, 0)} ms, errors ${k.errors}`,
    );
  for (const m of soak.memory)
    console.log(
      `  node ${m.node}    RSS ${fmt(m.samples[0]?.rssMb ?? Number.NaN, 0)} MB at start, ${fmt(m.warmUpEndMb, 0)} MB after warm-up, ${fmt(m.endMb, 0)} MB at the end (max ${fmt(m.maxMb, 0)} MB); growth after warm-up ${fmt(m.growthMb, 1)} MB (floor to floor; medians ${fmt(m.medianGrowthMb, 1)} MB)`,
    );
  for (const e of soak.firstErrors) console.log(`  error: ${e}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = soakOptions();
  console.log(
    `Soak: two app nodes on one PostgreSQL, ${options.clients} virtual users for ${options.seconds} s (sign-ins, worklists, results, queries, randomizations)`,
  );
  const soak = await benchSoak(options);
  printSoak(soak);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/soak.json', import.meta.url),
    `${JSON.stringify({ at: new Date().toISOString(), soak }, null, 2)}\n`,
  );
}
