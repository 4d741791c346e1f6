import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addToTally,
  createRng,
  emptyTally,
  minimize,
  tallyAllocations,
  type ArmCaps,
  type MinimizationOutcome,
  type MinimizationSpec,
  type MinimizationTally,
  type SubjectLevels,
} from '../../../src/core/randomization/index.js';
import { armsOf, RATIOS, SEED_A, SEED_B, seedArb } from './helpers.js';

const FACTOR_POOL = [
  { name: 'sex', levels: ['f', 'm'] },
  { name: 'age', levels: ['<50', '50-70', '>70'] },
  { name: 'site', levels: ['s1', 's2', 's3', 's4'] },
] as const;

function specOf(
  ratios: readonly number[],
  factorCount: number,
  probability: number,
  measure: 'range' | 'variance' = 'range',
): MinimizationSpec {
  return {
    arms: armsOf(ratios),
    factors: FACTOR_POOL.slice(0, factorCount).map((f) => ({ name: f.name, levels: [...f.levels] })),
    probability,
    measure,
  };
}

/** Subjects as arrays of level indexes (shrinkable by fast-check), converted with `levelsOf`. */
const subjectsArb = (factorCount: number, maxLength: number, minLength = 1): fc.Arbitrary<number[][]> =>
  fc.array(fc.tuple(...FACTOR_POOL.slice(0, factorCount).map((f) => fc.nat(f.levels.length - 1))), {
    minLength,
    maxLength,
  });

const levelsOf = (spec: MinimizationSpec, indexes: readonly number[]): SubjectLevels =>
  Object.fromEntries(spec.factors.map((f, i) => [f.name, f.levels[indexes[i] ?? 0] ?? '']));

/** Ratio-weighted range (max − min of count ÷ ratio) within every factor level of the tally. */
function levelRanges(spec: MinimizationSpec, tally: MinimizationTally): number[] {
  return tally.cells.flatMap((factor) =>
    factor.map((row) => {
      const w = row.map((n, a) => n / (spec.arms[a]?.ratio ?? 1));
      return Math.max(...w) - Math.min(...w);
    }),
  );
}

interface Run {
  readonly tally: MinimizationTally;
  readonly outcomes: MinimizationOutcome[];
  /** The largest level range seen after any allocation. */
  readonly worstRange: number;
}

/** Allocates the subjects in order, starting from an empty study. */
function run(spec: MinimizationSpec, seed: string, subjects: readonly SubjectLevels[], caps?: ArmCaps): Run {
  let tally = emptyTally(spec);
  const outcomes: MinimizationOutcome[] = [];
  let worstRange = 0;
  for (const subject of subjects) {
    const outcome = minimize({ spec, seed, tally, subject, caps });
    outcomes.push(outcome);
    if (outcome.kind === 'allocated') {
      tally = addToTally(spec, tally, subject, outcome.arm);
      worstRange = Math.max(worstRange, ...levelRanges(spec, tally));
    }
  }
  return { tally, outcomes, worstRange };
}

/** Uniformly random subjects from a fixed seed (the study population). */
function randomSubjects(spec: MinimizationSpec, seed: string, n: number): SubjectLevels[] {
  const rng = createRng(seed, 'population');
  return Array.from({ length: n }, () =>
    Object.fromEntries(spec.factors.map((f) => [f.name, f.levels[rng.nextInt(f.levels.length)] ?? ''])),
  );
}

/** Straightforward re-statement of the Pocock–Simon score, to check the implementation against. */
function referenceScores(spec: MinimizationSpec, tally: MinimizationTally, subject: SubjectLevels) {
  return spec.arms.map((candidate, k) => {
    let total = 0;
    spec.factors.forEach((factor, f) => {
      const level = factor.levels.indexOf(subject[factor.name] ?? '');
      const x = spec.arms.map(
        (arm, j) => ((tally.cells[f]?.[level]?.[j] ?? 0) + (j === k ? 1 : 0)) / arm.ratio,
      );
      const mean = x.reduce((s, v) => s + v, 0) / x.length;
      const d =
        spec.measure === 'variance'
          ? x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length
          : Math.max(...x) - Math.min(...x);
      total += (factor.weight ?? 1) * d;
    });
    return { arm: candidate.code, imbalance: total };
  });
}

