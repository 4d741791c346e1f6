import { z } from 'zod';
import { PROTOCOL_LIMITS as L } from './limits.js';

/** Codes inside a protocol (arms, drugs, visits…): short, upper-case, stable across amendments. */
const code = z
  .string()
  .regex(
    /^[A-Z][A-Z0-9_]{0,19}$/,
    'must be 1 to 20 upper-case letters, digits or "_", starting with a letter',
  );
const text = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(L.textChars, `must be at most ${L.textChars} characters`);
/**
 * A list of `min` to `max` items, the limit named in the error. The length is checked before any item
 * is parsed, so an oversized list is refused at once rather than after parsing every item.
 */
const list = <T extends z.ZodType>(item: T, max: number, what: string, min?: readonly [number, string?]) => {
  const sized = z.array(z.unknown()).max(max, `at most ${max} ${what} (the protocol size limit)`);
  return (min ? sized.min(min[0], min[1]) : sized).pipe(z.array(item));
};

const drug = z.strictObject({
  code,
  name: text,
  /** Masked drugs are blinded by a matching placebo; unmasked ones are given open-label. */
  masked: z.boolean(),
  supplier: text.optional(),
  /** How the drug is packed and when kits are dispensed (visit codes). */
  supply: z
    .strictObject({
      unit: text,
      dispenseAt: z.array(code).min(1),
    })
    .optional(),
});

const treatment = z.strictObject({
  drug: code,
  /** Gets the drug's matching placebo instead of the active drug (masked drugs only). */
  placebo: z.boolean().default(false),
});

const arm = z.strictObject({
  code,
  name: text,
  description: text.optional(),
  treatments: list(treatment, L.treatmentsPerArm, 'treatments', [1, 'an arm needs at least one treatment']),
  ratio: z.number().int().positive().default(1),
  /** Hard cap on subjects allocated to the arm, over all strata. */
  cap: z.number().int().positive().optional(),
  control: z.boolean().default(false),
});

const level = z.strictObject({ code, label: text });

const factor = z.strictObject({
  code,
  label: text,
  levels: list(level, L.levelsPerFactor, 'levels', [2, 'a factor needs at least two levels']),
  /** The screening field whose answer gives the subject's level (its values are the level codes). */
  fromField: z.string().optional(),
});

const randomization = z.strictObject({
  method: z.enum(['permuted-blocks', 'minimization']),
  /** Block sizes, each a multiple of the sum of the arms' ratios; one is drawn at random per block. */
  blockSizes: list(
    z.number().int().positive().max(L.largestBlock, `must be at most ${L.largestBlock}`),
    L.blockSizes,
    'block sizes',
    [1],
  ).optional(),
  stratifyBy: z.array(code).default([]),
  minimization: z
    .strictObject({
      factors: z.array(code).min(1),
      /** Probability of assigning the arm that minimizes imbalance (biased coin). */
      probability: z.number().gt(0.5).max(1),
      weights: z.record(z.string(), z.number().positive()).optional(),
    })
    .optional(),
});

const fieldName = z
  .string()
  .regex(/^[a-z][A-Za-z0-9]{0,39}$/, 'must be a camelCase name starting with a lower-case letter');

const screeningField = z.strictObject({
  code: fieldName,
  label: text,
  type: z.enum(['number', 'boolean', 'choice', 'date', 'text']),
  unit: text.optional(),
  options: list(
    z.strictObject({ value: z.string().max(200), label: text }),
    L.choiceOptions,
    'options',
  ).optional(),
  required: z.boolean().default(true),
  /** Number fields: the plausible range of an answer; one outside is refused at screening. */
  plausible: z
    .strictObject({ min: z.number().optional(), max: z.number().optional() })
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'min must not exceed max')
    .optional(),
});

