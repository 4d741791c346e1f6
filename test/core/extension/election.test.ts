import { describe, expect, it } from 'vitest';
import { resolveElection } from '../../../src/core/extension/election.js';
import { parseProtocol } from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const nr = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');
const naive = parseProtocol(readProtocol('protocols/celgosivir-naive-phase2.yaml'), 'naive.yaml');

describe('extension election', () => {
  it('keeps the arm on CONTINUE', () => {
    expect(resolveElection(nr, 'DOUBLE', 'CONTINUE')).toEqual({
      phase: 'EXT',
      option: 'CONTINUE',
      fromArm: 'DOUBLE',
      toArm: 'DOUBLE',
    });
  });

  it('switches the double and control arms to triple on SWITCH', () => {
    expect(resolveElection(nr, 'DOUBLE', 'SWITCH').toArm).toBe('TRIPLE');
    expect(resolveElection(nr, 'CONTROL', 'SWITCH').toArm).toBe('TRIPLE');
  });

  it('leaves a triple subject on triple for SWITCH, without an error that would reveal the arm', () => {
    expect(resolveElection(nr, 'TRIPLE', 'SWITCH')).toEqual({
      phase: 'EXT',
      option: 'SWITCH',
      fromArm: 'TRIPLE',
      toArm: 'TRIPLE',
    });
  });

  it('names the options when an unknown one is asked for', () => {
    expect(() => resolveElection(nr, 'TRIPLE', 'STOP')).toThrow(/Unknown extension option STOP/);
  });

  it('refuses an election in a study without an extension', () => {
    expect(() => resolveElection(naive, 'TRIPLE', 'CONTINUE')).toThrow(/no extension/);
  });
});
