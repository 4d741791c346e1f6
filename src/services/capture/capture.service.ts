import { canonicalJson } from '../../core/audit/canonical-json.js';
import { latestDateOnEarth, todayUtc } from '../../core/capture/dates.js';
import { runEditChecks, type CheckedForm, type CheckFinding } from '../../core/capture/edit-checks.js';
import { measureRefusal, visitRefusal } from '../../core/capture/visit-rules.js';
import { formKey, SIGNATURE_MEANINGS, type Relatedness } from '../../core/capture/vocabulary.js';
import { daysOutOfWindow, visitWindow, type VisitWindow } from '../../core/capture/windows.js';
import { dayZero, nextVisitDue, type NextVisit } from '../../core/capture/worklist.js';
import { conflict, DomainError, notFound, validationError } from '../../core/errors.js';
import { dispositionChangeRefusal } from '../../core/extension/gate.js';
import { formatResult, parseResult } from '../../core/labs/result.js';
import type { Protocol } from '../../core/protocol/schema.js';
import type {
  AdverseEventData,
  AdverseEventRecord,
  DispositionData,
  DispositionRecord,
  FormRecord,
  ResultData,
  ResultRecord,
  SignatureRecord,
  SubjectRef,
  VisitRecord,
} from '../../store/repositories/capture.repository.js';
import { aeData, dispositionData } from '../../store/repositories/capture.repository.js';
import type { QueryRecord } from '../../store/repositories/query.repository.js';
import type { SubjectRecord } from '../../store/repositories/subject.repository.js';
import type { AuditActor, Repositories, Store } from '../../store/store.js';
import type { AuthService } from '../auth/auth.service.js';
import { authorize, sitesAllowing, type Caller } from '../caller.js';
import type { Action } from '../../core/auth/permissions.js';
import { currentProtocol, ensureOpen } from '../subjects/subject.service.js';
import type {
  AdverseEventChangeInput,
  AdverseEventInput,
  DispositionChangeInput,
  DispositionInput,
  LockInput,
  ResultChangeInput,
  ResultInput,
  SdvInput,
  SignInput,
  UnlockInput,
  VisitChangeInput,
  VisitInput,
} from './capture.schemas.js';

/** What a write returns: the record, and the queries its soft edit checks opened. */
export interface Saved<T> {
  readonly record: T;
  readonly queries: readonly QueryRecord[];
}

/** One visit of the schedule as the casebook shows it. */
export interface ScheduledVisit {
  readonly visit: string;
  readonly label: string;
  readonly phase: string;
  readonly date: string | null;
  /** The window, once day 0 is known. */
  readonly window: VisitWindow | null;
  /** Days before (negative) or after (positive) the window; 0 inside; null when unknown. */
  readonly daysOutOfWindow: number | null;
}

/** A subject's casebook: everything recorded for them, never the masked arm. */
export interface Casebook {
  readonly subject: {
    readonly id: string;
    readonly studyId: string;
    readonly siteId: string;
    readonly screeningNumber: string;
    readonly status: SubjectRecord['status'];
    readonly consentedOn: string;
  };
  readonly randomizationNumber: number | null;
  readonly day0: string | null;
  readonly elections: readonly { readonly phase: string; readonly option: string }[];
  readonly schedule: readonly ScheduledVisit[];
  readonly results: readonly ResultRecord[];
  readonly adverseEvents: readonly AdverseEventRecord[];
  readonly dispositions: readonly DispositionRecord[];
  readonly forms: readonly FormRecord[];
  readonly signature: SignatureRecord | null;
  readonly signatures: readonly SignatureRecord[];
  readonly openQueries: number;
}

/** One row of a site's worklist: who the subject is and what is next for them. Never the arm. */
export interface WorklistEntry {
  readonly id: string;
  readonly screeningNumber: string;
  readonly siteId: string;
  readonly status: SubjectRecord['status'];
  /** Stratification levels, by factor code. */
  readonly levels: Readonly<Record<string, string>>;
  readonly consentedOn: string;
  readonly randomizationNumber: number | null;
  readonly day0: string | null;
  readonly nextVisit: NextVisit | null;
  /** Queries not closed yet (open or answered), as the casebook counts them. */
  readonly openQueries: number;
}

