import { describe, expect, it } from 'vitest';
import { analyze, syntheticStudy } from '../../../src/core/analysis/index.js';
import { NR_PROTOCOL, OTHER_PROTOCOL, readProtocol } from './support.js';

const protocol = readProtocol(NR_PROTOCOL);

describe('synthetic studies for benchmarks', () => {
  it('is deterministic from its seed', () => {
    const a = syntheticStudy(protocol, { subjects: 120, seed: 5 });
    expect(syntheticStudy(protocol, { subjects: 120, seed: 5 })).toEqual(a);
    expect(syntheticStudy(protocol, { subjects: 120, seed: 6 })).not.toEqual(a);
  });

  it('has the requested randomized subjects, screen failures, dropouts, elections and adverse events', () => {
    const input = syntheticStudy(protocol, { subjects: 1000, seed: 1 });
    const randomized = input.subjects.filter((s) => s.randomization !== null);
    expect(randomized).toHaveLength(1000);
    expect(input.subjects.some((s) => s.status === 'screen_failed')).toBe(true);
    expect(new Set(randomized.map((s) => s.randomization?.arm))).toEqual(
      new Set(['TRIPLE', 'DOUBLE', 'CONTROL']),
    );
    expect(randomized.every((s) => ['NR', 'PR'].includes(s.levels.PRIORRESP ?? ''))).toBe(true);
    expect(input.dispositions.some((d) => d.phase === 'MAIN' && d.status === 'discontinued')).toBe(true);
    expect(
      input.reassignments.some(
        (r) => r.option === 'SWITCH' && r.toArm === 'TRIPLE' && r.fromArm !== 'TRIPLE',
      ),
    ).toBe(true);
    expect(input.adverseEvents.length).toBeGreaterThan(1000);
    const dates = [
      ...input.results.map((r) => r.collectedOn),
      ...input.adverseEvents.map((a) => a.onsetDate),
    ];
    expect(dates.every((d) => d <= input.dataCut)).toBe(true);
  });

  it('gives realistic HCV RNA: quantified values within the plausible range, some below the LLOQ or not detected', () => {
    const { results } = syntheticStudy(protocol, { subjects: 1000, seed: 2 });
    const values = results.flatMap((r) => (r.result.kind === 'value' ? [r.result.value] : []));
    expect(values.every((v) => v >= 15 && v <= 1e9)).toBe(true);
    const baselines = results.filter((r) => r.visit === 'D0' && r.result.kind === 'value');
    const median = baselines.map((r) => (r.result.kind === 'value' ? Math.log10(r.result.value) : 0)).sort()[
      Math.floor(baselines.length / 2)
    ];
    expect(median).toBeGreaterThan(5.5);
    expect(median).toBeLessThan(7);
    expect(results.some((r) => r.result.kind === 'below_lloq')).toBe(true);
    expect(results.some((r) => r.result.kind === 'not_detected')).toBe(true);
  });

  it('feeds the analysis: the first non-control arm reduces HCV RNA more than the control', () => {
    const result = analyze(syntheticStudy(protocol, { subjects: 600, seed: 3 }));
    const change = result.efficacy[0]?.endpoints[0];
    const means = change?.arms.map((a) => ('mean' in a ? a.mean : null)) ?? [];
    expect(means[0]).toBeGreaterThan((means[2] ?? 0) + 0.3);
    expect(result.extension?.continued).toBeGreaterThan(0);
  });

  it('follows another protocol’s arms, ratio and measure', () => {
    const other = readProtocol(OTHER_PROTOCOL);
    const input = syntheticStudy(other, { subjects: 300, seed: 4 });
    const arms = input.subjects.flatMap((s) => (s.randomization ? [s.randomization.arm] : []));
    const active = arms.filter((a) => a === 'ACTIVE').length;
    expect(active / arms.length).toBeGreaterThan(0.55); // 1:2
    expect(input.results.every((r) => r.measure === 'SCORE')).toBe(true);
    expect(input.reassignments).toEqual([]);
  });
});
