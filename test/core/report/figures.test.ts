import { describe, expect, it } from 'vitest';
import { figureData, type ChangeOverTime, type Waterfall } from '../../../src/core/report/figures.js';
import { meanCi } from '../../../src/core/stats/index.js';
import { buildStudy, OTHER_PROTOCOL, readProtocol } from '../analysis/support.js';
import { handBuiltStudy, nrProtocol, SUBJECTS } from './study.js';

const data = figureData(handBuiltStudy());
const overTime = data.changeOverTime[0] as ChangeOverTime;
const waterfall = data.waterfalls[0] as Waterfall;

const point = (level: string, arm: string, visit: string) => {
  const panel = overTime.panels.find((p) => p.subset.level === level);
  const found = panel?.series.find((s) => s.arm === arm)?.points.find((p) => p.visit === visit);
  if (!found) throw new Error(`no point ${level} ${arm} ${visit}`);
  return found;
};
const bars = (w: Waterfall, level: string | null) =>
  w.panels.find((p) => p.subset.level === level)?.bars ?? [];

describe('mean change over time', () => {
  it('has one figure per measure, one panel per stratum, the main-phase visits from the baseline', () => {
    expect(data.changeOverTime).toHaveLength(1);
    expect(overTime).toMatchObject({
      measure: 'HCVRNA',
      transform: 'log10',
      direction: 'reduction',
      baselineVisit: 'D0',
      unit: 'log10 IU/mL',
      endpoints: ['LOGRED_W12'],
    });
    expect(overTime.visits.map((v) => v.code)).toEqual(['D0', 'W1', 'W2', 'W4', 'W8', 'W12']);
    expect(overTime.panels.map((p) => p.subset.level)).toEqual(['NR', 'PR']);
    expect(overTime.panels[0]?.series.map((s) => s.arm)).toEqual(['TRIPLE', 'DOUBLE', 'CONTROL']);
  });

  it('gives the mean log10 reduction at a visit with its t-based 95% CI, at the LLOQ rule', () => {
    // NR triple at W4: T1, T2, T3, T4 and T6 (T5 has no W4).
    const values = [2e6 / 2e5, 5e6 / 1e5, 8e5 / 5e5, 1.5e6 / 3e5, 9e5 / 3e5].map(Math.log10);
    const ci = meanCi(values);
    const w4 = point('NR', 'TRIPLE', 'W4');
    expect(w4.n).toBe(5);
    expect(w4.mean).toBeCloseTo(ci.mean ?? NaN, 12);
    expect(w4.lower).toBeCloseTo(ci.lower ?? NaN, 12);
    expect(w4.upper).toBeCloseTo(ci.upper ?? NaN, 12);
    // At W12, T2 (not detected, LLOQ 15) and T4 (<25) enter at their LLOQ.
    const w12 = [2e6 / 1e4, 5e6 / 15, 8e5 / 2.5e5, 1.5e6 / 25, 3e6 / 1.2e6].map(Math.log10);
    expect(point('NR', 'TRIPLE', 'W12').mean).toBeCloseTo(meanCi(w12).mean ?? NaN, 12);
  });

  it('anchors the baseline at 0 without an interval, and draws none for a single value or no data', () => {
    expect(point('NR', 'TRIPLE', 'D0')).toMatchObject({ n: 6, mean: 0, lower: null, upper: null });
    expect(point('PR', 'DOUBLE', 'W12')).toMatchObject({ n: 1, lower: null, upper: null });
    expect(point('PR', 'DOUBLE', 'W12').mean).toBeCloseTo(Math.log10(1e6 / 9e5), 12);
    expect(point('NR', 'TRIPLE', 'W1')).toEqual({
      visit: 'W1',
      day: 7,
      n: 0,
      mean: null,
      lower: null,
      upper: null,
    });
  });

  it('follows a protocol asking for half the LLOQ', () => {
    const protocol = nrProtocol();
    const half = figureData(
      handBuiltStudy({ ...protocol, analysis: { ...protocol.analysis, belowLloq: 'half-lloq' } }),
    );
    const t2 = half.waterfalls[0]?.panels[0]?.bars.find((b) => b.subjectId === 'T2');
    expect(t2?.change).toBeCloseTo(Math.log10(5e6 / 7.5), 12);
  });
});