describe('minimize: imbalance bounds', () => {
  // Proof of the bound for one factor, p = 1, no caps: let w_j = n_j / r_j within the subject's level
  // and M = 1 / min_j r_j. If range(w) ≤ M before, adding the subject to an arm m with the least w_m
  // raises w_m by 1/r_m ≤ M, and every value stays ≥ the old minimum w_m, so the new range is
  // ≤ max(old range, 1/r_m) ≤ M. Minimization picks an arm with the least resulting range, which is
  // therefore ≤ M too; other levels do not change. By induction the range never exceeds M (1 for equal
  // ratios, where it is the classic "never more than one apart").
  it('with one factor and p = 1 keeps every level within 1 / (smallest ratio), for any subject order', () => {
    fc.assert(
      fc.property(fc.constantFrom(...RATIOS), subjectsArb(1, 120), seedArb, (ratios, subjects, seed) => {
        const spec = specOf(ratios, 1, 1);
        const { worstRange } = run(
          spec,
          seed,
          subjects.map((s) => levelsOf(spec, s)),
        );
        expect(worstRange).toBeLessThanOrEqual(1 / Math.min(...ratios) + 1e-9);
      }),
      { numRuns: 60 },
    );
  });

  // With equal ratios the variance change from adding to arm k is (2·n_k + 1 − (2·Σn + 1)/K)/K up to the
  // common term, smallest for the least n_k: the same choice as the range, so the same bound of 1.
  it('with one factor, p = 1 and the variance measure keeps equal-ratio levels within 1', () => {
    fc.assert(
      fc.property(subjectsArb(1, 120), seedArb, (subjects, seed) => {
        const spec = specOf([1, 1, 1], 1, 1, 'variance');
        expect(
          run(
            spec,
            seed,
            subjects.map((s) => levelsOf(spec, s)),
          ).worstRange,
        ).toBeLessThanOrEqual(1);
      }),
      { numRuns: 40 },
    );
  });

  // With several factors there is no such per-level bound: the subject's own levels can pull in
  // opposite directions and tie. An exhaustive search of the 2-arm, 2-factor case with adversarial
  // subjects and tie-breaks reaches any imbalance; here is the first step, a level at 2.
  it('with two factors and p = 1 can reach a level imbalance of 2 through a tie', () => {
    const spec: MinimizationSpec = {
      arms: armsOf([1, 1]),
      factors: [
        { name: 'sex', levels: ['f', 'm'] },
        { name: 'age', levels: ['young', 'old'] },
      ],
      probability: 1,
    };
    const tally = tallyAllocations(spec, [
      { arm: 'A', levels: { sex: 'f', age: 'young' } },
      { arm: 'B', levels: { sex: 'm', age: 'old' } },
    ]);
    const outcome = minimize({ spec, seed: SEED_A, tally, subject: { sex: 'f', age: 'old' } });
    expect(outcome).toMatchObject({
      kind: 'allocated',
      choice: 'all_tied',
      scores: [
        { arm: 'A', imbalance: 2 },
        { arm: 'B', imbalance: 2 },
      ],
    });
  });

  it('with several factors and p = 1 always takes an arm with the least total imbalance', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RATIOS),
        fc.constantFrom<'range' | 'variance'>('range', 'variance'),
        subjectsArb(3, 80),
        seedArb,
        (ratios, measure, subjects, seed) => {
          const spec = specOf(ratios, 3, 1, measure);
          let tally = emptyTally(spec);
          for (const s of subjects) {
            const subject = levelsOf(spec, s);
            const outcome = minimize({ spec, seed, tally, subject });
            if (outcome.kind !== 'allocated') throw new Error('no caps');
            const reference = referenceScores(spec, tally, subject);
            const best = Math.min(...reference.map((r) => r.imbalance));
            const chosen = reference.find((r) => r.arm === outcome.arm)?.imbalance ?? NaN;
            expect(chosen).toBeCloseTo(best, 9);
            outcome.scores.forEach((score, i) =>
              expect(score.imbalance).toBeCloseTo(reference[i]?.imbalance ?? NaN, 9),
            );
            expect(outcome.choice).not.toBe('other');
            tally = addToTally(spec, tally, subject, outcome.arm);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  // p = 0.8, two arms, one factor: each level is Efron's biased coin on D = n_A − n_B. From |D| ≥ 1 it
  // moves towards 0 with probability 0.8 and away with 0.2, so (gambler's ruin with ratio 4) an
  // excursion from |D| = 1 reaches k before returning to 0 with probability 3 / (4^k − 1). A study of
  // 1,000 subjects has at most 1,000 excursions, so P(some level reaches 15) < 1,000 · 3 / 4^15 ≈ 3e-6.
  // With three factors (and three arms or unequal ratios) there is no closed form; simulations of
  // 10,000 subjects stayed below 15, so 25 over 1,000 subjects leaves ample margin.
  it('with p = 0.8 keeps level imbalances small over simulated studies', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const two = specOf([1, 1], 1, 0.8);
        expect(run(two, seed, randomSubjects(two, seed, 1_000)).worstRange).toBeLessThanOrEqual(15);
        for (const ratios of RATIOS) {
          const spec = specOf(ratios, 3, 0.8);
          expect(run(spec, seed, randomSubjects(spec, seed, 1_000)).worstRange).toBeLessThanOrEqual(25);
        }
      }),
      { numRuns: 6 },
    );
  });
});