type Rule =
  | { readonly field: string; readonly op: 'eq' | 'ne'; readonly value: string | number | boolean }
  | { readonly field: string; readonly op: 'lt' | 'lte' | 'gt' | 'gte'; readonly value: number }
  | { readonly field: string; readonly op: 'in' | 'notIn'; readonly value: readonly (string | number)[] }
  | { readonly field: string; readonly op: 'between'; readonly value: readonly [number, number] }
  | { readonly all: readonly Rule[] }
  | { readonly any: readonly Rule[] }
  | { readonly not: Rule };

const rule: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.strictObject({
      field: fieldName,
      op: z.enum(['eq', 'ne']),
      value: z.union([z.string(), z.number(), z.boolean()]),
    }),
    z.strictObject({ field: fieldName, op: z.enum(['lt', 'lte', 'gt', 'gte']), value: z.number() }),
    z.strictObject({
      field: fieldName,
      op: z.enum(['in', 'notIn']),
      value: list(z.union([z.string(), z.number()]), L.ruleValues, 'values', [1]),
    }),
    z.strictObject({ field: fieldName, op: z.literal('between'), value: z.tuple([z.number(), z.number()]) }),
    z.strictObject({ all: list(rule, L.ruleValues, 'rules', [1]) }),
    z.strictObject({ any: list(rule, L.ruleValues, 'rules', [1]) }),
    z.strictObject({ not: rule }),
  ]),
);

const criterion = z.strictObject({
  code,
  kind: z.enum(['inclusion', 'exclusion']),
  text,
  /** Inclusion: the subject qualifies when the rule holds. Exclusion: the subject is excluded when it holds. */
  rule,
});

const extensionOption = z.strictObject({
  code,
  label: text,
  /** `same`: stay on the arm; otherwise switch to `toArm` (allowed from `fromArms`, default all others). */
  assignment: z.union([
    z.literal('same'),
    z.strictObject({ toArm: code, fromArms: z.array(code).min(1).optional() }),
  ]),
});

const phase = z.strictObject({
  code,
  label: text,
  kind: z.enum(['main', 'extension']),
  startVisit: code,
  endVisit: code,
  /** For an extension: the visit at which the subject elects to continue, and the choices offered. */
  election: z
    .strictObject({ visit: code, options: list(extensionOption, L.extensionOptions, 'options', [1]) })
    .optional(),
});

const visit = z.strictObject({
  code,
  label: text,
  phase: code,
  /** Nominal study day (day 0 = randomization); the window is in days either side. */
  day: z.number().int(),
  window: z.strictObject({ before: z.number().int().min(0), after: z.number().int().min(0) }),
  measures: list(code, L.measuresPerVisit, 'measures').default([]),
});

const measure = z.strictObject({
  code,
  label: text,
  unit: text,
  /** Hard plausibility limits: a value outside is rejected by the edit checks. */
  plausible: z.strictObject({ minExclusive: z.number().optional(), max: z.number().optional() }).optional(),
  /** Default lower limit of quantification of the assay, in `unit`. */
  lloq: z.number().positive().optional(),
});

const severity = z.enum(['hard', 'soft']);

/** Fields a protocol may make required beyond the ones every form needs, per form. */
export const OPTIONAL_FIELDS = {
  result: ['assay'],
  adverse_event: ['codedTerm', 'bodySystem', 'endDate'],
  disposition: ['detail'],
} as const;

/**
 * Edit checks: built-in kinds, switched on and graded by the protocol. A hard check rejects the data;
 * a soft one accepts it and opens a query on the data point.
 */
const editCheck = z.discriminatedUnion('kind', [
  /** Each measure's `plausible` limits. */
  z.strictObject({ code, kind: z.literal('plausibility'), severity: severity.default('hard') }),
  /** A further range on one measure, usually soft ("unusually high: confirm"). */
  z.strictObject({
    code,
    kind: z.literal('range'),
    measure: code,
    min: z.number().optional(),
    max: z.number().optional(),
    severity: severity.default('soft'),
  }),
  /** No date after today. */
  z.strictObject({ code, kind: z.literal('not-in-future'), severity: severity.default('hard') }),
  /** No visit, sample, adverse event onset or disposition before informed consent. */
  z.strictObject({ code, kind: z.literal('after-consent'), severity: severity.default('hard') }),
  /** An adverse event ends on or after its onset. */
  z.strictObject({ code, kind: z.literal('end-after-onset'), severity: severity.default('hard') }),
  /** A visit outside its window is flagged (never refused): a soft check. */
  z.strictObject({ code, kind: z.literal('visit-window'), severity: z.literal('soft').default('soft') }),
  z.strictObject({
    code,
    kind: z.literal('required'),
    form: z.enum(['result', 'adverse_event', 'disposition']),
    field: z.string(),
    severity: severity.default('hard'),
  }),
]);
export type EditCheck = z.output<typeof editCheck>;

