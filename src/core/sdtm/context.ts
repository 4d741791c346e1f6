import { runEditChecks, type CheckedForm, type CheckFinding } from '../capture/edit-checks.js';
import { visitRefusal } from '../capture/visit-rules.js';
import type { Protocol } from '../protocol/schema.js';
import type { IssueList } from './dataset.js';
import type { DmSubject } from './dm.js';
import type { SoftFinding } from './plan.js';

/** Where a record came from, for the issues about it. */
export interface Located {
  readonly file: string;
  readonly line: number;
  readonly usubjid: string;
}

/** A subject accepted from DM, with what the checks of their records need. */
export interface Subject {
  readonly dm: DmSubject;
  readonly consentedOn: string;
  readonly randomizedOn: string | null;
  readonly levels: Readonly<Record<string, string>>;
  readonly electedPhases: string[];
  /** The randomization visit's date, else the randomization date (randomized subjects). */
  day0: string | null;
}

/** The SDTM variable each field of a form is read from, for the reasons of edit-check findings. */
const VARIABLE_OF: Readonly<Record<CheckedForm['form'], Readonly<Record<string, string>>>> = {
  visit: { visitDate: 'SVSTDTC' },
  result: { collectedOn: 'LBDTC', result: 'LBORRES', assay: 'LBMETHOD' },
  adverse_event: {
    onsetDate: 'AESTDTC',
    endDate: 'AEENDTC',
    codedTerm: 'AEDECOD',
    bodySystem: 'AEBODSYS',
  },
  disposition: { date: 'DSSTDTC', detail: 'DSTERM' },
};

/** What the checks of one import share: the protocol, the day, the issues and the subjects. */
export class PlanContext {
  /** The subjects accepted, by USUBJID. */
  readonly subjects = new Map<string, Subject>();

  constructor(
    readonly protocol: Protocol,
    readonly today: string,
    readonly issues: IssueList,
    private readonly dm: ReadonlyMap<string, DmSubject>,
    /** USUBJIDs of refused DM rows: their other records are not reported again. */
    private readonly refusedDm: ReadonlySet<string>,
  ) {}

  /** The record's DM subject; reports an unknown one. */
  subjectOf(r: Located): DmSubject | undefined {
    const s = this.dm.get(r.usubjid);
    if (!s && !this.refusedDm.has(r.usubjid))
      this.issues.add(r.file, r.line, `USUBJID ${r.usubjid || '(empty)'} is not a subject of DM`);
    return s;
  }

  /** The record's accepted subject; with `what`, refuses a subject who is not randomized. */
  subjectFor(r: Located, what?: string): Subject | undefined {
    const s = this.subjectOf(r) && this.subjects.get(r.usubjid);
    if (s && what !== undefined && s.dm.status !== 'randomized') {
      const status = s.dm.status === 'screen_failed' ? 'a screen failure' : 'eligible, not randomized';
      this.issues.add(r.file, r.line, `${r.usubjid} is not randomized (${status}): no ${what} is recorded`);
      return undefined;
    }
    return s;
  }

  /** Runs the protocol's edit checks: hard findings refuse the row (naming the variable), soft ones come back. */
  check(r: Located, s: Subject, data: CheckedForm, day0 = s.day0): SoftFinding[] | null {
    const findings = runEditChecks(this.protocol, data, {
      today: this.today,
      consentedOn: s.consentedOn,
      day0,
    });
    const hard = findings.filter((f) => f.severity === 'hard');
    const variable = (f: CheckFinding) => VARIABLE_OF[data.form][f.path] ?? f.path;
    if (hard.length > 0) {
      this.issues.add(
        r.file,
        r.line,
        hard.map((f) => `${variable(f)}: ${f.message} (edit check ${f.check})`).join('; '),
      );
      return null;
    }
    return findings.map((f) => ({ check: f.check, path: f.path, message: f.message }));
  }

  /** Refuses a record at a visit the subject may have no data at (as data capture does). */
  refused(r: Located, s: Subject, visit: string): boolean {
    const why = visitRefusal(this.protocol, visit, { status: s.dm.status, electedPhases: s.electedPhases });
    if (why) this.issues.add(r.file, r.line, `${visit} of ${r.usubjid}: ${why}`);
    return why !== null;
  }
}
