import type { FieldIssue } from '../errors.js';

/**
 * C0 control characters other than tab, line feed and carriage return, and DEL. PostgreSQL refuses
 * U+0000 in text and JSON, and none of them belongs in clinical data, a name or a reason.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Deepest nesting of objects and arrays accepted in a request (a protocol needs about 8). */
export const MAX_INPUT_DEPTH = 32;

/** Why a text is refused, or null: names the first control character and where it is. */
export function controlCharacterProblem(text: string): string | null {
  const m = CONTROL.exec(text);
  if (!m) return null;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `must not contain control characters (U+${code} at character ${m.index + 1})`;
}

/**
 * Every string (values and keys) of a parsed input that holds a control character, and any nesting
 * deeper than MAX_INPUT_DEPTH, as issues with the field's path (`body.answers.weight`). Iterative, so
 * a hostile depth cannot overflow the stack. At most `limit` issues.
 */
export function unsafeInputIssues(value: unknown, root: string, limit = 20): FieldIssue[] {
  const issues: FieldIssue[] = [];
  // Paths are built only for the fields that have an issue: each node keeps its parent and key.
  interface Node {
    readonly value: unknown;
    readonly parent: Node | null;
    readonly key: string;
    readonly depth: number;
  }
  const pathOf = (node: Node): string => {
    const keys: string[] = [];
    for (let n: Node | null = node; n; n = n.parent) keys.push(n.key);
    return keys
      .reverse()
      .filter((k) => k !== '')
      .join('.');
  };
  const stack: Node[] = [{ value, parent: null, key: root, depth: 0 }];
  while (stack.length > 0 && issues.length < limit) {
    const node = stack.pop() as Node;
    const v = node.value;
    if (typeof v === 'string') {
      if (!CONTROL.test(v)) continue;
      issues.push({ path: pathOf(node), message: controlCharacterProblem(v) ?? '' });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (node.depth >= MAX_INPUT_DEPTH) {
      issues.push({
        path: pathOf(node),
        message: `is nested too deeply (at most ${MAX_INPUT_DEPTH} levels)`,
      });
      continue;
    }
    const depth = node.depth + 1;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ value: v[i], parent: node, key: String(i), depth });
      continue;
    }
    for (const key in v) {
      if (!Object.hasOwn(v, key)) continue;
      if (CONTROL.test(key)) {
        issues.push({ path: pathOf(node), message: `has a key that ${controlCharacterProblem(key) ?? ''}` });
        continue;
      }
      stack.push({ value: (v as Record<string, unknown>)[key], parent: node, key, depth });
    }
  }
  return issues;
}