/** What the edit checks and visit rules need to know about the subject. */
interface SubjectContext {
  readonly day0: string | null;
  readonly electedPhases: readonly string[];
}

/** The subject's day 0: their recorded randomization visit, else the day they were randomized. */
async function subjectContext(
  r: Repositories,
  protocol: Protocol,
  subjectId: string,
): Promise<SubjectContext> {
  const d0Code = protocol.phases.find((p) => p.kind === 'main')?.startVisit ?? '';
  const state = await r.capture.subjectState(subjectId, d0Code);
  return { day0: dayZero(state.allocatedAt, state.day0Visit), electedPhases: state.electedPhases };
}

const hardFindings = (findings: readonly CheckFinding[], prefix = ''): void => {
  const hard = findings.filter((f) => f.severity === 'hard');
  if (hard.length > 0)
    throw validationError(hard.map((f) => `${prefix}${f.path}: ${f.message}`).join('; '), [
      ...hard.map((f) => ({ path: `${prefix}${f.path}`, message: f.message })),
    ]);
};

const ref = (s: SubjectRecord): SubjectRef => ({ id: s.id, studyId: s.studyId, siteId: s.siteId });

/**
 * Data capture at the sites: visits with window checks, results, adverse events and dispositions,
 * with the protocol's edit checks (hard ones reject, soft ones open queries); source-data
 * verification, the investigator's signature and the database lock. Every change of saved data needs
 * a reason for change, resets the form's verification and invalidates the casebook's signature.
 */
export class CaptureService {
  constructor(
    private readonly store: Store,
    private readonly auth: AuthService,
  ) {}

  private async subjectFor(caller: Caller, subjectId: string, action: Action) {
    const subject = await this.store.read((r) => r.subjects.get(subjectId));
    if (!subject) throw notFound('Subject', subjectId);
    return {
      subject,
      actor: authorize(caller, action, { studyId: subject.studyId, siteId: subject.siteId }),
    };
  }

  /**
   * Runs `work` in one audited transaction on the subject: the subject row locked, the study checked
   * open (and share-locked against a concurrent database lock).
   */
  private write<T>(
    actor: AuditActor,
    subject: SubjectRecord,
    work: (r: Repositories, protocol: Protocol, ctx: SubjectContext) => Promise<T>,
    reason?: string,
  ): Promise<T> {
    return this.store.write(
      actor,
      async (r) => {
        const { protocol, status } = await currentProtocol(r, subject.studyId, { forWrite: true });
        ensureOpen(status);
        const locked = await r.subjects.getForUpdate(subject.id);
        // The checks below use the subject as read before the transaction: refuse if it changed since.
        if (locked?.status !== subject.status)
          throw conflict(
            `Subject ${subject.screeningNumber} changed meanwhile (now ${locked?.status ?? 'gone'}): try again`,
          );
        return work(r, protocol, await subjectContext(r, protocol, subject.id));
      },
      reason === undefined ? {} : { reason },
    );
  }

  /** After any change to a form: its verification is cleared and the casebook's signature invalidated. */
  private async changed(r: Repositories, subject: SubjectRecord, form: string): Promise<void> {
    await r.capture.formChanged(ref(subject), form);
    await r.capture.invalidateSignatures(ref(subject), `the casebook changed (${form})`);
  }

  /** Opens a query for each soft finding, unless one is already open on that data point. */
  private async softQueries(
    r: Repositories,
    subject: SubjectRecord,
    form: string,
    findings: readonly CheckFinding[],
    fieldOf: (path: string) => string = (p) => p,
  ): Promise<QueryRecord[]> {
    const opened: QueryRecord[] = [];
    for (const f of findings.filter((x) => x.severity === 'soft')) {
      const field = fieldOf(f.path);
      if ((await r.queries.openOn(subject.id, form, field)).some((q) => q.check === f.check)) continue;
      opened.push(
        await r.queries.open(
          ref(subject),
          { form, field, text: f.message, origin: 'edit_check', check: f.check },
          { id: null, name: `edit check ${f.check}`, role: 'system' },
        ),
      );
    }
    return opened;
  }