/** The checks of a protocol that declares none. */
export const DEFAULT_EDIT_CHECKS: readonly EditCheck[] = [
  { code: 'PLAUSIBLE', kind: 'plausibility', severity: 'hard' },
  { code: 'NOT_FUTURE', kind: 'not-in-future', severity: 'hard' },
  { code: 'AFTER_CONSENT', kind: 'after-consent', severity: 'hard' },
  { code: 'END_AFTER_ONSET', kind: 'end-after-onset', severity: 'hard' },
  { code: 'WINDOW', kind: 'visit-window', severity: 'soft' },
];

const changeEndpoint = z.strictObject({
  code,
  label: text,
  kind: z.literal('change-from-baseline'),
  measure: code,
  transform: z.enum(['none', 'log10']).default('none'),
  baselineVisit: code,
  visit: code,
  /** `reduction` reports baseline − value (positive = improvement), `increase` value − baseline. */
  direction: z.enum(['reduction', 'increase']),
  primary: z.boolean().default(false),
});

const responderEndpoint = z.strictObject({
  code,
  label: text,
  kind: z.literal('responder'),
  /** The change endpoint it thresholds. */
  of: code,
  threshold: z.number(),
  primary: z.boolean().default(false),
});

const endpoint = z.discriminatedUnion('kind', [changeEndpoint, responderEndpoint]);

const population = z.union([
  z.strictObject({ code, label: text, kind: z.literal('all-randomized') }),
  z.strictObject({ code, label: text, kind: z.literal('completed-visit'), visit: code }),
]);

const analysis = z.strictObject({
  /** Analyse each level of this factor as a separate population (e.g. NR and PR). */
  byFactor: code.optional(),
  populations: list(population, L.populations, 'populations', [1]),
  /** How a result below the LLOQ (or target not detected) enters the analysis. */
  belowLloq: z.enum(['lloq', 'half-lloq']).default('lloq'),
  /** Groups smaller than this are shown but flagged "insufficient for conclusions". */
  minimumGroupSize: z.number().int().positive().default(5),
  interim: list(
    z.strictObject({ code, label: text, visit: code }),
    L.interimAnalyses,
    'interim analyses',
  ).default([]),
});

