import type { Protocol } from '../protocol/schema.js';
import { consortFlow, extensionStatus, mainPhaseDiscontinuations } from './disposition.js';
import { analyseEfficacy, definePopulation } from './efficacy.js';
import { prepareStudy, type AnalysisInput } from './input.js';
import {
  ANALYSIS_SCHEMA_VERSION,
  CONFIDENCE_LEVEL,
  INSUFFICIENT_TEXT,
  type AnalysisResult,
} from './result-schema.js';
import { analyseSafety } from './safety.js';

/** The protocol's below-LLOQ rule in words, as the output states it. */
export function belowLloqStatement(rule: Protocol['analysis']['belowLloq']): string {
  const at = rule === 'lloq' ? 'at the LLOQ' : 'at half the LLOQ';
  return (
    `Results below the lower limit of quantification (LLOQ) and "target not detected" are analysed ${at} ` +
    'of their assay (the measure’s LLOQ in the protocol when the result gives none), as the protocol ' +
    'states; each group reports how many of its subjects have such an imputed value.'
  );
}

const MISSING_VALUES =
  'A change from baseline needs both results; subjects without one are counted as missing and left out ' +
  'of the mean. For a responder endpoint, a subject without a value counts as a non-responder in an ' +
  'all-randomized population (intention to treat) and is left out of the denominator in a ' +
  'completed-visit population.';

const UNDEFINED_STATISTICS =
  'A statistic that is undefined is null, with a reason, never NaN: no mean for an empty group; no SD ' +
  'or CI for a single value; no CI when all values are equal (as R’s t.test); no Welch test when a group ' +
  'has fewer than 2 values or both have zero variance; no rate, CI or comparison for an empty group. ' +
  'Confidence intervals are 95%, two-sided: t-based for means, Clopper–Pearson (exact) for rates, ' +
  'Welch for differences of means, Newcombe hybrid score for differences of rates; Fisher’s exact test ' +
  'is two-sided with R’s definition.';

/**
 * The top-line analysis of a study from its protocol and data, up to the data cut: efficacy per
 * subset, population, endpoint and arm with comparisons against the control, safety tables, the
 * CONSORT flow, discontinuations and the extension's status. Pure and deterministic: arms, endpoints
 * and populations in protocol order.
 *
 * @example
 *   const result = analyze({ protocol, protocolVersion: 1, dataCut: '2006-10-31', subjects, … });
 *   result.efficacy[0].endpoints[1].arms[0].rate; // e.g. the EVR rate of the first arm
 */
export function analyze(input: AnalysisInput): AnalysisResult {
  const data = prepareStudy(input);
  const { protocol } = data;
  const factor = protocol.stratification.factors.find((f) => f.code === protocol.analysis.byFactor);
  const efficacy = analyseEfficacy(data);
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    study: { code: protocol.code, title: protocol.title, protocolVersion: data.protocolVersion },
    dataCut: data.dataCut,
    rules: {
      confidenceLevel: CONFIDENCE_LEVEL,
      belowLloq: {
        rule: protocol.analysis.belowLloq,
        statement: belowLloqStatement(protocol.analysis.belowLloq),
      },
      minimumGroupSize: protocol.analysis.minimumGroupSize,
      insufficientText: INSUFFICIENT_TEXT,
      missingValues: MISSING_VALUES,
      undefinedStatistics: UNDEFINED_STATISTICS,
      populations: protocol.analysis.populations.map((p) => ({
        code: p.code,
        label: p.label,
        kind: p.kind,
        visit: p.kind === 'completed-visit' ? p.visit : null,
        definition: definePopulation(p),
      })),
    },
    arms: protocol.arms.map((a) => ({ code: a.code, name: a.name, control: a.control })),
    byFactor: factor
      ? {
          code: factor.code,
          label: factor.label,
          levels: factor.levels.map((l) => ({ code: l.code, label: l.label })),
        }
      : null,
    interim: protocol.analysis.interim.map((ia) => ({
      code: ia.code,
      label: ia.label,
      visit: ia.visit,
      endpoints: protocol.endpoints.filter((e) => endpointVisit(protocol, e) === ia.visit).map((e) => e.code),
    })),
    efficacy,
    safety: analyseSafety(data),
    disposition: { consort: consortFlow(data, efficacy), discontinuations: mainPhaseDiscontinuations(data) },
    extension: extensionStatus(data),
    warnings: [...data.warnings, ...coverageWarnings(data.protocol, data.randomized, factor?.code)],
  };
}

/** The visit an endpoint is assessed at (a responder endpoint: that of the change it thresholds). */
function endpointVisit(protocol: Protocol, endpoint: Protocol['endpoints'][number]): string | undefined {
  if (endpoint.kind === 'change-from-baseline') return endpoint.visit;
  const of = protocol.endpoints.find((e) => e.code === endpoint.of);
  return of?.kind === 'change-from-baseline' ? of.visit : undefined;
}

function coverageWarnings(
  protocol: Protocol,
  randomized: readonly { readonly levels: Readonly<Record<string, string>> }[],
  factor: string | undefined,
): string[] {
  const warnings: string[] = [];
  if (!protocol.arms.some((a) => a.control))
    warnings.push('The protocol names no control arm: no comparisons');
  if (factor !== undefined) {
    const levels = new Set(
      protocol.stratification.factors.find((f) => f.code === factor)?.levels.map((l) => l.code),
    );
    const outside = randomized.filter((s) => !levels.has(s.levels[factor] ?? '')).length;
    if (outside > 0)
      warnings.push(
        `randomized subjects without a ${factor} level, in the all-subjects analysis only: ${outside}`,
      );
  }
  return warnings;
}
