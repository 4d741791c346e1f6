import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analysis/analyze.js';
import { addDays, daysBetween } from '../../src/core/capture/dates.js';
import { daysOutOfWindow, visitWindow } from '../../src/core/capture/windows.js';
import { checkPublishedFigures } from '../../src/replay/checks.js';
import { subjectSteps } from '../../src/replay/course.js';
import { planOutcomes, type Allocated } from '../../src/replay/outcomes.js';
import { Random } from '../../src/replay/random.js';
import { planEnrollment } from '../../src/replay/scenario.js';
import { allocate, analysisInput, hexSeed, protocol, TODAY } from './support.js';

// The replay's plan without a server: enrollment, outcomes for allocations made by the same
// permuted-blocks code the randomization service runs, each subject's steps, and the analysis engine
// over the data those steps would enter.

describe('the replay plan', () => {
  const enrollment = planEnrollment(11, TODAY);

  it('is the same for the same seed and day, and another for another seed', () => {
    expect(planEnrollment(11, TODAY)).toEqual(enrollment);
    expect(planEnrollment(12, TODAY)).not.toEqual(enrollment);
  });

  it('enrolls 36 NR and 21 PR over five sites in the year before today, with screen failures', () => {
    const { candidates, screenings } = enrollment;
    expect(candidates.filter((c) => c.stratum === 'NR')).toHaveLength(36);
    expect(candidates.filter((c) => c.stratum === 'PR')).toHaveLength(21);
    expect(new Set(candidates.map((c) => c.site)).size).toBe(5);
    expect(screenings.filter((s) => s.kind === 'screen_failure').length).toBeGreaterThan(0);
    for (const c of candidates) {
      expect(c.consentedOn <= c.screeningVisit && c.screeningVisit < c.dayZero).toBe(true);
      expect(daysBetween(c.dayZero, TODAY)).toBeGreaterThanOrEqual(118);
      expect(daysBetween(c.dayZero, TODAY)).toBeLessThanOrEqual(372);
      expect(c.baselineIu).toBeGreaterThanOrEqual(1e6);
      expect(c.baselineIu).toBeLessThanOrEqual(1e7);
    }
  });

  it('finds an allocation with fewer NR on the triple arm than its published completers infeasible', () => {
    // The NR stratum ending in the middle of a block of 6: triple gets 11 of 36.
    const arms = ['DOUBLE', 'CONTROL', 'TRIPLE'] as const;
    let nr = 0;
    const allocated = enrollment.candidates.map((candidate, i): Allocated => {
      const arm =
        candidate.stratum === 'NR' ? (nr < 33 ? arms[nr % 3] : nr < 35 ? 'DOUBLE' : 'CONTROL') : arms[i % 3];
      if (candidate.stratum === 'NR') nr += 1;
      return { candidate, subjectId: `s${i}`, screeningNumber: `S${i}`, arm: arm ?? 'TRIPLE' };
    });
    const plan = planOutcomes(1, 1, TODAY, allocated);
    expect(plan).toEqual({
      feasible: false,
      reason:
        'the service allocated 11 non-responders to TRIPLE, fewer than the 12 completers published for that arm',
    });
  });

  it('never gets an allocation with only 3 PR on the triple arm: blocks of 3 and 6 give 6 to 8', () => {
    for (let n = 0; n < 200; n += 1) {
      const prTriple = allocate(enrollment, hexSeed(n)).filter(
        (a) => a.candidate.stratum === 'PR' && a.arm === 'TRIPLE',
      ).length;
      expect(prTriple).toBeGreaterThanOrEqual(6);
      expect(prTriple).toBeLessThanOrEqual(8);
    }
  });

  it('for every feasible allocation, enters in-window data whose analysis gives every published figure', () => {
    let feasible = 0;
    for (let n = 0; n < 40; n += 1) {
      const allocated = allocate(enrollment, hexSeed(n));
      const plan = planOutcomes(11, n, TODAY, allocated);
      if (!plan.feasible) {
        expect(plan.reason).toMatch(/non-responders to TRIPLE, fewer than the 12 completers/);
        continue;
      }
      feasible += 1;
      for (const p of plan.subjects) {
        for (const step of subjectSteps(protocol, p, TODAY, Random.derive(11, p.candidate.ref))) {
          if (step.kind !== 'visit') continue;
          expect(step.date <= TODAY && step.date >= p.candidate.consentedOn).toBe(true);
          const window = visitWindow(protocol, step.visit, p.candidate.dayZero);
          expect(window && daysOutOfWindow(window, step.date), `${p.screeningNumber} ${step.visit}`).toBe(0);
        }
      }
      const checks = checkPublishedFigures(analyze(analysisInput(enrollment, plan.subjects, 11)));
      expect(
        checks.filter((c) => !c.ok),
        `study seed ${n}`,
      ).toEqual([]);
    }
    expect(feasible).toBeGreaterThan(30);
  });

  it('dates every extension visit on or before today and after the election', () => {
    const plan = planOutcomes(11, 0, TODAY, allocate(enrollment, hexSeed(0)));
    if (!plan.feasible) throw new Error('seed 0 should be feasible');
    const completed = plan.subjects.find((p) => p.extension?.role === 'completed48');
    if (!completed) throw new Error('no subject completes 48 weeks');
    const steps = subjectSteps(protocol, completed, TODAY, Random.derive(11, completed.candidate.ref));
    const kinds = steps.map((s) =>
      s.kind === 'visit' || s.kind === 'dispense' ? `${s.kind}:${s.visit}` : s.kind,
    );
    expect(kinds.indexOf('election')).toBeLessThan(kinds.indexOf('visit:W16'));
    expect(kinds.filter((k) => k.startsWith('dispense:'))).toEqual([
      'dispense:W4',
      'dispense:W8',
      'dispense:W12',
      'dispense:W16',
      'dispense:W24',
      'dispense:W36',
    ]);
    const w48 = steps.find((s) => s.kind === 'visit' && s.visit === 'W48');
    expect(
      w48?.kind === 'visit' && w48.date <= TODAY && w48.date >= addDays(completed.candidate.dayZero, 322),
    ).toBe(true);
  });
});
