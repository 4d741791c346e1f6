export { analyze, belowLloqStatement } from './analyze.js';
export type {
  AdverseEventEntry,
  AnalysisInput,
  DispositionEntry,
  Reassignment,
  ResultEntry,
  ScreenedSubject,
  VisitEntry,
} from './input.js';
export {
  ANALYSIS_SCHEMA_VERSION,
  CONFIDENCE_LEVEL,
  INSUFFICIENT_TEXT,
  analysisJsonSchema,
  analysisResultSchema,
  type AnalysisResult,
  type AnalysisSet,
  type EndpointResult,
} from './result-schema.js';
export { syntheticStudy, type SyntheticOptions } from './synthetic.js';
