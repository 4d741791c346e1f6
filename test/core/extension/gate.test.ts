import { describe, expect, it } from 'vitest';
import { dispositionChangeRefusal, electionRefusal } from '../../../src/core/extension/gate.js';
import { parseProtocol } from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const nr = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');
const naive = parseProtocol(readProtocol('protocols/celgosivir-naive-phase2.yaml'), 'naive.yaml');

const completed = [{ phase: 'MAIN', status: 'completed' }] as const;

describe('the extension election’s gate', () => {
  it('lets a randomized subject who completed the main phase elect', () => {
    expect(electionRefusal(nr, { randomized: true, dispositions: completed, electedPhases: [] })).toBeNull();
  });

  it('refuses before the main phase is recorded, naming what to record', () => {
    expect(electionRefusal(nr, { randomized: true, dispositions: [], electedPhases: [] })).toBe(
      'the extension is elected only after the 12-week randomized treatment is completed: record the MAIN disposition as completed first',
    );
  });

  it('refuses after a discontinuation of the main phase', () => {
    expect(
      electionRefusal(nr, {
        randomized: true,
        dispositions: [{ phase: 'MAIN', status: 'discontinued' }],
        electedPhases: [],
      }),
    ).toBe('the subject discontinued the 12-week randomized treatment: there is no extension for them');
  });

  it('refuses a subject not randomized, and a second election', () => {
    expect(electionRefusal(nr, { randomized: false, dispositions: [], electedPhases: [] })).toBe(
      'the subject is not randomized',
    );
    expect(electionRefusal(nr, { randomized: true, dispositions: completed, electedPhases: ['EXT'] })).toBe(
      'the subject has already made the EXT election (it is final)',
    );
  });

  it('refuses in a study without an extension', () => {
    expect(electionRefusal(naive, { randomized: true, dispositions: completed, electedPhases: [] })).toBe(
      'the protocol has no extension to elect',
    );
  });
});

describe('the main disposition once the extension is elected', () => {
  it('stays completed; its date and the other phases may change', () => {
    expect(dispositionChangeRefusal(nr, 'MAIN', 'discontinued', ['EXT'])).toMatch(
      /that completion cannot become a discontinuation$/,
    );
    expect(dispositionChangeRefusal(nr, 'MAIN', 'completed', ['EXT'])).toBeNull();
    expect(dispositionChangeRefusal(nr, 'EXT', 'discontinued', ['EXT'])).toBeNull();
  });

  it('may become a discontinuation while no extension is elected', () => {
    expect(dispositionChangeRefusal(nr, 'MAIN', 'discontinued', [])).toBeNull();
  });
});
