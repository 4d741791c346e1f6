import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestServer, TestUser } from './support.js';

/**
 * Values that differ between two runs of the same scenario without meaning anything: ids, times,
 * hashes and nonces, tokens, kit numbers. Each is replaced by its kind and its order of first
 * appearance, so two runs compare equal exactly when they differ in nothing else.
 */
const VOLATILE: readonly (readonly [string, RegExp])[] = [
  ['uuid', /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi],
  ['time', /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})/g],
  ['hex', /\b[0-9a-f]{32,}\b/gi],
  ['token', /td_[A-Za-z0-9_-]{20,}/g],
  ['kit', /\b\d{7}\b/g],
];

/**
 * Replaces volatile values by `<kind#n>`, n counting first appearances over everything it is given.
 * Times become `<time>` alone: whether two writes fell in the same millisecond is chance, not meaning
 * (the order of what lists show by time is still compared).
 */
export class Canonicalizer {
  private readonly seen = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  text(raw: string): string {
    let out = raw;
    for (const [kind, pattern] of VOLATILE)
      out = out.replace(pattern, (value) => {
        if (kind === 'time') return '<time>';
        let name = this.seen.get(`${kind}:${value}`);
        if (!name) {
          const n = (this.counts.get(kind) ?? 0) + 1;
          this.counts.set(kind, n);
          name = `<${kind}#${n}>`;
          this.seen.set(`${kind}:${value}`, name);
        }
        return name;
      });
    return out;
  }

  /** A response as a blinded reader gets it: status, content type and body, canonicalized. */
  response(res: LightMyRequestResponse): string {
    return this.text(`${res.statusCode} ${String(res.headers['content-type'])}\n${res.body}`);
  }
}

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly schema: { enum?: readonly string[]; type?: string };
}

/** A GET operation of the OpenAPI document. */
export interface GetOperation {
  readonly path: string;
  readonly parameters: readonly Parameter[];
}

/** Every GET operation the server documents: endpoints added later are read by the test without edits. */
export async function getOperations(s: TestServer): Promise<GetOperation[]> {
  const res = await s.call({ method: 'GET', url: '/api/openapi.json' });
  expect(res.statusCode).toBe(200);
  const doc = res.json<{ paths: Record<string, Record<string, { parameters?: Parameter[] }>> }>();
  return Object.entries(doc.paths)
    .filter(([, ops]) => ops.get)
    .map(([path, ops]) => ({ path, parameters: ops.get?.parameters ?? [] }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * The values to try for each parameter name, from the scenario: every id of its kind plus an unknown
 * one (for the error answers). A parameter the table does not know fails the test, naming it, so a new
 * endpoint's parameter is given values rather than silently left out.
 */
export type ParameterValues = Readonly<Record<string, readonly string[]>>;

/** Query parameters not worth a value each: they only bound a page or a time range. */
const BOUNDS = new Set(['from', 'to', 'afterSeq', 'limit']);

/**
 * The URLs to read for one operation: each combination of path values, first with only the required
 * query parameters, then with each optional one set to each of its values (an enum's every member;
 * `filters` may give a query parameter fewer values than its path namesake).
 * `limit` is set to its maximum where there is one, so a list is read whole.
 */
export function urlsOf(op: GetOperation, values: ParameterValues, filters: ParameterValues = {}): string[] {
  const valuesOf = (p: Parameter): readonly string[] => {
    const known = (p.in === 'query' ? filters[p.name] : undefined) ?? values[p.name] ?? p.schema.enum;
    if (!known)
      throw new Error(`No values for parameter ${p.name} of GET ${op.path}: add them to the blinding test`);
    return known;
  };
  let paths = [op.path];
  for (const p of op.parameters.filter((x) => x.in === 'path'))
    paths = paths.flatMap((path) => valuesOf(p).map((v) => path.replace(`{${p.name}}`, v)));
  const query = op.parameters.filter((x) => x.in === 'query');
  const base = new URLSearchParams();
  for (const p of query.filter((x) => x.required)) base.set(p.name, valuesOf(p)[0] ?? '');
  // Filters that read a study's rows are given the study, as a reader would.
  const studyId = values.studyId?.[0];
  if (studyId && query.some((x) => x.name === 'studyId')) base.set('studyId', studyId);
  if (query.some((x) => x.name === 'limit')) base.set('limit', '1000');
  const variants = [base];
  for (const p of query.filter((x) => !x.required && !BOUNDS.has(x.name) && x.name !== 'studyId'))
    for (const v of valuesOf(p)) {
      const q = new URLSearchParams(base);
      q.set(p.name, v);
      variants.push(q);
    }
  return paths.flatMap((path) => variants.map((q) => (q.size > 0 ? `${path}?${q.toString()}` : path)));
}

/** Everything `user` can read: each URL of each GET operation, canonicalized, labelled by URL. */
export async function readEverything(
  s: TestServer,
  user: TestUser,
  urls: readonly string[],
  canon: Canonicalizer,
): Promise<string[]> {
  const out: string[] = [];
  for (const url of urls) {
    const res = await s.call({ method: 'GET', url, token: user.token });
    expect(res.statusCode, `GET ${url}: ${res.body}`).toBeLessThan(500);
    out.push(`GET ${canon.text(url)} -> ${canon.response(res)}`);
  }
  return out;
}
