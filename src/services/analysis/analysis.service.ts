import { analyze, type AnalysisInput, type AnalysisResult } from '../../core/analysis/index.js';
import { findGrant } from '../../core/auth/permissions.js';
import { latestDateOnEarth, todayUtc } from '../../core/capture/dates.js';
import { DomainError, validationError } from '../../core/errors.js';
import { renderReport } from '../../core/report/index.js';
import type { Store } from '../../store/store.js';
import { VERSION } from '../../version.js';
import { ensurePasswordChanged, type Caller } from '../caller.js';
import { loadAnalysisInput } from './analysis-input.js';
import type { AnalysisQuery } from './analysis.schemas.js';

/**
 * The analysis shows results by arm, so it unblinds: the unblinded statistician of the study only.
 * Everyone else is refused with a message that says why and names no arm.
 */
function authorizeAnalysis(caller: Caller, studyId: string): void {
  ensurePasswordChanged(caller, 'analysis.read');
  if (findGrant(caller.grants, 'analysis.read', { studyId }) === null)
    throw new DomainError(
      'forbidden',
      'Not allowed to read the analysis of this study: it shows results by arm, so only the study’s ' +
        'unblinded statistician may',
      { action: 'analysis.read' },
    );
}

/** The top-line analysis and report of a study, on the live database, at a data cut. */
export class AnalysisService {
  constructor(readonly store: Store) {}

  /** The analysis input of the study at the data cut (default: today, UTC); see `loadAnalysisInput`. */
  async input(caller: Caller, studyId: string, query: AnalysisQuery = {}): Promise<AnalysisInput> {
    authorizeAnalysis(caller, studyId);
    const dataCut = query.dataCut ?? todayUtc();
    // A report dated after today would present data as complete up to a day that has not come.
    if (dataCut > latestDateOnEarth())
      throw validationError(`The data cut ${dataCut} is in the future`, [
        { path: 'dataCut', message: 'must not be in the future' },
      ]);
    return this.store.read((r) => loadAnalysisInput(r, studyId, dataCut));
  }

  /** The analysis result (schema `schemas/analysis.v1.schema.json`) at the data cut. */
  async analyze(caller: Caller, studyId: string, query: AnalysisQuery = {}): Promise<AnalysisResult> {
    return analyze(await this.input(caller, studyId, query));
  }

  /** The top-line report at the data cut: one self-contained HTML page (tables, SVG figures, print CSS). */
  async report(caller: Caller, studyId: string, query: AnalysisQuery = {}): Promise<string> {
    const input = await this.input(caller, studyId, query);
    const result = analyze(input);
    return renderReport(input, result, { generatedAt: new Date().toISOString(), version: VERSION });
  }
}
