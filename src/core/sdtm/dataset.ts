import { DOMAIN_SPECS, parentOf, type SdtmDomain } from './variables.js';

/** A rejected row (or header): the file, its line (1 is the header) and why. */
export interface SdtmIssue {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** One record of a CSV file, with the line it starts on. */
export interface SdtmRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/** A dataset as read from its CSV file: the header and the records (blank lines left out). */
export interface SdtmDataset {
  readonly domain: SdtmDomain;
  readonly file: string;
  /** The header row, or null for an empty file. */
  readonly header: readonly string[] | null;
  readonly records: readonly SdtmRecord[];
  /** Records that are not valid CSV: their line and why. */
  readonly malformed?: readonly { readonly line: number; readonly reason: string }[];
}

/** A row of a dataset whose header was accepted: its values by variable name (trimmed, '' if absent). */
export interface SdtmRow {
  readonly file: string;
  readonly line: number;
  value(variable: string): string;
}

/** Collects the issues of an import, in bounded memory: the first `limit` are kept, all are counted. */
export class IssueList {
  private readonly items: SdtmIssue[] = [];
  total = 0;

  constructor(private readonly limit = 1000) {}

  add(file: string, line: number, reason: string): void {
    this.total++;
    if (this.items.length < this.limit) this.items.push({ file, line, reason });
  }

  /** The issues kept, by file (in the order the domains are listed) and line. */
  list(fileOrder: readonly string[] = []): SdtmIssue[] {
    const rank = (f: string): number => {
      const i = fileOrder.indexOf(f);
      return i === -1 ? fileOrder.length : i;
    };
    return [...this.items].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line);
  }
}

/**
 * Checks a dataset's header against its domain (every column a variable of the domain, none twice,
 * the required ones present) and gives its rows; on a bad header the issues are added to `issues`
 * and null comes back (the dataset cannot be read), as for records that are not valid CSV. Rows with another number of fields than the header, or another DOMAIN
 * (RDOMAIN for supplemental qualifiers), are reported and left out.
 */
export function rowsOf(dataset: SdtmDataset, issues: IssueList): SdtmRow[] | null {
  const { file, domain } = dataset;
  // After a broken quote the parser's reading of the rest is unreliable: the file is not read further.
  const malformed = dataset.malformed ?? [];
  for (const m of malformed) issues.add(file, m.line, m.reason);
  if (malformed.length > 0) return null;
  if (dataset.header === null) {
    issues.add(file, 1, `is empty: it needs a header row naming the ${domain} variables`);
    return null;
  }
  const spec = DOMAIN_SPECS[domain];
  const known = new Set(spec.variables);
  const at = new Map<string, number>();
  const problems: string[] = [];
  dataset.header.forEach((raw, i) => {
    const name = raw.trim().toUpperCase();
    if (name === '') problems.push(`column ${i + 1} has no name`);
    else if (!known.has(name)) problems.push(`unknown column "${raw.trim()}": not a variable of ${domain}`);
    else if (at.has(name)) problems.push(`column ${name} appears twice`);
    else at.set(name, i);
  });
  const missing = spec.required.filter((v) => !at.has(v));
  if (missing.length > 0) problems.unshift(`missing required column(s) ${missing.join(', ')}`);
  for (const group of spec.oneOf ?? [])
    if (!group.some((v) => at.has(v))) problems.push(`needs one of the columns ${group.join(', ')}`);
  if (problems.length > 0) {
    for (const p of problems) issues.add(file, 1, p);
    return null;
  }

  const width = dataset.header.length;
  const domainColumn = at.get(parentOf(domain) === null ? 'DOMAIN' : 'RDOMAIN');
  const expectedDomain = parentOf(domain) ?? domain;
  const rows: SdtmRow[] = [];
  for (const record of dataset.records) {
    if (record.fields.length !== width) {
      issues.add(file, record.line, `has ${record.fields.length} field(s) where the header has ${width}`);
      continue;
    }
    const fields = record.fields;
    if (domainColumn !== undefined) {
      const d = (fields[domainColumn] ?? '').trim().toUpperCase();
      if (d !== '' && d !== expectedDomain) {
        issues.add(
          file,
          record.line,
          `${parentOf(domain) === null ? 'DOMAIN' : 'RDOMAIN'} is "${d}", not ${expectedDomain}`,
        );
        continue;
      }
    }
    rows.push({
      file,
      line: record.line,
      value: (variable) => {
        const i = at.get(variable);
        return i === undefined ? '' : (fields[i] ?? '').trim();
      },
    });
  }
  return rows;
}
