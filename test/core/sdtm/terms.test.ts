import { describe, expect, it } from 'vitest';
import { dateOfDtc } from '../../../src/core/sdtm/dates.js';
import { drugsMentioned, phaseOfEpoch, visitMatcher } from '../../../src/core/sdtm/protocol-map.js';
import {
  actionOf,
  dispositionOf,
  gradeOfSeverity,
  outcomeOf,
  relatednessOf,
} from '../../../src/core/sdtm/terms.js';
import { nrProtocol } from './support.js';

describe('SDTM controlled terms', () => {
  it('maps AEREL onto the causality scale, a binary RELATED to the weakest related judgement', () => {
    expect(
      [
        'NOT RELATED',
        'unlikely related',
        'Possibly Related',
        'PROBABLY RELATED',
        'DEFINITELY RELATED',
        'RELATED',
        'Y',
        'N',
      ].map(relatednessOf),
    ).toEqual([
      'not_related',
      'unlikely',
      'possible',
      'probable',
      'definite',
      'possible',
      'possible',
      'not_related',
    ]);
    expect(relatednessOf('MAYBE')).toBeUndefined();
  });

  it('maps AEOUT, AEACN and AESEV by their CDISC codelists', () => {
    expect(outcomeOf('RECOVERED/RESOLVED WITH SEQUELAE')).toBe('recovered_with_sequelae');
    expect(outcomeOf('NOT RECOVERED/NOT RESOLVED')).toBe('not_recovered');
    expect(outcomeOf('FATAL')).toBe('fatal');
    expect(actionOf('DOSE NOT CHANGED')).toBe('none');
    expect(actionOf('DRUG WITHDRAWN')).toBe('drug_withdrawn');
    expect(actionOf('DOSE INCREASED')).toBeUndefined();
    expect(['MILD', 'MODERATE', 'SEVERE'].map(gradeOfSeverity)).toEqual([1, 2, 3]);
  });

  it('maps DSDECOD to completed or a reason, reasons we lack to other', () => {
    expect(dispositionOf('COMPLETED')).toBe('completed');
    expect(dispositionOf('ADVERSE EVENT')).toBe('adverse_event');
    expect(dispositionOf('Lost to Follow-up')).toBe('lost_to_follow_up');
    expect(dispositionOf('PROTOCOL VIOLATION')).toBe('protocol_deviation');
    expect(dispositionOf('STUDY TERMINATED BY SPONSOR')).toBe('other');
    expect(dispositionOf('FINISHED')).toBeUndefined();
  });

  it('reads complete ISO 8601 dates and refuses partial ones', () => {
    expect(dateOfDtc('2006-03-14', 'X')).toEqual({ date: '2006-03-14' });
    expect(dateOfDtc('2006-03-14T09:30:15', 'X')).toEqual({ date: '2006-03-14' });
    expect(dateOfDtc('2006-03', 'X')).toEqual({
      reason: 'X "2006-03" is a partial date: only complete dates (YYYY-MM-DD) are imported',
    });
    expect(dateOfDtc('2006---14', 'X')).toMatchObject({ reason: expect.stringContaining('partial date') });
    expect(dateOfDtc('2006-02-30', 'X')).toMatchObject({
      reason: expect.stringContaining('not an ISO 8601 date'),
    });
    expect(dateOfDtc('14/03/2006', 'X')).toMatchObject({
      reason: expect.stringContaining('not an ISO 8601 date'),
    });
  });
});

describe('SDTM to protocol mapping', () => {
  const protocol = nrProtocol();

  it('finds a visit by code, label, label without its parenthesis, or DAY n / WEEK n', () => {
    const match = visitMatcher(protocol);
    const code = (visit: string, num: string) => {
      const m = match(visit, num, 'here');
      return m.kind === 'visit' ? m.visit.code : m.kind === 'error' ? m.reason : m.kind;
    };
    expect(code('W12', '7')).toBe('W12');
    expect(code('Screening', '1')).toBe('SCR');
    expect(code('WEEK 16', '8')).toBe('W16');
    expect(code('DAY 0', '2')).toBe('D0');
    expect(code('Week 1', '3')).toBe('W1');
    expect(code('UNSCHEDULED 4.1', '4.1')).toBe('unscheduled');
    expect(code('WEEK 4', '5.1')).toBe('unscheduled');
    expect(code('WEEK 3', '9')).toBe(
      'VISIT "WEEK 3" is not a visit of the protocol (known: SCR, D0, W1, W2, W4, W8, W12, W16, W24, W36, W48)',
    );
    expect(code('WEEK 12', '70')).toBe('VISITNUM 70 for W12, where here gives it VISITNUM 7');
    expect(code('WEEK 24', '7')).toBe('VISITNUM 7 is W12 at here, not W24');
    expect(code('WEEK 24', 'nine')).toBe('VISITNUM "nine" is not a number');
  });

  it('finds the phase of an EPOCH by code, label or the usual epoch names', () => {
    const phase = (e: string) => phaseOfEpoch(protocol, e)?.code ?? null;
    expect(
      ['TREATMENT', 'EXTENSION', 'MAIN', 'ext', 'Extension to 48 weeks', 'OPEN LABEL EXTENSION'].map(phase),
    ).toEqual(['MAIN', 'EXT', 'MAIN', 'EXT', 'EXT', 'EXT']);
    expect(phase('SCREENING')).toBeNull();
    expect(phase('FOLLOW-UP')).toBeNull();
  });

  it('finds the study drugs a DSTERM names by code', () => {
    expect(drugsMentioned(protocol, 'Depression (PEGIFN)')).toEqual(['PEGIFN']);
    expect(drugsMentioned(protocol, 'Anaemia on pegifn and rbv')).toEqual(['PEGIFN', 'RBV']);
    expect(drugsMentioned(protocol, 'Moved away')).toEqual([]);
  });
});