  private checkContext(subject: SubjectRecord, ctx: SubjectContext) {
    return { today: latestDateOnEarth(), consentedOn: subject.consentedOn, day0: ctx.day0 };
  }

  private refuseVisit(protocol: Protocol, visit: string, subject: SubjectRecord, ctx: SubjectContext): void {
    if (!protocol.visits.some((v) => v.code === visit))
      throw validationError(`Unknown visit ${visit}`, [
        { path: 'visit', message: 'not a visit of the protocol' },
      ]);
    const refusal = visitRefusal(protocol, visit, {
      status: subject.status,
      electedPhases: ctx.electedPhases,
    });
    if (refusal)
      throw conflict(`No data can be recorded at ${visit} for ${subject.screeningNumber}: ${refusal}`);
  }

  // ---- visits ----

  /** Records the date of a visit; out of window is flagged by a query, never refused. */
  async recordVisit(caller: Caller, subjectId: string, input: VisitInput): Promise<Saved<ScheduledVisit>> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'data.enter');
    return this.write(actor, subject, async (r, protocol, ctx) => {
      this.refuseVisit(protocol, input.visit, subject, ctx);
      const existing = (await r.capture.visits(subject.id)).find((v) => v.visitCode === input.visit);
      if (existing)
        throw conflict(
          `${input.visit} is already recorded for ${subject.screeningNumber} (${existing.visitDate}): change it with a reason for change`,
          { visit: input.visit },
        );
      return this.saveVisit(r, protocol, subject, ctx, caller.userId, input.visit, input.date, undefined);
    });
  }

  async changeVisit(
    caller: Caller,
    subjectId: string,
    visitCode: string,
    input: VisitChangeInput,
  ): Promise<Saved<ScheduledVisit>> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'data.enter');
    return this.write(
      actor,
      subject,
      async (r, protocol, ctx) => {
        const existing = (await r.capture.visits(subject.id)).find((v) => v.visitCode === visitCode);
        if (!existing) throw notFound('Visit', `${visitCode} of ${subject.screeningNumber}`);
        if (existing.visitDate === input.date)
          throw conflict('The visit date is unchanged: nothing to change');
        return this.saveVisit(r, protocol, subject, ctx, caller.userId, visitCode, input.date, existing);
      },
      input.reasonForChange,
    );
  }

  private async saveVisit(
    r: Repositories,
    protocol: Protocol,
    subject: SubjectRecord,
    ctx: SubjectContext,
    userId: string,
    visitCode: string,
    date: string,
    existing: VisitRecord | undefined,
  ): Promise<Saved<ScheduledVisit>> {
    // Recording the randomization visit moves day 0 itself: its window is then trivially met.
    const d0Code = protocol.phases.find((p) => p.kind === 'main')?.startVisit;
    const day0 = visitCode === d0Code && ctx.day0 !== null ? date : ctx.day0;
    const checkCtx = { ...this.checkContext(subject, ctx), day0 };
    const findings = runEditChecks(protocol, { form: 'visit', visitCode, visitDate: date }, checkCtx);
    // The request calls the visit's date `date`; queries name the form's field, `visitDate`.
    hardFindings(findings.map((f) => (f.path === 'visitDate' ? { ...f, path: 'date' } : f)));
    await r.capture.saveVisit(ref(subject), visitCode, date, userId, existing);
    const form = formKey.visit(visitCode);
    await this.changed(r, subject, form);
    const queries = await this.softQueries(r, subject, form, findings);
    return { record: scheduled(protocol, visitCode, date, day0), queries };
  }

  // ---- results ----

  private parse(protocol: Protocol, measureCode: string, input: ResultChangeInput | ResultInput): ResultData {
    const measure = protocol.measures.find((m) => m.code === measureCode);
    if (!measure)
      throw validationError(`Unknown measure ${measureCode}`, [
        { path: 'measure', message: 'not a measure of the protocol' },
      ]);
    const unit = input.unit ?? measure.unit;
    const result = parseResult(input.result, {
      unit,
      measureUnit: measure.unit,
      lloq: input.lloq ?? measure.lloq,
    });
    return {
      collectedOn: input.collectedOn,
      result,
      reported: typeof input.result === 'number' ? String(input.result) : input.result.trim(),
      reportedUnit: unit,
      assay: input.assay ?? null,
    };
  }

  private checkResult(
    protocol: Protocol,
    subject: SubjectRecord,
    ctx: SubjectContext,
    visitCode: string,
    measure: string,
    data: ResultData,
  ): CheckFinding[] {
    const form: CheckedForm = {
      form: 'result',
      visitCode,
      measure,
      collectedOn: data.collectedOn,
      result: data.result,
      assay: data.assay,
    };
    const findings = runEditChecks(protocol, form, this.checkContext(subject, ctx));
    hardFindings(findings);
    return findings;
  }

  /** Records a result (HCV RNA: a number, `<LLOQ` with the assay's limit, or target not detected). */
  async recordResult(caller: Caller, subjectId: string, input: ResultInput): Promise<Saved<ResultRecord>> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'data.enter');
    return this.write(actor, subject, async (r, protocol, ctx) => {
      this.refuseVisit(protocol, input.visit, subject, ctx);
      const measure = input.measure ?? onlyMeasure(protocol, input.visit);
      const refusal = measureRefusal(protocol, input.visit, measure);
      if (refusal) throw validationError(refusal, [{ path: 'measure', message: refusal }]);
      const data = this.parse(protocol, measure, input);
      const findings = this.checkResult(protocol, subject, ctx, input.visit, measure, data);
      const existing = await r.capture.result(subject.id, input.visit, measure);
      if (existing)
        throw conflict(
          `A ${measure} result at ${input.visit} is already recorded for ${subject.screeningNumber} (${existing.reported}): change it with a reason for change`,
          { resultId: existing.id },
        );
      const record = await r.capture.insertResult(
        ref(subject),
        { ...data, visitCode: input.visit, measure, source: 'site' },
        caller.userId,
      );
      const form = formKey.visit(input.visit);
      await this.changed(r, subject, form);
      const queries = await this.softQueries(r, subject, form, findings, (p) => `${measure}.${p}`);
      return { record, queries };
    });
  }

  async changeResult(
    caller: Caller,
    resultId: string,
    input: ResultChangeInput,
  ): Promise<Saved<ResultRecord>> {
    const found = await this.store.read((r) => r.capture.resultById(resultId));
    if (!found) throw notFound('Result', resultId);
    const { subject, actor } = await this.subjectFor(caller, found.subjectId, 'data.enter');
    return this.write(
      actor,
      subject,
      async (r, protocol, ctx) => {
        const existing = await r.capture.resultById(resultId);
        if (!existing) throw notFound('Result', resultId);
        const data = this.parse(protocol, existing.measure, input);
        const findings = this.checkResult(protocol, subject, ctx, existing.visitCode, existing.measure, data);
        if (sameResult(existing, data)) throw conflict('The result is unchanged: nothing to change');
        const record = await r.capture.updateResult(existing, subject.studyId, data, caller.userId);
        const form = formKey.visit(existing.visitCode);
        await this.changed(r, subject, form);
        const queries = await this.softQueries(r, subject, form, findings, (p) => `${existing.measure}.${p}`);
        return { record, queries };
      },
      input.reasonForChange,
    );
  }

  // ---- adverse events ----

  private aeData(protocol: Protocol, subject: SubjectRecord, ctx: SubjectContext, input: AdverseEventInput) {
    const drugs = protocol.drugs.map((d) => d.code);
    const issues = [
      ...drugs
        .filter((d) => !(d in input.relatedness))
        .map((d) => ({
          path: `relatedness.${d}`,
          message: 'is required: judge the relatedness to each study drug',
        })),
      ...Object.keys(input.relatedness)
        .filter((d) => !drugs.includes(d))
        .map((d) => ({ path: `relatedness.${d}`, message: `not a study drug (known: ${drugs.join(', ')})` })),
    ];
    if ((input.grade === 5) !== (input.outcome === 'fatal'))
      issues.push({
        path: 'outcome',
        message: input.grade === 5 ? 'must be fatal for a grade 5 event' : 'fatal needs grade 5',
      });
    if (issues.length > 0)
      throw validationError(issues.map((i) => `${i.path} ${i.message}`).join('; '), issues);
    const data: AdverseEventData = {
      verbatimTerm: input.verbatimTerm,
      codedTerm: input.codedTerm ?? null,
      bodySystem: input.bodySystem ?? null,
      grade: input.grade,
      serious: input.serious,
      relatedness: Object.fromEntries(drugs.map((d) => [d, input.relatedness[d] as Relatedness])),
      onsetDate: input.onsetDate,
      endDate: input.endDate ?? null,
      outcome: input.outcome,
      actionTaken: input.actionTaken,
    };
    const findings = runEditChecks(
      protocol,
      {
        form: 'adverse_event',
        onsetDate: data.onsetDate,
        endDate: data.endDate,
        codedTerm: data.codedTerm,
        bodySystem: data.bodySystem,
      },
      this.checkContext(subject, ctx),
    );
    hardFindings(findings);
    return { data, findings };
  }

  private refuseUnrandomized(subject: SubjectRecord, what: string): void {
    if (subject.status !== 'randomized')
      throw conflict(`Subject ${subject.screeningNumber} is not randomized: no ${what} is recorded`);
  }

  async recordAdverseEvent(
    caller: Caller,
    subjectId: string,
    input: AdverseEventInput,
  ): Promise<Saved<AdverseEventRecord>> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'data.enter');
    return this.write(actor, subject, async (r, protocol, ctx) => {
      this.refuseUnrandomized(subject, 'adverse event');
      const { data, findings } = this.aeData(protocol, subject, ctx, input);
      const record = await r.capture.insertAdverseEvent(ref(subject), data, caller.userId);
      const form = formKey.adverseEvent(record.number);
      await this.changed(r, subject, form);
      return { record, queries: await this.softQueries(r, subject, form, findings) };
    });
  }

  async changeAdverseEvent(
    caller: Caller,
    aeId: string,
    input: AdverseEventChangeInput,
  ): Promise<Saved<AdverseEventRecord>> {
    const found = await this.store.read((r) => r.capture.adverseEvent(aeId));
    if (!found) throw notFound('Adverse event', aeId);
    const { subject, actor } = await this.subjectFor(caller, found.subjectId, 'data.enter');
    const { reasonForChange, ...fields } = input;
    return this.write(
      actor,
      subject,
      async (r, protocol, ctx) => {
        const existing = await r.capture.adverseEvent(aeId);
        if (!existing) throw notFound('Adverse event', aeId);
        const { data, findings } = this.aeData(protocol, subject, ctx, fields);
        if (sameJson(aeData(existing), data))
          throw conflict('The adverse event is unchanged: nothing to change');
        const record = await r.capture.updateAdverseEvent(existing, subject.studyId, data, caller.userId);
        const form = formKey.adverseEvent(record.number);
        await this.changed(r, subject, form);
        return { record, queries: await this.softQueries(r, subject, form, findings) };
      },
      reasonForChange,
    );
  }

  // ---- dispositions ----

  private dispositionData(
    protocol: Protocol,
    subject: SubjectRecord,
    ctx: SubjectContext,
    phaseCode: string,
    input: Omit<DispositionInput, 'phase'>,
  ) {
    const phase = protocol.phases.find((p) => p.code === phaseCode);
    if (!phase)
      throw validationError(`Unknown phase ${phaseCode}`, [
        { path: 'phase', message: 'not a phase of the protocol' },
      ]);
    if (phase.election && !ctx.electedPhases.includes(phase.code))
      throw conflict(
        `Subject ${subject.screeningNumber} has not entered the ${phase.label.toLowerCase()}: record the election first`,
      );
    const locked = dispositionChangeRefusal(protocol, phaseCode, input.status, ctx.electedPhases);
    if (locked) throw conflict(`The ${phaseCode} disposition of ${subject.screeningNumber} stays: ${locked}`);
    const issues: { path: string; message: string }[] = [];
    if (input.status === 'discontinued' && input.reason === undefined)
      issues.push({ path: 'reason', message: 'is required when the subject discontinued' });
    if (input.status === 'completed' && input.reason !== undefined)
      issues.push({ path: 'reason', message: 'only a discontinuation has a reason' });
    if (input.relatedDrug !== undefined) {
      if (input.reason !== 'adverse_event')
        issues.push({
          path: 'relatedDrug',
          message: 'only a discontinuation for an adverse event names a drug',
        });
      else if (!protocol.drugs.some((d) => d.code === input.relatedDrug))
        issues.push({
          path: 'relatedDrug',
          message: `not a study drug (known: ${protocol.drugs.map((d) => d.code).join(', ')})`,
        });
    }
    if (issues.length > 0)
      throw validationError(issues.map((i) => `${i.path} ${i.message}`).join('; '), issues);
    const data: DispositionData = {
      status: input.status,
      date: input.date,
      reason: input.reason ?? null,
      relatedDrug: input.relatedDrug ?? null,
      detail: input.detail ?? null,
    };
    const findings = runEditChecks(
      protocol,
      { form: 'disposition', date: data.date, detail: data.detail },
      this.checkContext(subject, ctx),
    );
    hardFindings(findings);
    return { data, findings };
  }

  /** Records how a subject ended a phase: completed, or discontinued with the reason and drug. */
  async recordDisposition(
    caller: Caller,
    subjectId: string,
    input: DispositionInput,
  ): Promise<Saved<DispositionRecord>> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'data.enter');
    const { phase, ...fields } = input;
    return this.write(actor, subject, async (r, protocol, ctx) => {
      this.refuseUnrandomized(subject, 'disposition');
      const { data, findings } = this.dispositionData(protocol, subject, ctx, phase, fields);
      const existing = (await r.capture.dispositions(subject.id)).find((d) => d.phase === phase);
      if (existing)
        throw conflict(
          `The ${phase} disposition of ${subject.screeningNumber} is already recorded: change it with a reason for change`,
        );
      const record = await r.capture.saveDisposition(ref(subject), phase, data, caller.userId, undefined);
      const form = formKey.disposition(phase);
      await this.changed(r, subject, form);
      return { record, queries: await this.softQueries(r, subject, form, findings) };
    });
  }

  async changeDisposition(
    caller: Caller,
    subjectId: string,
    phase: string,
    input: DispositionChangeInput,
  ): Promise<Saved<DispositionRecord>> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'data.enter');
    const { reasonForChange, ...fields } = input;
    return this.write(
      actor,
      subject,
      async (r, protocol, ctx) => {
        const existing = (await r.capture.dispositions(subject.id)).find((d) => d.phase === phase);
        if (!existing) throw notFound('Disposition', `${phase} of ${subject.screeningNumber}`);
        const { data, findings } = this.dispositionData(protocol, subject, ctx, phase, fields);
        if (sameJson(dispositionData(existing), data))
          throw conflict('The disposition is unchanged: nothing to change');
        const record = await r.capture.saveDisposition(ref(subject), phase, data, caller.userId, existing);
        const form = formKey.disposition(phase);
        await this.changed(r, subject, form);
        return { record, queries: await this.softQueries(r, subject, form, findings) };
      },
      reasonForChange,
    );
  }

  // ---- reading ----

  /** The subject's casebook, as the caller may see it (no arm, whoever asks). */
  async casebook(caller: Caller, subjectId: string): Promise<Casebook> {
    const { subject } = await this.subjectFor(caller, subjectId, 'subject.read');
    return this.store.read(async (r) => {
      const { protocol } = await currentProtocol(r, subject.studyId);
      const ctx = await subjectContext(r, protocol, subject.id);
      const allocation = await r.randomization.bySubject(subject.id);
      const visits = await r.capture.visits(subject.id);
      const signatures = await r.capture.signatures(subject.id);
      return {
        subject: {
          id: subject.id,
          studyId: subject.studyId,
          siteId: subject.siteId,
          screeningNumber: subject.screeningNumber,
          status: subject.status,
          consentedOn: subject.consentedOn,
        },
        randomizationNumber: allocation?.randomizationNumber ?? null,
        day0: ctx.day0,
        elections: (await r.randomization.reassignments(subject.id)).map((x) => ({
          phase: x.phaseCode,
          option: x.optionCode,
        })),
        schedule: protocol.visits.map((v) =>
          scheduled(
            protocol,
            v.code,
            visits.find((x) => x.visitCode === v.code)?.visitDate ?? null,
            ctx.day0,
          ),
        ),
        results: await r.capture.results(subject.id),
        adverseEvents: await r.capture.adverseEvents(subject.id),
        dispositions: await r.capture.dispositions(subject.id),
        forms: await r.capture.forms(subject.id),
        signature: signatures.find((s) => s.invalidatedAt === null) ?? null,
        signatures,
        openQueries: (await r.queries.list(subject.studyId, { subjectId: subject.id })).filter(
          (q) => q.status !== 'closed',
        ).length,
      };
    });
  }

  /**
   * The study's worklist as the caller may see it (site roles: their sites): each subject with their
   * randomization number, the next visit due with its window, and their open queries. Read in a
   * fixed number of study-wide queries, whatever the number of subjects.
   */
  async worklist(caller: Caller, studyId: string): Promise<WorklistEntry[]> {
    const sites = sitesAllowing(caller, 'subject.read', studyId) ?? undefined;
    return this.store.read(async (r) => {
      const { protocol } = await currentProtocol(r, studyId);
      const d0Code = protocol.phases.find((p) => p.kind === 'main')?.startVisit ?? '';
      const subjects = await r.subjects.list(studyId, sites);
      // Only the number and date are read from an allocation: the arm never leaves this function.
      const allocations = new Map(
        (await r.randomization.list(studyId, sites)).map((a) => [
          a.subjectId,
          { number: a.randomizationNumber, at: a.allocatedAt },
        ]),
      );
      const visits = groupBy(await r.capture.visitsOfStudy(studyId), (v) => v.subjectId);
      const dispositions = groupBy(await r.capture.dispositionsOfStudy(studyId), (d) => d.subjectId);
      const elections = groupBy(await r.randomization.reassignmentsOfStudy(studyId), (x) => x.subjectId);
      const queries = groupBy(
        (await r.queries.list(studyId, { siteIds: sites })).filter((q) => q.status !== 'closed'),
        (q) => q.subjectId,
      );
      const today = todayUtc();
      return subjects.map((s): WorklistEntry => {
        const allocation = allocations.get(s.id);
        const recorded = visits.get(s.id) ?? [];
        const ended = dispositions.get(s.id) ?? [];
        const day0 = dayZero(
          allocation?.at ?? null,
          recorded.find((v) => v.visitCode === d0Code)?.visitDate ?? null,
        );
        const facts = {
          randomized: s.status === 'randomized',
          day0,
          recordedVisits: recorded.map((v) => v.visitCode),
          electedPhases: (elections.get(s.id) ?? []).map((x) => x.phaseCode),
          endedPhases: ended.map((d) => d.phase),
          discontinued: ended.some((d) => d.status === 'discontinued'),
        };
        return {
          id: s.id,
          screeningNumber: s.screeningNumber,
          siteId: s.siteId,
          status: s.status,
          levels: s.levels,
          consentedOn: s.consentedOn,
          randomizationNumber: allocation?.number ?? null,
          day0,
          nextVisit: nextVisitDue(protocol, facts, today),
          openQueries: queries.get(s.id)?.length ?? 0,
        };
      });
    });
  }

  // ---- review ----

  /** Source-data verification of one form by the monitor; any later change clears it. */
  async verifySource(caller: Caller, subjectId: string, input: SdvInput): Promise<FormRecord> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'sdv.verify');
    return this.write(actor, subject, async (r) => {
      const form = await r.capture.form(subject.id, input.form);
      if (!form) throw notFound('Form', `${input.form} of ${subject.screeningNumber}`);
      if ((form.sdvAt !== null) === input.verified)
        throw conflict(`${input.form} is already ${input.verified ? 'verified' : 'unverified'}`);
      return r.capture.setSdv(ref(subject), input.form, caller.userId, input.verified);
    });
  }

  /**
   * The investigator signs the subject's casebook: password checked again, the meaning of the
   * signature stated and kept with it. A later change to the casebook invalidates it.
   */
  async sign(caller: Caller, subjectId: string, input: SignInput): Promise<SignatureRecord> {
    const { subject, actor } = await this.subjectFor(caller, subjectId, 'casebook.sign');
    await this.auth.reauthenticate(caller, input.password);
    return this.write(actor, subject, async (r) => {
      if (subject.status === 'screen_failed')
        throw conflict(`Subject ${subject.screeningNumber} failed screening: there is no casebook to sign`);
      if ((await r.capture.forms(subject.id)).length === 0)
        throw conflict(
          `The casebook of ${subject.screeningNumber} holds no data yet: there is nothing to sign`,
        );
      if ((await r.capture.signatures(subject.id)).some((s) => s.invalidatedAt === null))
        throw conflict(`The casebook of ${subject.screeningNumber} is already signed and unchanged since`);
      const statement = `${caller.displayName} (${caller.username}), investigator: ${SIGNATURE_MEANINGS[input.meaning]}`;
      return r.capture.sign(ref(subject), {
        signedBy: caller.userId,
        signerName: caller.displayName,
        meaning: input.meaning,
        statement,
      });
    });
  }

  /** Locks the study database: no data is written until it is unlocked with a reason. */
  async lock(caller: Caller, studyId: string, input: LockInput): Promise<{ status: string }> {
    const actor = authorize(caller, 'study.lock', { studyId });
    return this.store.write(
      actor,
      async (r) => {
        const study = await r.studies.get(studyId);
        if (!study) throw notFound('Study', studyId);
        const locked = await r.studies.setStatus(study, 'locked', input.reason ?? null);
        if (!locked) throw conflict('The study database is already locked');
        return { status: locked.status };
      },
      input.reason === undefined ? {} : { reason: input.reason },
    );
  }

  async unlock(caller: Caller, studyId: string, input: UnlockInput): Promise<{ status: string }> {
    const actor = authorize(caller, 'study.lock', { studyId });
    return this.store.write(
      actor,
      async (r) => {
        const study = await r.studies.get(studyId);
        if (!study) throw notFound('Study', studyId);
        const unlocked =
          study.status === 'locked' ? await r.studies.setStatus(study, 'active', input.reason) : null;
        if (!unlocked) throw conflict('The study database is not locked');
        return { status: unlocked.status };
      },
      { reason: input.reason },
    );
  }
}

