import { describe, expect, it } from 'vitest';
import {
  fieldsOfForm,
  formKey,
  isRelated,
  RELATEDNESS,
  SIGNATURE_MEANINGS,
} from '../../../src/core/capture/vocabulary.js';
import { parseProtocol } from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const nr = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');
const RESULT_FIELDS = ['result', 'collectedOn', 'unit', 'lloq', 'assay'];

describe('casebook forms and their fields', () => {
  it('keys forms by visit, adverse event number and phase', () => {
    expect(formKey.visit('W12')).toBe('visit:W12');
    expect(formKey.adverseEvent(3)).toBe('ae:3');
    expect(formKey.disposition('MAIN')).toBe('disposition:MAIN');
  });

  it('lists a visit form’s date and the fields of each of its measures', () => {
    expect(fieldsOfForm(nr, 'visit:W12')).toEqual(['visitDate', ...RESULT_FIELDS.map((f) => `HCVRNA.${f}`)]);
    const noMeasure = { ...nr, visits: [{ code: 'FU', measures: [] }] };
    expect(fieldsOfForm(noMeasure, 'visit:FU')).toEqual(['visitDate']);
    const two = { ...nr, visits: [{ code: 'V1', measures: ['HCVRNA', 'ALT'] }] };
    expect(fieldsOfForm(two, 'visit:V1')).toEqual([
      'visitDate',
      ...RESULT_FIELDS.map((f) => `HCVRNA.${f}`),
      ...RESULT_FIELDS.map((f) => `ALT.${f}`),
    ]);
  });

  it('lists an adverse event’s fields with a relatedness per study drug', () => {
    expect(fieldsOfForm(nr, 'ae:1')).toEqual([
      'verbatimTerm',
      'codedTerm',
      'bodySystem',
      'grade',
      'serious',
      'onsetDate',
      'endDate',
      'outcome',
      'actionTaken',
      'relatedness.CELGOSIVIR',
      'relatedness.PEGIFN',
      'relatedness.RBV',
    ]);
  });

  it('lists a disposition’s fields for a phase of the protocol', () => {
    const fields = ['status', 'date', 'reason', 'relatedDrug', 'detail'];
    expect(fieldsOfForm(nr, 'disposition:MAIN')).toEqual(fields);
    expect(fieldsOfForm(nr, 'disposition:EXT')).toEqual(fields);
  });

  it('knows no form for an unknown visit, phase or kind', () => {
    expect(fieldsOfForm(nr, 'visit:W13')).toBeNull();
    expect(fieldsOfForm(nr, 'disposition:FOLLOWUP')).toBeNull();
    expect(fieldsOfForm(nr, 'lab:W12')).toBeNull();
    expect(fieldsOfForm(nr, 'visit')).toBeNull();
    expect(fieldsOfForm(nr, '')).toBeNull();
  });
});

describe('controlled terms', () => {
  it('counts possible, probable and definite as related', () => {
    expect(RELATEDNESS.filter(isRelated)).toEqual(['possible', 'probable', 'definite']);
  });

  it('states what each signature means', () => {
    expect(SIGNATURE_MEANINGS.approval).toMatch(/^I approve the data in this casebook/);
    expect(SIGNATURE_MEANINGS.review).toBe('I have reviewed the data in this casebook.');
  });
});