describe('minimize: allocation shares', () => {
  // Tolerance: let w_j = n_j / r_j over the whole study and R its range. Then
  // |n_j − N·r_j/S| = r_j·|w_j − Σ_k r_k w_k / S| ≤ r_j·R, and R is at most the sum of the level ranges
  // of any one factor (the study total is the sum over that factor's levels). By the previous test the
  // 2 sex levels stay below ~15 each, so even both at their extreme in the same direction keep the
  // share within 2·30 / 10,000 = 0.006 of the ratio; in simulations the deviation is below 0.0005.
  // 0.005 (50 of 10,000) is still much tighter than chance: complete randomization misses a 1/3 share by
  // 0.0047 (one sd) routinely, so this catches a minimization that has stopped minimizing. The seeds
  // are fixed, so the test is deterministic.
  it('gives each arm its ratio share of 10,000 allocations within 0.005', () => {
    for (const ratios of RATIOS) {
      const spec = specOf(ratios, 2, 0.8);
      const n = 10_000;
      const { tally } = run(spec, SEED_B, randomSubjects(spec, SEED_A, n));
      const sum = ratios.reduce((a, b) => a + b, 0);
      for (const arm of spec.arms)
        expect(Math.abs((tally.armCounts[arm.code] ?? 0) / n - arm.ratio / sum)).toBeLessThan(0.005);
    }
  });
});

describe('minimize: behaviour', () => {
  it('is reproducible from the seed and the order of subjects, and depends on the seed', () => {
    fc.assert(
      fc.property(subjectsArb(2, 200, 100), seedArb, seedArb, (subjects, s1, s2) => {
        fc.pre(s1 !== s2);
        const spec = specOf([1, 1, 1], 2, 0.8);
        const levels = subjects.map((s) => levelsOf(spec, s));
        const arms = (seed: string): string[] =>
          run(spec, seed, levels).outcomes.map((o) => (o.kind === 'allocated' ? o.arm : '-'));
        expect(arms(s1)).toEqual(arms(s1));
        // Given the same history, two independent seeds pick the same arm with probability at most
        // 0.8² + 2·0.1² = 0.66 (one preferred arm), so ≥ 100 equal subjects have probability < 1e-18.
        expect(arms(s1)).not.toEqual(arms(s2));
      }),
      { numRuns: 10 },
    );
  });

  it('uses the sequence number as the generator label: a subject’s draw depends only on the seed and its position', () => {
    const spec = specOf([1, 1], 1, 0.8);
    const tally = emptyTally(spec);
    const outcomes = [SEED_A, SEED_A].map((seed) => minimize({ spec, seed, tally, subject: { sex: 'f' } }));
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]?.sequenceNumber).toBe(0);
  });

  it('divides counts by the ratio (weighted minimization): the first subject of 1:2 prefers B', () => {
    const spec = specOf([1, 2], 1, 1);
    const outcome = minimize({ spec, seed: SEED_A, tally: emptyTally(spec), subject: { sex: 'm' } });
    expect(outcome).toMatchObject({
      kind: 'allocated',
      arm: 'B',
      preferred: ['B'],
      choice: 'preferred',
      scores: [
        { arm: 'A', imbalance: 1 },
        { arm: 'B', imbalance: 0.5 },
      ],
    });
  });

  it('weights factors: the heavier factor decides when factors disagree', () => {
    const base = (sexWeight: number, ageWeight: number): MinimizationSpec => ({
      arms: armsOf([1, 1]),
      factors: [
        { name: 'sex', levels: ['f', 'm'], weight: sexWeight },
        { name: 'age', levels: ['young', 'old'], weight: ageWeight },
      ],
      probability: 1,
    });
    const prior = [
      { arm: 'A', levels: { sex: 'f', age: 'young' } },
      { arm: 'B', levels: { sex: 'm', age: 'old' } },
      { arm: 'B', levels: { sex: 'm', age: 'old' } },
    ];
    // Subject (f, old): sex=f has A 1, B 0; age=old has A 0, B 2.
    const decide = (spec: MinimizationSpec): MinimizationOutcome =>
      minimize({
        spec,
        seed: SEED_A,
        tally: tallyAllocations(spec, prior),
        subject: { sex: 'f', age: 'old' },
      });
    expect(decide(base(1, 1))).toMatchObject({ choice: 'all_tied' }); // A: 2 + 1, B: 0 + 3
    expect(decide(base(3, 1))).toMatchObject({ arm: 'B', choice: 'preferred' }); // A: 6 + 1, B: 0 + 3
    expect(decide(base(1, 3))).toMatchObject({ arm: 'A', choice: 'preferred' }); // A: 2 + 3, B: 0 + 9
  });

  it('measures variance as the population variance of the weighted counts', () => {
    const spec = specOf([1, 1, 1], 1, 1, 'variance');
    const tally = tallyAllocations(spec, [{ arm: 'A', levels: { sex: 'f' } }]);
    const outcome = minimize({ spec, seed: SEED_A, tally, subject: { sex: 'f' } });
    // Counts (2,0,0): variance 8/9; (1,1,0): 2/9.
    if (outcome.kind !== 'allocated') throw new Error('no caps');
    [8 / 9, 2 / 9, 2 / 9].forEach((v, i) => expect(outcome.scores[i]?.imbalance).toBeCloseTo(v, 12));
  });

  it('takes a non-minimizing arm about (1 − p) of the time', () => {
    const spec = specOf([1, 1], 1, 0.8);
    const tally = tallyAllocations(spec, [{ arm: 'A', levels: { sex: 'f' } }]);
    let others = 0;
    const n = 4_000;
    for (let seq = 0; seq < n; seq += 1) {
      // Same state, different seeds: each draw is an independent biased coin.
      const seed = createRng(SEED_A, `seed ${seq}`).nextUint32().toString(16).padStart(8, '0').repeat(4);
      const outcome = minimize({ spec, seed, tally, subject: { sex: 'f' } });
      if (outcome.kind === 'allocated' && outcome.choice === 'other') others += 1;
    }
    // Binomial(4000, 0.2): sd ≈ 25; ±150 is 6 sd.
    expect(Math.abs(others - 0.2 * n)).toBeLessThan(150);
  });
});