function scheduled(
  protocol: Protocol,
  visitCode: string,
  date: string | null,
  day0: string | null,
): ScheduledVisit {
  const visit = protocol.visits.find((v) => v.code === visitCode);
  if (!visit) throw new DomainError('internal', `visit ${visitCode} vanished from the protocol`);
  const window = day0 === null ? null : visitWindow(protocol, visitCode, day0);
  return {
    visit: visit.code,
    label: visit.label,
    phase: visit.phase,
    date,
    window,
    daysOutOfWindow: window && date !== null ? daysOutOfWindow(window, date) : null,
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function onlyMeasure(protocol: Protocol, visitCode: string): string {
  const measures = protocol.visits.find((v) => v.code === visitCode)?.measures ?? [];
  if (measures.length !== 1)
    throw validationError(`${visitCode} has ${measures.length} measures: say which`, [
      { path: 'measure', message: `is required at ${visitCode} (one of ${measures.join(', ') || 'none'})` },
    ]);
  return measures[0] as string;
}

// Canonical (sorted keys): jsonb gives object keys back in its own order, not the order written.
const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

const sameResult = (a: ResultRecord, d: ResultData): boolean =>
  a.collectedOn === d.collectedOn &&
  a.reported === d.reported &&
  a.reportedUnit === d.reportedUnit &&
  a.assay === d.assay &&
  formatResult(a.result) === formatResult(d.result);