/** The protocol file: one study's design as data. */
export const protocolSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    code: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be lower-case letters, digits and "-" (2 to 63 characters)'),
    title: text,
    phase: text,
    sponsor: text,
    indication: text,
    description: text.optional(),
    drugs: list(drug, L.drugs, 'drugs', [1]),
    arms: list(arm, L.arms, 'arms', [2, 'a randomized study needs at least two arms']),
    stratification: z
      .strictObject({ factors: list(factor, L.stratificationFactors, 'factors') })
      .default({ factors: [] }),
    randomization,
    eligibility: z.strictObject({
      fields: list(screeningField, L.screeningFields, 'screening fields'),
      criteria: list(criterion, L.criteria, 'criteria', [1]),
    }),
    phases: list(phase, L.phases, 'phases', [1]),
    visits: list(visit, L.visits, 'visits', [2]),
    measures: list(measure, L.measures, 'measures').default([]),
    endpoints: list(endpoint, L.endpoints, 'endpoints', [1]),
    analysis,
    editChecks: list(editCheck, L.editChecks, 'edit checks').default(() => [...DEFAULT_EDIT_CHECKS]),
    /** Drug supply: warn a site when its stock covers fewer than this many more subjects in every arm. */
    supplyPolicy: z
      .strictObject({ lowStockSubjects: z.number().int().min(0).default(2) })
      .default({ lowStockSubjects: 2 }),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string): void => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    const unique = (items: readonly { code: string }[], key: string): Set<string> => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        if (seen.has(item.code)) issue([key, i, 'code'], `duplicate code "${item.code}"`);
        seen.add(item.code);
      });
      return seen;
    };
    const known = (set: Set<string>, value: string, path: (string | number)[], what: string): void => {
      if (!set.has(value))
        issue(path, `unknown ${what} "${value}" (known: ${[...set].join(', ') || 'none'})`);
    };

    const drugs = unique(p.drugs, 'drugs');
    const arms = unique(p.arms, 'arms');
    const factors = unique(p.stratification.factors, 'stratification.factors');
    const strata = p.stratification.factors.reduce((n, f) => n * f.levels.length, 1);
    if (strata > L.strata)
      issue(
        ['stratification', 'factors'],
        `at most ${L.strata} strata (the product of the factors' levels; the protocol size limit), not ${strata}`,
      );
    const phases = unique(p.phases, 'phases');
    const visits = unique(p.visits, 'visits');
    const measures = unique(p.measures, 'measures');
    const endpoints = unique(p.endpoints, 'endpoints');
    const fields = new Set(p.eligibility.fields.map((f) => f.code));
    unique(p.eligibility.criteria, 'eligibility.criteria');

    const maskedDrugs = new Set(p.drugs.filter((d) => d.masked).map((d) => d.code));
    p.arms.forEach((a, i) =>
      a.treatments.forEach((t, j) => {
        known(drugs, t.drug, ['arms', i, 'treatments', j, 'drug'], 'drug');
        if (t.placebo && drugs.has(t.drug) && !maskedDrugs.has(t.drug))
          issue(
            ['arms', i, 'treatments', j, 'placebo'],
            `drug "${t.drug}" is not masked, so it has no placebo`,
          );
      }),
    );
    if (p.arms.filter((a) => a.control).length > 1) issue(['arms'], 'at most one arm can be the control');
    p.drugs.forEach((d, i) =>
      d.supply?.dispenseAt.forEach((v, j) =>
        known(visits, v, ['drugs', i, 'supply', 'dispenseAt', j], 'visit'),
      ),
    );

    p.stratification.factors.forEach((f, i) => {
      const levels = new Set<string>();
      f.levels.forEach((l, j) => {
        if (levels.has(l.code))
          issue(['stratification', 'factors', i, 'levels', j, 'code'], `duplicate level "${l.code}"`);
        levels.add(l.code);
      });
      if (f.fromField !== undefined)
        known(fields, f.fromField, ['stratification', 'factors', i, 'fromField'], 'screening field');
    });

    const r = p.randomization;
    r.stratifyBy.forEach((f, i) =>
      known(factors, f, ['randomization', 'stratifyBy', i], 'stratification factor'),
    );
    const ratioSum = p.arms.reduce((s, a) => s + a.ratio, 0);
    if (r.method === 'permuted-blocks') {
      if (!r.blockSizes) issue(['randomization', 'blockSizes'], 'permuted blocks need block sizes');
      r.blockSizes?.forEach((b, i) => {
        if (b % ratioSum !== 0)
          issue(
            ['randomization', 'blockSizes', i],
            `block size ${b} is not a multiple of the ratio sum ${ratioSum}`,
          );
      });
    } else {
      if (!r.minimization)
        issue(['randomization', 'minimization'], 'minimization needs its factors and probability');
      r.minimization?.factors.forEach((f, i) =>
        known(factors, f, ['randomization', 'minimization', 'factors', i], 'stratification factor'),
      );
    }

    const checkRule = (rl: Rule, path: (string | number)[]): void => {
      if ('all' in rl) rl.all.forEach((x, i) => checkRule(x, [...path, 'all', i]));
      else if ('any' in rl) rl.any.forEach((x, i) => checkRule(x, [...path, 'any', i]));
      else if ('not' in rl) checkRule(rl.not, [...path, 'not']);
      else known(fields, rl.field, [...path, 'field'], 'screening field');
    };
    p.eligibility.criteria.forEach((c, i) => checkRule(c.rule, ['eligibility', 'criteria', i, 'rule']));

    p.phases.forEach((ph, i) => {
      known(visits, ph.startVisit, ['phases', i, 'startVisit'], 'visit');
      known(visits, ph.endVisit, ['phases', i, 'endVisit'], 'visit');
      if (ph.election) {
        known(visits, ph.election.visit, ['phases', i, 'election', 'visit'], 'visit');
        ph.election.options.forEach((o, j) => {
          if (o.assignment === 'same') return;
          known(
            arms,
            o.assignment.toArm,
            ['phases', i, 'election', 'options', j, 'assignment', 'toArm'],
            'arm',
          );
          o.assignment.fromArms?.forEach((a, k) =>
            known(arms, a, ['phases', i, 'election', 'options', j, 'assignment', 'fromArms', k], 'arm'),
          );
        });
      }
    });
    if (p.phases.filter((ph) => ph.kind === 'main').length !== 1)
      issue(['phases'], 'exactly one phase must be the main phase');

    p.visits.forEach((v, i) => {
      known(phases, v.phase, ['visits', i, 'phase'], 'phase');
      v.measures.forEach((m, j) => known(measures, m, ['visits', i, 'measures', j], 'measure'));
      const prev = p.visits[i - 1];
      if (prev && prev.day >= v.day)
        issue(['visits', i, 'day'], `visits must be in order of day (${prev.code} is day ${prev.day})`);
    });

    p.endpoints.forEach((e, i) => {
      if (e.kind === 'change-from-baseline') {
        known(measures, e.measure, ['endpoints', i, 'measure'], 'measure');
        known(visits, e.baselineVisit, ['endpoints', i, 'baselineVisit'], 'visit');
        known(visits, e.visit, ['endpoints', i, 'visit'], 'visit');
      } else {
        const target = p.endpoints.find((x) => x.code === e.of);
        if (!target) known(endpoints, e.of, ['endpoints', i, 'of'], 'endpoint');
        else if (target.kind !== 'change-from-baseline')
          issue(['endpoints', i, 'of'], `endpoint "${e.of}" is not a change-from-baseline endpoint`);
      }
    });

    const a = p.analysis;
    if (a.byFactor !== undefined)
      known(factors, a.byFactor, ['analysis', 'byFactor'], 'stratification factor');
    a.populations.forEach((pop, i) => {
      if (pop.kind === 'completed-visit')
        known(visits, pop.visit, ['analysis', 'populations', i, 'visit'], 'visit');
    });
    a.interim.forEach((ia, i) => known(visits, ia.visit, ['analysis', 'interim', i, 'visit'], 'visit'));

    unique(p.editChecks, 'editChecks');
    p.editChecks.forEach((c, i) => {
      if (c.kind === 'range') {
        known(measures, c.measure, ['editChecks', i, 'measure'], 'measure');
        if (c.min === undefined && c.max === undefined)
          issue(['editChecks', i], 'a range check needs min, max or both');
      }
      if (c.kind === 'required' && !(OPTIONAL_FIELDS[c.form] as readonly string[]).includes(c.field))
        issue(
          ['editChecks', i, 'field'],
          `"${c.field}" is not an optional field of the ${c.form} form (known: ${OPTIONAL_FIELDS[c.form].join(', ')})`,
        );
    });
  });

/** A valid protocol, with defaults filled in. */
export type Protocol = z.output<typeof protocolSchema>;
export type ProtocolInput = z.input<typeof protocolSchema>;
export type EligibilityRule = Rule;
export type Arm = Protocol['arms'][number];
export type Visit = Protocol['visits'][number];
export type Criterion = Protocol['eligibility']['criteria'][number];
export type Measure = Protocol['measures'][number];
