// A minimal HTML reader for the report tests: enough for the markup the report emits (escaped text
// and attribute values, no comments, CSS without "<"), strict about balance so a stray or missing
// closing tag fails the parse.

export interface Node {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: (Node | string)[];
}

const VOID = new Set(['meta', 'br', 'hr', 'img', 'link', 'input']);
/** Elements whose content is raw text (the stylesheet). */
const RAW_TEXT = new Set(['style', 'script']);

const decode = (text: string): string =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

function parseAttrs(source: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of source.matchAll(/([^\s=/]+)(?:="([^"]*)")?/g)) attrs[m[1] ?? ''] = decode(m[2] ?? '');
  return attrs;
}

/** Parses the document into a tree; throws on an unbalanced, mismatched or unclosed tag. */
export function parseHtml(html: string): Node {
  const root: Node = { tag: '#root', attrs: {}, children: [] };
  const stack: Node[] = [root];
  const top = (): Node => stack[stack.length - 1] ?? root;
  const tokens =
    /<!DOCTYPE[^>]*>|<\/([a-zA-Z][\w:-]*)\s*>|<([a-zA-Z][\w:-]*)((?:\s+[^\s=/>]+(?:="[^"]*")?)*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = tokens.exec(html)) !== null) {
    const [, closing, opening, attrSource, selfClosing, text, stray] = m;
    if (stray !== undefined) throw new Error(`stray "<" at ${m.index}: ${html.slice(m.index, m.index + 40)}`);
    if (text !== undefined) {
      top().children.push(decode(text));
    } else if (closing !== undefined) {
      const open = stack.pop();
      if (!open || open.tag !== closing)
        throw new Error(`</${closing}> at ${m.index} closes <${open?.tag ?? 'nothing'}>`);
    } else if (opening !== undefined) {
      const node: Node = { tag: opening, attrs: parseAttrs(attrSource ?? ''), children: [] };
      top().children.push(node);
      if (RAW_TEXT.has(opening)) {
        const end = html.indexOf(`</${opening}>`, tokens.lastIndex);
        if (end < 0) throw new Error(`<${opening}> is not closed`);
        node.children.push(html.slice(tokens.lastIndex, end));
        tokens.lastIndex = end + opening.length + 3;
      } else if (selfClosing !== '/' && !VOID.has(opening)) stack.push(node);
      else if (selfClosing === '/' && VOID.has(opening) === false && !isSvgContext(stack))
        throw new Error(`<${opening}/> self-closed outside SVG`);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed: ${stack.map((n) => n.tag).join(' > ')}`);
  return root;
}

const isSvgContext = (stack: readonly Node[]): boolean => stack.some((n) => n.tag === 'svg');

/** Every element under `node` (depth first, document order) that satisfies `test`. */
export function findAll(node: Node, test: (n: Node) => boolean): Node[] {
  const out: Node[] = [];
  const visit = (n: Node): void => {
    for (const c of n.children)
      if (typeof c !== 'string') {
        if (test(c)) out.push(c);
        visit(c);
      }
  };
  visit(node);
  return out;
}

export const byTag =
  (tag: string, attrs: Readonly<Record<string, string>> = {}) =>
  (n: Node): boolean =>
    n.tag === tag && Object.entries(attrs).every(([k, v]) => n.attrs[k] === v);

/** The first match, or a failure naming what was looked for. */
export function findOne(node: Node, test: (n: Node) => boolean, what: string): Node {
  const found = findAll(node, test)[0];
  if (!found) throw new Error(`not found: ${what}`);
  return found;
}

/** The text content, with no-break spaces as spaces and runs of white space collapsed. */
export function textOf(node: Node | string): string {
  const raw = (n: Node | string): string => (typeof n === 'string' ? n : n.children.map(raw).join(''));
  return raw(node)
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The direct element children of a node. */
export const elementsOf = (node: Node): Node[] =>
  node.children.filter((c): c is Node => typeof c !== 'string');

/** Numbers in an attribute value (coordinates, viewBox, points, transform). */
export const numbersIn = (value: string): number[] =>
  (value.match(/-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|NaN|Infinity/gi) ?? []).map(Number);

/** Formats as the report should, written independently of the renderer: 2 decimals, a true minus. */
export function f2(value: number | null): string {
  if (value === null) return '—';
  const text = value.toFixed(2);
  if (Number(text) === 0) return '0.00';
  return text.replace('-', '\u2212');
}

export const pct = (p: number | null): string => (p === null ? '—' : `${f0(p * 100)}%`);
export const f0 = (v: number): string => {
  const text = v.toFixed(0);
  return Number(text) === 0 ? '0' : text.replace('-', '\u2212');
};
export const p3 = (p: number | null): string => (p === null ? '—' : p < 0.001 ? '< 0.001' : p.toPrecision(3));
