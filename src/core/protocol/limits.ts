/**
 * The largest protocol trialdesk accepts. Each is far above any real trial (the reference studies use
 * a tenth or less) and keeps a hostile or mistaken file from costing seconds of the server's time on
 * every read of the study: a 20,000-arm protocol is refused, naming the list and its limit.
 */
export const PROTOCOL_LIMITS = {
  drugs: 20,
  arms: 20,
  treatmentsPerArm: 10,
  stratificationFactors: 10,
  levelsPerFactor: 20,
  /** The product of every factor's levels: the strata of permuted blocks. */
  strata: 1000,
  blockSizes: 10,
  largestBlock: 100,
  screeningFields: 200,
  choiceOptions: 100,
  criteria: 200,
  ruleValues: 100,
  phases: 10,
  extensionOptions: 10,
  visits: 200,
  measuresPerVisit: 20,
  measures: 50,
  endpoints: 50,
  populations: 20,
  interimAnalyses: 20,
  editChecks: 200,
  /** Longest label, name or description, in characters. */
  textChars: 2000,
  /** Largest protocol file, in characters. */
  fileChars: 1024 * 1024,
} as const;
