import { z } from 'zod';
import {
  AE_ACTIONS,
  AE_OUTCOMES,
  DISCONTINUATION_REASONS,
  RELATEDNESS,
  SIGNATURE_MEANINGS,
} from '../../core/capture/vocabulary.js';
import { isoDate } from '../subjects/subject.schemas.js';

const protocolCode = (example: string) =>
  z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, `must be a code of the protocol, e.g. ${example}`);
const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
/** Why saved data is changed: required on every change, kept in the audit trail. */
const reasonForChange = z
  .string('is required when saved data is changed')
  .trim()
  .min(3, 'must say why the data is changed')
  .max(2000);

export const visitSchema = z.strictObject({
  visit: protocolCode('W12'),
  date: isoDate,
});
export type VisitInput = z.output<typeof visitSchema>;

export const visitChangeSchema = z.strictObject({ date: isoDate, reasonForChange });
export type VisitChangeInput = z.output<typeof visitChangeSchema>;

const resultFields = {
  collectedOn: isoDate,
  /** A number, or the lab's text: `2.4E6`, `<15`, `<LLOQ`, `TND`. */
  result: z.union([z.number(), text(40)], 'must be a number or a result text such as "<15" or "TND"'),
  /** Default: the measure's unit. HCV RNA also takes log10 IU/mL. */
  unit: text(30).optional(),
  /** The assay's lower limit of quantification, in the measure's unit (default: the protocol's). */
  lloq: z.number().positive('must be above 0').optional(),
  assay: text(120).optional(),
};

export const resultSchema = z.strictObject({
  visit: protocolCode('W12'),
  /** Default: the only measure of the visit. */
  measure: protocolCode('HCVRNA').optional(),
  ...resultFields,
});
export type ResultInput = z.output<typeof resultSchema>;

export const resultChangeSchema = z.strictObject({ ...resultFields, reasonForChange });
export type ResultChangeInput = z.output<typeof resultChangeSchema>;

const aeFields = {
  verbatimTerm: text(200),
  codedTerm: text(200).optional(),
  bodySystem: text(200).optional(),
  grade: z
    .number('must be a grade from 1 to 5')
    .int('must be a whole grade')
    .min(1, 'must be 1 to 5')
    .max(5, 'must be 1 to 5'),
  serious: z.boolean('must be true or false'),
  /** The investigator's causality judgement for each study drug, by drug code. */
  relatedness: z.record(z.string(), z.enum(RELATEDNESS, `must be one of ${RELATEDNESS.join(', ')}`)),
  onsetDate: isoDate,
  endDate: isoDate.nullable().optional(),
  outcome: z.enum(AE_OUTCOMES, `must be one of ${AE_OUTCOMES.join(', ')}`),
  actionTaken: z.enum(AE_ACTIONS, `must be one of ${AE_ACTIONS.join(', ')}`),
};

export const adverseEventSchema = z.strictObject(aeFields);
export type AdverseEventInput = z.output<typeof adverseEventSchema>;

export const adverseEventChangeSchema = z.strictObject({ ...aeFields, reasonForChange });
export type AdverseEventChangeInput = z.output<typeof adverseEventChangeSchema>;

const dispositionFields = {
  status: z.enum(['completed', 'discontinued'], 'must be completed or discontinued'),
  date: isoDate,
  /** Why the subject discontinued (discontinued only). */
  reason: z.enum(DISCONTINUATION_REASONS, `must be one of ${DISCONTINUATION_REASONS.join(', ')}`).optional(),
  /** The study drug the discontinuation is attributed to (adverse events only). */
  relatedDrug: protocolCode('PEGIFN').optional(),
  detail: text(2000).optional(),
};

export const dispositionSchema = z.strictObject({ phase: protocolCode('MAIN'), ...dispositionFields });
export type DispositionInput = z.output<typeof dispositionSchema>;

export const dispositionChangeSchema = z.strictObject({ ...dispositionFields, reasonForChange });
export type DispositionChangeInput = z.output<typeof dispositionChangeSchema>;

const formKeyText = z
  .string()
  .regex(
    /^(visit:[A-Z][A-Z0-9_]{0,19}|ae:[1-9]\d{0,5}|disposition:[A-Z][A-Z0-9_]{0,19})$/,
    'must be a form of the casebook, e.g. visit:W12, ae:1 or disposition:MAIN',
  );

export const sdvSchema = z.strictObject({
  form: formKeyText,
  /** False withdraws a verification made in error. */
  verified: z.boolean().default(true),
});
export type SdvInput = z.output<typeof sdvSchema>;

const meanings = Object.keys(SIGNATURE_MEANINGS) as [
  keyof typeof SIGNATURE_MEANINGS,
  ...(keyof typeof SIGNATURE_MEANINGS)[],
];
export const signSchema = z.strictObject({
  /** The investigator's own password, checked again. */
  password: z.string().min(1, 'is required'),
  meaning: z.enum(meanings, `must be one of ${meanings.join(', ')}`),
});
export type SignInput = z.output<typeof signSchema>;

/** The body is optional: a lock may give its reason. */
export const lockSchema = z.strictObject({ reason: text(2000).optional() }).optional();
export type LockInput = NonNullable<z.output<typeof lockSchema>>;

export const unlockSchema = z.strictObject({
  reason: z
    .string('is required to unlock')
    .trim()
    .min(10, 'must say why, in at least 10 characters')
    .max(2000),
});
export type UnlockInput = z.output<typeof unlockSchema>;

export const openQuerySchema = z.strictObject({
  form: formKeyText,
  /** The data point: `visitDate`, `HCVRNA.result`, `grade`, `relatedness.PEGIFN`… */
  field: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9_]{0,39}(\.[A-Za-z][A-Za-z0-9_]{0,39})?$/,
      'must name a field of the form, e.g. visitDate or HCVRNA.result',
    ),
  text: text(2000),
});
export type OpenQueryInput = z.output<typeof openQuerySchema>;

export const queryStepSchema = z.strictObject({ text: text(2000) });
export type QueryStepInput = z.output<typeof queryStepSchema>;

export const queryListSchema = z.strictObject({
  status: z.enum(['open', 'answered', 'closed'], 'must be open, answered or closed').optional(),
  subjectId: z.uuid('must be a subject id').optional(),
  siteId: z.uuid('must be a site id').optional(),
});
export type QueryListInput = z.output<typeof queryListSchema>;
