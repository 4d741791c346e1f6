import { describe, expect, it } from 'vitest';
import { evaluateEligibility } from '../../../src/core/eligibility/evaluate.js';
import { parseProtocol } from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const protocol = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');
const eligible = {
  age: 48,
  hcvGenotype: '1a',
  chronicInfection: true,
  failedPriorPegRbv: true,
  priorResponse: 'NR',
  hcvRna: 2_400_000,
  decompensatedLiverDisease: false,
  hivCoinfection: false,
  hbvCoinfection: false,
  pregnantOrBreastfeeding: false,
  neutrophils: 2.1,
  platelets: 160,
  hemoglobin: 14.2,
};

describe('eligibility', () => {
  it('finds an eligible non-responder eligible, every criterion met', () => {
    const r = evaluateEligibility(protocol, eligible);
    expect(r.eligible).toBe(true);
    expect(r.criteria.map((c) => c.outcome)).toEqual(Array(8).fill('met'));
  });

  it('fails genotype 3 on the genotype criterion, with the answer as the reason', () => {
    const r = evaluateEligibility(protocol, { ...eligible, hcvGenotype: '3' });
    expect(r.eligible).toBe(false);
    expect(r.criteria.filter((c) => c.outcome !== 'met')).toEqual([
      expect.objectContaining({ code: 'IN02', outcome: 'not_met', reason: 'not met: hcvGenotype = 3' }),
    ]);
  });

  it('excludes an HIV co-infection through the exclusion criterion', () => {
    const r = evaluateEligibility(protocol, { ...eligible, hivCoinfection: true });
    expect(r.criteria.find((c) => c.code === 'EX02')).toMatchObject({
      outcome: 'not_met',
      reason: 'excluded: hivCoinfection = true',
    });
  });

  it('does not call a relapser eligible', () => {
    expect(evaluateEligibility(protocol, { ...eligible, priorResponse: 'RELAPSE' }).eligible).toBe(false);
  });

  it('treats a missing answer as missing, never as eligible', () => {
    const { platelets: _p, ...rest } = eligible;
    const r = evaluateEligibility(protocol, { ...rest, neutrophils: 2, hemoglobin: 14 });
    expect(r.eligible).toBe(false);
    expect(r.criteria.find((c) => c.code === 'EX04')).toMatchObject({
      outcome: 'missing',
      reason: 'platelets is not answered',
    });
  });

  it('applies between inclusively at both ends', () => {
    expect(evaluateEligibility(protocol, { ...eligible, age: 18 }).eligible).toBe(true);
    expect(evaluateEligibility(protocol, { ...eligible, age: 65 }).eligible).toBe(true);
    expect(evaluateEligibility(protocol, { ...eligible, age: 66 }).eligible).toBe(false);
  });

  it('refuses a number criterion answered with text', () => {
    const r = evaluateEligibility(protocol, { ...eligible, hcvRna: 'lots' });
    expect(r.criteria.find((c) => c.code === 'IN04')).toMatchObject({
      outcome: 'missing',
      reason: 'hcvRna must be a number',
    });
  });
});
