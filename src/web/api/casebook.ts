import type { Casebook as CasebookRecord } from '../../services/capture/capture.service.js';
import type { Wire } from './client.js';

/** A subject's casebook as `GET /api/subjects/{id}/casebook` answers it. */
export type Casebook = Wire<CasebookRecord>;
