import type { RandomSource } from '../core/supply/random.js';
import type { Store } from '../store/store.js';
import { AuditService } from './audit/audit.service.js';
import { AnalysisService } from './analysis/analysis.service.js';
import { AuthService, type AuthSettings } from './auth/auth.service.js';
import { CaptureService } from './capture/capture.service.js';
import { LabImportService } from './capture/lab-import.service.js';
import { QueryService } from './capture/query.service.js';
import { SdtmImportService } from './sdtm/sdtm-import.service.js';
import { RandomizationService } from './randomization/randomization.service.js';
import { StudyService } from './studies/study.service.js';
import { SubjectService } from './subjects/subject.service.js';
import { SupplyService } from './supply/supply.service.js';
import { UserService } from './users/user.service.js';

/** Every use case of trialdesk, over one store. The HTTP API and the CLI call these, nothing else. */
export interface Services {
  readonly auth: AuthService;
  readonly users: UserService;
  readonly studies: StudyService;
  readonly audit: AuditService;
  readonly subjects: SubjectService;
  readonly randomization: RandomizationService;
  readonly supply: SupplyService;
  readonly capture: CaptureService;
  readonly queries: QueryService;
  readonly labImports: LabImportService;
  readonly analysis: AnalysisService;
  readonly sdtmImport: SdtmImportService;
}

/** `random` feeds supply's draws (kit numbers, mixes, picks): the OS's CSPRNG unless a test seeds it. */
export function createServices(
  store: Store,
  settings: AuthSettings,
  options: { random?: RandomSource } = {},
): Services {
  const auth = new AuthService(store, settings);
  return {
    auth,
    users: new UserService(store),
    studies: new StudyService(store),
    audit: new AuditService(store),
    subjects: new SubjectService(store),
    randomization: new RandomizationService(store, auth, options.random),
    supply: new SupplyService(store, options.random),
    capture: new CaptureService(store, auth),
    queries: new QueryService(store),
    labImports: new LabImportService(store),
    analysis: new AnalysisService(store),
    sdtmImport: new SdtmImportService(store),
  };
}

export type { Caller } from './caller.js';
