import { z } from 'zod';

/**
 * The analysis output as data: one zod schema, from which the TypeScript types and the published JSON
 * Schema (`schemas/analysis.v1.schema.json`) are derived. A change that breaks readers bumps the version.
 */
export const ANALYSIS_SCHEMA_VERSION = 1;

/** The flag a group smaller than the protocol's minimum size carries (the sponsor's own words). */
export const INSUFFICIENT_TEXT = 'insufficient for conclusions';

/** The confidence level of every interval. */
export const CONFIDENCE_LEVEL = 0.95;

const code = z.string().min(1);
const count = z.number().int().min(0);
/** A statistic: a finite number, or null when it is undefined (the row's `reason` says why). */
const stat = z.number().nullable();
const reason = z.string().nullable().describe('Why a statistic is null; null when all are computed');

const insufficient = z
  .strictObject({
    text: z.literal(INSUFFICIENT_TEXT),
    n: count.describe('The size of the smallest group concerned'),
    minimumGroupSize: z.number().int().positive(),
  })
  .nullable()
  .describe('Set when a group is below the protocol’s minimum size: shown, but not for conclusions');

const changeSummary = z.strictObject({
  arm: code,
  inPopulation: count,
  n: count.describe('Subjects with a value (baseline and visit)'),
  missing: count,
  imputed: count.describe('Subjects whose value uses a result below the LLOQ or not detected'),
  mean: stat,
  sd: stat,
  lower: stat,
  upper: stat,
  reason,
  insufficient,
});

const responderSummary = z.strictObject({
  arm: code,
  inPopulation: count,
  denominator: count,
  responders: count,
  missing: count.describe('Subjects without a value: non-responders or excluded, per missingHandling'),
  imputed: count,
  rate: stat,
  lower: stat.describe('Clopper–Pearson exact'),
  upper: stat,
  reason,
  insufficient,
});

const changeComparison = z.strictObject({
  arm: code,
  control: code,
  difference: stat.describe('Mean of the arm − mean of the control'),
  lower: stat.describe('Welch'),
  upper: stat,
  df: stat,
  t: stat,
  pValue: stat.describe('Welch two-sided'),
  reason,
  insufficient,
});

const responderComparison = z.strictObject({
  arm: code,
  control: code,
  difference: stat.describe('Rate of the arm − rate of the control'),
  lower: stat.describe('Newcombe hybrid score (method 10)'),
  upper: stat,
  pValue: stat.describe('Fisher’s exact, two-sided (R’s definition)'),
  reason,
  insufficient,
});

const endpointBase = {
  code,
  label: z.string(),
  primary: z.boolean(),
  visit: code,
  interim: z.array(code).describe('The interim analyses at this endpoint’s visit'),
};

const changeEndpointResult = z.strictObject({
  ...endpointBase,
  kind: z.literal('change-from-baseline'),
  measure: code,
  transform: z.enum(['none', 'log10']),
  direction: z.enum(['reduction', 'increase']),
  baselineVisit: code,
  unit: z.string(),
  arms: z.array(changeSummary),
  comparisons: z.array(changeComparison),
});

const responderEndpointResult = z.strictObject({
  ...endpointBase,
  kind: z.literal('responder'),
  of: code,
  threshold: z.number(),
  missingHandling: z.enum(['non-responder', 'excluded']),
  arms: z.array(responderSummary),
  comparisons: z.array(responderComparison),
});

const endpointResult = z.discriminatedUnion('kind', [changeEndpointResult, responderEndpointResult]);

const populationRef = z.strictObject({
  code,
  label: z.string(),
  kind: z.enum(['all-randomized', 'completed-visit']),
  visit: code.nullable(),
});

const subset = z.strictObject({
  factor: code.nullable().describe('null for all randomized subjects together'),
  level: code.nullable(),
  label: z.string(),
});

const analysisSet = z.strictObject({
  subset,
  population: populationRef,
  arms: z.array(z.strictObject({ arm: code, randomized: count, inPopulation: count })),
  endpoints: z.array(endpointResult),
});

const armCount = z.strictObject({ arm: code, subjects: count, proportion: stat });
const countRow = { total: count, counts: z.array(armCount) };

const safety = z.strictObject({
  basis: z.string(),
  armTotals: z.array(z.strictObject({ arm: code, n: count })),
  anyEvent: z.strictObject(countRow),
  serious: z.strictObject(countRow),
  relatedToAnyDrug: z.strictObject(countRow),
  relatedTo: z.array(z.strictObject({ drug: code, ...countRow })),
  maximumGrade: z.array(z.strictObject({ grade: z.number().int().min(1).max(5), ...countRow })),
  bySystemAndTerm: z.array(
    z.strictObject({
      bodySystem: z.string(),
      ...countRow,
      terms: z.array(z.strictObject({ term: z.string(), ...countRow })),
    }),
  ),
});

