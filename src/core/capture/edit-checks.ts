import type { EditCheck, Protocol } from '../protocol/schema.js';
import type { MeasureResult } from '../labs/result.js';
import { daysOutOfWindow, visitWindow } from './windows.js';

/** What an edit check found: hard findings reject the data, soft ones open a query on it. */
export interface CheckFinding {
  readonly check: string;
  readonly severity: 'hard' | 'soft';
  /** The field, as the form names it (`visitDate`, `result`, `endDate`…). */
  readonly path: string;
  readonly message: string;
}

/** The data of one form, as the checks see it (already valid in type and shape). */
export type CheckedForm =
  | { readonly form: 'visit'; readonly visitCode: string; readonly visitDate: string }
  | {
      readonly form: 'result';
      readonly visitCode: string;
      readonly measure: string;
      readonly collectedOn: string;
      readonly result: MeasureResult;
      readonly assay: string | null;
    }
  | {
      readonly form: 'adverse_event';
      readonly onsetDate: string;
      readonly endDate: string | null;
      readonly codedTerm: string | null;
      readonly bodySystem: string | null;
    }
  | { readonly form: 'disposition'; readonly date: string; readonly detail: string | null };

/** What the checks need to know about the subject and the day. */
export interface CheckContext {
  readonly today: string;
  readonly consentedOn: string;
  /** The day of randomization (study day 0), or null before it. */
  readonly day0: string | null;
}

/** The form's dates, by field name. */
function datesOf(data: CheckedForm): [string, string][] {
  switch (data.form) {
    case 'visit':
      return [['visitDate', data.visitDate]];
    case 'result':
      return [['collectedOn', data.collectedOn]];
    case 'adverse_event':
      return data.endDate === null
        ? [['onsetDate', data.onsetDate]]
        : [
            ['onsetDate', data.onsetDate],
            ['endDate', data.endDate],
          ];
    case 'disposition':
      return [['date', data.date]];
  }
}

const fmt = (n: number): string => (Math.abs(n) >= 1e5 ? n.toExponential() : String(n));

function runOne(protocol: Protocol, check: EditCheck, data: CheckedForm, ctx: CheckContext): CheckFinding[] {
  const found = (path: string, message: string): CheckFinding[] => [
    { check: check.code, severity: check.severity, path, message },
  ];
  switch (check.kind) {
    case 'plausibility':
    case 'range': {
      if (data.form !== 'result' || data.result.kind !== 'value') return [];
      const measure = protocol.measures.find((m) => m.code === data.measure);
      if (!measure) return [];
      const value = data.result.value;
      if (check.kind === 'plausibility') {
        const p = measure.plausible;
        if (!p) return [];
        if (
          (p.minExclusive !== undefined && !(value > p.minExclusive)) ||
          (p.max !== undefined && value > p.max)
        )
          return found(
            'result',
            `${measure.label} ${fmt(value)} ${measure.unit} is implausible: it must be${p.minExclusive !== undefined ? ` above ${fmt(p.minExclusive)}` : ''}${p.minExclusive !== undefined && p.max !== undefined ? ' and' : ''}${p.max !== undefined ? ` at most ${fmt(p.max)}` : ''} ${measure.unit}`,
          );
        return [];
      }
      if (check.measure !== data.measure) return [];
      if (check.min !== undefined && value < check.min)
        return found(
          'result',
          `${measure.label} ${fmt(value)} ${measure.unit} is below ${fmt(check.min)}: please confirm`,
        );
      if (check.max !== undefined && value > check.max)
        return found(
          'result',
          `${measure.label} ${fmt(value)} ${measure.unit} is above ${fmt(check.max)}: please confirm`,
        );
      return [];
    }
    case 'not-in-future':
      return datesOf(data).flatMap(([path, date]) =>
        date > ctx.today ? found(path, `${date} is in the future (today is ${ctx.today})`) : [],
      );
    case 'after-consent':
      return datesOf(data)
        .filter(([path]) => path !== 'endDate')
        .flatMap(([path, date]) =>
          date < ctx.consentedOn
            ? found(path, `${date} is before informed consent (${ctx.consentedOn})`)
            : [],
        );
    case 'end-after-onset':
      if (data.form !== 'adverse_event' || data.endDate === null || data.endDate >= data.onsetDate) return [];
      return found('endDate', `the end date ${data.endDate} is before the onset date ${data.onsetDate}`);
    case 'visit-window': {
      if (data.form !== 'visit' || ctx.day0 === null) return [];
      const window = visitWindow(protocol, data.visitCode, ctx.day0);
      if (!window) return [];
      const off = daysOutOfWindow(window, data.visitDate);
      if (off === 0) return [];
      return found(
        'visitDate',
        `${data.visitDate} is ${Math.abs(off)} day(s) ${off < 0 ? 'before' : 'after'} the ${data.visitCode} window (${window.earliest} to ${window.latest})`,
      );
    }
    case 'required': {
      if (check.form !== data.form) return [];
      const value = (data as unknown as Record<string, unknown>)[check.field];
      if (value === null || value === undefined || value === '') return found(check.field, 'is required');
      return [];
    }
  }
}

/** Runs every edit check of the protocol on the form's data. */
export function runEditChecks(protocol: Protocol, data: CheckedForm, ctx: CheckContext): CheckFinding[] {
  return protocol.editChecks.flatMap((check) => runOne(protocol, check, data, ctx));
}