describe('minimize: caps', () => {
  it('never exceeds a cap and returns all_arms_full exactly when every arm is full', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RATIOS),
        fc.array(fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), {
          minLength: 3,
          maxLength: 3,
        }),
        subjectsArb(2, 80),
        seedArb,
        (ratios, capList, subjects, seed) => {
          const spec = specOf(ratios, 2, 0.8);
          const caps: Record<string, number> = {};
          spec.arms.forEach((a, i) => {
            const cap = capList[i];
            if (cap !== undefined) caps[a.code] = cap;
          });
          let tally = emptyTally(spec);
          for (const s of subjects) {
            const subject = levelsOf(spec, s);
            const full = spec.arms.filter(
              (a) => (tally.armCounts[a.code] ?? 0) >= (caps[a.code] ?? Infinity),
            );
            const outcome = minimize({ spec, seed, tally, subject, caps });
            expect(outcome.kind === 'all_arms_full').toBe(full.length === spec.arms.length);
            if (outcome.kind === 'all_arms_full') {
              expect(outcome.fullArms).toEqual(spec.arms.map((a) => a.code));
              continue;
            }
            expect(full.map((a) => a.code)).not.toContain(outcome.arm);
            expect(outcome.scores.map((x) => x.arm)).toEqual(
              spec.arms.filter((a) => !full.includes(a)).map((a) => a.code),
            );
            tally = addToTally(spec, tally, subject, outcome.arm);
            expect(tally.armCounts[outcome.arm] ?? 0).toBeLessThanOrEqual(caps[outcome.arm] ?? Infinity);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('minimize: validation', () => {
  const spec = specOf([1, 1], 2, 0.8);
  const tally = emptyTally(spec);
  it('rejects a subject with a missing or unknown level', () => {
    expect(() => minimize({ spec, seed: SEED_A, tally, subject: { sex: 'f' } })).toThrow(
      'Subject has no level of factor age',
    );
    expect(() => minimize({ spec, seed: SEED_A, tally, subject: { sex: 'x', age: '<50' } })).toThrow(
      "Subject's level x of factor sex is not one of f, m",
    );
  });

  it('rejects bad settings', () => {
    const bad =
      (patch: Partial<MinimizationSpec>): (() => unknown) =>
      () =>
        minimize({ spec: { ...spec, ...patch }, seed: SEED_A, tally, subject: { sex: 'f', age: '<50' } });
    expect(bad({ probability: 0 })).toThrow('must be in (0, 1], got 0');
    expect(bad({ probability: 1.2 })).toThrow('must be in (0, 1], got 1.2');
    expect(bad({ factors: [] })).toThrow('at least one factor is required');
    expect(bad({ factors: [{ name: 'sex', levels: ['f', 'm'], weight: -1 }] })).toThrow(
      'weight of sex must be a positive number, got -1',
    );
    expect(bad({ factors: [{ name: 'sex', levels: ['f', 'f'] }] })).toThrow('factor sex lists a level twice');
    expect(() => addToTally(spec, tally, { sex: 'f', age: '<50' }, 'Z')).toThrow('Unknown arm Z');
  });
});
