import { describe, expect, it } from 'vitest';
import {
  currentPhase,
  dayZero,
  dueState,
  nextVisitDue,
  type WorklistFacts,
} from '../../../src/core/capture/worklist.js';
import { parseProtocol } from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const nr = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');

const randomized = (over: Partial<WorklistFacts> = {}): WorklistFacts => ({
  randomized: true,
  day0: '2026-01-15',
  recordedVisits: [],
  electedPhases: [],
  endedPhases: [],
  discontinued: false,
  ...over,
});

describe('the worklist’s next visit due', () => {
  it('takes day 0 from the recorded randomization visit, else the UTC day of randomization', () => {
    expect(dayZero(null, null)).toBeNull();
    expect(dayZero(new Date('2026-01-15T23:30:00Z'), null)).toBe('2026-01-15');
    expect(dayZero(new Date('2026-01-15T23:30:00Z'), '2026-01-16')).toBe('2026-01-16');
  });

  it('is upcoming before the window, due on both of its ends, overdue the day after', () => {
    const w = { nominal: '2026-04-09', earliest: '2026-04-02', latest: '2026-04-16' };
    expect(dueState(w, '2026-04-01')).toBe('upcoming');
    expect(dueState(w, '2026-04-02')).toBe('due');
    expect(dueState(w, '2026-04-09')).toBe('due');
    expect(dueState(w, '2026-04-16')).toBe('due');
    expect(dueState(w, '2026-04-17')).toBe('overdue');
  });

  it('is the randomization visit while it is not recorded (skipping screening, before day 0)', () => {
    expect(nextVisitDue(nr, randomized(), '2026-01-15')).toEqual({
      code: 'D0',
      label: 'Day 0 (baseline and randomization)',
      phase: 'MAIN',
      window: { nominal: '2026-01-15', earliest: '2026-01-15', latest: '2026-01-15' },
      state: 'due',
    });
  });

  it('is the first unrecorded visit of the phase, with its window against today', () => {
    const facts = randomized({ recordedVisits: ['SCR', 'D0', 'W1', 'W2', 'W4', 'W8'] });
    const at = (today: string) => nextVisitDue(nr, facts, today);
    expect(at('2026-04-01')).toMatchObject({
      code: 'W12',
      window: { nominal: '2026-04-09', earliest: '2026-04-02', latest: '2026-04-16' },
      state: 'upcoming',
    });
    expect(at('2026-04-02')?.state).toBe('due');
    expect(at('2026-04-16')?.state).toBe('due');
    expect(at('2026-04-17')?.state).toBe('overdue');
  });

  it('keeps a missed visit as the one due (overdue) even when a later one is recorded', () => {
    const facts = randomized({ recordedVisits: ['D0', 'W1', 'W4'] });
    expect(nextVisitDue(nr, facts, '2026-02-20')).toMatchObject({ code: 'W2', state: 'overdue' });
  });

  it('has none when not randomized, when the main phase is completed without an election, or on discontinuation', () => {
    expect(nextVisitDue(nr, randomized({ randomized: false, day0: null }), '2026-01-15')).toBeNull();
    expect(nextVisitDue(nr, randomized({ endedPhases: ['MAIN'] }), '2026-04-10')).toBeNull();
    expect(
      nextVisitDue(nr, randomized({ endedPhases: ['MAIN'], discontinued: true }), '2026-02-10'),
    ).toBeNull();
  });

  it('moves to the extension once it is elected, and has none once the extension ends', () => {
    expect(currentPhase(nr, [])?.code).toBe('MAIN');
    expect(currentPhase(nr, ['EXT'])?.code).toBe('EXT');
    const main = ['D0', 'W1', 'W2', 'W4', 'W8', 'W12'];
    const inExtension = randomized({ recordedVisits: main, endedPhases: ['MAIN'], electedPhases: ['EXT'] });
    expect(nextVisitDue(nr, inExtension, '2026-05-01')).toMatchObject({
      code: 'W16',
      phase: 'EXT',
      window: { nominal: '2026-05-07', earliest: '2026-04-30', latest: '2026-05-14' },
      state: 'due',
    });
    const done = { ...inExtension, endedPhases: ['MAIN', 'EXT'] };
    expect(nextVisitDue(nr, done, '2026-12-20')).toBeNull();
  });

  it('has none once every visit of the phase is recorded', () => {
    const all = randomized({ recordedVisits: ['D0', 'W1', 'W2', 'W4', 'W8', 'W12'] });
    expect(nextVisitDue(nr, all, '2026-04-09')).toBeNull();
  });
});
