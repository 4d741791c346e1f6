import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { validationError, type FieldIssue } from '../errors.js';
import { unsafeInputIssues } from '../input/unsafe-input.js';
import { PROTOCOL_LIMITS } from './limits.js';
import { protocolSchema, type Protocol } from './schema.js';

/** One problem in a protocol file: where (file, line, path inside it) and why. */
export interface ProtocolIssue extends FieldIssue {
  readonly file: string;
  readonly line: number | null;
}

/** `arms[2].treatments[0].drug` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    const name = String(key);
    return acc === '' ? name : `${acc}.${name}`;
  }, '');
}

/**
 * Parses and validates a protocol file's text (YAML or JSON: JSON is YAML).
 * Throws a `validation` DomainError whose issues name the file, line, path and reason.
 */
export function parseProtocol(source: string, fileName: string): Protocol {
  if (source.length > PROTOCOL_LIMITS.fileChars)
    throw protocolError(fileName, [
      {
        file: fileName,
        line: null,
        path: '',
        message: `is larger than the protocol size limit of ${PROTOCOL_LIMITS.fileChars} characters`,
      },
    ]);
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  let value: unknown;
  try {
    doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    // Aliases may not multiply the document (a "billion laughs" file of a few hundred bytes).
    if (doc.errors.length === 0) value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // An alias bomb, or a nesting deep enough to exhaust the parser's stack.
    const why = e instanceof RangeError ? 'it is nested too deeply' : (e as Error).message;
    throw protocolError(fileName, [
      { file: fileName, line: null, path: '', message: `cannot be read: ${why}` },
    ]);
  }
  if (doc.errors.length > 0) {
    const issues: ProtocolIssue[] = doc.errors.map((e) => ({
      file: fileName,
      line: lines.linePos(e.pos[0]).line,
      path: '',
      message: e.message.split('\n')[0] ?? e.message,
    }));
    throw protocolError(fileName, issues);
  }
  const result = protocolSafeParse(value, fileName);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => toIssue(i, fileName, doc, lines));
  throw protocolError(fileName, issues);
}

/** Validates an already-parsed protocol object (e.g. from an API request body). */
export function validateProtocol(value: unknown, source = 'protocol'): Protocol {
  const result = protocolSafeParse(value, source);
  if (result.success) return result.data;
  throw protocolError(
    source,
    result.error.issues.map((i) => ({
      file: source,
      line: null,
      path: formatPath(i.path),
      message: i.message,
    })),
  );
}

/** How many times aliases (`*name`) may be expanded in one protocol file: a real one uses a few. */
const MAX_ALIAS_COUNT = 50;

/**
 * The schema's verdict. Control characters and nesting past any protocol's depth are refused first,
 * so the schema never recurses into a hostile shape.
 */
function protocolSafeParse(value: unknown, file: string): ReturnType<typeof protocolSchema.safeParse> {
  const unsafe = unsafeInputIssues(value, '');
  if (unsafe.length > 0)
    throw protocolError(
      file,
      unsafe.map((i) => ({ ...i, file, line: null })),
    );
  return protocolSchema.safeParse(value);
}

function toIssue(
  issue: z.core.$ZodIssue,
  file: string,
  doc: ReturnType<typeof parseDocument>,
  lines: LineCounter,
): ProtocolIssue {
  // The nearest node that exists (a missing key is reported at its parent object).
  let line: number | null = null;
  for (let n = issue.path.length; n >= 0 && line === null; n--) {
    const node: unknown = doc.getIn(issue.path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) line = lines.linePos(node.range[0]).line;
  }
  return { file, line, path: formatPath(issue.path), message: issue.message };
}

function protocolError(file: string, issues: readonly ProtocolIssue[]) {
  const lines = issues.map(
    (i) => `  ${file}${i.line === null ? '' : `:${i.line}`} ${i.path || '(file)'}: ${i.message}`,
  );
  const count = issues.length === 1 ? 'a problem' : `${issues.length} problems`;
  return validationError(`Protocol ${file} has ${count}:\n${lines.join('\n')}`, issues);
}
