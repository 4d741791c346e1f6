/** Ways to break a protocol file, and what the error must then say. */

type Doc = Record<string, unknown>;
interface Arm {
  treatments: { drug: string }[];
}

export interface BrokenProtocol {
  readonly name: string;
  /** Breaks the parsed document: a problem the protocol schema catches. */
  readonly edit: (doc: Doc) => void;
  /** The path inside the document the error names, e.g. `arms[0].treatments[2].drug`. */
  readonly path: string;
  readonly reason: RegExp;
  /** The line the error names, in the file as written: the first line this matches. */
  readonly line: RegExp;
}

export const BROKEN_PROTOCOLS: readonly BrokenProtocol[] = [
  {
    name: 'an unknown drug in an arm',
    edit: (doc) => {
      const arm = (doc.arms as Arm[])[0];
      if (arm?.treatments[2]) arm.treatments[2].drug = 'RIBAVIRINX';
    },
    path: 'arms[0].treatments[2].drug',
    reason: /unknown drug "RIBAVIRINX" \(known: CELGOSIVIR, PEGIFN, RBV\)/,
    line: /drug: RIBAVIRINX$/,
  },
  {
    name: 'a block size that is not a multiple of the ratio sum',
    edit: (doc) => {
      (doc.randomization as { blockSizes: number[] }).blockSizes = [3, 4];
    },
    path: 'randomization.blockSizes[1]',
    reason: /block size 4 is not a multiple of the ratio sum 3/,
    line: /^\s+- 4$/,
  },
];

/** An unclosed flow sequence: a YAML syntax error (the parser notices it on the next line). */
export const breakYaml = (source: string): string => source.replace(/^phase: II$/m, 'phase: [II');

/** The 1-based number of the first line matching `pattern`. */
export function lineOf(text: string, pattern: RegExp): number {
  const index = text.split('\n').findIndex((l) => pattern.test(l));
  if (index < 0) throw new Error(`no line matches ${String(pattern)}`);
  return index + 1;
}
