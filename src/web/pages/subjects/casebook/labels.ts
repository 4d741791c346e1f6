import type { MeasureResult } from '../../../../core/labs/result.js';
import type { StudyDetail } from '../../../api/types.js';

/** Words for the casebook's codes, so a page never shows `not_recovered` or `visit:W12` raw. */

type Protocol = StudyDetail['protocol'];

/** `drug_interrupted` → `Drug interrupted`. */
export const words = (code: string): string => {
  const s = code.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

export const RELATEDNESS_LABELS: Readonly<Record<string, string>> = {
  not_related: 'Not related',
  unlikely: 'Unlikely related',
  possible: 'Possibly related',
  probable: 'Probably related',
  definite: 'Definitely related',
};

/** The label of a casebook form key: `visit:W12` → `Week 12 (W12)`, `ae:2` → `Adverse event 2`. */
export function formLabel(protocol: Protocol, key: string, aeTerms?: ReadonlyMap<number, string>): string {
  const [kind, id = ''] = key.split(':');
  if (kind === 'visit') {
    const visit = protocol.visits.find((v) => v.code === id);
    return visit ? `${visit.label} (${id})` : `Visit ${id}`;
  }
  if (kind === 'ae') {
    const term = aeTerms?.get(Number(id));
    return term ? `Adverse event ${id}: ${term}` : `Adverse event ${id}`;
  }
  if (kind === 'disposition') {
    const phase = protocol.phases.find((p) => p.code === id);
    return `Disposition, ${phase ? phase.label : id}`;
  }
  return key;
}

const FIELD_WORDS: Readonly<Record<string, string>> = {
  visitDate: 'Visit date',
  result: 'result',
  collectedOn: 'sample date',
  unit: 'unit',
  lloq: 'LLOQ',
  assay: 'assay',
  verbatimTerm: 'Verbatim term',
  codedTerm: 'Coded term',
  bodySystem: 'Body system',
  grade: 'Grade',
  serious: 'Serious',
  onsetDate: 'Onset date',
  endDate: 'End date',
  outcome: 'Outcome',
  actionTaken: 'Action taken',
  status: 'Status',
  date: 'Date',
  reason: 'Reason',
  relatedDrug: 'Related drug',
  detail: 'Detail',
};

/** The label of a field a query names: `HCVRNA.result` → `HCVRNA result`, `relatedness.RBV` → `Relatedness to RBV`. */
export function fieldLabel(field: string): string {
  const [head = '', tail] = field.split('.');
  if (tail === undefined) return FIELD_WORDS[head] ?? head;
  if (head === 'relatedness') return `Relatedness to ${tail}`;
  return `${head} ${FIELD_WORDS[tail] ?? tail}`;
}

const grouped = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 6 });

/** A result as reported, in words: `2,400,000 IU/mL`, `<LLOQ (15 IU/mL)`, `Target not detected`. */
export function resultText(result: MeasureResult, unit: string): string {
  switch (result.kind) {
    case 'value':
      return `${grouped(result.value)} ${unit}`;
    case 'below_lloq':
      return `<LLOQ (${grouped(result.lloq)} ${unit})`;
    case 'not_detected':
      return result.lloq === null
        ? 'Target not detected'
        : `Target not detected (LLOQ ${grouped(result.lloq)} ${unit})`;
  }
}

/**
 * The result's log10 in words. Below the LLOQ (or not detected) only an upper bound is known, so the
 * page says `< 1.18` rather than choosing an imputation: the analysis states its own rule.
 */
export function log10Text(result: MeasureResult): string {
  switch (result.kind) {
    case 'value':
      return result.value > 0 ? Math.log10(result.value).toFixed(2) : '—';
    case 'below_lloq':
      return `< ${Math.log10(result.lloq).toFixed(2)}`;
    case 'not_detected':
      return result.lloq === null ? '—' : `< ${Math.log10(result.lloq).toFixed(2)}`;
  }
}

/** `2026-03-01T10:00:00.000Z` → `2026-03-01 10:00 UTC`: one unambiguous form for audit-like times. */
export const timeText = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