describe('the waterfall', () => {
  it('is drawn for the primary change endpoint, with the responder threshold of EVR', () => {
    expect(data.waterfalls).toHaveLength(1);
    expect(waterfall).toMatchObject({
      endpoint: 'LOGRED_W12',
      visit: 'W12',
      baselineVisit: 'D0',
      unit: 'log10 IU/mL',
      responder: { endpoint: 'EVR', threshold: 2 },
    });
  });

  it('has every subject with a week-12 value, largest change first, ties by screening number', () => {
    const nr = bars(waterfall, 'NR');
    const withW12 = SUBJECTS.filter((s) => s.levels?.PRIORRESP === 'NR' && s.results?.W12 !== undefined);
    expect(nr).toHaveLength(withW12.length);
    expect(nr.map((b) => b.change)).toEqual([...nr.map((b) => b.change)].sort((a, b) => b - a));
    // D4 and T1 both fall by exactly log10(200): D4's screening number sorts first.
    expect(nr.slice(0, 5).map((b) => b.subjectId)).toEqual(['T2', 'T4', 'D4', 'T1', 'C3']);
    expect(bars(waterfall, 'PR').map((b) => b.subjectId)).toEqual(['P3', 'P1', 'P2', 'R1', 'R2', 'Q1']);
  });

  it('marks responders at the threshold (inclusive) and values that use an imputed result', () => {
    const nr = bars(waterfall, 'NR');
    const byId = new Map(nr.map((b) => [b.subjectId, b]));
    expect(byId.get('C3')).toMatchObject({ responder: true, imputed: false }); // exactly 2 log10
    expect(byId.get('T3')).toMatchObject({ responder: false });
    expect(byId.get('T2')).toMatchObject({ responder: true, imputed: true });
    expect(nr.filter((b) => b.imputed).map((b) => b.subjectId)).toEqual(['T2', 'T4']);
    expect(nr.filter((b) => b.responder).map((b) => b.subjectId)).toEqual(['T2', 'T4', 'D4', 'T1', 'C3']);
  });
});

describe('other shapes', () => {
  it('draws one panel of all subjects when the protocol analyses by no factor, on the raw scale', () => {
    const protocol = readProtocol(OTHER_PROTOCOL);
    const study = buildStudy(protocol, [
      { id: 'A1', arm: 'ACTIVE', results: { BASE: 40, M3: 50, M6: 58 } },
      { id: 'A2', arm: 'ACTIVE', results: { BASE: 45, M6: 51 } },
      { id: 'P1', arm: 'PLACEBO', results: { BASE: 50, M6: 49 } },
    ]);
    const figures = figureData(study);
    const f = figures.changeOverTime[0];
    expect(f).toMatchObject({ transform: 'none', direction: 'increase', unit: 'points' });
    expect(f?.panels.map((p) => p.subset.label)).toEqual(['All randomized subjects']);
    expect(f?.visits.map((v) => v.code)).toEqual(['BASE', 'M3', 'M6']);
    const w = figures.waterfalls[0];
    expect(w?.responder).toMatchObject({ endpoint: 'RESP', threshold: 10 });
    expect(bars(w as Waterfall, null).map((b) => [b.subjectId, b.change, b.responder])).toEqual([
      ['A1', 18, true],
      ['A2', 6, false],
      ['P1', -1, false],
    ]);
    expect(figures.withoutLevel).toBe(0);
  });

  it('counts randomized subjects without a level of the factor, who are in no panel', () => {
    const study = buildStudy(nrProtocol(), [
      { id: 'X1', arm: 'TRIPLE', results: { D0: 1e6, W12: 1e4 } },
      { id: 'X2', arm: 'TRIPLE', levels: { PRIORRESP: 'NR' }, results: { D0: 1e6, W12: 1e5 } },
    ]);
    const figures = figureData(study);
    expect(figures.withoutLevel).toBe(1);
    expect(figures.waterfalls[0]?.panels.flatMap((p) => p.bars.map((b) => b.subjectId))).toEqual(['X2']);
  });
});
