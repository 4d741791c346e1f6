/** Controlled terms of the adverse-event and disposition forms (CDISC-style, in our own codes). */

export const AE_OUTCOMES = [
  'recovered',
  'recovering',
  'not_recovered',
  'recovered_with_sequelae',
  'fatal',
  'unknown',
] as const;
export type AeOutcome = (typeof AE_OUTCOMES)[number];

export const AE_ACTIONS = [
  'none',
  'dose_reduced',
  'drug_interrupted',
  'drug_withdrawn',
  'not_applicable',
  'unknown',
] as const;
export type AeAction = (typeof AE_ACTIONS)[number];

/** The investigator's judgement of causality, per study drug. */
export const RELATEDNESS = ['not_related', 'unlikely', 'possible', 'probable', 'definite'] as const;
export type Relatedness = (typeof RELATEDNESS)[number];

/** Possible, probable and definite count as related in the safety tables. */
export const isRelated = (r: Relatedness): boolean =>
  r === 'possible' || r === 'probable' || r === 'definite';

export const DISCONTINUATION_REASONS = [
  'adverse_event',
  'lack_of_efficacy',
  'withdrawal_by_subject',
  'lost_to_follow_up',
  'protocol_deviation',
  'physician_decision',
  'death',
  'other',
] as const;
export type DiscontinuationReason = (typeof DISCONTINUATION_REASONS)[number];

/** What a signature means (21 CFR 11.50): stated with the signature and kept with it. */
export const SIGNATURE_MEANINGS = {
  approval:
    'I approve the data in this casebook: to the best of my knowledge it is complete, accurate and attributable to the source documents.',
  review: 'I have reviewed the data in this casebook.',
} as const;
export type SignatureMeaning = keyof typeof SIGNATURE_MEANINGS;

/** The key of a casebook form: a visit (with its results), an adverse event, a phase's disposition. */
export const formKey = {
  visit: (visitCode: string): string => `visit:${visitCode}`,
  adverseEvent: (aeNumber: number): string => `ae:${aeNumber}`,
  disposition: (phaseCode: string): string => `disposition:${phaseCode}`,
} as const;

/** The fields of a casebook form a query can be raised on, or null when the form is not one. */
export function fieldsOfForm(
  protocol: {
    readonly visits: readonly { readonly code: string; readonly measures: readonly string[] }[];
    readonly drugs: readonly { readonly code: string }[];
    readonly phases: readonly { readonly code: string }[];
  },
  key: string,
): string[] | null {
  const [kind, id = ''] = key.split(':');
  if (kind === 'visit') {
    const visit = protocol.visits.find((v) => v.code === id);
    if (!visit) return null;
    return [
      'visitDate',
      ...visit.measures.flatMap((m) =>
        ['result', 'collectedOn', 'unit', 'lloq', 'assay'].map((f) => `${m}.${f}`),
      ),
    ];
  }
  if (kind === 'ae')
    return [
      'verbatimTerm',
      'codedTerm',
      'bodySystem',
      'grade',
      'serious',
      'onsetDate',
      'endDate',
      'outcome',
      'actionTaken',
      ...protocol.drugs.map((d) => `relatedness.${d.code}`),
    ];
  if (kind === 'disposition')
    return protocol.phases.some((p) => p.code === id)
      ? ['status', 'date', 'reason', 'relatedDrug', 'detail']
      : null;
  return null;
}