const consort = z.strictObject({
  screened: count,
  screenFailures: count,
  eligibleNotRandomized: count,
  randomized: count,
  arms: z.array(
    z.strictObject({
      arm: code,
      allocated: count,
      completed: count,
      discontinued: count,
      ongoing: count,
      analysed: z.array(z.strictObject({ population: code, n: count })),
    }),
  ),
});

const discontinuations = z.strictObject({
  phase: code,
  basis: z.string(),
  ...countRow,
  byReason: z.array(
    z.strictObject({
      reason: z.string(),
      ...countRow,
      byDrug: z.array(z.strictObject({ drug: code.nullable(), ...countRow })),
    }),
  ),
});

const extension = z.strictObject({
  phase: code,
  label: z.string(),
  startVisit: code,
  endVisit: code,
  completedMainPhase: count,
  continued: count.describe('Subjects who elected to continue into the extension'),
  notContinued: count.describe('Completed the main phase without electing to continue'),
  byArm: z.array(z.strictObject({ arm: code, subjects: count })).describe('Arm after the election'),
  elections: z.array(z.strictObject({ option: code, fromArm: code, toArm: code, subjects: count })),
  weeksOnTreatment: z.strictObject({
    basis: z.string(),
    milestoneWeeks: z.number().nullable(),
    endWeeks: z.number(),
    buckets: z.array(z.strictObject({ code, label: z.string(), subjects: count })),
  }),
});

/** The complete output of `analyze`: schema version, study, data cut, rules, and every table. */
export const analysisResultSchema = z
  .strictObject({
    schemaVersion: z.literal(ANALYSIS_SCHEMA_VERSION),
    study: z.strictObject({
      code: z.string(),
      title: z.string(),
      protocolVersion: z.number().int().positive(),
    }),
    dataCut: z.iso.date(),
    rules: z.strictObject({
      confidenceLevel: z.number(),
      belowLloq: z.strictObject({ rule: z.enum(['lloq', 'half-lloq']), statement: z.string() }),
      minimumGroupSize: z.number().int().positive(),
      insufficientText: z.literal(INSUFFICIENT_TEXT),
      missingValues: z.string(),
      undefinedStatistics: z.string(),
      populations: z.array(z.strictObject({ ...populationRef.shape, definition: z.string() })),
    }),
    arms: z.array(z.strictObject({ code, name: z.string(), control: z.boolean() })),
    byFactor: z
      .strictObject({
        code,
        label: z.string(),
        levels: z.array(z.strictObject({ code, label: z.string() })),
      })
      .nullable(),
    interim: z.array(z.strictObject({ code, label: z.string(), visit: code, endpoints: z.array(code) })),
    efficacy: z.array(analysisSet),
    safety,
    disposition: z.strictObject({ consort, discontinuations }),
    extension: extension.nullable(),
    warnings: z.array(z.string()),
  })
  .meta({
    title: `trialdesk analysis result, version ${ANALYSIS_SCHEMA_VERSION}`,
    description:
      'The output of analyze(): efficacy, safety, disposition and extension tables of one study at a data cut',
  });

export type AnalysisResult = z.output<typeof analysisResultSchema>;
export type AnalysisSet = z.output<typeof analysisSet>;
export type EndpointResult = z.output<typeof endpointResult>;
export type ChangeSummary = z.output<typeof changeSummary>;
export type ResponderSummary = z.output<typeof responderSummary>;
export type ChangeComparison = z.output<typeof changeComparison>;
export type ResponderComparison = z.output<typeof responderComparison>;
export type InsufficientFlag = z.output<typeof insufficient>;
export type ArmCount = z.output<typeof armCount>;
export type CountRow = z.output<z.ZodObject<typeof countRow>>;
export type SafetyTables = z.output<typeof safety>;
export type Consort = z.output<typeof consort>;
export type Discontinuations = z.output<typeof discontinuations>;
export type ExtensionStatus = z.output<typeof extension>;

/** The JSON Schema of the output (draft 2020-12), as committed in `schemas/analysis.v1.schema.json`. */
export const analysisJsonSchema = (): Record<string, unknown> =>
  z.toJSONSchema(analysisResultSchema, { target: 'draft-2020-12' });
